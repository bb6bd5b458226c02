"""The chip market (``chips.py``, ``grey.py``) on hand-built offers, stub designers and
governments: every spend, cap, grey purchase, rental, fee and ledger entry by hand, from the
module docstrings' equations with no model state in between: a logit over
offers, US rules and China's stance rationing Chinese purchases, denied demand going grey
(premium ``grey_premium0 + grey_risk_premium * d``, a logit against the legal alternatives, a
share ``1 - d`` delivered) and to rented compute (``rental_share * (1 - enforcement)`` at the
rental price plus its markup), wafer capacity rationing domestic chips pro rata, what remains
re-spent in the next round and, after the last, carried over less ``carry_lapse``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from aiblocs.model import chips, grey
from aiblocs.model.params import default_params
from aiblocs.model.regimes import TierRule
from aiblocs.model.shocks import ShockState

P = default_params().replace(
    beta_chip_price=1.5, beta_ecosystem=2.0, fee_passthrough=0.4, smuggle_leak=0.3,
    grey_premium0=0.2, grey_risk_premium=0.8, detection_max=0.4, cn_customs_enforcement=0.3,
    rental_share=0.25, rental_markup=0.6, carry_lapse=0.3, market_rounds=1,
    discourage_penalty=1.2, cn_domestic_preference=0.9, n_licences=20,
)  # fmt: skip
RENTAL_PRICE = 3000.0  # USD per H100e-quarter: the US serving cost the model would pass
PRICE = {"frontier": 30e3, "prev": 14e3, "compliant": 9e3, "domestic": 8e3}
PERF = {"frontier": 2.0, "prev": 1.0, "compliant": 0.3, "domestic": 0.6}
US_TIERS = ("frontier", "prev", "compliant")


class Designer:
    """A stub designer: fixed offers, a capacity, a sales ledger and its first-round asks."""

    def __init__(self, bloc, tiers, eco, capacity=math.inf):
        self.bloc, self.ecosystem, self.capacity = bloc, eco, capacity
        self.perf = {t: PERF[t] for t in tiers}
        self.price = {t: PRICE[t] for t in tiers}
        self.tiers = tuple(tiers)
        self.sales: list[tuple[str, float, float]] = []
        self.wanted = 0.0

    def book_sale(self, region, units, revenue):
        self.sales.append((region, units, revenue))

    def revenue(self, region):
        return sum(r for reg, _, r in self.sales if reg == region)

    def units(self, region):
        return sum(u for reg, u, _ in self.sales if reg == region)


def market(rules=None, stance=None, mandate=False, enforcement=0.5, dom_capacity=math.inf, p=P):
    us = Designer("US", US_TIERS, 0.9)
    cn = Designer("CN", ("domestic",), 0.5, dom_capacity)
    rules = {t: TierRule(t, 0) for t in US_TIERS} | (rules or {})
    model = SimpleNamespace(
        p=p,
        designers=[us, cn],
        us_gov=SimpleNamespace(rules=rules, enforcement=enforcement),
        cn_gov=SimpleNamespace(
            stance=dict.fromkeys(US_TIERS, "allow") | (stance or {}), mandate=mandate
        ),
        rental_price=RENTAL_PRICE,
        shocks=ShockState(),  # no crackdown in force
    )
    return model, us, cn


def utility(tier, markup=0.0, penalty=0.0, p=P):
    """A buyer's utility of one offer: log price per H100e with the fee it bears, ecosystem."""
    eco = 0.5 if tier == "domestic" else 0.9
    return (-p.beta_chip_price * math.log(PRICE[tier] / PERF[tier] * (1 + markup) / 1e4)
            + p.beta_ecosystem * eco - penalty)  # fmt: skip


U = {t: utility(t) for t in PRICE}  # outside China: no fee, no penalty
U_CN = dict(U, domestic=U["domestic"] + P.cn_domestic_preference)  # Chinese buyers


def shares(u, keys):
    e = {k: math.exp(u[k]) for k in keys}
    return {k: v / sum(e.values()) for k, v in e.items()}


def grey_share(u, tier, alternatives, d, p=P, markup=0.0):
    """smuggle_leak x logistic(u_grey - u_alt), u_alt the log-sum over the legal alternatives."""
    premium = p.grey_premium0 + p.grey_risk_premium * d
    u_grey = u[tier] - p.beta_chip_price * math.log((1 + premium) / (1 - d) / (1 + markup))
    u_alt = math.log(sum(math.exp(u[k]) for k in alternatives))
    return p.smuggle_leak / (1 + math.exp(u_alt - u_grey)), premium


def clear(model, budgets, carry=None, seed=0):
    return chips.clear(model, budgets, carry or {}, np.random.default_rng(seed))


def assert_ledger(res, expect):
    """Each group's ledger equals ``expect`` (missing uses are 0) and closes on its budget."""
    for g in chips.GROUPS:
        want = dict.fromkeys(chips.LEDGER, 0.0) | expect.get(g, {})
        assert res.ledger[g] == pytest.approx(want, rel=1e-12, abs=1e-15), g
        assert sum(res.ledger[g].values()) == pytest.approx(res.available[g], rel=1e-12), g


def test_us_buyers_spend_their_budget_on_frontier_and_prev_by_logit():
    model, us, cn = market()
    res = clear(model, {"US": 5.0})
    s = shares(U, ("frontier", "prev"))
    assert us.revenue("US") == pytest.approx(5.0, rel=1e-12)
    assert cn.sales == []
    expect_units = 5.0 * 1e9 * (s["frontier"] / 30e3 + s["prev"] / 14e3)
    assert us.units("US") == pytest.approx(expect_units, rel=1e-12)
    expect_compute = 5.0 * 1e9 * (s["frontier"] * 2.0 / 30e3 + s["prev"] * 1.0 / 14e3)
    assert res.compute["US"]["US"] == pytest.approx(expect_compute, rel=1e-12)
    assert res.cost["US"] == pytest.approx({"US": 5.0, "CN": 0.0}, rel=1e-12)
    assert res.compute["US"]["CN"] == 0.0 and res.units["US"]["CN"] == 0.0
    assert res.us_revenue_total == pytest.approx(5.0, rel=1e-12) and res.us_revenue_cn == 0
    assert_ledger(res, {"US": {"us_legal": 5.0}})
    assert res.available == {"US": 5.0, "GS": 0.0, "CN": 0.0, "CN_state": 0.0}
    assert us.wanted == pytest.approx(expect_units, rel=1e-12) and cn.wanted == 0.0
    model, us, _ = market()
    clear(model, {"US": 1e-9})  # one dollar: a fraction of a chip is still sold
    assert us.revenue("US") == pytest.approx(1e-9, rel=1e-12)


def test_carry_in_adds_to_the_budget_and_every_round_spends_what_is_left():
    model, us, cn = market(p=P.replace(market_rounds=4))
    res = clear(model, {"US": 2.0, "GS": 0.5}, carry={"US": 1.5, "CN": 0.25})
    assert res.available == pytest.approx({"US": 3.5, "GS": 0.5, "CN": 0.25, "CN_state": 0.0})
    assert us.revenue("US") == pytest.approx(3.5, rel=1e-12)  # nothing rations: all spent
    assert res.carry() == pytest.approx(dict.fromkeys(chips.GROUPS, 0.0))
    s_gs, s_cn = (
        shares(U, ("frontier", "prev", "domestic"))["domestic"],
        shares(U_CN, PRICE)["domestic"],
    )
    assert cn.revenue("CN") == pytest.approx(0.25 * s_cn, rel=1e-12)
    gs = {"us_legal": 0.5 * (1 - s_gs), "domestic": 0.5 * s_gs}
    cn_ = {"us_legal": 0.25 * (1 - s_cn), "domestic": 0.25 * s_cn}
    assert_ledger(res, {"US": {"us_legal": 3.5}, "GS": gs, "CN": cn_})


def test_gs_buyers_also_consider_domestic_chips():
    model, us, cn = market()
    res = clear(model, {"GS": 2.0})
    s = shares(U, ("frontier", "prev", "domestic"))
    assert cn.revenue("GS") == pytest.approx(2.0 * s["domestic"], rel=1e-12)
    assert us.revenue("GS") == pytest.approx(2.0 * (s["frontier"] + s["prev"]), rel=1e-12)
    assert res.compute["GS"]["CN"] == pytest.approx(2.0 * s["domestic"] * 1e9 / 8e3 * 0.6)
    assert res.us_revenue_cn == 0 and res.us_units_by_tier_cn == {}


@pytest.mark.parametrize("group", ["CN", "CN_state"])
def test_chinese_buyers_consider_every_tier_with_the_domestic_preference(group):
    model, us, cn = market()
    res = clear(model, {group: 3.0})
    s = shares(U_CN, PRICE)
    assert cn.revenue("CN") == pytest.approx(3.0 * s["domestic"], rel=1e-12)
    assert us.revenue("CN") == pytest.approx(3.0 * (1 - s["domestic"]), rel=1e-12)
    assert res.us_revenue_cn == pytest.approx(us.revenue("CN"), rel=1e-12)
    for t in US_TIERS:
        assert res.us_units_by_tier_cn[t] == pytest.approx(3.0 * s[t] * 1e9 / PRICE[t], rel=1e-12)
    assert res.units[group]["CN"] == pytest.approx(3.0 * s["domestic"] * 1e9 / 8e3, rel=1e-12)
    assert res.smuggled_units == res.rented_h100e == res.us_revenue_cn_forgone == 0
    assert_ledger(res, {group: {"us_legal": 3.0 * (1 - s["domestic"]),
                                "domestic": 3.0 * s["domestic"]}})  # fmt: skip


def test_the_mandate_binds_state_hubs_not_commercial_clouds():
    model, us, cn = market(mandate=True)
    res = clear(model, {"CN_state": 3.0, "CN": 0.0})
    assert us.sales == [] and cn.revenue("CN") == pytest.approx(3.0, rel=1e-12)
    assert res.units["CN_state"]["US"] == 0 and res.smuggled_units == 0
    model, us, cn = market(mandate=True)
    clear(model, {"CN": 3.0})
    assert us.revenue("CN") == pytest.approx(3.0 * (1 - shares(U_CN, PRICE)["domestic"]))


def banned_case(rounds, enforcement=0.25):
    """Frontier and prev banned by the US: grey market, rental, what is left re-spent."""
    p = P.replace(market_rounds=rounds)
    rules = {t: TierRule(t, 0, "banned") for t in ("frontier", "prev")}
    model, us, cn = market(rules=rules, enforcement=enforcement, p=p)
    res = clear(model, {"CN": 4.0})
    s = shares(U_CN, PRICE)
    x = {t: 4.0 * s[t] for t in PRICE}  # first-round desired spend
    d = enforcement * p.detection_max  # only the US enforces
    legal_alt = ("compliant", "domestic")  # the offers the buyer may still buy legally
    grey, chips_, rent = {}, {}, {}
    for t in ("frontier", "prev"):
        share, premium = grey_share(U_CN, t, legal_alt, d, p)
        grey[t] = x[t] * share
        chips_[t] = grey[t] * 1e9 / (PRICE[t] * (1 + premium))
        rent[t] = (x[t] - grey[t]) * p.rental_share * (1 - enforcement)
    left = sum(x[t] - grey[t] - rent[t] for t in ("frontier", "prev"))
    return SimpleNamespace(res=res, us=us, cn=cn, p=p, s=s, x=x, d=d, grey=grey, chips=chips_,
                           rent=rent, left=left, alt=shares(U_CN, legal_alt))  # fmt: skip


@pytest.mark.parametrize("enforcement", [0.25, 0.9])
def test_banned_tiers_go_grey_and_abroad_and_the_rest_is_carried(enforcement):
    c = banned_case(rounds=1, enforcement=enforcement)
    res, p, d = c.res, c.p, c.d
    assert res.approvals == {"frontier": 0.0, "prev": 0.0, "compliant": 1.0}
    assert res.smuggled_units == pytest.approx(sum(c.chips.values()) * (1 - d), rel=1e-12)
    assert res.seized_units == pytest.approx(sum(c.chips.values()) * d, rel=1e-12)
    compute = sum(c.chips[t] * PERF[t] for t in c.chips) * (1 - d)
    assert res.smuggled_compute == pytest.approx(compute, rel=1e-12)
    assert res.smuggled_cost == pytest.approx(sum(c.grey.values()) * (1 - d), rel=1e-12)
    rented = sum(c.rent.values()) * 1e9 / (RENTAL_PRICE * (1 + p.rental_markup))
    assert res.rented_h100e == pytest.approx(rented, rel=1e-12)
    assert res.us_revenue_cn_forgone == pytest.approx(c.x["frontier"] + c.x["prev"], rel=1e-12)
    assert res.us_units_by_tier_cn.get("frontier", 0) == 0 == res.us_units_by_tier_cn.get("prev", 0)
    assert c.cn.revenue("CN") == pytest.approx(c.x["domestic"], rel=1e-12)
    assert c.us.revenue("CN") == pytest.approx(c.x["compliant"], rel=1e-12)
    assert_ledger(res, {"CN": {
        "us_legal": c.x["compliant"], "domestic": c.x["domestic"],
        "grey": sum(c.grey.values()), "rental": sum(c.rent.values()),
        "carry": c.left * (1 - p.carry_lapse), "returned": c.left * p.carry_lapse}})  # fmt: skip
    assert res.carry() == pytest.approx({"US": 0, "GS": 0, "CN": c.left * (1 - p.carry_lapse),
                                         "CN_state": 0})  # fmt: skip
    assert c.left > 0 and all(v > 0 for v in c.grey.values())


def test_a_second_round_respends_denied_demand_on_the_open_offers():
    c = banned_case(rounds=2)
    res, x = c.res, c.x
    assert c.cn.revenue("CN") == pytest.approx(x["domestic"] + c.left * c.alt["domestic"])
    assert c.us.revenue("CN") == pytest.approx(x["compliant"] + c.left * c.alt["compliant"])
    assert_ledger(res, {"CN": {
        "us_legal": x["compliant"] + c.left * c.alt["compliant"],
        "domestic": x["domestic"] + c.left * c.alt["domestic"],
        "grey": sum(c.grey.values()), "rental": sum(c.rent.values())}})  # fmt: skip
    # only the first round's asks measure demand for scarcity pricing
    assert c.cn.wanted == pytest.approx(x["domestic"] * 1e9 / 8e3, rel=1e-12)
    # a banned tier sees no further grey purchases once closed: the same as with one round
    one = banned_case(rounds=1)
    assert res.smuggled_units == pytest.approx(one.res.smuggled_units, rel=1e-12)


def test_china_blocks_a_tier_its_customs_seize_grey_chips_and_nobody_rents():
    model, us, _ = market(stance={"prev": "block", "compliant": "discourage"}, enforcement=0.7)
    res = clear(model, {"CN": 3.0})
    u = dict(U_CN, compliant=U_CN["compliant"] - P.discourage_penalty)
    s = shares(u, PRICE)
    d = P.cn_customs_enforcement  # the US allows the tier: only China's customs seize
    share, premium = grey_share(u, "prev", ("frontier", "compliant", "domestic"), d)
    grey_spend = 3.0 * s["prev"] * share
    chips_ = grey_spend * 1e9 / (14e3 * (1 + premium))
    assert res.smuggled_units == pytest.approx(chips_ * (1 - d), rel=1e-12)
    assert res.seized_units == pytest.approx(chips_ * d, rel=1e-12)
    assert res.rented_h100e == 0 and res.us_revenue_cn_forgone == 0  # no US revenue forgone
    left = 3.0 * s["prev"] - grey_spend
    assert us.revenue("CN") == pytest.approx(3.0 * (s["frontier"] + s["compliant"]), rel=1e-12)
    assert_ledger(res, {"CN": {"us_legal": 3.0 * (s["frontier"] + s["compliant"]),
                               "domestic": 3.0 * s["domestic"], "grey": grey_spend,
                               "carry": left * (1 - P.carry_lapse),
                               "returned": left * P.carry_lapse}})  # fmt: skip


def test_a_tier_both_sides_deny_is_seized_by_either_and_not_rented():
    rules = {"frontier": TierRule("frontier", 0, "banned")}
    model, _, _ = market(rules=rules, stance={"frontier": "block"}, enforcement=0.5)
    res = clear(model, {"CN": 3.0})
    d = 1 - (1 - 0.5 * P.detection_max) * (1 - P.cn_customs_enforcement)
    assert grey.detection(model, True, True) == pytest.approx(d, rel=1e-12)
    assert grey.detection(model, True, False) == pytest.approx(0.5 * P.detection_max)
    assert grey.detection(model, False, True) == pytest.approx(P.cn_customs_enforcement)
    assert grey.detection(model, False, False) == 0.0
    s = shares(U_CN, PRICE)
    share, premium = grey_share(U_CN, "frontier", ("prev", "compliant", "domestic"), d)
    chips_ = 3.0 * s["frontier"] * share * 1e9 / (30e3 * (1 + premium))
    assert res.seized_units == pytest.approx(chips_ * d, rel=1e-12)
    assert res.rented_h100e == 0 and res.us_revenue_cn_forgone == 0


def test_a_banned_compliant_part_is_rented_abroad_not_smuggled():
    model, _us, _cn = market(rules={"compliant": TierRule("compliant", 0, "banned")},
                             enforcement=0.4)  # fmt: skip
    res = clear(model, {"CN": 4.0})
    gap = 4.0 * shares(U_CN, PRICE)["compliant"]
    assert res.smuggled_units == res.seized_units == res.ledger["CN"]["grey"] == 0
    assert res.us_revenue_cn_forgone == pytest.approx(gap, rel=1e-12)
    rent = gap * P.rental_share * (1 - 0.4)
    assert res.ledger["CN"]["rental"] == pytest.approx(rent, rel=1e-12)
    assert res.rented_h100e == pytest.approx(rent * 1e9 / (RENTAL_PRICE * 1.6), rel=1e-12)


def test_full_enforcement_stops_rental_and_seizes_detection_max_of_grey_chips():
    c = banned_case(rounds=1, enforcement=1.0)
    res = c.res
    assert res.rented_h100e == 0 and res.ledger["CN"]["rental"] == 0
    seized = res.seized_units / (res.seized_units + res.smuggled_units)
    assert seized == pytest.approx(P.detection_max, rel=1e-12) and res.smuggled_units > 0
    off = banned_case(rounds=1, enforcement=0.0)  # no enforcement: nothing is seized
    assert off.res.seized_units == 0 and off.res.smuggled_units > res.smuggled_units


@pytest.mark.parametrize("rounds", [1, 3])
def test_licence_draws_fees_and_the_joint_cap(rounds):
    fee = 0.2
    rules = {"prev": TierRule("prev", 0, "licensed", approval=0.7, fee=fee, cap=0.05),
             "compliant": TierRule("compliant", 0, "licensed", approval=0.4, fee=fee)}  # fmt: skip
    p = P.replace(market_rounds=rounds)
    model, us, _cn = market(rules=rules, p=p)
    res = clear(model, {"US": 6.0, "CN": 3.0, "CN_state": 1.0}, seed=11)
    if rounds == 1:  # first asks, in units at the price each buyer pays (fee included): all sold
        assert us.wanted == pytest.approx(sum(u for _, u, _ in us.sales), rel=1e-12)
    rng = np.random.default_rng(11)  # the draws in tier order, one per tier whatever its status
    draws = {t: rng.binomial(20, a) / 20 for t, a in (("frontier", 1.0), ("prev", 0.7),
                                                         ("compliant", 0.4))}  # fmt: skip
    assert res.approvals == {"frontier": 1.0, "prev": draws["prev"],
                             "compliant": draws["compliant"]}  # fmt: skip
    us_prev_units = 6.0 * 1e9 * shares(U, ("frontier", "prev"))["prev"] / 14e3
    # the cap is joint: both Chinese groups together get cap x US-customer volume, no more
    assert res.us_units_by_tier_cn["prev"] == pytest.approx(0.05 * us_prev_units, rel=1e-9)
    m = P.fee_passthrough * fee  # the share of the list price the buyer pays on top
    u = dict(U_CN, prev=utility("prev", m), compliant=utility("compliant", m))
    s = shares(u, PRICE)
    # the licensed compliant spend is the approved share of the first round, priced with the fee
    legal_compliant = 4.0 * s["compliant"] * draws["compliant"]
    expect = legal_compliant * 1e9 / (9e3 * (1 + m))
    assert res.us_units_by_tier_cn["compliant"] == pytest.approx(expect, rel=1e-12)
    # forgone revenue is the denied spend net of the buyer's share of the fee
    legal_prev = res.us_units_by_tier_cn["prev"] * 14e3 / 1e9 * (1 + m)
    desired = 4.0 * (s["prev"] + s["compliant"])
    assert res.us_revenue_cn_forgone == pytest.approx(
        (desired - legal_prev - legal_compliant) / (1 + m), rel=1e-9)  # fmt: skip
    frontier_rev = res.us_units_by_tier_cn["frontier"] * 30e3 / 1e9
    assert res.tariff_revenue == pytest.approx(fee * (res.us_revenue_cn - frontier_rev), rel=1e-9)
    # what the buyers paid for US chips: the revenue plus their share of the fee
    paid = res.ledger["CN"]["us_legal"] + res.ledger["CN_state"]["us_legal"]
    assert paid == pytest.approx(res.us_revenue_cn + P.fee_passthrough * res.tariff_revenue)
    # the denied prev spend (approval < 1 and the cap) goes grey at the US detection rate
    d = 0.5 * P.detection_max
    share, premium = grey_share(u, "prev", ("frontier", "domestic"), d, markup=m)
    gap_prev = 4.0 * s["prev"] - legal_prev
    assert res.ledger["CN"]["grey"] + res.ledger["CN_state"]["grey"] == pytest.approx(
        gap_prev * share, rel=1e-9)  # fmt: skip
    assert res.smuggled_units == pytest.approx(
        gap_prev * share * 1e9 / (14e3 * (1 + premium)) * (1 - d), rel=1e-9)  # fmt: skip
    gap_compliant = 4.0 * s["compliant"] - legal_compliant  # not smuggled, partly rented
    rent = (gap_prev * (1 - share) + gap_compliant) * P.rental_share * (1 - 0.5)
    assert res.ledger["CN"]["rental"] + res.ledger["CN_state"]["rental"] == pytest.approx(
        rent, rel=1e-9)  # fmt: skip


def test_licence_rationing_switched_off_approves_every_licence():
    rules = {"prev": TierRule("prev", 0, "licensed", approval=0.3, fee=0.1)}
    model, _, _ = market(rules=rules, p=P.replace(mech_licence_rationing=False))
    res = clear(model, {"CN": 3.0})
    assert res.approvals["prev"] == 1.0 and res.us_revenue_cn_forgone == 0.0
    assert res.ledger["CN"]["grey"] == res.ledger["CN"]["rental"] == 0.0


@pytest.mark.parametrize("rounds", [1, 2])
def test_wafer_capacity_rations_domestic_chips_across_groups(rounds):
    model, _us, cn = market(dom_capacity=1e5, p=P.replace(market_rounds=rounds))
    res = clear(model, {"GS": 2.0, "CN": 3.0, "CN_state": 1.0})
    gs_keys = ("frontier", "prev", "domestic")
    s_cn, s_gs = shares(U_CN, PRICE), shares(U, gs_keys)
    budgets = {"CN": 3.0, "CN_state": 1.0, "GS": 2.0}
    want = {
        g: b * (s_gs if g == "GS" else s_cn)["domestic"] * 1e9 / 8e3 for g, b in budgets.items()
    }
    scale = 1e5 / sum(want.values())
    assert scale < 1
    assert cn.wanted == pytest.approx(sum(want.values()), rel=1e-12)  # first asks: excess demand
    assert cn.units("CN") + cn.units("GS") == pytest.approx(1e5, rel=1e-12)
    assert cn.units("GS") == pytest.approx(want["GS"] * scale, rel=1e-12)
    ledger = {}
    for g, b in budgets.items():
        turned_away = want[g] * (1 - scale) * 8e3 / 1e9
        s = s_gs if g == "GS" else s_cn
        us_first = b * (1 - s["domestic"])
        if rounds == 1:
            expect = {"us_legal": us_first, "domestic": b * s["domestic"] - turned_away,
                      "carry": turned_away * (1 - P.carry_lapse),
                      "returned": turned_away * P.carry_lapse}  # fmt: skip
        else:  # re-spent on the US offers still open to the group (the domestic one sold out)
            expect = {"us_legal": us_first + turned_away,
                      "domestic": b * s["domestic"] - turned_away}  # fmt: skip
        ledger[g] = expect
    assert_ledger(res, ledger)
    assert sum(res.units[g]["CN"] for g in budgets) == pytest.approx(1e5, rel=1e-12)
    model, _us, cn = market(dom_capacity=1e12)
    assert clear(model, {"CN": 3.0}).carry()["CN"] == 0


def test_utilities_and_softmax():
    offers = [chips.Offer(None, "frontier", 2.0, 30e3, "US", 0.9, math.inf),
              chips.Offer(None, "domestic", 0.6, 8e3, "CN", 0.5, 1e5)]  # fmt: skip
    u = chips.utilities(offers, np.array([0.1, 0.0]), np.array([0.0, -0.9]), P)
    np.testing.assert_allclose(u, [utility("frontier", 0.1), U_CN["domestic"]], rtol=1e-12)
    np.testing.assert_allclose(chips._softmax(np.array([0.0, math.log(3.0)])), [0.25, 0.75])
    np.testing.assert_allclose(chips._softmax(np.array([1e3, 1e3 + math.log(3.0)])), [0.25, 0.75])
