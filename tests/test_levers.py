"""Policy levers and behavioural parameters move the whole model's outputs the way they should.

Paired runs share a seed, so the arms are identical until the lever first acts; the quarter it
first acts is checked against the exact ratio the ODD's equations give.
"""

from __future__ import annotations

import pandas as pd
import pytest
from modelkit import model_at

from aiblocs import AIBlocsModel, run

N = 500


def frame(regime, seed=1, **kw):
    return run(regime, seed=seed, n_adopters=N, **kw).set_index("quarter")


def test_endogenous_loosening_sells_prev_chips_to_china():
    m = AIBlocsModel("containment", rng=1, n_adopters=N, loosening_pressure=10.0)
    loosened_at = None
    while m.running:
        m.step()
        if m.us_gov.loosened and loosened_at is None:
            loosened_at = m.quarter
            assert m.us_gov.rules["prev"].status == "banned"  # takes effect next quarter
            m.step()
            rule = m.us_gov.rules["prev"]
            assert (rule.status, rule.fee, rule.cap) == ("licensed", m.p.loosened_fee,
                                                        m.p.loosened_cap)  # fmt: skip
            assert m.m["us_prev_units_cn"] > 0 and m.m["tariff_revenue"] > 0
    assert loosened_at is not None and loosened_at < "2030Q1"
    on = m.datacollector.get_model_vars_dataframe().set_index("quarter")
    off = frame("containment")
    assert (off.loc["2022Q4":, ["us_prev_units_cn", "tariff_revenue"]] == 0).all().all()
    assert on["us_prev_units_cn"].sum() > 1e5 and on["tariff_revenue"].sum() > 0.1
    assert on["us_chip_revenue_cn"].sum() > off["us_chip_revenue_cn"].sum()


def test_edwc_optimism_builds_hubs_that_sit_idle():
    hub = {}
    for k in (0.0, 2.0, 4.0, 8.0):
        df = frame("historical", edwc_optimism=k)
        hub[k] = (df.loc["2024Q4", "cn_hub_compute"], df["cn_dc_cancellations"].sum(),
                  df.loc["2023Q1":"2025Q4", "cn_dc_utilisation"].mean())  # fmt: skip
    assert hub[0.0][0] < hub[2.0][0] < hub[4.0][0] < hub[8.0][0]
    assert hub[4.0][0] > 2 * hub[0.0][0]
    assert hub[0.0][1] < hub[4.0][1] and hub[4.0][1] > 10
    assert hub[8.0][2] < hub[0.0][2]  # over-building lowers utilisation


# With beta_chip_price = 0 and grey_risk_premium = 0 the grey share does not depend on the grey
# price, so the first grey chips (frontier and prev are banned from 2022Q4, China blocks
# neither) scale exactly: delivered = grey spend / (list x (1 + grey_premium0)) x (1 - d), with
# d = enforcement x detection_max.
EXACT = {"beta_chip_price": 0.0, "grey_risk_premium": 0.0}
DM = 0.25  # detection_max


@pytest.mark.parametrize(("name", "lo", "hi", "ratio"), [
    ("enforcement", 0.3, 0.9, (1 - 0.9 * DM) / (1 - 0.3 * DM)),
    ("smuggle_leak", 0.2, 0.5, 0.5 / 0.2),
    ("grey_premium0", 0.1, 0.6, 1.1 / 1.6),
    ("detection_max", 0.1, 0.7, (1 - 0.6 * 0.7) / (1 - 0.6 * 0.1)),  # at enforcement 0.6
])  # fmt: skip
def test_smuggling_levers_in_the_first_quarter_of_the_ban(name, lo, hi, ratio):
    """Frontier and prev are banned from 2022Q4: the first smuggled chips scale exactly."""
    kw = {"detection_max": DM, **EXACT}
    a, b = frame("containment", **{**kw, name: lo}), frame("containment", **{**kw, name: hi})
    assert (a.loc[:"2022Q3", "smuggled_chips"] == 0).all()
    assert b.loc["2022Q4", "smuggled_chips"] == pytest.approx(
        ratio * a.loc["2022Q4", "smuggled_chips"], rel=1e-9)  # fmt: skip
    assert a.loc["2022Q4", "smuggled_chips"] > 10


@pytest.mark.parametrize(("name", "lo", "hi"), [
    ("enforcement", 0.3, 0.9), ("grey_premium0", 0.1, 0.6), ("grey_risk_premium", 0.2, 3.0),
    ("cn_customs_enforcement", 0.0, 0.9),
])  # fmt: skip
def test_dearer_or_riskier_grey_chips_are_bought_less(name, lo, hi):
    """At the defaults the grey share falls with the grey price too: fewer chips arrive."""
    a, b = frame("managed_access_cn_block", **{name: lo}), frame("managed_access_cn_block",
                                                                  **{name: hi})  # fmt: skip
    first = "2026Q1" if name == "cn_customs_enforcement" else "2022Q4"  # China blocks from 2026
    assert a.loc[first, "smuggled_chips"] > b.loc[first, "smuggled_chips"] > 0
    assert (a.loc[: first, "smuggled_chips"].iloc[:-1] == b.loc[: first, "smuggled_chips"]
            .iloc[:-1]).all()  # fmt: skip


def test_induced_efficiency_narrows_the_lag_under_containment():
    # at the calibrated defaults no bloc is compute-scarce (docs/attribution.md): faster growth
    # of use makes China's labs short of compute, which is what the lever acts on
    slow = frame("containment", induced_efficiency=0.0, use_growth=1.5)
    fast = frame("containment", induced_efficiency=2.0, use_growth=1.5)
    assert fast.loc["2030Q4", "cn_lag_months"] < slow.loc["2030Q4", "cn_lag_months"]
    assert (fast["cn_scarcity"] > 0).any()


def test_open_weight_spillover_lifts_the_labs_that_absorb_it():
    """Open weights pull every lab towards the best open lab, in proportion to its bloc's
    absorption: both blocs gain, and a bloc that absorbs nothing gains far less."""
    none = frame("open", open_weight_spillover=0.0)
    much = frame("open", open_weight_spillover=0.8)
    gain = {b: much.loc["2030Q4", f"capability_{b}"] - none.loc["2030Q4", f"capability_{b}"]
            for b in ("us", "cn")}  # fmt: skip
    assert gain["us"] > 0 and gain["cn"] > 0
    deaf = frame("open", open_weight_spillover=0.8, absorption_us=0.0)
    deaf_gain = deaf.loc["2030Q4", "capability_us"] - none.loc["2030Q4", "capability_us"]
    assert deaf_gain < 0.2 * gain["us"]
    same = frame("open", open_weight_spillover=0.0, absorption_us=0.0)
    pd.testing.assert_frame_equal(same, none)  # absorption acts only through the spillover


def test_domestic_preference_raises_the_domestic_share():
    lo, hi = (frame("open", cn_domestic_preference=v) for v in (0.0, 3.0))
    assert (hi.loc["2022Q2":"2024Q4", "cn_domestic_chip_share"]
            > lo.loc["2022Q2":"2024Q4", "cn_domestic_chip_share"]).all()  # fmt: skip


def test_export_stack_support_cuts_the_us_price_for_the_global_south():
    m = model_at("historical", "2025Q3", export_stack_subsidy=0.5)
    from aiblocs.model import markets

    util_on, _ = markets.cohort_offers(m)
    m.us_gov.stack_support = 0.0
    util_off, _ = markets.cohort_offers(m)
    gs = m.cohort_region == "GS"
    assert (util_on[gs, 0] > util_off[gs, 0]).all() and (util_on[~gs] == util_off[~gs]).all()


def test_china_block_and_mandate_change_what_china_buys():
    blocked, managed = frame("managed_access_cn_block"), frame("managed_access")
    assert (blocked.loc["2026Q1":, "us_prev_units_cn"] == 0).all()
    assert managed.loc["2026Q1":, "us_prev_units_cn"].sum() > 0
    assert (blocked.loc[:"2025Q4"] == managed.loc[:"2025Q4"]).all().all()  # same until 2026Q1
