"""Offers to adopters, the adoption pass, the network, and the value and rents of AI use."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from modelkit import DISTINCT, model_at

import aiblocs.model.adoption as ad
from aiblocs.model import markets
from aiblocs.model.capability import best
from aiblocs.model.network import build_adjacency
from aiblocs.model.params import default_params


def stack_prices(m, coh):
    """The price a cohort faces on each stack: the US price less the GS export-stack subsidy."""
    p = m.p
    price = {b: m.markets[b].price for b in ("US", "CN")}
    if coh.region == "GS":
        price["US"] *= 1 - p.export_stack_subsidy * m.us_gov.stack_support
    return price


def value_and_payment(m, coh, bloc, price):
    """Value of AI to an adopted person (USD a quarter) and what it pays at ``price``."""
    p, k = m.p, m.countries[coh.country]
    income = (k.income / p.income_ref) ** p.income_elasticity
    lead = best(m, bloc) - m.cap_ref
    value = p.value_scale * income * math.exp(min(50.0, p.value_capability * lead))
    use = math.exp(min(50.0, p.use_growth * m.spend_years + p.use_capability * lead))
    tokens = m.tokens0[bloc] * k.infra * income * use * (price / p.us_price0) ** (
        -p.demand_elasticity)  # fmt: skip
    return value, price * tokens


def expected_offers(m):
    """The stack utilities and affordability of markets.py, cohort by cohort."""
    p = m.p
    caps = {"US": best(m, "US"), "CN": best(m, "CN")}
    quality = {b: 1 - m.markets[b].unserved for b in ("US", "CN")}
    util, afford = [], []
    for coh in m.cohorts:
        k = m.countries[coh.country]
        sector = m.world.sectors[coh.sector_index]
        gs = coh.region == "GS"
        presence = m.gs_govs[k.name].presence if gs else {"US": k.us_presence, "CN": k.cn_presence}
        must_host = k.sovereignty or sector.must_host
        prices = stack_prices(m, coh)
        row, surplus = [], {}
        for bloc, sign, access, openness in (("US", 1, k.access_us, p.openness_us),
                                             ("CN", -1, k.access_cn, p.openness_cn)):  # fmt: skip
            price = prices[bloc]
            latency = p.latency_base + p.latency_remote * (1 - presence[bloc])
            fit = max(presence[bloc], openness * k.infra)
            u = (p.beta_capability * caps[bloc] - p.beta_price * math.log(price / quality[bloc])
                 - p.beta_latency * latency - p.beta_sovereignty * must_host * (1 - fit)
                 + p.beta_alignment * sign * k.alignment)  # fmt: skip
            row.append(u + (math.log(access) if access > 0 else -1e3))
            if access > 0:
                value, pay = value_and_payment(m, coh, bloc, price)
                surplus[bloc] = math.log(value / pay)
        top = max(surplus, key=surplus.get)  # the stack with the best log(value / payment)
        x = p.afford_slope * (surplus[top] - p.afford_shift)
        a = k.infra * sector.afford * 0.5 * (1 + math.tanh(x / 2))  # logistic
        a *= quality[top] ** p.scarcity_afford_exponent
        if coh.region == "CN" and m.cn_gov.ai_plus:
            a *= 1 + p.cn_ai_plus_push
        util.append(row)
        afford.append(min(1.0, a))
    return np.array(util), np.array(afford)


def scarce(m, us=0.1, cn=0.3):
    """A quarter in which both stacks leave demand unserved: the quality terms matter."""
    m.markets["US"].unserved, m.markets["CN"].unserved = us, cn
    return m


@pytest.mark.parametrize(("quarter", "extra"), [
    ("2023Q2", {}),
    ("2026Q1", {"export_stack_subsidy": 0.4}),
    ("2026Q1", {"cn_ai_plus_push": 3.0, "value_scale": 1e4}),  # China's a is capped at 1
    ("2022Q2", {"afford_slope": 3.0, "afford_shift": 2.0, "cap_ref": 5.0}),  # below the shift
])  # fmt: skip
def test_cohort_offers_follow_the_equations(quarter, extra):
    shift = extra.pop("cap_ref", 0.0)
    m = scarce(model_at("historical", quarter, **{**DISTINCT, **extra}))
    m.cap_ref += shift
    util, afford = markets.cohort_offers(m)
    exp_util, exp_afford = expected_offers(m)
    np.testing.assert_allclose(util, exp_util, rtol=1e-12)
    np.testing.assert_allclose(afford, exp_afford, rtol=1e-12)
    assert (afford <= 1).all() and (afford > 0).all()
    if extra.get("cn_ai_plus_push") == 3.0:
        cn = m.cohort_region == "CN"
        assert (afford[cn] == 1.0).any()
    if quarter == "2026Q1":
        assert m.us_gov.stack_support > 0 and m.cn_gov.ai_plus
    if shift:
        assert (afford < 0.5 * exp_afford.max()).any()  # some cohorts below the half point


def test_capability_lead_is_clamped():
    m = scarce(model_at("historical", "2022Q2", **DISTINCT))
    m.cap_ref -= 500  # a lead of 500 index points: exp would overflow without the clamp
    util, afford = markets.cohort_offers(m)
    assert np.isfinite(afford).all() and np.isfinite(util).all()
    np.testing.assert_allclose(afford, expected_offers(m)[1], rtol=1e-12)
    assert np.isfinite(markets.values(m)).all() and np.isfinite(markets.payments(m)).all()


def test_values_and_payments_per_person():
    m = model_at("historical", "2026Q1", export_stack_subsidy=0.4, **DISTINCT)
    assert m.us_gov.stack_support > 0
    values, pay = markets.values(m), markets.payments(m)
    for j, coh in enumerate(m.cohorts):
        prices = stack_prices(m, coh)
        for k, bloc in enumerate(("US", "CN")):
            v, a = value_and_payment(m, coh, bloc, prices[bloc])
            assert values[j, k] == pytest.approx(v, rel=1e-12)
            assert pay[j, k] == pytest.approx(a, rel=1e-12)
    gs = m.cohort_region == "GS"
    m.us_gov.stack_support = 0.0  # the subsidy changes what GS adopters pay on the US stack only
    pay0 = markets.payments(m)
    assert (pay0[gs, 0] != pay[gs, 0]).all() and (pay0[~gs] == pay[~gs]).all()
    assert (pay0[:, 1] == pay[:, 1]).all() and (markets.values(m) == values).all()


@pytest.mark.parametrize("rents", [True, False])
def test_gs_value_and_rents(monkeypatch, rents):
    """GS value and payments (USD bn a quarter) from per-person values and payments (stubbed)."""
    p = default_params().replace(rent_markup_locked=0.5, mech_lock_in_rents=rents)
    model = SimpleNamespace(p=p, cohort_region=np.array(["GS", "US", "GS"]),
                            persons_per_unit=np.array([2.0, 3.0, 0.5]))  # fmt: skip
    value = np.array([[40.0, 30.0], [90.0, 70.0], [10.0, 12.0]])  # USD a quarter per person
    pay = np.array([[8.0, 5.0], [20.0, 9.0], [3.0, 1.0]])
    monkeypatch.setattr(markets, "values", lambda m: value)
    monkeypatch.setattr(markets, "payments", lambda m: pay)
    counts = np.zeros((3, 3, 2))
    counts[0, 1] = [4, 2]  # GS cohort: 4 contestable and 2 locked on US
    counts[0, 2] = [1, 3]  # and 1 + 3 on CN
    counts[1, 1] = [10, 5]  # a US cohort: not the Global South's
    counts[2, 2] = [0, 5]
    counts[2, 0] = [7, 0]  # not adopted: no value, no payment
    out = markets.value_and_rents(model, counts)
    locked = 1.5 if rents else 1.0
    assert out["gs_value_us"] == pytest.approx(6 * 2.0 * 40.0 / 1e3)
    assert out["gs_value_cn"] == pytest.approx((4 * 2.0 * 30.0 + 5 * 0.5 * 12.0) / 1e3)
    assert out["gs_rents_us"] == pytest.approx((4 + 2 * locked) * 2.0 * 8.0 / 1e3)
    assert out["gs_rents_cn"] == pytest.approx(
        ((1 + 3 * locked) * 2.0 * 5.0 + 5 * locked * 0.5 * 1.0) / 1e3)  # fmt: skip


def test_adoption_hazard_choice_and_lock_in_rules():
    np.testing.assert_allclose(
        ad.adoption_probability(np.array([0.01, 0.5]), np.array([0.2, 1.0]),
                                np.array([0.5, 0.9]), np.array([0.8, 1.0])),
        [(0.01 + 0.1) * 0.8, 1.0])  # fmt: skip
    p = default_params().replace(
        switch_cost_base=0.2, switch_cost_growth=0.15, lock_in_threshold=0.5
    )
    stack = np.array([1, 2, 0, 1], np.int8)
    tenure = np.array([2.0, 1.9, 9.0, 1.0], np.float32)
    np.testing.assert_array_equal(ad.locked(stack, tenure, p), [True, False, False, False])
    base = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.5]])
    net = np.array([[0.0, 0.3], [0.0, 0.6], [0.0, 0.0]])
    current = np.array([1, 0, 0])
    choice = ad.choose_stack(base, net, 2.0, current, np.array([0.5, 9.0, 0.0]))
    np.testing.assert_array_equal(choice, [1, 2, 2])  # 1 - 0 vs 0.6 - 0.5: stays; new: 1.2 > 1
    noisy = ad.choose_stack(
        base, net, 2.0, current, np.zeros(3), np.array([[0, 0], [0, 0], [1, 0]])
    )
    np.testing.assert_array_equal(noisy, [1, 2, 1])
    leaving = ad.choose_stack(np.array([[0.0, 1.0]]), np.zeros((1, 2)), 0.0, np.array([1]),
                              np.array([0.4]))  # fmt: skip
    assert leaving[0] == 2


def test_one_adoption_pass_by_hand():
    n = 400
    rng0 = np.random.default_rng(9)
    was = rng0.choice([0, 1, 2], n).astype(np.int8)
    tenure0 = np.where(was > 0, rng0.integers(0, 12, n), 0).astype(np.float32)
    cohort = (np.arange(n) >= n // 2).astype(np.int32)
    st = ad.AdopterState(cohort.copy(), was.copy(), tenure0.copy())
    draw = np.random.default_rng(4).random((n, 4), dtype=np.float32)
    utility = np.array([[0.3, 0.1], [-0.4, 0.6]])
    kw = {"utility": utility, "afford": np.array([0.8, 1.0]), "p": np.array([0.5, 0.2]),
          "q": np.array([0.0, 0.0]), "r": 0.0, "noise_scale": 0.7, "review_rate": 0.5,
          "cost_base": 0.1, "cost_growth": 0.2, "rng": np.random.default_rng(4)}  # fmt: skip
    res = ad.adoption_step(st, None, **kw)
    prob = np.array([0.5 * 0.8, 0.2 * 1.0])[cohort]
    new = (was == 0) & (draw[:, 0] < prob)
    review = (was > 0) & (draw[:, 1] < 0.5)
    np.testing.assert_array_equal(res.new_adopters, new)
    gumbel = -np.log(-np.log(np.clip(draw[:, 2:].astype(np.float64), 1e-7, 1 - 1e-7))) * 0.7
    cost = np.where(was > 0, 0.1 + 0.2 * tenure0, 0.0)
    u = utility[cohort] + gumbel - cost[:, None] * ((was[:, None] > 0) & (was[:, None] != [1, 2]))
    choice = np.argmax(u, axis=1) + 1
    chooser = new | review
    expect = np.where(chooser, choice, was)
    np.testing.assert_array_equal(st.stack, expect)
    switched = review & (choice != was)
    np.testing.assert_array_equal(res.switched, switched)
    assert new.sum() > 20 and switched.sum() > 5 and (review & ~switched).sum() > 20
    tenure = np.where(was > 0, tenure0 + 1, 0)
    tenure[new | switched] = 0
    np.testing.assert_array_equal(st.tenure, tenure)
    follow = np.random.default_rng(4)
    follow.random((n, 4), dtype=np.float32)
    assert kw["rng"].random() == follow.random()  # exactly n x 4 uniforms per quarter


def test_network_structure():
    start = np.repeat([0, 40, 100], [40, 60, 100])
    size = np.repeat([40, 60, 100], [40, 60, 100])
    for degree in (1, 2, 5, 8, 9):
        a = build_adjacency(start, size, degree, 0.0, np.random.default_rng(1))
        n = a.shape[0]
        np.testing.assert_allclose(np.asarray(a.sum(axis=1)).ravel(), 1.0, rtol=1e-6)
        assert (np.diff(a.indptr) <= degree).all() and a.dtype == np.float32
        rows, cols = a.nonzero()
        assert (start[rows] == start[cols]).all()  # no cross-border links: same country
        assert (rows != cols).all()
        # ring links: h = max(1, degree // 2) offsets +1..+(h // 2) and -1..-(h - h // 2)
        h = max(1, degree // 2)
        offsets = [*range(1, h // 2 + 1), *(-k for k in range(1, h - h // 2 + 1))]
        dense = a.toarray()
        for i in (0, 45, 199):
            pos, lo, sz = i - start[i], start[i], size[i]
            ring = {lo + (pos + o) % sz for o in offsets}
            assert all(dense[i, j] > 0 for j in ring), (degree, i)
        assert n == 200
    # self-links move to the next unit, (i + 1) mod n: unit 0's block is {0, 1}
    tiny = build_adjacency(np.array([0, 0, 2]), np.array([2, 2, 1]), 4, 0.0,
                           np.random.default_rng(3))  # fmt: skip
    assert set(tiny[0].indices) == {1} and tiny.shape == (3, 3)
    assert set(tiny[2].indices) == {0}  # a block of one: its only link wraps to unit 0
    pair = build_adjacency(np.zeros(2, int), np.full(2, 2), 8, 0.0, np.random.default_rng(0))
    assert set(pair[0].indices) == {1} and set(pair[1].indices) == {0}
    lonely = build_adjacency(np.array([0, 0, 0, 3]), np.array([3, 3, 3, 1]), 1, 0.0,
                             np.random.default_rng(0))  # fmt: skip
    assert lonely.shape == (4, 4) and lonely[:, 3].nnz == 0  # nobody observes the last unit
    cross = build_adjacency(start, size, 8, 0.5, np.random.default_rng(2))
    rows, cols = cross.nonzero()
    share_abroad = np.average(start[rows] != start[cols], weights=cross.data)
    assert 0.2 < share_abroad < 0.5  # half the links redirected, some land at home by chance
    assert build_adjacency(np.zeros(0, int), np.zeros(0, int), 8, 0.1,
                           np.random.default_rng(0)).shape == (0, 0)  # fmt: skip
    one = build_adjacency(np.zeros(1, int), np.ones(1, int), 4, 0.0, np.random.default_rng(0))
    assert one.shape == (1, 1)


def test_a_stack_that_cannot_be_sold_never_sets_affordability():
    """China's cohorts cannot buy the US stack (access 0): their affordability follows the
    Chinese offer even when the US one would be the better deal."""
    m = scarce(model_at("historical", "2024Q1", **DISTINCT))
    m.markets["CN"].price *= 1e6  # inelastic demand: a dearer stack costs more in total
    value, pay = markets.terms(m)
    cn = m.cohort_region == "CN"
    assert (np.log(value[cn, 0] / pay[cn, 0]) > np.log(value[cn, 1] / pay[cn, 1])).all()
    np.testing.assert_allclose(markets.cohort_offers(m)[1], expected_offers(m)[1], rtol=1e-12)


def test_a_hopeless_offer_is_floored_not_overflowed():
    """Far below the affordability shift (x < -700) the logistic is held at 1 + e^700."""
    m = scarce(model_at("historical", "2023Q2", afford_slope=20.0, value_capability=2.0,
                        **DISTINCT), 0.0, 0.0)  # fmt: skip
    m.cap_ref += 100  # both stacks 100 index points below the reference: V / payment ~ e^-150
    assert not m.cn_gov.ai_plus
    value, pay = markets.terms(m)
    x = 20.0 * (np.log(value / pay).max(axis=1) - m.p.afford_shift)
    assert (x < -700).all() and np.isfinite(x).all()
    fx = markets._cohort_fixtures(m)
    floor = fx.infra * fx.sector_afford / (1 + math.exp(700.0))
    np.testing.assert_array_equal(markets.cohort_offers(m)[1], floor)


def test_value_and_rents_compute_this_quarters_terms_when_not_given():
    m = model_at("historical", "2026Q1", **DISTINCT)
    given = markets.value_and_rents(m, m.counts, markets.terms(m))
    assert markets.value_and_rents(m, m.counts) == given and given["gs_value_us"] > 0
