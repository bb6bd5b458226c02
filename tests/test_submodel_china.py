"""China's compute, hubs and governments (ODD §7.3, §7.7, §7.8) against their equations."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from modelkit import DISTINCT, model_at, site

from aiblocs.model import capacity
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.deals import Deal
from aiblocs.model.params import default_params
from aiblocs.model.regimes import TierRule


def routing_model(clouds, east_hubs, west_hubs, pooling, reach=0.5, rt=0.6, pooled=0.7):
    p = default_params().replace(latency_sensitive=rt, west_reach=reach, pooled_rt_share=pooled)
    hubs = [site(c, True) for c in east_hubs] + [site(c, False) for c in west_hubs]
    return SimpleNamespace(p=p, cn_gov=SimpleNamespace(pooling=pooling),
                           cn_clouds=[site(c) for c in clouds], provinces=hubs)  # fmt: skip


# (clouds, east hubs, west hubs, pooling, west_reach, demand) -> (east util, west util, served)
ROUTES = [
    (([30], [20], [60, 40], 0.0, 0.5, 100), (1.0, 0.40, 0.900)),  # east full, batch to the west
    (([30], [20], [60, 40], 0.5, 0.5, 100), (1.0, 0.435, 0.935)),  # pooled: west takes real-time
    (([150], [50], [60, 40], 0.0, 0.5, 100), (170 / 380, 2 / 19, 1.0)),  # spare east
    (([30], [20], [10], 0.0, 1.0, 100), (1.0, 1.0, 0.600)),  # west capacity binds
    (([30], [20], [60, 40], 1.0, 0.2, 100), (1.0, 0.47, 0.970)),  # full pooling, rt_share 0.7
    (([30], [20], [60, 40], 0.0, 0.5, 0), (0.0, 0.0, 1.0)),  # no demand: all served
    (([150], [50], [60, 40], 0.5, 0.5, 100), ((100 - 3000 / 215) / 200, 30 / 215, 1.0)),
    (([30], [20], [10], 1.0, 1.0, 100), (1.0, 1.0, 0.600)),  # pooled, but the west is full
    (([0.3], [], [0.5], 0.0, 1.0, 1), (1.0, 0.8, 0.700)),  # capacities under one H100e
    (([0], [], [0], 0.0, 0.5, 100), (0.0, 0.0, 0.0)),  # no capacity anywhere
]


@pytest.mark.parametrize(("case", "expected"), ROUTES)
def test_east_west_routing_known_answers(case, expected):
    clouds, east_hubs, west_hubs, pooling, reach, demand = case
    m = routing_model(clouds, east_hubs, west_hubs, pooling, reach)
    served = capacity.clear_cn_compute(m, demand)
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


def test_chinese_demand():
    m = model_at("historical", "2024Q1", **DISTINCT)
    p = m.p
    use = p.cn_base_demand + (1 - p.cn_base_demand) * m.adoption["CN"] / p.demand_ref_adoption
    assert m.adoption["CN"] > 0
    assert capacity.cn_compute_demand(m) == pytest.approx(
        m.cn_demand_scale * use * m.usage_index, rel=1e-12)  # fmt: skip
    m0 = model_at("historical", "2021Q4", **DISTINCT)
    cap0 = sum(s.total_compute for s in [*m0.cn_clouds, *m0.provinces])
    assert m0.cn_demand_scale * p.cn_base_demand == pytest.approx(p.cn_demand_util0 * cap0)


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
    h.compute = {"US": 1.0, "CN": 2.0}
    h.depreciate()
    h.install("CN", 0.5)
    assert h.total_compute == pytest.approx(3 * (1 - p.depreciation) + 0.5)


def test_completing_budgets_are_spent_and_installed_in_proportion():
    m = model_at("historical", "2023Q2")
    budgets = [0.01 * (k + 1) for k in range(len(m.provinces))]  # 0.36 bn in all
    for h, b in zip(m.provinces, budgets, strict=True):
        h.completing_budget = b
    assert m._chip_budgets()["CN_state"] == pytest.approx(sum(budgets))
    before = [h.compute["CN"] for h in m.provinces]
    res = SimpleNamespace(compute={"CN_state": {"US": 0.0, "CN": 1000.0}})
    m._install(res)
    for h, b, c0 in zip(m.provinces, budgets, before, strict=True):
        assert h.compute["CN"] - c0 == pytest.approx(1000.0 * b / sum(budgets), rel=1e-12)


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
