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
        c *= d.cost_mult * (1 + m.shocks.memory_rise)  # memory shortages in force (ODD 7.4b)
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
        d.scarcity_mult = 1.3  # as if last quarter's asks exceeded the capacity
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
            p.yield_price_exponent) * d.scarcity_mult * (1 + m.shocks.memory_rise)  # fmt: skip
        assert d.price["domestic"] == pytest.approx(
            c * d.perf["domestic"] * p.markup_domestic, rel=1e-12
        )
        wafers = p.cn_wafers0 * math.exp(p.cn_wafer_growth * t)
        capacity = wafers * 3 * p.ai_wafer_share * p.dies_per_wafer * d.yield_ * d.weight
        capacity *= max(0.0, 1 - m.shocks.fab_cut)  # fab shocks in force (ODD 7.4b)
        assert d.capacity == pytest.approx(capacity, rel=1e-12)
    binding = min(perf, ceiling) < perf
    assert binding == (regime == "containment" and node_cap == 0.2)


@pytest.mark.parametrize(("mult", "wanted", "response", "expect"), [
    (1.5, 3e5, 0.5, lambda m, k: m * (3e5 / k) ** 0.5),  # sold out: the price rises
    (2.0, 1e3, 0.5, lambda m, k: max(1.0, m * (1e3 / k) ** 0.5)),  # slack: back towards cost
    (1.2, 0.0, 0.7, lambda m, k: 1.0),  # nobody asked: down to cost, never below
    (1.5, 3e5, 0.0, lambda m, k: 1.5),  # no response: the multiple stays
    (1.5, 3e5, 1.0, lambda m, k: 1.5 * 3e5 / k),  # unit response: in proportion
])  # fmt: skip
def test_scarcity_repricing_of_domestic_chips(mult, wanted, response, expect):
    m = model_at("containment", "2024Q1", domestic_price_response=response, **DISTINCT)
    for d in m.designers:
        d.scarcity_mult, d.wanted = mult, wanted
        d.reprice()
        if d.bloc == "US":  # US supply is unbounded: no scarcity pricing
            assert d.scarcity_mult == mult
            continue
        assert 0 < d.capacity < math.inf
        assert d.scarcity_mult == pytest.approx(expect(mult, d.capacity), rel=1e-12)
        new_mult = d.scarcity_mult
        d.scarcity_mult = 1.0
        d.set_offers()
        at_cost = d.price["domestic"]
        d.scarcity_mult = new_mult
        d.set_offers()  # the multiple prices next quarter's offer; the asks start again
        assert d.wanted == 0.0
        assert d.price["domestic"] == pytest.approx(at_cost * new_mult, rel=1e-12)
    d = next(d for d in m.designers if d.bloc == "CN")
    d.capacity, d.scarcity_mult, d.wanted = 0.0, 1.7, 5.0
    d.reprice()  # no capacity: no ratio to take
    assert d.scarcity_mult == 1.7
    d.capacity, d.scarcity_mult, d.wanted = 0.5, 10.0, 0.25  # under one chip: still a ratio
    d.reprice()
    assert d.scarcity_mult == pytest.approx(max(1.0, 10.0 * 0.5**response), rel=1e-12)
    off = model_at("containment", "2024Q1", mech_domestic_scarcity_price=False)
    d = next(d for d in off.designers if d.bloc == "CN")
    assert d.scarcity_mult == 1.0  # switched off: never repriced


@pytest.mark.parametrize(("eco_max", "eco0", "subsidy"), [(0.99, 0.35, 0.0), (0.5, 0.6, 0.4)])
def test_learning_by_doing(eco_max, eco0, subsidy):
    m = model_at("containment", "2023Q4", ecosystem_max=eco_max, ecosystem_cn0=eco0, **DISTINCT)
    p = m.p
    m.cn_gov.subsidy = subsidy  # an adaptive China raises the state R&D funds
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
        state = p.cn_state_rd * (1 + subsidy) * d.weight
        assert d.rd_stock == pytest.approx(rd + state, rel=1e-12)
        y = p.cn_yield_max - (p.cn_yield_max - p.cn_yield0) * math.exp(-p.cn_yield_learning * cum)
        assert d.yield_ == pytest.approx(y, rel=1e-12)
        eco = before[3] + p.ecosystem_learning * 0.3 * (1 - before[3])
        assert d.ecosystem == pytest.approx(min(eco, eco_max), rel=1e-12)


def test_start_fleets_hubs_and_designers():
    m = model_at("historical", "2021Q4", **DISTINCT)  # initialised, not stepped
    p = m.p
    us_fleet = p.fleet_quarters0 * p.us_chip_budget0 * 1e9 / p.chip_price_us
    cn_fleet = p.fleet_quarters0 * p.cn_chip_budget0 * 1e9 / p.chip_price_us
    per_h100e = p.chip_price_us / p.us_frontier_perf0 / 1e9  # USD bn: the start book value
    for c in m.us_clouds:
        assert c.compute == pytest.approx({"US": us_fleet * c.weight, "CN": 0.0}, rel=1e-12)
        # no adopters yet: the start demand is the base share of cloud_util0 of capacity
        assert c.utilisation == pytest.approx(p.cloud_util0 * p.us_base_demand, rel=1e-12)
        assert c.book == pytest.approx(us_fleet * c.weight * per_h100e, rel=1e-12)
    for c in m.cn_clouds:
        dom = p.cn_fleet_domestic0
        assert c.compute == pytest.approx(
            {"US": (1 - dom) * cn_fleet * c.weight, "CN": dom * cn_fleet * c.weight}, rel=1e-12
        )
        assert c.book == pytest.approx(cn_fleet * c.weight * per_h100e, rel=1e-12)
    for h in m.provinces:
        assert h.compute == pytest.approx(
            {"US": p.hub_fleet_share0 * cn_fleet * h.weight, "CN": 0.0}, rel=1e-12
        )
        assert h.book == pytest.approx(h.compute["US"] * per_h100e, rel=1e-12)
        assert 0 <= h.utilisation <= 1 and h.pipeline == {}
    for d in m.designers:
        assert d.rd_stock == d.rd0 == p.rd_stock0
        assert d.yield_ == (p.cn_yield0 if d.bloc == "CN" else p.us_yield)
        eco0 = p.ecosystem_cn0 if d.bloc == "CN" else p.ecosystem_us
        mult = {w.name: w.ecosystem_mult for w in m.world.designers}[d.name]
        assert d.ecosystem == pytest.approx(eco0 * mult, rel=1e-12)
        assert d.scarcity_mult == 1.0 and d.wanted == 0.0
    assert m.us_fleet0 == pytest.approx(us_fleet, rel=1e-12)


def test_cloud_mixed_fleet_book_value_and_depreciation():
    m = model_at("historical", "2022Q2", **DISTINCT)
    p = m.p
    c = m.cn_clouds[0]
    c.compute = {"US": 3.0, "CN": 1.0}
    assert c.total_compute == pytest.approx(4.0 * (1 - p.mixed_fleet_cost * 0.75), rel=1e-12)
    assert c.raw_compute == 4.0
    c.compute = {"US": 2.0, "CN": 0.0}
    assert c.total_compute == 2.0
    c.compute = {"US": 0.0, "CN": 0.0}
    assert c.total_compute == 0.0
    c.compute, c.book = {"US": 2.0, "CN": 4.0}, 0.3
    c.depreciate()
    keep = 1 - p.depreciation
    assert c.compute == pytest.approx({"US": 2 * keep, "CN": 4 * keep}, rel=1e-12)
    assert c.book == pytest.approx(0.3 * keep, rel=1e-12)
    c.install("CN", 1.5, 0.02)
    assert c.compute["CN"] == pytest.approx(4 * keep + 1.5, rel=1e-12)
    assert c.compute["US"] == pytest.approx(2 * keep, rel=1e-12)
    assert c.book == pytest.approx(0.3 * keep + 0.02, rel=1e-12)
    assert (c.trains, m.provinces[0].trains) == (True, False)
    off = model_at("historical", "2022Q2", mech_mixed_fleet=False).cn_clouds[0]
    off.compute = {"US": 3.0, "CN": 1.0}
    assert off.total_compute == 4.0


@pytest.mark.parametrize(
    ("compute", "scarcity", "open_eff", "lead", "lab_index"),
    [
        (2.0, 0.6, 9.0, 0.0, 0),
        (5.0, 0.0, 9.0, 1.5, 0),
        (2.0, 0.0, -1.0, -2.0, 0),  # nobody ahead: no distillation, no spillover
        (0.0, 0.3, 0.5, 4.0, 0),
        (0.25, 0.5, 9.0, 3.0, 3),
        (0.25, 0.2, 0.1, 3.0, 4),
    ],
)
def test_lab_training_step(compute, scarcity, open_eff, lead, lab_index):
    m = model_at("historical", "2023Q1", induced_efficiency=0.9, absorption_us=0.3,
                 absorption_cn=0.6, distillation=0.4, **DISTINCT)  # fmt: skip
    p = m.p
    lab = m.labs[lab_index]
    absorb = p.absorption_us if lab.bloc == "US" else p.absorption_cn
    lab.log_eff = 1.0
    cap_before = lab.capability
    leader = cap_before + lead
    lab.train(compute, scarcity, open_eff, leader)
    eff = 1.0 + (p.efficiency_growth + p.induced_efficiency * scarcity) / 4
    if open_eff > eff:
        eff += p.open_weight_spillover * absorb / 4 * (open_eff - eff)
    if lead > 0:  # distillation: a share of the capability gap a year, in log efficiency
        eff += p.distillation / 4 * lead / p.capability_per_decade * math.log(10)
    assert lab.scarcity == scarcity
    assert lab.log_eff == pytest.approx(eff, rel=1e-12)
    assert lab.training_compute == compute
    cap = p.capability_per_decade * math.log10(max(compute, 1e-9) * math.exp(eff))
    assert lab.capability == pytest.approx(cap, rel=1e-12)


@pytest.mark.parametrize("threshold", [0.5, 0.9, 1.0])
def test_labs_share_their_blocs_compute_and_open_weights(threshold):
    m = model_at("historical", "2023Q1", open_weight_threshold=threshold, absorption_us=0.3,
                 absorption_cn=0.8, distillation=0.3, **DISTINCT)  # fmt: skip
    p = m.p
    effs = [0.3, 2.5, 1.0, 4.0, 0.5, 3.0]  # one per lab, in file order
    caps = [lab.capability for lab in m.labs]
    for lab, e in zip(m.labs, effs, strict=True):
        lab.log_eff = e
    open_best = max((e for lab, e in zip(m.labs, effs, strict=True)
                     if lab.openness >= threshold), default=-1e9)  # fmt: skip
    leader = max(caps)  # last quarter's world frontier, before any lab trains
    compute, scarcity = {"US": 1e5, "CN": 3e4}, {"US": 0.1, "CN": 0.45}
    capability.train_labs(m, compute, scarcity)
    for lab, e, cap in zip(m.labs, effs, caps, strict=True):
        have = compute[lab.bloc] * lab.weight
        eff = e + (p.efficiency_growth + p.induced_efficiency * scarcity[lab.bloc]) / 4
        absorb = p.absorption_us if lab.bloc == "US" else p.absorption_cn
        if open_best > eff:
            eff += p.open_weight_spillover * absorb / 4 * (open_best - eff)
        if leader > cap:
            eff += p.distillation / 4 * (leader - cap) / p.capability_per_decade * math.log(10)
        assert lab.training_compute == pytest.approx(have, rel=1e-12)
        assert lab.scarcity == scarcity[lab.bloc]
        assert lab.log_eff == pytest.approx(eff, rel=1e-12), lab.name
    assert capability.best(m, "US") == max(lab.capability for lab in m.labs if lab.bloc == "US")
    assert capability.best(m, "CN") == max(lab.capability for lab in m.labs if lab.bloc == "CN")


def test_no_open_weight_lab_means_no_spillover():
    m = model_at("historical", "2023Q1", distillation=0.0, **DISTINCT)
    for lab in m.labs:
        lab.openness, lab.log_eff = 0.0, 1.0
    capability.train_labs(m, {"US": 1e5, "CN": 3e4}, {"US": 0.2, "CN": 0.5})
    p = m.p
    for lab in m.labs:
        s = 0.2 if lab.bloc == "US" else 0.5
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
