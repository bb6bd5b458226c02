"""The chip market: buyers spend budgets over offers, in rounds, and every dollar is accounted for.

Each buyer group (US clouds, GS buyers, Chinese clouds, Chinese state-funded hubs) has an
available budget (this quarter's budget plus what it carried over, USD bn). In each of
``market_rounds`` rounds it spends what remains by a logit over the offers still open to it (log
price per H100e including the fee it bears, software-ecosystem maturity, China's 'discourage'
penalty and domestic preference). Then:

* US rules ration Chinese purchases of US tiers: a banned tier sells nothing, a licensed tier its
  approved share (a binomial draw of licence decisions) up to its joint volume cap; a tier China
  blocks sells nothing legally either. Denied demand for real (non-downgraded) parts partly turns
  to the grey market and to renting compute abroad (:mod:`aiblocs.model.grey`); the rest stays
  in the buyer's budget and is re-spent in the next round on the offers still open.
* Chinese wafer capacity rations domestic chips across all buyers of the round (proportionally);
  spend it turns away also returns to the buyers' budgets.

After the last round a buyer carries what it could not spend into the next quarter, less the
share ``carry_lapse`` that returns to other uses. So, per buyer and quarter,
``available = US legal + domestic + grey + rental + carried over + returned`` (the ledger); no
spend vanishes when a market rations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aiblocs.model import grey
from aiblocs.model.mechanisms import on

GROUPS = ("US", "GS", "CN", "CN_state")
CN_GROUPS = ("CN", "CN_state")
LEDGER = ("us_legal", "domestic", "grey", "rental", "carry", "returned")
PRICE_UNIT = 1e4  # USD per H100e: normalises the log price (a common shift, no effect on choice)


@dataclass
class Offer:
    """One firm's tier on sale this quarter."""

    designer: object
    tier: str
    perf: float  # H100e per chip
    price: float  # USD per chip, list
    bloc: str
    ecosystem: float
    capacity: float  # chips per quarter (infinite for US designers)


@dataclass
class ChipResult:
    """Outcome of one quarter's chip market (compute in H100e, money in USD bn)."""

    compute: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> vendor -> H100e
    cost: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> vendor -> USD bn
    units: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> vendor -> chips
    available: dict[str, float] = field(default_factory=dict)  # budget + carry in, USD bn
    ledger: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> use -> USD bn
    us_units_by_tier_cn: dict[str, float] = field(default_factory=dict)
    smuggled_units: float = 0.0
    smuggled_compute: float = 0.0  # H100e delivered through the grey market
    smuggled_cost: float = 0.0  # USD bn paid for the grey chips that arrived
    seized_units: float = 0.0
    rented_h100e: float = 0.0  # H100e-quarters rented abroad by Chinese buyers
    tariff_revenue: float = 0.0
    us_revenue_cn: float = 0.0
    us_revenue_total: float = 0.0
    us_revenue_cn_forgone: float = 0.0
    us_revenue_cn_by_tier: dict[str, float] = field(default_factory=dict)  # legal sales, USD bn
    forgone_cn_by_tier: dict[str, float] = field(default_factory=dict)  # denied demand, USD bn
    approvals: dict[str, float] = field(default_factory=dict)

    def carry(self) -> dict[str, float]:
        """What each group carries into the next quarter (USD bn)."""
        return {g: self.ledger[g]["carry"] for g in GROUPS}


def _softmax(u: np.ndarray) -> np.ndarray:
    e = np.exp(u - u.max())
    return e / e.sum()


def utilities(offers: list[Offer], markup: np.ndarray, penalty: np.ndarray, p) -> np.ndarray:
    """Buyer utility of each offer: log price per H100e (with the fee borne), ecosystem, penalty."""
    price_perf = np.array([o.price / o.perf for o in offers]) * (1 + markup)
    eco = np.array([o.ecosystem for o in offers])
    return -p.beta_chip_price * np.log(price_perf / PRICE_UNIT) + p.beta_ecosystem * eco - penalty


@dataclass
class Buyer:
    """One buyer group's view of the market this quarter."""

    group: str
    allowed: np.ndarray  # offers it may consider (bool)
    markup: np.ndarray  # share of list price it pays on top (the fee it bears)
    utility: np.ndarray
    remaining: float
    closed: np.ndarray  # offers denied or sold out to it


def _buyers(model, offers: list[Offer], available: dict[str, float]) -> list[Buyer]:
    p, us, cn = model.p, model.us_gov, model.cn_gov
    out = []
    for group in GROUPS:
        in_cn = group in CN_GROUPS
        allowed = np.array([_allowed(o, group, cn) for o in offers])
        fee = np.array([us.rules[o.tier].fee if in_cn and o.bloc == "US" else 0.0 for o in offers])
        markup = fee * on(p, "fee_passthrough", p.fee_passthrough)  # buyers' share of the fee
        penalty = np.array([
            p.discourage_penalty * (o.bloc == "US" and cn.stance[o.tier] == "discourage")
            - on(p, "domestic_preference", p.cn_domestic_preference) * (o.bloc == "CN")
            if in_cn else 0.0 for o in offers
        ])  # fmt: skip
        u = utilities(offers, markup, penalty, p)
        out.append(Buyer(group, allowed, markup, u, available[group], np.zeros(len(offers), bool)))
    return out


def clear(
    model, budgets: dict[str, float], carry: dict[str, float], rng: np.random.Generator
) -> ChipResult:
    """Clear the chip market for this quarter and book sales on the designers.

    Args:
        model: the running :class:`AIBlocsModel` (reads designers, governments, parameters).
        budgets: this quarter's chip budget by buyer group (USD bn).
        carry: what each group carried over from the last quarter (USD bn).
        rng: the market's random stream (licence decisions).
    """
    p, us = model.p, model.us_gov
    # capacity in chips a quarter: finite for Chinese designers, math.inf for US ones
    offers = [Offer(d, t, d.perf[t], d.price[t], d.bloc, d.ecosystem, d.capacity)
              for d in model.designers for t in d.tiers]  # fmt: skip
    price = np.array([o.price for o in offers])
    res = ChipResult()
    # One batch of licence decisions per tier and quarter, drawn for every tier so that the
    # stream stays aligned across regimes (common random numbers).
    n_lic = p.n_licences
    draws = {t: rng.binomial(n_lic, us.rules[t].approval) / n_lic for t in us.rules}
    res.approvals = {
        t: on(p, "licence_rationing", draws[t], 1.0) if r.status == "licensed"
        else float(r.status == "free") for t, r in us.rules.items()
    }  # fmt: skip
    res.available = {g: budgets.get(g, 0.0) + carry.get(g, 0.0) for g in GROUPS}
    res.ledger = {g: dict.fromkeys(LEDGER, 0.0) for g in GROUPS}
    for g in GROUPS:
        res.units[g], res.compute[g], res.cost[g] = ({"US": 0.0, "CN": 0.0} for _ in range(3))
    buyers = _buyers(model, offers, res.available)
    capacity = np.array([o.capacity for o in offers], float)
    cap_left: dict[str, float] = {}
    for round_ in range(p.market_rounds):
        plans = {}
        for b in buyers:
            open_ = b.allowed & ~b.closed & (capacity > 0)
            if b.remaining <= 1e-15 or not open_.any():
                continue
            spend = b.remaining * _softmax(np.where(open_, b.utility, -np.inf))
            if b.group in CN_GROUPS:
                spend = grey.ration_us_rules(model, offers, b, spend, cap_left, res)
            plans[b.group] = spend
            if b.group == "US" and round_ == 0:  # caps on China: shares of US-customer volume
                for t, r in us.rules.items():
                    if r.cap is not None:
                        bought = sum(s * 1e9 / o.price for o, s in zip(offers, spend, strict=True)
                                     if o.tier == t)  # fmt: skip
                        cap_left[t] = r.cap * bought
        wanted = np.zeros(len(offers))  # units wanted per offer this round, over all buyers
        for b in buyers:
            if b.group in plans:
                wanted += plans[b.group] * 1e9 / (price * (1 + b.markup))
        if round_ == 0:  # first asks measure excess demand (scarcity pricing next quarter)
            for o, w in zip(offers, wanted, strict=True):
                o.designer.wanted += w
        scale = np.ones(len(offers))
        short = wanted > capacity  # offers sold out this round: buyers get a pro-rata share
        scale[short] = capacity[short] / wanted[short]
        for b in buyers:
            if b.group in plans:
                bought = plans[b.group] * scale
                _book(offers, b, bought, us, res)
                b.remaining -= bought.sum()
                b.closed |= scale < 1
        capacity = np.maximum(0.0, capacity - wanted * scale)
    for b in buyers:
        left = max(0.0, b.remaining)
        res.ledger[b.group]["carry"] = left * (1 - p.carry_lapse)
        res.ledger[b.group]["returned"] = left * p.carry_lapse
    return res


def _allowed(o: Offer, group: str, cn) -> bool:
    """Offers a buyer group considers.

    US buyers buy US chips; the compliant part is made for China; under the domestic mandate,
    state-funded hubs buy only domestic chips [136]. A tier China blocks stays in the choice set:
    its demand is denied and may turn grey.
    """
    if o.bloc == "CN":
        return group != "US"
    if o.tier == "compliant" and group not in CN_GROUPS:
        return False
    return not (group == "CN_state" and cn.mandate)


def _book(offers: list[Offer], b: Buyer, spend: np.ndarray, us, res: ChipResult) -> None:
    """Record delivered units, compute, cost and revenue; fees on China sales go to the Treasury."""
    region = "CN" if b.group in CN_GROUPS else b.group
    for o, s, markup in zip(offers, spend, b.markup, strict=True):
        if s <= 0:
            continue
        n = s * 1e9 / (o.price * (1 + markup))
        revenue = n * o.price / 1e9
        o.designer.book_sale(region, n, revenue)
        res.units[b.group][o.bloc] += n
        res.compute[b.group][o.bloc] += n * o.perf
        res.cost[b.group][o.bloc] += s
        res.ledger[b.group]["us_legal" if o.bloc == "US" else "domestic"] += s
        if o.bloc == "US":
            res.us_revenue_total += revenue
            if region == "CN":
                res.us_revenue_cn += revenue
                by_tier = res.us_revenue_cn_by_tier
                by_tier[o.tier] = by_tier.get(o.tier, 0.0) + revenue
                res.tariff_revenue += revenue * us.rules[o.tier].fee
                res.us_units_by_tier_cn[o.tier] = res.us_units_by_tier_cn.get(o.tier, 0) + n
