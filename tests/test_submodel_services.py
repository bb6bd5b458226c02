"""The AI service markets (``services.py``) against their equations.

Serving cost from book value, throughput from serving efficiency, cost-based prices, token
demand from use, the calibration of the demand scales, clearing (price rise, rationing,
scarcity and unserved shares) and the numerical guard. Expected values are recomputed from the
module docstring; the model only supplies a state (fleets, labs, adopters) to compute them on.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from modelkit import DISTINCT, model_at

from aiblocs.model import capacity, services
from aiblocs.model.capability import best
from aiblocs.model.params import default_params


def serving(m, bloc):
    sites = m.us_clouds if bloc == "US" else [*m.cn_clouds, *m.provinces]
    return sum(s.total_compute * (1 - m.p.training_share) if s in m.us_clouds + m.cn_clouds
               else s.total_compute for s in sites)  # fmt: skip


def test_fleet_cost_from_book_value_and_opex():
    p = default_params().replace(depreciation=0.04, capital_cost=0.03, opex_h100e=700.0)
    sites = [SimpleNamespace(raw_compute=1000.0, book=0.02),
             SimpleNamespace(raw_compute=3000.0, book=0.03)]  # fmt: skip
    per_h = 0.05e9 / 4000.0  # USD per H100e of the fleet's book value
    assert services.fleet_cost(sites, p) == pytest.approx(per_h * 0.07 + 700.0, rel=1e-12)
    empty = [SimpleNamespace(raw_compute=0.0, book=0.0)]  # no fleet: valued at list price
    list_price = p.chip_price_us / p.us_frontier_perf0
    assert services.fleet_cost(empty, p) == pytest.approx(list_price * 0.07 + 700.0, rel=1e-12)


@pytest.mark.parametrize("bloc", ["US", "CN"])
def test_cost_price_and_throughput(bloc):
    m = model_at("historical", "2025Q1", serving_efficiency=0.6, markup_cn=0.3, **DISTINCT)
    p = m.p
    sites = m.us_clouds if bloc == "US" else [*m.cn_clouds, *m.provinces]
    book = sum(s.book for s in sites) * 1e9 / sum(s.raw_compute for s in sites)
    cost = book * (p.depreciation + p.capital_cost) + p.opex_h100e
    e = max(lab.log_eff for lab in m.labs if lab.bloc == bloc)
    assert e != 0
    theta = m.theta0 * math.exp(0.6 * e)
    markup = p.markup_us if bloc == "US" else 0.3
    mk = services.cost_price(m, bloc)
    assert (mk.bloc, mk.cost) == (bloc, pytest.approx(cost, rel=1e-12))
    assert mk.throughput == pytest.approx(theta, rel=1e-12)
    assert mk.price_cost == pytest.approx((1 + markup) * cost / theta, rel=1e-12)


def test_calibration_of_throughput_and_demand_scales():
    """At the start, the US price is us_price0; at the reference adoption and start prices each
    home market would use util0 of its start serving capacity, a share base not from adopters."""
    m = model_at("historical", "2021Q4", us_base_demand=0.3, cn_base_demand=0.45, **DISTINCT)
    p = m.p
    assert services.cost_price(m, "US").price_cost == pytest.approx(p.us_price0, rel=1e-12)
    for k, bloc, util0, base in ((0, "US", p.cloud_util0, 0.3), (1, "CN", p.cn_demand_util0, 0.45)):
        mk = services.cost_price(m, bloc)
        assert m.price0[bloc] == mk.price_cost
        counts = np.zeros((len(m.cohorts), 3, 2))
        sizes = np.array([c.size for c in m.cohorts], float)
        home = m.cohort_region == bloc
        counts[home, k + 1, 0] = p.demand_ref_adoption * sizes[home]
        cap = serving(m, bloc)
        demand = services.compute_demand(m, bloc, mk.price_cost, counts, mk.throughput)
        assert demand == pytest.approx(util0 * cap, rel=1e-9)
        nobody = services.compute_demand(m, bloc, mk.price_cost, counts * 0, mk.throughput)
        assert nobody == pytest.approx(base * util0 * cap, rel=1e-9)
    assert best(m, "CN") < m.cap_ref  # China starts behind: its use intensity is below 1


@pytest.mark.parametrize("bloc", ["US", "CN"])
def test_tokens_per_person_and_cohort_prices(bloc):
    m = model_at("historical", "2026Q2", export_stack_subsidy=0.3, **DISTINCT)
    p = m.p
    assert m.us_gov.stack_support > 0
    prices = services.cohort_prices(m, {"US": 2.0, "CN": 0.5})
    gs = m.cohort_region == "GS"
    np.testing.assert_allclose(prices[gs, 0], 2.0 * (1 - 0.3 * m.us_gov.stack_support))
    assert (prices[~gs, 0] == 2.0).all() and (prices[:, 1] == 0.5).all()
    price = np.linspace(0.1, 3.0, len(m.cohorts))
    lead = best(m, bloc) - m.cap_ref
    use = math.exp(p.use_growth * m.spend_years + p.use_capability * lead)
    infra = np.array([m.countries[c.country].infra for c in m.cohorts])
    income = np.array([m.countries[c.country].income for c in m.cohorts])
    w = infra * (income / p.income_ref) ** p.income_elasticity
    expect = m.tokens0[bloc] * w * use * (price / p.us_price0) ** -p.demand_elasticity
    np.testing.assert_allclose(services.tokens_per_person(m, bloc, price), expect, rtol=1e-12)


def clear_by_hand(m, bloc, d, servable):
    """Price, demand, scarcity and unserved share of one stack from demand at cost and supply."""
    p = m.p
    w = p.price_clearing if p.mech_scarcity_pricing else 0.0
    ratio = d / servable if servable < d else 1.0
    price_mult = ratio ** (w / p.demand_elasticity)
    demand = d * price_mult**-p.demand_elasticity
    return SimpleNamespace(scarcity=max(0.0, 1 - servable / d), price_mult=price_mult,
                           demand=demand)  # fmt: skip


@pytest.mark.parametrize("clearing", [1.0, 0.5, 0.0])
def test_us_market_clears_by_price_then_rations(clearing):
    m = model_at("historical", "2024Q1", price_clearing=clearing, **DISTINCT)
    m.tokens0["US"] *= 40  # demand at cost far above what the clouds can serve
    mk0 = services.cost_price(m, "US")
    d = services.compute_demand(m, "US", mk0.price_cost, m.counts, mk0.throughput)
    cap = serving(m, "US")
    assert d > 2 * cap
    out = services.clear(m, m.counts, 0.0)["US"]
    e = clear_by_hand(m, "US", d, cap)
    assert out.demand_at_cost == pytest.approx(d, rel=1e-12)
    assert out.capacity == pytest.approx(cap, rel=1e-12)
    assert out.scarcity == pytest.approx(1 - cap / d, rel=1e-12)
    assert out.price == pytest.approx(mk0.price_cost * e.price_mult, rel=1e-12)
    assert out.demand == pytest.approx(e.demand, rel=1e-9)
    assert out.served == pytest.approx(min(e.demand, cap), rel=1e-9)
    assert out.unserved == pytest.approx(max(0.0, 1 - cap / e.demand), rel=1e-9, abs=1e-12)
    assert out.quality == pytest.approx(1 - out.unserved)
    for c in m.us_clouds:  # full: every cloud serves all it can
        assert c.utilisation == pytest.approx(1.0, rel=1e-12)
        assert c.served == pytest.approx(c.total_compute * (1 - m.p.training_share), rel=1e-12)
    if clearing == 1.0:
        assert out.unserved == pytest.approx(0.0, abs=1e-12)  # the price chokes demand to S
    if clearing == 0.0:
        assert out.price == mk0.price_cost and out.unserved == pytest.approx(out.scarcity)


def test_slack_market_is_priced_at_cost_and_sets_utilisation():
    m = model_at("historical", "2024Q1", **DISTINCT)
    out = services.clear(m, m.counts, 0.0)["US"]
    cap = serving(m, "US")
    assert out.demand_at_cost < cap and out.scarcity == 0 == out.unserved
    assert out.price == out.price_cost and out.demand == out.demand_at_cost
    assert out.served == pytest.approx(out.demand, rel=1e-12)
    for c in m.us_clouds:
        assert c.utilisation == pytest.approx(out.demand / cap, rel=1e-12)


def test_chinese_market_clears_on_routed_supply_and_rented_compute():
    m = model_at("containment", "2025Q2", price_clearing=0.6, **DISTINCT)
    m.tokens0["CN"] *= 30
    rented = 0.05 * serving(m, "CN")
    mk0 = services.cost_price(m, "CN")
    d = services.compute_demand(m, "CN", mk0.price_cost, m.counts, mk0.throughput)
    servable = capacity.route_cn(m, d, rented)  # what routing can serve of demand at cost
    assert servable < d
    out = services.clear(m, m.counts, rented)["CN"]
    e = clear_by_hand(m, "CN", d, servable)
    assert out.capacity == pytest.approx(serving(m, "CN") + rented, rel=1e-12)
    assert out.scarcity == pytest.approx(e.scarcity, rel=1e-12)
    assert out.price == pytest.approx(mk0.price_cost * e.price_mult, rel=1e-12)
    assert out.demand == pytest.approx(e.demand, rel=1e-9)
    served = sum(s.served for s in [*m.cn_clouds, *m.provinces])  # routed at the final demand
    assert out.served == pytest.approx(served + min(rented, (1 - m.p.latency_sensitive)
                                                    * out.demand), rel=1e-9)  # fmt: skip
    assert out.unserved == pytest.approx(1 - out.served / out.demand, rel=1e-9)


def test_the_numerical_guard_on_powers():
    x = np.array([0.5, 2.0, 1e-100, 1e100])
    np.testing.assert_allclose(services.power(x[:2], -0.7), x[:2] ** -0.7, rtol=1e-14)
    big = services.power(x[2:], -3.0)  # e^+-690: held at e^+-200
    np.testing.assert_allclose(big, [math.exp(200.0), math.exp(-200.0)], rtol=1e-12)
    assert services.power(1e-40, 2.0) == pytest.approx(1e-80, rel=1e-12, abs=0)  # within it
    assert services.power(1e-40, 2.5) == pytest.approx(math.exp(-200.0), rel=1e-12, abs=0)
    m = model_at("historical", "2022Q2", use_capability=2.0)
    lead = best(m, "CN") - m.cap_ref
    x = m.p.use_growth * m.spend_years + 2.0 * lead
    assert services.use_intensity(m, "CN") == pytest.approx(math.exp(x), rel=1e-12, abs=0)
    for shift, bound in ((-1000.0, -50.0), (1000.0, 50.0)):  # held within e^+-50
        m.cap_ref -= shift
        assert services.use_intensity(m, "CN") == pytest.approx(math.exp(bound), rel=1e-12)
        m.cap_ref += shift


def test_log_growth_of_demand_floors_a_market_with_none():
    assert services.log_growth(6.0, 2.0) == math.log(3.0)
    assert services.log_growth(0.5, 2.0) == math.log(0.25)  # below one H100e: no floor yet
    assert services.log_growth(0.0, 2.0) == math.log(1e-9 / 2.0)  # no demand: finite
    assert services.log_growth(3.0, 0.0) == math.log(3.0 / 1e-9)
    assert services.log_growth(0.0, 0.0) == 0.0


@pytest.mark.parametrize("case", ["no demand", "no capacity", "rounding", "short"])
def test_clearing_at_its_edges(monkeypatch, case):
    """No demand: nothing scarce, nothing unserved. No capacity: everything unserved but no
    price to clear at (no division by nothing served). A shortfall below SHORT_TOL is routing
    rounding, not scarcity. A true shortfall raises the price."""
    m = model_at("historical", "2025Q1", **DISTINCT)
    demand = {"no demand": 0.0, "no capacity": 5e5, "rounding": 5e5, "short": 5e5}[case]
    serve = {"no demand": lambda d: min(d, 1e5), "no capacity": lambda d: 0.0,
             "rounding": lambda d: d * (1 - 1e-14),
             "short": lambda d: min(d, 2e5)}[case]  # fmt: skip
    monkeypatch.setattr(services, "compute_demand", lambda *a: demand)
    monkeypatch.setattr(services, "_server", lambda model, bloc, rented: serve)
    for bloc, mk in services.clear(m, m.counts, 3.0).items():
        assert mk.demand_at_cost == demand
        assert mk.capacity == services._capacity(m, bloc) + (3.0 if bloc == "CN" else 0.0)
        if case == "short":
            assert mk.scarcity == pytest.approx(0.6, rel=1e-12) and mk.price > mk.price_cost
            continue
        assert mk.price == mk.price_cost and mk.demand == demand
        assert mk.scarcity == mk.unserved == (1.0 if case == "no capacity" else 0.0)


def test_us_clouds_with_no_capacity_serve_nothing_and_sit_idle(monkeypatch):
    m = model_at("historical", "2024Q1", **DISTINCT)
    monkeypatch.setattr(services, "_capacity", lambda model, bloc: 0.0)
    assert services._server(m, "US", 0.0)(5e5) == 0.0
    assert all(c.utilisation == 0.0 == c.served for c in m.us_clouds)
