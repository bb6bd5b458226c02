"""Dashboard levers: regime modification and model construction (no browser)."""

import numpy as np
import pytest

pytest.importorskip("solara")

from aiblocs.model.calendar import parse_quarter
from aiblocs.model.regimes import get_regime
from aiblocs.viz.levers import (
    DEFAULT_ADOPTERS,
    EXPORT_STACK_FROM,
    LEVERS,
    DashboardModel,
    build_model,
    lever_regime,
    preset_value,
)
from aiblocs.viz.series import frame


def test_no_levers_keeps_the_preset():
    assert lever_regime("historical") == get_regime("historical")


def test_fee_and_cap_change_licensed_rules_only():
    base = get_regime("historical")
    new = lever_regime("historical", fee=0.4, cap=1.5)
    for old, r in zip(base.rules, new.rules, strict=True):
        if old.status == "licensed":
            assert (r.fee, r.cap) == (0.4, 1.5)
        else:
            assert r == old
    assert any(r.status == "licensed" for r in new.rules)


def test_regime_field_levers():
    reg = lever_regime("open", enforcement=0.9, export_stack_support=0.7)
    assert reg.enforcement == 0.9
    assert reg.export_stack_support == 0.7
    assert reg.export_stack_from == parse_quarter(EXPORT_STACK_FROM)
    # a preset with its own start date keeps it
    hist = lever_regime("historical", export_stack_support=0.1)
    assert hist.export_stack_from == get_regime("historical").export_stack_from


def test_stance_lever_replaces_prev_stances():
    reg = lever_regime("historical", cn_prev_stance="allow")
    assert reg.stance("prev", parse_quarter("2027Q1")) == "allow"
    assert reg.stance("compliant", parse_quarter("2026Q1")) == "discourage"  # untouched
    blocked = lever_regime("open", cn_prev_stance="block")
    assert blocked.stance("prev", parse_quarter("2022Q1")) == "block"
    assert lever_regime("historical", cn_prev_stance="preset") == get_regime("historical")


@pytest.mark.parametrize(
    ("kw", "word"),
    [
        ({"cn_prev_stance": "forbid"}, "cn_prev_stance"),
        ({"enforcement": 1.5}, "enforcement"),
        ({"fee": -0.1}, "fee"),
    ],
)
def test_bad_levers_raise_naming_the_field(kw, word):
    with pytest.raises(ValueError, match=word):
        lever_regime("historical", **kw)


def test_build_model_defaults_and_param_levers():
    m = build_model("containment", seed=3, network_effect=4.0, switch_cost_growth=0.3)
    assert isinstance(m, DashboardModel)
    assert m.p.n_adopters == DEFAULT_ADOPTERS == 20_000  # the model's one default
    assert (m.p.network_effect, m.p.switch_cost_growth, m.seed) == (4.0, 0.3, 3)
    assert m.twin is None
    with pytest.raises(ValueError, match="unknown lever"):
        build_model("historical", bogus=1)
    with pytest.raises(ValueError, match="network_effect"):
        build_model("historical", network_effect=-1.0)


def test_mesa_reset_kwargs_are_accepted():
    # Mesa's Reset passes the current params plus scenario=...
    m = DashboardModel(regime="open", seed=1, n_adopters=300, compare="none", scenario=object())
    assert m.regime.name == "open"


def test_twin_runs_in_lockstep_on_the_same_seed():
    m = build_model("historical", seed=5, n_adopters=400, compare="historical")
    for _ in range(6):
        m.step()
    a, b = frame(m), frame(m.twin)
    assert len(a) == len(b) == 6
    assert a.drop(columns="quarter").equals(b.drop(columns="quarter"))


def test_fee_lever_changes_tariff_revenue():
    def revenue(fee):
        m = build_model("historical", seed=0, n_adopters=300, fee=fee)
        for _ in range(20):  # to 2026Q4, after licensed sales start
            m.step()
        return frame(m)["tariff_revenue"].to_numpy()

    assert not np.allclose(revenue(0.0), revenue(0.6))


def test_preset_values_shown_before_a_lever_is_touched():
    hist = get_regime("historical")
    assert preset_value(hist, "fee") == 0.25
    assert preset_value(hist, "cap") == 0.5
    assert preset_value(hist, "enforcement") == hist.enforcement
    assert preset_value(get_regime("open"), "cap") == LEVERS["cap"].hi  # no cap
    assert preset_value(hist, "network_effect") == 2.0
    for lv in LEVERS.values():
        assert lv.unit and lv.doc and lv.lo < lv.hi


def test_sliders_show_the_values_the_model_runs_with():
    """Parameter levers start at the calibrated defaults, not the declared ones."""
    from aiblocs.model.params import Params, default_params
    from aiblocs.model.regimes import get_regime
    from aiblocs.viz.levers import preset_value

    reg = get_regime("historical")
    assert default_params().edwc_optimism != Params().edwc_optimism  # calibrated
    assert preset_value(reg, "edwc_optimism") == default_params().edwc_optimism
    m = build_model("historical", seed=0, n_adopters=200)
    assert m.p.edwc_optimism == preset_value(reg, "edwc_optimism")
