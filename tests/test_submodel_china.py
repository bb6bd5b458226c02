"""China's compute, hubs and governments (ODD §7.3, §7.7, §7.8) against their equations."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from modelkit import DISTINCT, model_at, site

from aiblocs.model import capability, capacity, investment, services
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.deals import Deal
from aiblocs.model.params import default_params
from aiblocs.model.regimes import TierRule


def routing_model(clouds, east_hubs, west_hubs, pooling, reach=0.5, rt=0.6, pooled=0.7,
                  training=0.25):  # fmt: skip
    p = default_params().replace(latency_sensitive=rt, west_reach=reach, pooled_rt_share=pooled,
                                 training_share=training)  # fmt: skip
    hubs = [site(c, True) for c in east_hubs] + [site(c, False) for c in west_hubs]
    return SimpleNamespace(p=p, cn_gov=SimpleNamespace(pooling=pooling),
                           cn_clouds=[site(c) for c in clouds], provinces=hubs)  # fmt: skip


# (clouds, east hubs, west hubs, pooling, west_reach, demand, rented abroad)
#   -> (east util, west util, served H100e)
ROUTES = [
    (([30], [20], [60, 40], 0.0, 0.5, 100, 0), (1.0, 0.40, 90)),  # east full, batch to the west
    (([30], [20], [60, 40], 0.5, 0.5, 100, 0), (1.0, 0.435, 93.5)),  # pooled: west takes rt
    (([150], [50], [60, 40], 0.0, 0.5, 100, 0), (170 / 380, 2 / 19, 100)),  # spare east
    (([30], [20], [10], 0.0, 1.0, 100, 0), (1.0, 1.0, 60)),  # west capacity binds
    (([30], [20], [60, 40], 1.0, 0.2, 100, 0), (1.0, 0.47, 97)),  # full pooling, rt_share 0.7
    (([30], [20], [60, 40], 0.0, 0.5, 0, 0), (0.0, 0.0, 0)),  # no demand: nothing served
    (([150], [50], [60, 40], 0.5, 0.5, 100, 0), ((100 - 3000 / 215) / 200, 30 / 215, 100)),
    (([30], [20], [10], 1.0, 1.0, 100, 0), (1.0, 1.0, 60)),  # pooled, but the west is full
    (([0.3], [], [0.5], 0.0, 1.0, 1, 0), (1.0, 0.8, 0.7)),  # capacities under one H100e
    (([0], [], [0], 0.0, 0.5, 100, 0), (0.0, 0.0, 0)),  # no capacity anywhere
    # batch work runs abroad first (rented compute), the rest reaches the west as before
    (([30], [20], [60, 40], 0.0, 0.5, 100, 10), (1.0, 0.30, 90)),
    (([30], [20], [60, 40], 0.0, 0.5, 100, 100), (1.0, 0.0, 90)),  # rented > batch: 40 abroad
    (([150], [50], [60, 40], 0.0, 0.5, 100, 20), ((80 - 1000 / 190) / 200, 1000 / 19000, 100)),
    (([0], [], [0], 0.0, 0.5, 100, 30), (0.0, 0.0, 30)),  # only what is rented abroad is served
]


@pytest.mark.parametrize(("case", "expected"), ROUTES)
def test_east_west_routing_known_answers(case, expected):
    clouds, east_hubs, west_hubs, pooling, reach, demand, rented = case
    m = routing_model(clouds, east_hubs, west_hubs, pooling, reach)
    served = capacity.route_cn(m, demand, rented)
    east = [*m.cn_clouds, *(h for h in m.provinces if h.east)]
    west = [h for h in m.provinces if not h.east]
    assert served == pytest.approx(expected[2], rel=1e-7)
    for s in east:
        assert s.utilisation == pytest.approx(expected[0], rel=1e-7)
        assert s.served == pytest.approx(s.utilisation * s.total_compute, rel=1e-12)
    for s in west:
        assert s.utilisation == pytest.approx(expected[1], rel=1e-7)
    if sum(h.total_compute for h in m.provinces):
        hubs_served = sum(h.served for h in m.provinces)
        assert capacity.hub_utilisation(m) == pytest.approx(
            hubs_served / sum(h.total_compute for h in m.provinces), rel=1e-12)  # fmt: skip
    else:
        assert capacity.hub_utilisation(m) == 0.0


def test_clouds_serve_with_what_their_labs_do_not_train_on():
    """A training cloud of 40 H100e serves with 30 at training_share 0.25: case 0's answers."""
    m = routing_model([40], [20], [60, 40], 0.0)
    for c in m.cn_clouds:
        c.trains = True
    assert capacity.serving_capacity(m.cn_clouds[0], m.p) == pytest.approx(30.0)
    assert capacity.serving_capacity(m.provinces[0], m.p) == 20.0  # hubs only serve
    assert capacity.route_cn(m, 100) == pytest.approx(90, rel=1e-12)
    assert m.cn_clouds[0].utilisation == 1.0 and m.cn_clouds[0].served == pytest.approx(30.0)
    assert [h.utilisation for h in m.provinces] == pytest.approx([1.0, 0.4, 0.4])
    assert capacity.hub_utilisation(m) == pytest.approx((20 + 40) / 120, rel=1e-12)


def test_chinese_demand():
    """H100e-quarters demanded on the Chinese stack: adopters' tokens plus the base, / theta."""
    m = model_at("historical", "2024Q1", **DISTINCT)
    p = m.p
    assert m.adoption["CN"] > 0 and m.counts[:, 2].sum() > 0
    price, theta = 0.37, 2.5e5
    use = math.exp(p.use_growth * m.spend_years
                   + p.use_capability * (capability.best(m, "CN") - m.cap_ref))  # fmt: skip
    persons = m.counts[:, 2, :].sum(axis=1) * m.persons_per_unit * 1e6
    per_person = m.tokens0["CN"] * m.use_weight * use * (price / p.us_price0) ** (
        -p.demand_elasticity)  # fmt: skip
    base = m.base_tokens["CN"] * use * (price / m.price0["CN"]) ** (-p.demand_elasticity)
    expect = ((persons * per_person).sum() + base) / theta
    got = services.compute_demand(m, "CN", price, m.counts, theta)
    assert got == pytest.approx(expect, rel=1e-12)
    assert services.use_intensity(m, "CN") == pytest.approx(use, rel=1e-12)
    # at the start (no adopters, start prices) China uses cn_demand_util0 of its serving capacity,
    # the share cn_base_demand of it: the demand not from adopters
    m0 = model_at("historical", "2021Q4", **DISTINCT)
    cap0 = sum(capacity.serving_capacity(s, p) for s in [*m0.cn_clouds, *m0.provinces])
    assert m0.counts.sum() == 0 and capability.best(m0, "CN") < m0.cap_ref
    assert m0.markets["CN"].demand_at_cost == pytest.approx(
        p.cn_base_demand * p.cn_demand_util0 * cap0, rel=1e-12)  # fmt: skip


def test_province_proposals():
    m = model_at("historical", "2023Q2", build_lag=3, presigned_share=0.4, **DISTINCT)
    p = m.p
    for growth, strict, presigned in ((0.3, 0.0, 0.5), (0.3, 0.6, 0.5), (-0.2, 0.6, 2.0),
                                      (5.0, 0.25, 0.05), (0.3, 1.0, 100.0)):  # fmt: skip
        for h in m.provinces:
            h.pipeline = {m.q + 3: 0.1}
            h.propose(growth, strict, presigned)
            g = min(p.edwc_growth_cap, max(0.0, growth))
            wanted = p.edwc_budget0 * h.weight * (1 + p.edwc_optimism * h.optimism_mult * g)
            approved = (1 - strict) * wanted + strict * min(wanted, presigned * h.weight)
            assert h.pipeline == pytest.approx({m.q + 3: 0.1 + approved}, rel=1e-12)
    late = model_at("historical", "2023Q2", edwc_launch="2024Q1")
    h = late.provinces[0]
    h.pipeline = {}
    h.propose(0.3, 0.0, 1.0)
    assert h.pipeline == {}  # nothing before the programme's launch
    late.q = late.edwc_launch
    h.propose(0.3, 0.0, 1.0)
    assert len(h.pipeline) == 1  # from the launch quarter on


def test_presigned_agreements_follow_realised_growth():
    """The model hands provinces presigned_share x edwc_budget0 x max(0, g), g = 4 ln(D/D_prev)."""
    m = model_at("historical", "2023Q2", presigned_share=0.4, **DISTINCT)
    prev = m.cn_demand_prev
    seen = {}

    def spy(growth, strictness, presigned):
        seen.update(growth=growth, strictness=strictness, presigned=presigned)

    m.provinces[0].propose = spy
    m.step()
    g = 4 * math.log(m.cn_demand_prev / prev)
    assert seen["growth"] == pytest.approx(g, rel=1e-12)
    assert seen["presigned"] == pytest.approx(0.4 * m.p.edwc_budget0 * max(0.0, g), rel=1e-12)
    assert seen["strictness"] == m.cn_gov.approval_strictness


def test_cancellations_after_sustained_idleness():
    m = model_at("historical", "2023Q2", cancel_after=2, cancel_rate=0.3, project_size=0.2)
    p = m.p
    h = m.provinces[0]
    q = m.q
    h.low_quarters, h.pipeline = 0, {q: 1.0, q + 2: 0.5, q + 3: 0.1}
    h.utilisation = p.cancel_threshold - 0.01
    h.cancel_and_complete()  # first idle quarter: nothing cut, this quarter's entry completes
    assert (h.low_quarters, h.cancelled, h.completing_budget) == (1, 0.0, 1.0)
    assert h.pipeline == {q + 2: 0.5, q + 3: 0.1}
    h.cancel_and_complete()  # second idle quarter: cut 30% of every entry
    assert h.low_quarters == 2 and h.pipeline == pytest.approx({q + 2: 0.35, q + 3: 0.07})
    assert h.cancelled == pytest.approx(0.18 / 0.2) and h.completing_budget == 0.0
    h.utilisation = p.cancel_threshold  # not below the threshold: the count resets
    h.cancel_and_complete()
    assert (h.low_quarters, h.cancelled) == (0, 0.0)
    h.compute, h.book = {"US": 1.0, "CN": 2.0}, 0.004
    h.depreciate()
    h.install("CN", 0.5, 0.0002)
    keep = 1 - p.depreciation
    assert h.compute == pytest.approx({"US": keep, "CN": 2 * keep + 0.5}, rel=1e-12)
    assert h.raw_compute == pytest.approx(3 * keep + 0.5, rel=1e-12)
    assert h.book == pytest.approx(0.004 * keep + 0.0002, rel=1e-12)


def test_small_build_ban():
    """From small_build_ban_from a proposal below project_size is not approved at all."""
    m = model_at("historical", "2024Q2", small_build_ban_from="2024Q3", project_size=0.2,
                 edwc_optimism=0.0)  # fmt: skip
    p = m.p
    small = next(h for h in m.provinces if p.edwc_budget0 * h.weight < 0.2)
    big = next(h for h in m.provinces if p.edwc_budget0 * h.weight > 0.2)
    for h in (small, big):
        h.pipeline = {}
        h.propose(0.0, 0.0, 0.0)  # before the ban: the base budget is approved
        assert h.pipeline == pytest.approx({m.q + p.build_lag: p.edwc_budget0 * h.weight})
    m.q = m.small_build_ban
    for h in (small, big):
        h.pipeline = {}
        h.propose(0.0, 0.0, 0.0)
    assert small.pipeline == {m.q + p.build_lag: 0.0}
    assert big.pipeline == pytest.approx({m.q + p.build_lag: p.edwc_budget0 * big.weight})
    off = model_at("historical", "2024Q2", small_build_ban_from="2024Q3", project_size=0.2,
                   edwc_optimism=0.0, mech_small_build_ban=False)  # fmt: skip
    h = off.provinces[m.provinces.index(small)]
    off.q, h.pipeline = off.small_build_ban, {}
    h.propose(0.0, 0.0, 0.0)
    assert h.pipeline == pytest.approx({off.q + p.build_lag: p.edwc_budget0 * h.weight})


def test_completing_budgets_are_spent_and_installed_in_proportion():
    m = model_at("historical", "2023Q2")
    budgets = [0.01 * (k + 1) for k in range(len(m.provinces))]  # 0.36 bn in all
    for h, b in zip(m.provinces, budgets, strict=True):
        h.completing_budget = b
    assert investment.chip_budgets(m)["CN_state"] == pytest.approx(sum(budgets))
    before = [(dict(h.compute), h.book) for h in m.provinces]
    res = empty_result()
    res.compute["CN_state"] = {"US": 300.0, "CN": 1000.0}
    res.cost["CN_state"] = {"US": 0.02, "CN": 0.05}
    investment.install(m, res)
    for h, b, (c0, book0) in zip(m.provinces, budgets, before, strict=True):
        w = b / sum(budgets)
        assert h.compute["CN"] - c0["CN"] == pytest.approx(1000.0 * w, rel=1e-12)
        assert h.compute["US"] - c0["US"] == pytest.approx(300.0 * w, rel=1e-12)
        assert h.book - book0 == pytest.approx(0.07 * w, rel=1e-12)
    # spend carried over with no project completing is installed by EDWC budget weight
    for h in m.provinces:
        h.completing_budget = 0.0
    before = [(h.compute["CN"], h.book) for h in m.provinces]
    investment.install(m, res)
    assert sum(h.weight for h in m.provinces) == pytest.approx(1.0)
    for h, (c0, book0) in zip(m.provinces, before, strict=True):
        assert h.compute["CN"] - c0 == pytest.approx(1000.0 * h.weight, rel=1e-12)
        assert h.book - book0 == pytest.approx(0.07 * h.weight, rel=1e-12)


def empty_result():
    from aiblocs.model.chips import GROUPS, ChipResult

    res = ChipResult()
    for g in GROUPS:
        res.compute[g], res.cost[g] = {"US": 0.0, "CN": 0.0}, {"US": 0.0, "CN": 0.0}
    return res


def test_approvals_tighten_below_the_threshold():
    m = model_at("historical", "2022Q2", approval_smoothing=0.4, approval_threshold=0.3)
    g = m.cn_gov
    g.approval_strictness = 0.5
    g.tighten_approvals(0.29)
    assert g.approval_strictness == pytest.approx(0.5 + 0.4 * 0.5)
    g.tighten_approvals(0.30)
    assert g.approval_strictness == pytest.approx(0.7 - 0.4 * 0.7)


@pytest.mark.parametrize(("start", "full"), [("2025Q3", "2028Q4"), ("2024Q1", "2024Q1")])
def test_pooling_ramp_ai_plus_stance_and_mandate(start, full):
    m = model_at("managed_access_cn_block", "2022Q1", pooling_start=start, pooling_full=full,
                 ai_plus_start="2026Q2")  # fmt: skip
    g, s, f = m.cn_gov, parse_quarter(start), parse_quarter(full)
    for q in range(s - 2, f + 3):
        m.q = q
        g.apply_policy()
        ramp = 0.0 if q < s else min(1.0, (q - s + 1) / (f - s + 1))
        assert g.pooling == pytest.approx(ramp), q
        assert g.ai_plus == (q >= parse_quarter("2026Q2"))
        assert g.mandate == m.regime.domestic_mandate(q)
        assert g.stance == {t: m.regime.stance(t, q) for t in ("frontier", "prev", "compliant")}
    m.q = parse_quarter("2026Q1")
    g.apply_policy()
    assert g.stance["prev"] == "block" and g.stance["compliant"] == "discourage"


def test_node_cap():
    m = model_at("containment", "2024Q3", node_cap_growth=0.1)
    years = (m.q - m.regime.equipment_controls_from) / 4
    assert years > 0
    assert m.cn_gov.node_cap() == pytest.approx(
        m.p.node_cap_controlled * math.exp(0.1 * years), rel=1e-12)  # fmt: skip
    assert model_at("open", "2024Q3").cn_gov.node_cap() == math.inf
    m.q = m.regime.equipment_controls_from - 1
    assert m.cn_gov.node_cap() == math.inf


def test_loosening_pressure_and_the_loosened_prev_tier():
    m = model_at("containment", "2023Q1", loosening_pressure=2.0, loosening_revenue_scale=10.0,
                 loosening_lag_scale=20.0, loosened_approval=0.6, loosened_fee=0.3,
                 loosened_cap=0.4)  # fmt: skip
    us = m.us_gov
    us.pressure, us.loosened = 0.0, False
    us.update_pressure(3.0, 5.0)
    assert us.pressure == pytest.approx(2.0 * 3.0 / 10.0 * (1 - 5.0 / 20.0))
    assert not us.loosened
    us.update_pressure(1.0, 30.0)  # the gap is wide: no pressure from it
    assert us.pressure == pytest.approx(0.45)
    us.update_pressure(5.0, 0.0)
    assert us.pressure == pytest.approx(1.45) and us.loosened
    us.update_pressure(0.0, 0.0)
    assert us.loosened  # for good
    us.apply_policy()
    rule = us.rules["prev"]
    assert (rule.status, rule.approval, rule.fee, rule.cap) == ("licensed", 0.6, 0.3, 0.4)
    assert us.rules["frontier"].status == "banned"  # only prev loosens
    weak = model_at("containment", "2023Q1", loosening_pressure=0.5)
    weak.us_gov.pressure = 0.0
    weak.us_gov.update_pressure(20.0, 0.0)
    assert weak.us_gov.pressure == pytest.approx(0.5)
    off = model_at("containment", "2023Q1")
    off.us_gov.update_pressure(1e6, 0.0)
    assert off.us_gov.pressure == 0.0 and not off.us_gov.loosened


def test_loosening_leaves_a_tier_that_is_not_banned():
    m = model_at("managed_access", "2025Q4", loosened_fee=0.9)
    m.us_gov.loosened = True
    m.us_gov.apply_policy()
    assert m.us_gov.rules["prev"] == m.regime.rule("prev", m.q)
    assert isinstance(m.us_gov.rules["prev"], TierRule) and m.us_gov.rules["prev"].fee != 0.9


def test_global_south_cloud_presence():
    """Chinese clouds expand steadily; a national deal in force closes part of its stack's gap."""
    m = model_at("historical", "2026Q1", deal_presence_gain=0.6, cn_presence_growth=0.2)
    for g, held in zip(m.gs_govs.values(), ("US", "CN", None) * 4, strict=False):
        g.deal = None if held is None else Deal(held, "sovereign cloud", m.q, m.q + 20)
        g.update_presence()
        us0, cn0 = g.base_presence["US"], g.base_presence["CN"]
        cn = cn0 + (1 - cn0) * (1 - math.exp(-0.2 * m.years))
        us = us0 + (1 - us0) * 0.6 * (held == "US")
        assert g.presence["US"] == pytest.approx(us, rel=1e-12)
        assert g.presence["CN"] == pytest.approx(cn + (1 - cn) * 0.6 * (held == "CN"), rel=1e-12)
        country = m.countries[g.name]
        assert g.base_presence == {"US": country.us_presence, "CN": country.cn_presence}
