"""The chip market (ODD §7.2) on hand-built offers: every spend, cap, leak and fee by hand.

The market is called on stub designers and governments, so each expected number below is
computed from the ODD's equations with no model state in between.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from aiblocs.model import chips
from aiblocs.model.params import default_params
from aiblocs.model.regimes import TierRule

P = default_params().replace(
    beta_chip_price=1.5, beta_ecosystem=2.0, fee_passthrough=0.4, smuggle_leak=0.3,
    smuggle_premium=0.6, substitution=0.7, discourage_penalty=1.2, cn_domestic_preference=0.9,
    n_licences=20,
)  # fmt: skip


class Designer:
    """A stub designer: fixed offers, a capacity, and a sales ledger."""

    def __init__(self, bloc, perf, price, eco, capacity=math.inf):
        self.bloc, self.perf, self.price, self.ecosystem = bloc, perf, price, eco
        self.capacity = capacity
        self.tiers = tuple(perf)
        self.sales: list[tuple[str, float, float]] = []

    def book_sale(self, region, units, revenue):
        self.sales.append((region, units, revenue))

    def revenue(self, region):
        return sum(r for reg, _, r in self.sales if reg == region)

    def units(self, region):
        return sum(u for reg, u, _ in self.sales if reg == region)


def market(rules=None, stance=None, mandate=False, enforcement=0.5, dom_capacity=math.inf, p=P):
    us = Designer("US", {"frontier": 2.0, "prev": 1.0, "compliant": 0.3},
                  {"frontier": 30e3, "prev": 14e3, "compliant": 9e3}, 0.9)  # fmt: skip
    cn = Designer("CN", {"domestic": 0.6}, {"domestic": 8e3}, 0.5, dom_capacity)
    rules = {t: TierRule(t, 0) for t in ("frontier", "prev", "compliant")} | (rules or {})
    model = SimpleNamespace(
        p=p,
        designers=[us, cn],
        us_gov=SimpleNamespace(rules=rules, enforcement=enforcement),
        cn_gov=SimpleNamespace(
            stance={"frontier": "allow", "prev": "allow", "compliant": "allow"} | (stance or {}),
            mandate=mandate,
        ),
    )
    return model, us, cn


def utility(price, perf, eco, fee=0.0, penalty=0.0, p=P):
    """The ODD's buyer utility of one offer."""
    return (-p.beta_chip_price * math.log(price / perf * (1 + p.fee_passthrough * fee) / 1e4)
            + p.beta_ecosystem * eco - penalty)  # fmt: skip


def shares(us_keys, u):
    e = {k: math.exp(v) for k, v in u.items() if k in us_keys}
    return {k: v / sum(e.values()) for k, v in e.items()}


def clear(model, budgets, seed=0):
    return chips.clear(model, budgets, np.random.default_rng(seed))


U = {  # utilities of the four offers for a buyer outside China (no fee, no penalty)
    "frontier": utility(30e3, 2.0, 0.9),
    "prev": utility(14e3, 1.0, 0.9),
    "compliant": utility(9e3, 0.3, 0.9),
    "domestic": utility(8e3, 0.6, 0.5),
}


def test_us_buyers_spend_their_budget_on_frontier_and_prev_by_logit():
    model, us, cn = market()
    res = clear(model, {"US": 5.0})
    s = shares({"frontier", "prev"}, U)
    assert us.revenue("US") == pytest.approx(5.0, rel=1e-12)
    assert cn.sales == []
    expect_units = 5.0 * 1e9 * (s["frontier"] / 30e3 + s["prev"] / 14e3)
    assert us.units("US") == pytest.approx(expect_units, rel=1e-12)
    expect_compute = 5.0 * 1e9 * (s["frontier"] * 2.0 / 30e3 + s["prev"] * 1.0 / 14e3)
    assert res.compute["US"]["US"] == pytest.approx(expect_compute, rel=1e-12)
    assert res.compute["US"]["CN"] == 0.0 and res.units["US"]["CN"] == 0.0
    model, us, _ = market()
    clear(model, {"US": 1e-9})  # one dollar: a fraction of a chip is still sold
    assert us.revenue("US") == pytest.approx(1e-9, rel=1e-12)
    assert res.us_revenue_total == pytest.approx(5.0, rel=1e-12) and res.us_revenue_cn == 0


def test_gs_buyers_also_consider_domestic_chips():
    model, us, cn = market()
    clear(model, {"GS": 2.0})
    s = shares({"frontier", "prev", "domestic"}, U)
    assert cn.revenue("GS") == pytest.approx(2.0 * s["domestic"], rel=1e-12)
    assert us.revenue("GS") == pytest.approx(2.0 * (s["frontier"] + s["prev"]), rel=1e-12)


@pytest.mark.parametrize("group", ["CN", "CN_state"])
def test_chinese_buyers_consider_every_tier_with_the_domestic_preference(group):
    model, us, cn = market()
    res = clear(model, {group: 3.0})
    u = dict(U, domestic=U["domestic"] + P.cn_domestic_preference)
    s = shares(set(u), u)
    assert cn.revenue("CN") == pytest.approx(3.0 * s["domestic"], rel=1e-12)
    assert us.revenue("CN") == pytest.approx(3.0 * (1 - s["domestic"]), rel=1e-12)
    assert res.us_revenue_cn == pytest.approx(us.revenue("CN"), rel=1e-12)
    by_tier = res.us_units_by_tier_cn
    for t, price in (("frontier", 30e3), ("prev", 14e3), ("compliant", 9e3)):
        assert by_tier[t] == pytest.approx(3.0 * s[t] * 1e9 / price, rel=1e-12)
    assert res.units[group]["CN"] == pytest.approx(3.0 * s["domestic"] * 1e9 / 8e3, rel=1e-12)


def test_discourage_block_and_mandate():
    model, us, cn = market(stance={"prev": "block", "compliant": "discourage"})
    clear(model, {"CN": 3.0})
    u = dict(U, domestic=U["domestic"] + P.cn_domestic_preference)
    u["compliant"] -= P.discourage_penalty
    s = shares({"frontier", "compliant", "domestic"}, u)
    assert cn.revenue("CN") == pytest.approx(3.0 * s["domestic"], rel=1e-12)
    model, us, cn = market(mandate=True)
    res = clear(model, {"CN_state": 3.0, "CN": 0.0})
    assert us.sales == [] and cn.revenue("CN") == pytest.approx(3.0, rel=1e-12)
    assert res.units["CN_state"]["US"] == 0
    model, us, cn = market(mandate=True)  # the mandate binds state hubs, not commercial clouds
    clear(model, {"CN": 3.0})
    assert us.revenue("CN") > 0


def test_banned_tiers_leak_to_smugglers_and_the_rest_is_partly_respent():
    rules = {t: TierRule(t, 0, "banned") for t in ("frontier", "prev")}
    model, us, cn = market(rules=rules, enforcement=0.25)
    res = clear(model, {"CN": 4.0})
    u = dict(U, domestic=U["domestic"] + P.cn_domestic_preference)
    s = shares(set(u), u)
    denied = {t: 4.0 * s[t] for t in ("frontier", "prev")}
    leak = {t: d * P.smuggle_leak * (1 - 0.25) for t, d in denied.items()}
    respent = P.substitution * sum(denied[t] - leak[t] for t in denied)
    alt = shares({"compliant", "domestic"}, u)  # re-spent by logit over the open offers
    assert res.smuggled_spend == pytest.approx(sum(leak.values()), rel=1e-12)
    smuggled = sum(leak[t] * 1e9 / (price * (1 + P.smuggle_premium))
                   for t, price in (("frontier", 30e3), ("prev", 14e3)))  # fmt: skip
    assert res.smuggled_units == pytest.approx(smuggled, rel=1e-12)
    perf = {"frontier": 2.0, "prev": 1.0}
    smuggled_compute = sum(leak[t] * 1e9 / ({"frontier": 30e3, "prev": 14e3}[t]
                           * (1 + P.smuggle_premium)) * perf[t] for t in leak)  # fmt: skip
    assert res.compute["smuggled"]["US"] == pytest.approx(smuggled_compute, rel=1e-12)
    assert set(res.compute["smuggled"]) == {"US", "CN"} and res.compute["smuggled"]["CN"] == 0.0
    assert res.us_revenue_cn_forgone == pytest.approx(sum(denied.values()), rel=1e-12)
    assert cn.revenue("CN") == pytest.approx(4.0 * s["domestic"] + respent * alt["domestic"])
    assert us.revenue("CN") == pytest.approx(4.0 * s["compliant"] + respent * alt["compliant"])
    assert res.us_units_by_tier_cn.get("frontier", 0) == 0 == res.us_units_by_tier_cn.get("prev", 0)
    # the budget is accounted for: bought + smuggled + re-spend not taken up
    lost = (1 - P.substitution) * sum(denied[t] - leak[t] for t in denied)
    bought = us.revenue("CN") + cn.revenue("CN")
    assert bought + res.smuggled_spend + lost == pytest.approx(4.0, rel=1e-12)


def test_a_banned_compliant_part_is_not_smuggled():
    model, _us, _cn = market(rules={"compliant": TierRule("compliant", 0, "banned")})
    res = clear(model, {"CN": 4.0})
    assert res.smuggled_units == 0 and res.smuggled_spend == 0
    assert res.us_revenue_cn_forgone > 0


def test_full_enforcement_stops_smuggling():
    rules = {t: TierRule(t, 0, "banned") for t in ("frontier", "prev")}
    model, _, _ = market(rules=rules, enforcement=1.0)
    res = clear(model, {"CN": 4.0})
    assert res.smuggled_units == 0 and res.compute["smuggled"]["US"] == 0
    lost = (1 - P.substitution) * res.us_revenue_cn_forgone  # every denied dollar is re-spent
    bought = sum(d.revenue("CN") for d in model.designers)
    assert bought + lost == pytest.approx(4.0, rel=1e-12)


def test_licence_draws_fees_and_the_joint_cap():
    fee = 0.2
    rules = {"prev": TierRule("prev", 0, "licensed", approval=0.7, fee=fee, cap=0.05),
             "compliant": TierRule("compliant", 0, "licensed", approval=0.4, fee=fee)}  # fmt: skip
    model, _us, _cn = market(rules=rules)
    budgets = {"US": 6.0, "CN": 3.0, "CN_state": 1.0}
    res = clear(model, budgets, seed=11)
    rng = np.random.default_rng(11)  # the draws in tier order, one per tier whatever its status
    draws = {t: rng.binomial(20, a) / 20 for t, a in (("frontier", 1.0), ("prev", 0.7),
                                                         ("compliant", 0.4))}  # fmt: skip
    assert res.approvals == {
        "frontier": 1.0,
        "prev": draws["prev"],
        "compliant": draws["compliant"],
    }
    s_us = shares({"frontier", "prev"}, U)
    us_prev_units = 6.0 * 1e9 * s_us["prev"] / 14e3
    # the cap is joint: both Chinese groups together get cap x US-customer volume, no more
    assert res.us_units_by_tier_cn["prev"] == pytest.approx(0.05 * us_prev_units, rel=1e-9)
    u = dict(U, domestic=U["domestic"] + P.cn_domestic_preference)
    u["prev"] = utility(14e3, 1.0, 0.9, fee)
    u["compliant"] = utility(9e3, 0.3, 0.9, fee)
    s = shares(set(u), u)
    # the first group's licensed compliant spend is its approved share, priced with the fee
    units_compliant = sum(b * s["compliant"] * draws["compliant"] for b in (3.0, 1.0))
    expect = units_compliant * 1e9 / (9e3 * (1 + P.fee_passthrough * fee))
    assert res.us_units_by_tier_cn["compliant"] == pytest.approx(expect, rel=1e-12)
    # forgone revenue is the denied spend net of the buyer's share of the fee
    markup = 1 + P.fee_passthrough * fee
    desired = 4.0 * (s["prev"] + s["compliant"])
    legal = sum(res.us_units_by_tier_cn[t] * price / 1e9 * markup
                for t, price in (("prev", 14e3), ("compliant", 9e3)))  # fmt: skip
    assert res.us_revenue_cn_forgone == pytest.approx((desired - legal) / markup, rel=1e-9)
    frontier_rev = res.us_units_by_tier_cn["frontier"] * 30e3 / 1e9
    assert res.tariff_revenue == pytest.approx(fee * (res.us_revenue_cn - frontier_rev), rel=1e-9)


def test_licence_rationing_switched_off_approves_every_licence():
    rules = {"prev": TierRule("prev", 0, "licensed", approval=0.3, fee=0.1)}
    model, _, _ = market(rules=rules, p=P.replace(mech_licence_rationing=False))
    res = clear(model, {"CN": 3.0})
    assert res.approvals["prev"] == 1.0 and res.us_revenue_cn_forgone == 0.0


def test_wafer_capacity_rations_domestic_chips_across_groups():
    model, _us, cn = market(dom_capacity=1e5)
    res = clear(model, {"GS": 2.0, "CN": 3.0, "CN_state": 1.0})
    u_cn = dict(U, domestic=U["domestic"] + P.cn_domestic_preference)
    want_cn = 4.0 * shares(set(u_cn), u_cn)["domestic"] * 1e9 / 8e3
    want_gs = 2.0 * shares({"frontier", "prev", "domestic"}, U)["domestic"] * 1e9 / 8e3
    scale = 1e5 / (want_cn + want_gs)
    assert scale < 1
    assert cn.units("CN") + cn.units("GS") == pytest.approx(1e5, rel=1e-12)
    assert cn.units("GS") == pytest.approx(want_gs * scale, rel=1e-12)
    assert res.unspent_cn == pytest.approx(want_cn * (1 - scale) * 8e3 / 1e9, rel=1e-12)
    model, _us, cn = market(dom_capacity=1e12)
    assert clear(model, {"CN": 3.0}).unspent_cn == 0


def test_utilities_and_softmax():
    offers = [chips.Offer(None, "frontier", 2.0, 30e3, "US", 0.9),
              chips.Offer(None, "domestic", 0.6, 8e3, "CN", 0.5)]  # fmt: skip
    u = chips._utilities(offers, np.array([0.1, 0.0]), np.array([0.0, -0.9]), P)
    np.testing.assert_allclose(u, [utility(30e3, 2.0, 0.9, 0.1 / P.fee_passthrough),
                                   U["domestic"] + 0.9], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(chips._softmax(np.array([0.0, math.log(3.0)])), [0.25, 0.75])
    np.testing.assert_allclose(chips._softmax(np.array([1e3, 1e3 + math.log(3.0)])), [0.25, 0.75])
