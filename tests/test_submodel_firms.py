"""Chip designers, clouds and labs (ODD §5, §7.1, §7.4) against their equations."""

from __future__ import annotations

import math

import pytest
from modelkit import DISTINCT, model_at

from aiblocs.model import capability


def designers(m, bloc):
    return [d for d in m.designers if d.bloc == bloc]


@pytest.mark.parametrize(
    ("regime", "share"), [("containment", 0.15), ("open", 0.15), ("open", 0.9)]
)
def test_us_offers(regime, share):
    m = model_at(regime, "2024Q2", compliant_perf_share=share, **DISTINCT)
    p, t = m.p, m.years
    assert t == pytest.approx(2.25)
    cap = m.us_gov.rules["compliant"].perf_cap
    assert (cap is None) == (regime == "open")
    for d in designers(m, "US"):
        d.set_offers()
        c = p.chip_price_us / p.us_frontier_perf0 * math.exp(-p.price_per_perf_decline * t)
        c *= d.cost_mult
        frontier = p.us_frontier_perf0 * math.exp(p.us_perf_growth * t)
        prev = p.us_frontier_perf0 * math.exp(p.us_perf_growth * (t - p.prev_lag_years))
        compliant = min(prev, share * frontier if cap is None else cap)
        assert d.perf == pytest.approx(
            {"frontier": frontier, "prev": prev, "compliant": compliant}, rel=1e-12
        )
        assert d.price == pytest.approx(
            {"frontier": c * frontier * p.markup_frontier, "prev": c * prev * p.markup_prev,
             "compliant": c * prev * p.markup_compliant}, rel=1e-12)  # fmt: skip
        assert d.capacity == math.inf
    assert {d.cost_mult for d in designers(m, "US")} == {1.0, 0.85}


@pytest.mark.parametrize(("regime", "node_cap"), [("containment", 0.8), ("containment", 0.2),
                                                  ("open", 0.2)])  # fmt: skip
def test_domestic_offers(regime, node_cap):
    m = model_at(regime, "2025Q1", node_cap_controlled=node_cap, **DISTINCT)
    p, t = m.p, m.years
    for d in designers(m, "CN"):
        d.set_offers()
        assert d.rd_stock > d.rd0  # R&D has grown, so the elasticity matters
        perf = p.cn_perf0 * (d.rd_stock / d.rd0) ** p.cn_perf_rd_elasticity
        if regime == "containment":
            years = (m.q - m.regime.equipment_controls_from) / 4
            ceiling = node_cap * math.exp(p.node_cap_growth * years)
        else:
            ceiling = math.inf
        assert d.perf["domestic"] == pytest.approx(min(perf, ceiling), rel=1e-12)
        c = p.chip_price_us / p.us_frontier_perf0 * math.exp(-p.price_per_perf_decline * t)
        c *= d.cost_mult * p.cn_chip_cost_ratio * (p.cn_yield_max / d.yield_) ** (
            p.yield_price_exponent)  # fmt: skip
        assert d.price["domestic"] == pytest.approx(
            c * d.perf["domestic"] * p.markup_domestic, rel=1e-12
        )
        wafers = p.cn_wafers0 * math.exp(p.cn_wafer_growth * t)
        capacity = wafers * 3 * p.ai_wafer_share * p.dies_per_wafer * d.yield_ * d.weight
        assert d.capacity == pytest.approx(capacity, rel=1e-12)
    binding = min(perf, ceiling) < perf
    assert binding == (regime == "containment" and node_cap == 0.2)


@pytest.mark.parametrize(("eco_max", "eco0"), [(0.99, 0.35), (0.5, 0.6)])
def test_learning_by_doing(eco_max, eco0):
    m = model_at("containment", "2023Q4", ecosystem_max=eco_max, ecosystem_cn0=eco0, **DISTINCT)
    p = m.p
    for d in m.designers:
        d.set_offers()
        d.book_sale("CN", 1.5e5, 0.4)
        d.book_sale("GS", 0.5e5, 0.2)
        d.book_sale("CN", 1.0e5, 0.1)
        assert d.units_sold == 3e5 and sum(d.revenue.values()) == pytest.approx(0.7)
        before = (d.cum_output, d.rd_stock, d.yield_, d.ecosystem)
        d.learn(0.3)
        cum = before[0] + 0.3
        assert d.cum_output == pytest.approx(cum, rel=1e-12)
        rd = p.rd_retention * before[1] + p.rd_reinvest * 0.7
        if d.bloc == "US":
            assert d.rd_stock == pytest.approx(rd, rel=1e-12)
            assert (d.yield_, d.ecosystem) == (p.us_yield, before[3])
            continue
        assert d.rd_stock == pytest.approx(rd + p.cn_state_rd * d.weight, rel=1e-12)
        y = p.cn_yield_max - (p.cn_yield_max - p.cn_yield0) * math.exp(-p.cn_yield_learning * cum)
        assert d.yield_ == pytest.approx(y, rel=1e-12)
        eco = before[3] + p.ecosystem_learning * 0.3 * (1 - before[3])
        assert d.ecosystem == pytest.approx(min(eco, eco_max), rel=1e-12)


def test_start_fleets_hubs_and_designers():
    m = model_at("historical", "2021Q4", **DISTINCT)  # initialised, not stepped
    p = m.p
    us_fleet = p.fleet_quarters0 * p.us_chip_budget0 * 1e9 / p.chip_price_us
    cn_fleet = p.fleet_quarters0 * p.cn_chip_budget0 * 1e9 / p.chip_price_us
    for c in m.us_clouds:
        assert c.compute == pytest.approx({"US": us_fleet * c.weight, "CN": 0.0}, rel=1e-12)
        assert c.utilisation == p.cloud_util0
    for c in m.cn_clouds:
        dom = p.cn_fleet_domestic0
        assert c.compute == pytest.approx(
            {"US": (1 - dom) * cn_fleet * c.weight, "CN": dom * cn_fleet * c.weight}, rel=1e-12
        )
    for h in m.provinces:
        assert h.compute == pytest.approx(
            {"US": p.hub_fleet_share0 * cn_fleet * h.weight, "CN": 0.0}, rel=1e-12
        )
        assert h.utilisation == p.hub_util0
    for d in m.designers:
        assert d.rd_stock == d.rd0 == p.rd_stock0
        assert d.yield_ == (p.cn_yield0 if d.bloc == "CN" else p.us_yield)
        eco0 = p.ecosystem_cn0 if d.bloc == "CN" else p.ecosystem_us
        mult = {w.name: w.ecosystem_mult for w in m.world.designers}[d.name]
        assert d.ecosystem == pytest.approx(eco0 * mult, rel=1e-12)
    assert m.us_fleet0 == pytest.approx(us_fleet, rel=1e-12)


def test_cloud_mixed_fleet_budget_and_depreciation():
    m = model_at("historical", "2022Q2", **DISTINCT)
    p = m.p
    c = m.cn_clouds[0]
    c.compute = {"US": 3.0, "CN": 1.0}
    assert c.total_compute == pytest.approx(4.0 * (1 - p.mixed_fleet_cost * 0.75), rel=1e-12)
    c.compute = {"US": 2.0, "CN": 0.0}
    assert c.total_compute == 2.0
    c.compute = {"US": 0.0, "CN": 0.0}
    assert c.total_compute == 0.0
    c.compute = {"US": 2.0, "CN": 4.0}
    c.depreciate()
    assert c.compute == pytest.approx(
        {"US": 2 * (1 - p.depreciation), "CN": 4 * (1 - p.depreciation)}
    )
    c.install("CN", 1.5)
    assert c.compute["CN"] == pytest.approx(4 * (1 - p.depreciation) + 1.5)
    for util, pressure in ((0.1, p.capex_pressure_min), (0.84, 0.84 / p.capex_util_ref),
                           (0.99, 0.99 / p.capex_util_ref)):  # fmt: skip
        c.utilisation = util
        assert c.chip_budget(2.0) == pytest.approx(2.0 * c.weight * pressure, rel=1e-12)
    m2 = model_at("historical", "2022Q2", capex_pressure_max=1.2, capex_pressure_min=0.3)
    c2 = m2.us_clouds[1]
    c2.utilisation = 0.99
    assert c2.chip_budget(2.0) == pytest.approx(2.0 * c2.weight * 1.2, rel=1e-12)
    c2.utilisation = 0.1
    assert c2.chip_budget(2.0) == pytest.approx(2.0 * c2.weight * 0.3, rel=1e-12)


@pytest.mark.parametrize(
    ("compute", "wanted", "open_eff", "lab_index"),
    [
        (2.0, 5.0, 9.0, 0),
        (5.0, 2.0, 9.0, 0),
        (2.0, 0.0, -1.0, 0),
        (0.0, 3.0, 0.5, 0),
        (0.25, 0.5, 9.0, 3),
    ],
)
def test_lab_training_step(compute, wanted, open_eff, lab_index):  # fmt: skip
    m = model_at("historical", "2023Q1", induced_efficiency=0.9, absorption_us=0.3,
                 absorption_cn=0.6, **DISTINCT)  # fmt: skip
    p = m.p
    lab = m.labs[lab_index]
    absorb = p.absorption_us if lab.bloc == "US" else p.absorption_cn
    lab.log_eff = 1.0
    lab.train(compute, wanted, open_eff)
    s = max(0.0, 1 - compute / wanted) if wanted > 0 else 0.0
    eff = 1.0 + (p.efficiency_growth + p.induced_efficiency * s) / 4
    if open_eff > eff:
        eff += p.open_weight_spillover * absorb / 4 * (open_eff - eff)
    assert lab.scarcity == pytest.approx(s, rel=1e-12)
    assert lab.log_eff == pytest.approx(eff, rel=1e-12)
    assert lab.training_compute == compute
    cap = p.capability_per_decade * math.log10(max(compute, 1e-9) * math.exp(eff))
    assert lab.capability == pytest.approx(cap, rel=1e-12)


@pytest.mark.parametrize("threshold", [0.5, 0.9, 1.0])
def test_labs_share_their_blocs_compute_and_open_weights(threshold):
    m = model_at("historical", "2023Q1", open_weight_threshold=threshold, **DISTINCT)
    p = m.p
    effs = [0.3, 2.5, 1.0, 4.0, 0.5, 3.0]  # one per lab, in file order
    for lab, e in zip(m.labs, effs, strict=True):
        lab.log_eff = e
    open_best = max((e for lab, e in zip(m.labs, effs, strict=True)
                     if lab.openness >= threshold), default=-1e9)  # fmt: skip
    capability.train_labs(m, 1e5, 3e4)
    for lab, e in zip(m.labs, effs, strict=True):
        have = (1e5 if lab.bloc == "US" else 3e4) * lab.weight
        want = have if lab.bloc == "US" else p.cn_compute_ratio_want * 1e5 * lab.weight
        s = max(0.0, 1 - have / want)
        eff = e + (p.efficiency_growth + p.induced_efficiency * s) / 4
        if open_best > eff:
            eff += p.open_weight_spillover / 4 * (open_best - eff)
        assert lab.training_compute == pytest.approx(have, rel=1e-12)
        assert lab.log_eff == pytest.approx(eff, rel=1e-12), lab.name
    assert capability.best(m, "US") == max(lab.capability for lab in m.labs if lab.bloc == "US")
    assert capability.best(m, "CN") == max(lab.capability for lab in m.labs if lab.bloc == "CN")


def test_no_open_weight_lab_means_no_spillover():
    m = model_at("historical", "2023Q1", **DISTINCT)
    for lab in m.labs:
        lab.openness, lab.log_eff = 0.0, 1.0
    capability.train_labs(m, 1e5, 3e4)
    p = m.p
    for lab in m.labs:
        s = lab.scarcity
        assert lab.log_eff == pytest.approx(
            1.0 + (p.efficiency_growth + p.induced_efficiency * s) / 4
        )


def test_lag_in_months_from_the_frontier_history():
    f = capability.FrontierHistory(100, 10.0, 2.0, years_back=1)
    assert f.quarters == [96, 97, 98, 99] and f.caps == pytest.approx([8.0, 8.5, 9.0, 9.5])
    f.record(100, 10.0)
    f.record(101, 9.7)  # a dip: the frontier is a running maximum
    assert f.caps[-1] == 10.0
    assert f.lag_months(101, 9.25) == pytest.approx(3.0 * (101 - 98.5))
    assert f.lag_months(101, 9.0) == pytest.approx(3.0 * (101 - 98))
    assert f.lag_months(101, 10.0) == 0.0 and f.lag_months(101, 11.0) == 0.0
    assert f.lag_months(101, 7.0) == pytest.approx(3.0 * (101 - 96))
    assert f.lag_months(101, 8.25) == pytest.approx(3.0 * (101 - 96.5))  # first interval
    assert f.lag_months(101, 9.9) == pytest.approx(3.0 * (101 - 99.8))
    g = capability.FrontierHistory(0, 5.0, 0.0, years_back=1)  # flat: equal neighbours
    g.record(1, 6.0)
    assert g.lag_months(1, 5.0) == pytest.approx(3.0 * (1 - (-4)))


def test_the_start_lag_is_cn_lag0_months():
    for lag0 in (6.0, 18.0):
        m = model_at("historical", "2021Q4", cn_lag0_months=lag0, **DISTINCT)
        cap_cn = capability.best(m, "CN")
        assert m.frontier.lag_months(m.start_q, cap_cn) == pytest.approx(lag0, rel=1e-9)
        slope = m.p.capability_per_decade * (
            m.p.frontier_compute_growth + m.p.efficiency_growth) / math.log(10)  # fmt: skip
        assert capability.best(m, "US") - cap_cn == pytest.approx(slope * lag0 / 12, rel=1e-9)
        for lab in (lab for lab in m.labs if lab.bloc == "CN"):
            lab.update_capability()  # the solved log_eff reproduces the target capability
            assert lab.capability == pytest.approx(cap_cn, rel=1e-9)
        assert m.cap_ref == capability.best(m, "US")
        # the history is back-filled 15 years: a capability below it is 60 quarters behind
        assert m.frontier.lag_months(m.start_q, -1e9) == pytest.approx(3.0 * 60)
