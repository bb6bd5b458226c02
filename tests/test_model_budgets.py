"""Chip budgets: demand within the finance band; every budget dollar accounted for (ODD 7.2)."""

from __future__ import annotations

import math

import pytest
from modelkit import DISTINCT, model_at, spied

from aiblocs.model import chips, investment


@pytest.mark.parametrize(("us_demand", "cn_demand", "us_growth", "cn_growth", "where"), [
    (1.5, 1.5, 0.02, -0.1, "inside"),  # the need inside the finance band: budget = need
    (1.2, 1.2, 0.9, 0.9, "inside"),  # growth above the cap: capped, still inside the band
    (0.0, 0.0, 0.0, 0.0, "low"),  # no demand: the floor of the band
    (50.0, 50.0, 0.9, 0.05, "high"),  # demand far above capacity: the ceiling
])  # fmt: skip
def test_chip_budgets_follow_demand_within_the_finance_band(us_demand, cn_demand, us_growth,
                                                            cn_growth, where):  # fmt: skip
    m = model_at("historical", "2025Q2", budget_growth=0.5, us_budget_growth=0.7,
                 capex_pressure_min=0.4, capex_pressure_max=1.8, **DISTINCT)  # fmt: skip
    p = m.p
    for h, b in zip(m.provinces, range(8), strict=True):
        h.completing_budget = 0.01 * b
    m.markets["US"].demand_at_cost *= us_demand
    m.markets["CN"].demand_at_cost *= cn_demand
    m.demand_growth = {"US": us_growth, "CN": cn_growth}
    e = p.budget_demand_elasticity
    finance = {
        "US": p.us_chip_budget0 * math.exp(0.7 * m.spend_years) * (1 + e * m.adoption["US"]),
        "CN": p.cn_chip_budget0 * math.exp(0.5 * m.spend_years) * (1 + e * m.adoption["CN"]),
    }
    have = {"US": sum(sum(c.compute.values()) for c in m.us_clouds),
            "CN": sum(sum(s.compute.values()) for s in [*m.cn_clouds, *m.provinces])}  # fmt: skip
    expect, band = {}, {}
    for b in ("US", "CN"):
        g = min(p.edwc_growth_cap / 4, max(0.0, m.demand_growth[b]))
        target = m.markets[b].demand_at_cost * math.exp(g) / p.capex_util_ref
        target /= 1 - p.training_share  # the clouds' labs train on the rest
        need = max(0.0, target - have[b] * (1 - p.depreciation)) * m.unit_cost[b] / 1e9
        ratio = need / finance[b]
        band[b] = "low" if ratio < 0.4 else "high" if ratio > 1.8 else "inside"
        expect[b] = finance[b] * min(1.8, max(0.4, ratio))
    gs = p.gs_chip_budget0 * math.exp(0.5 * m.spend_years) * (1 + e * m.adoption["GS"])
    expect |= {"GS": gs, "CN_state": 0.28}
    assert investment.chip_budgets(m) == pytest.approx(expect, rel=1e-12)
    assert min(m.adoption.values()) > 0
    assert band == {"US": where, "CN": where}
    if us_demand == 0:  # no demand, capacity installed: nothing needed
        assert investment._need(m, "US", m.us_clouds) == 0 == investment._need(m, "CN", m.cn_clouds)
    assert sum(h.raw_compute for h in m.provinces) > 0  # the hubs count as Chinese capacity


def test_budgets_are_spent_or_accounted_for():
    """Every dollar of the buyers' budgets is in the designers' revenue, the fees the buyers
    bore, the grey market, rented compute, or carried over and returned (the ledger)."""
    for regime in ("open", "containment"):
        m = model_at(regime, "2023Q3", **DISTINCT)
        for _ in range(6):
            with spied(m) as seen:
                m.step()
            b, carry, res, p = seen["budgets"], seen["carry"], seen["res"], m.p
            rev = {r: {bloc: sum(d.revenue[r] for d in m.designers if d.bloc == bloc)
                       for bloc in ("US", "CN")} for r in ("US", "CN", "GS")}  # fmt: skip
            # US buyers buy US chips, whose supply is unlimited: all they have is spent
            assert rev["US"]["US"] == pytest.approx(b["US"] + carry["US"], rel=1e-9)
            assert res.ledger["US"]["carry"] == pytest.approx(0, abs=1e-12 * b["US"])
            assert rev["US"]["CN"] == 0
            gs = res.ledger["GS"]
            assert (rev["GS"]["US"], rev["GS"]["CN"]) == (
                pytest.approx(gs["us_legal"], rel=1e-9),
                pytest.approx(gs["domestic"], rel=1e-9),
            )
            cn = {k: res.ledger["CN"][k] + res.ledger["CN_state"][k] for k in chips.LEDGER}
            assert cn["us_legal"] == pytest.approx(
                rev["CN"]["US"] + p.fee_passthrough * res.tariff_revenue, rel=1e-9)  # fmt: skip
            assert cn["domestic"] == pytest.approx(rev["CN"]["CN"], rel=1e-9)
            total = sum(cn.values())
            assert total == pytest.approx(sum(b[g] + carry[g] for g in ("CN", "CN_state")))
            assert res.smuggled_cost <= cn["grey"] * (1 + 1e-12)  # seized chips were paid for
            # sales the US rules denied, per tier (what the adaptive US sees lobbied for)
            forgone = res.forgone_cn_by_tier
            assert sum(forgone.values()) == pytest.approx(res.us_revenue_cn_forgone, rel=1e-12)
            assert all(v > 0 for v in forgone.values())
            sold = res.us_revenue_cn_by_tier  # what both Chinese buyers paid US designers, by tier
            assert sum(sold.values()) == pytest.approx(res.us_revenue_cn, rel=1e-12)
            assert sum(sold.values()) == pytest.approx(rev["CN"]["US"], rel=1e-12)
            if regime == "open":
                assert res.us_revenue_cn_forgone == 0 and cn["grey"] == 0 == cn["rental"]
            else:
                assert cn["grey"] > 0 and cn["rental"] > 0 and res.us_revenue_cn_forgone > 0
