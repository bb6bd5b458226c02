"""Offers to adopters, the adoption pass, the network and the service market (ODD §7.5-§7.6)."""

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


def expected_offers(m):
    """The ODD's stack utilities and affordability, cohort by cohort."""
    p = m.p
    us_price = p.us_price0 * math.exp(-p.price_decline * m.years)
    prices = {"US": us_price, "CN": us_price * p.cn_price_ratio * (1 + m.cn_scarcity)}
    caps = {"US": best(m, "US"), "CN": best(m, "CN")}
    util, afford = [], []
    for coh in m.cohorts:
        k = m.countries[coh.country]
        sector = m.world.sectors[coh.sector_index]
        gs = coh.region == "GS"
        presence = m.gs_govs[k.name].presence if gs else {"US": k.us_presence, "CN": k.cn_presence}
        must_host = k.sovereignty or sector.must_host
        row, values = [], []
        for bloc, sign, access, openness in (("US", 1, k.access_us, p.openness_us),
                                             ("CN", -1, k.access_cn, p.openness_cn)):  # fmt: skip
            price = prices[bloc]
            if gs and bloc == "US":
                price *= 1 - p.export_stack_subsidy * m.us_gov.stack_support
            latency = p.latency_base + p.latency_remote * (1 - presence[bloc])
            fit = max(presence[bloc], openness * k.infra)
            u = (p.beta_capability * caps[bloc] - p.beta_price * math.log(price)
                 - p.beta_latency * latency - p.beta_sovereignty * must_host * (1 - fit)
                 + p.beta_alignment * sign * k.alignment)  # fmt: skip
            row.append(u + (math.log(access) if access > 0 else -1e3))
            if access > 0:
                lead = min(50.0, caps[bloc] - m.cap_ref)
                values.append(math.exp(lead) * (p.us_price0 / price) ** p.afford_price_elasticity)
        x = p.wtp_scale * (k.income / p.income_ref) ** p.income_elasticity * max(values, default=0)
        a = k.infra * sector.afford * x / (1 + x)
        if coh.region == "CN":
            a *= m.cn_served**p.scarcity_afford_exponent
            if m.cn_gov.ai_plus:
                a *= 1 + p.cn_ai_plus_push
        util.append(row)
        afford.append(min(1.0, a))
    return np.array(util), np.array(afford)


@pytest.mark.parametrize(("quarter", "extra"), [
    ("2023Q2", {}),
    ("2026Q1", {"export_stack_subsidy": 0.4}),
    ("2026Q1", {"cn_ai_plus_push": 3.0, "wtp_scale": 90.0}),  # China's a is capped at 1
    ("2022Q2", {"afford_price_elasticity": 0.0, "cap_ref": 5.0}),  # every stack's value < 1
])  # fmt: skip
def test_cohort_offers_follow_the_odd(quarter, extra):
    shift = extra.pop("cap_ref", 0.0)
    m = model_at("historical", quarter, **{**DISTINCT, **extra})
    m.cap_ref += shift
    m.cn_served, m.cn_scarcity = 0.7, 0.3  # a scarce quarter: both terms matter
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


def test_capability_lead_is_clamped():
    m = model_at("historical", "2022Q2", **DISTINCT)
    m.cap_ref -= 500  # a lead of 500 index points: exp would overflow without the clamp
    util, afford = markets.cohort_offers(m)
    assert np.isfinite(afford).all() and np.isfinite(util).all()
    np.testing.assert_allclose(afford, expected_offers(m)[1], rtol=1e-12)


def test_service_market_rents():
    p = default_params().replace(rent_base=0.3, rent_markup_locked=0.5, us_price0=10.0,
                                 price_decline=0.0, cn_price_ratio=0.5)  # fmt: skip
    cohorts = [SimpleNamespace(region=r) for r in ("GS", "US", "GS")]
    model = SimpleNamespace(p=p, cohorts=cohorts, years=0.0, cn_scarcity=0.2)
    counts = np.zeros((3, 3, 2))
    counts[0, 1] = [4, 2]  # GS cohort: 4 contestable and 2 locked on US
    counts[0, 2] = [1, 3]  # and 1 + 3 on CN
    counts[1, 1] = [10, 0]  # US cohort
    counts[2, 2] = [0, 5]
    out = markets.clear_service_market(model, counts)
    locked_rent = min(1.0, 0.3 * 1.5)
    gs_paid = 0.3 * (4 + 1) + locked_rent * (2 + 3 + 5)
    assert out["gs_paid"] == pytest.approx(gs_paid)
    assert out["gs_value"] == 15
    assert out["revenue_us"] == pytest.approx((0.3 * 14 + locked_rent * 2) * 10.0)
    assert out["revenue_cn"] == pytest.approx((0.3 * 1 + locked_rent * 8) * 10.0 * 0.5 * 1.2)
    model.p = p.replace(rent_markup_locked=5.0)  # a locked rent above the value is capped
    assert markets.clear_service_market(model, counts)["gs_paid"] == pytest.approx(0.3 * 5 + 10)


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
