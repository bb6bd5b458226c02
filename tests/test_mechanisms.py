"""Mechanism switches: each one really removes its mechanism and nothing else.

A run with ``mech_<name>=False`` must equal, to the last bit on one machine, a run where the
mechanism's own parameters are at their null values (``Mechanism.null``), and must differ from
the run with everything on in a setting where the mechanism is active (so no switch is idle).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from aiblocs import run
from aiblocs.model.mechanisms import MECHANISMS
from aiblocs.model.params import PARAM_FIELDS
from aiblocs.model.regimes import REGIME_FIELDS, get_regime

N = 400
# A regime (and overrides) where each mechanism changes the outputs. At the calibrated defaults
# no bloc's service demand ever goes unserved (docs/attribution.md), so the mechanisms that act
# through compute scarcity need faster growth of use to wake; the rest are active as they are.
SCARCE = {"use_growth": 1.5}
IDLE_AT_DEFAULTS: dict[str, dict] = {
    "induced_efficiency": SCARCE,
    "scarcity_pricing": SCARCE,
    "scarcity_throttle": {**SCARCE, "price_clearing": 0.5},
}
ACTIVE = {
    "spillover_to_us": "historical", "spillover_to_cn": "historical",
    "induced_efficiency": "containment", "smuggling": "containment",
    "fee_passthrough": "managed_access", "licence_rationing": "managed_access",
    "stack_export": "historical", "domestic_preference": "containment",
    "domestic_learning": "containment", "network_effect": "open", "switching_costs": "open",
    "scarcity_pricing": "containment", "scarcity_throttle": "containment",
    "edwc_optimism": "historical", "approval_tightening": "historical", "pooling": "historical",
    "ai_plus": "historical", "mixed_fleet": "containment", "cloud_rental": "containment",
    "distillation": "historical", "lock_in_rents": "open", "small_build_ban": "historical",
    "domestic_scarcity_price": "containment", "national_deals": "historical",
    "large_adopters": "containment",
    # the adaptive governments' motives act only where a side is adaptive
    "us_security_motive": "adaptive", "us_revenue_motive": "adaptive", "policy_noise": "adaptive",
    "cn_self_reliance": "adaptive", "cn_readiness": "adaptive",
    "breakthroughs": "containment", "crackdowns": "containment", "supply_shocks": "containment",
}  # fmt: skip


def test_every_mechanism_has_a_flag_a_null_and_an_active_case():
    flags = {f for f in PARAM_FIELDS if f.startswith("mech_")}
    assert flags == {m.flag for m in MECHANISMS.values()}
    assert set(ACTIVE) == set(MECHANISMS)
    for m in MECHANISMS.values():
        assert m.label and m.off and m.where
        assert set(m.null) <= set(PARAM_FIELDS) | set(REGIME_FIELDS), m.name
        assert m.null or m.name == "licence_rationing"  # its null is a regime (approvals 1)


def _null_regime(name: str):
    """The regime with every licence granted: licence rationing's null."""
    reg = get_regime(name)
    rules = tuple(dataclasses.replace(r, approval=1.0) if r.status == "licensed" else r
                  for r in reg.rules)  # fmt: skip
    return dataclasses.replace(reg, rules=rules)


@pytest.mark.parametrize("name", sorted(MECHANISMS))
def test_switch_off_equals_null_parameters_and_changes_the_run(name):
    m, regime = MECHANISMS[name], ACTIVE[name]
    kw = {"n_adopters": N, **IDLE_AT_DEFAULTS.get(name, {})}
    off = run(regime, 11, **kw, **{m.flag: False})
    null_regime = _null_regime(regime) if name == "licence_rationing" else regime
    null = run(null_regime, 11, **kw, **m.null)
    pd.testing.assert_frame_equal(off, null, check_exact=True)
    on = run(regime, 11, **kw)
    assert not on.drop(columns="quarter").equals(off.drop(columns="quarter")), (
        f"switching {name} off changes nothing under {regime}: the switch (or the case) is idle"
    )


def test_switches_remove_what_they_name():
    """Observable signatures: no smuggling, no fee borne, no switching cost, no pooling."""
    base = {"n_adopters": N}
    assert run("containment", 3, mech_smuggling=False, **base)["smuggled_chips"].eq(0).all()
    assert run("containment", 3, **base)["smuggled_chips"].gt(0).any()
    free = run("open", 3, mech_switching_costs=False, **base)
    assert free["gs_locked_in_us"].eq(0).all() and free["gs_locked_in_cn"].eq(0).all()
    off = run("managed_access", 3, mech_stack_export=False, **base)
    assert off.equals(run("managed_access", 3, export_stack_support=0.0, **base))
