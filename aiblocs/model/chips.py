"""The chip market: tier choice, licences, caps, fees, China's stance, smuggling, rationing.

Each buyer group (US clouds, GS buyers, Chinese clouds, Chinese state-funded hubs) spends a budget
(USD bn per quarter) over the offers it may consider, by a logit on log price per H100e (price
including fees), software-ecosystem maturity and China's 'discourage' penalty. US rules then ration
Chinese purchases of US tiers: a banned tier sells nothing, a licensed tier sells the approved
share (a binomial draw of licence decisions) up to its volume cap. Part of the denied spend leaks
to smugglers, scaled by ``1 - enforcement``; most of the rest is re-spent on allowed offers,
chiefly domestic chips, which are rationed by Chinese wafer capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aiblocs.model.mechanisms import on

GROUPS = ("US", "GS", "CN", "CN_state")
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


@dataclass
class ChipResult:
    """Outcome of one quarter's chip market (compute in H100e, money in USD bn)."""

    compute: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> vendor -> H100e
    units: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> vendor -> chips
    us_units_by_tier_cn: dict[str, float] = field(default_factory=dict)
    smuggled_units: float = 0.0
    tariff_revenue: float = 0.0
    us_revenue_cn: float = 0.0
    us_revenue_total: float = 0.0
    us_revenue_cn_forgone: float = 0.0
    unspent_cn: float = 0.0
    smuggled_spend: float = 0.0
    approvals: dict[str, float] = field(default_factory=dict)


def _softmax(u: np.ndarray) -> np.ndarray:
    e = np.exp(u - u.max())
    return e / e.sum()


def _utilities(offers: list[Offer], markup: np.ndarray, penalty: np.ndarray, p) -> np.ndarray:
    price_perf = np.array([o.price / o.perf for o in offers]) * (1 + markup)
    eco = np.array([o.ecosystem for o in offers])
    return -p.beta_chip_price * np.log(price_perf / PRICE_UNIT) + p.beta_ecosystem * eco - penalty


def clear(model, budgets: dict[str, float], rng: np.random.Generator) -> ChipResult:
    """Clear the chip market for this quarter and book sales on the designers.

    Args:
        model: the running :class:`AIBlocsModel` (reads designers, governments, parameters).
        budgets: chip spend by buyer group: ``US``, ``GS``, ``CN`` (commercial), ``CN_state``.
        rng: the market's random stream (licence decisions).
    """
    p, us, cn = model.p, model.us_gov, model.cn_gov
    offers = [Offer(d, t, d.perf[t], d.price[t], d.bloc, d.ecosystem)
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
    cap_left: dict[str, float] = {}
    demand_units = np.zeros(len(offers))  # requested units per offer (for capacity rationing)
    plans: list[tuple[str, np.ndarray]] = []
    for group in GROUPS:
        budget = budgets.get(group, 0.0)
        in_cn = group.startswith("CN")
        allowed = np.array([_allowed(o, group, cn) for o in offers])
        fee = np.array([us.rules[o.tier].fee if in_cn and o.bloc == "US" else 0.0 for o in offers])
        markup = fee * on(p, "fee_passthrough", p.fee_passthrough)  # buyers' share of the fee
        penalty = np.array([
            p.discourage_penalty * (o.bloc == "US" and cn.stance[o.tier] == "discourage")
            - on(p, "domestic_preference", p.cn_domestic_preference) * (o.bloc == "CN")
            if in_cn else 0.0 for o in offers
        ])  # fmt: skip
        u = np.where(allowed, _utilities(offers, markup, penalty, p), -np.inf)
        spend = budget * _softmax(u) if allowed.any() and budget > 0 else np.zeros(len(offers))
        if in_cn:
            spend = _ration_us_rules(model, offers, spend, markup, u, cap_left, res)
        units = spend * 1e9 / (price * (1 + markup))
        if group == "US":  # caps on China are shares of US-customer volume of the same tier
            for t, r in us.rules.items():
                if r.cap is not None:
                    us_units = sum(n for o, n in zip(offers, units, strict=True) if o.tier == t)
                    cap_left[t] = r.cap * us_units
        plans.append((group, units))
        demand_units += units
    # Chinese wafer capacity rations domestic chips across all buyer groups.
    capacity = np.array([o.designer.capacity for o in offers])
    scale = np.where(demand_units > capacity, capacity / np.maximum(demand_units, 1e-12), 1.0)
    for group, wanted in plans:
        _book(offers, group, wanted * scale, us, res)
        if group.startswith("CN"):
            res.unspent_cn += float(((1 - scale) * wanted * price).sum() / 1e9)
    return res


def _allowed(o: Offer, group: str, cn) -> bool:
    """Which offers a buyer group considers (US buyers buy US chips; China's stance and mandate)."""
    in_cn = group.startswith("CN")
    if o.bloc == "CN":
        return group != "US"
    if o.tier == "compliant" and not in_cn:
        return False
    if in_cn and cn.stance[o.tier] == "block":
        return False
    return not (group == "CN_state" and cn.mandate)


def _book(offers: list[Offer], group: str, units: np.ndarray, us, res: ChipResult) -> None:
    """Record delivered units, compute and revenue; fees on China sales go to the Treasury."""
    region = "CN" if group.startswith("CN") else group
    res.units[group] = {"US": 0.0, "CN": 0.0}
    res.compute[group] = {"US": 0.0, "CN": 0.0}
    for o, n in zip(offers, units, strict=True):
        if n <= 0:
            continue
        revenue = n * o.price / 1e9
        o.designer.book_sale(region, n, revenue)
        res.units[group][o.bloc] += n
        res.compute[group][o.bloc] += n * o.perf
        if o.bloc == "US":
            res.us_revenue_total += revenue
            if region == "CN":
                res.us_revenue_cn += revenue
                res.tariff_revenue += revenue * us.rules[o.tier].fee
                res.us_units_by_tier_cn[o.tier] = res.us_units_by_tier_cn.get(o.tier, 0) + n


def _ration_us_rules(model, offers, spend, markup, u, cap_left, res) -> np.ndarray:
    """Apply US rules to a Chinese buyer's desired spend; route denied spend to smugglers/others.

    The legal share of a tier is its licence approval share, then the joint volume cap (shared by
    all Chinese buyers). Denied spend on real (non-downgraded) parts leaks to smugglers at
    ``smuggle_leak * (1 - enforcement)``; ``substitution`` of the rest is re-spent on offers that
    were not rationed, by the same logit.
    """
    p, us = model.p, model.us_gov
    spend = spend.copy()
    denied = 0.0
    open_offer = np.ones(len(offers), bool)
    for i, o in enumerate(offers):
        if o.bloc != "US" or spend[i] <= 0:
            continue
        unit_cost = o.price * (1 + markup[i]) / 1e9  # USD bn per chip paid by the buyer
        legal = spend[i] * res.approvals[o.tier]
        if o.tier in cap_left:
            legal = min(legal, cap_left[o.tier] * unit_cost)
            cap_left[o.tier] -= legal / unit_cost
        gap = spend[i] - legal
        if gap > 1e-15:
            open_offer[i] = False
            res.us_revenue_cn_forgone += gap / (1 + markup[i])
            if o.tier != "compliant":  # smugglers sell real frontier parts, not downgraded ones
                leak = gap * on(p, "smuggling", p.smuggle_leak) * (1 - us.enforcement)
                chips = leak * 1e9 / (o.price * (1 + p.smuggle_premium))
                res.smuggled_spend += leak
                res.smuggled_units += chips
                res.compute.setdefault("smuggled", {"US": 0.0, "CN": 0.0})
                res.compute["smuggled"]["US"] += chips * o.perf
                gap -= leak
            denied += gap
        spend[i] = legal
    alt = np.where(open_offer & np.isfinite(u), u, -np.inf)
    if denied > 0 and np.isfinite(alt).any():
        spend += p.substitution * denied * _softmax(alt)
    return spend
