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

SUBSTITUTION = 0.8  # share of denied spend re-spent on allowed chips (the rest is forgone)
N_LICENCES = 20  # licence decisions per tier and quarter (granularity of approval draws)


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


def _softmax(u: np.ndarray) -> np.ndarray:
    e = np.exp(u - u.max())
    return e / e.sum()


def _utilities(offers: list[Offer], fees: np.ndarray, penalty: np.ndarray, p) -> np.ndarray:
    price_perf = np.array([o.price / o.perf for o in offers]) * (1 + fees)
    eco = np.array([o.ecosystem for o in offers])
    return -p.beta_chip_price * np.log(price_perf / 1e4) + p.beta_ecosystem * eco - penalty


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
    res = ChipResult()
    us_units_tier: dict[str, float] = {}
    demand_units = np.zeros(len(offers))  # requested units per offer (for capacity rationing)
    plans: list[tuple[str, np.ndarray]] = []

    for group in ("US", "GS", "CN", "CN_state"):
        budget = budgets.get(group, 0.0)
        in_cn = group.startswith("CN")
        allowed = np.array([
            (o.tier in ("frontier", "prev") or in_cn) and (o.bloc == "US" or group != "US")
            and not (in_cn and o.bloc == "US" and cn.stance[o.tier] == "block")
            and not (group == "CN_state" and cn.mandate and o.bloc == "US")
            for o in offers
        ])  # fmt: skip
        fees = np.array([us.rules[o.tier].fee if in_cn and o.bloc == "US" else 0.0 for o in offers])
        penalty = np.array([p.discourage_penalty if in_cn and o.bloc == "US"
                            and cn.stance[o.tier] == "discourage"
                            else 0.0 for o in offers])  # fmt: skip
        u = np.where(allowed, _utilities(offers, fees, penalty, p), -np.inf)
        spend = budget * _softmax(u) if allowed.any() and budget > 0 else np.zeros(len(offers))
        if in_cn:
            spend = _ration_us_rules(model, offers, spend, fees, u, us_units_tier, res, rng)
        units = spend / np.array([o.price for o in offers]) / (1 + fees) * 1e9
        plans.append((group, units))
        demand_units += units
        if group == "US":
            for o, n in zip(offers, units, strict=True):
                if o.bloc == "US":
                    us_units_tier[o.tier] = us_units_tier.get(o.tier, 0.0) + n

    # Chinese wafer capacity rations domestic chips across all buyer groups.
    scale = np.array([min(1.0, o.designer.capacity / demand_units[i]) if demand_units[i] > 0
                      else 1.0 for i, o in enumerate(offers)])  # fmt: skip
    for group, units in plans:
        region = "CN" if group.startswith("CN") else group
        units = units * scale
        res.units[group] = {"US": 0.0, "CN": 0.0}
        res.compute[group] = {"US": 0.0, "CN": 0.0}
        for o, n in zip(offers, units, strict=True):
            if n <= 0:
                continue
            fee = us.rules[o.tier].fee if region == "CN" and o.bloc == "US" else 0.0
            revenue = n * o.price / 1e9
            o.designer.book_sale(region, n, revenue)
            res.units[group][o.bloc] += n
            res.compute[group][o.bloc] += n * o.perf
            if o.bloc == "US":
                res.us_revenue_total += revenue
                if region == "CN":
                    res.us_revenue_cn += revenue
                    res.tariff_revenue += revenue * fee
                    res.us_units_by_tier_cn[o.tier] = res.us_units_by_tier_cn.get(o.tier, 0) + n
        if region == "CN":
            lost = (1 - scale) * units / np.maximum(scale, 1e-12)
            res.unspent_cn += float(
                sum(n * o.price / 1e9 for o, n in zip(offers, lost, strict=True))
            )
    return res


def _ration_us_rules(model, offers, spend, fees, u, us_units_tier, res, rng) -> np.ndarray:
    """Apply US rules to a Chinese buyer's desired spend; route denied spend to smugglers/others."""
    p, us = model.p, model.us_gov
    spend = spend.copy()
    denied = 0.0
    smuggle_spend = 0.0
    legal_mask = np.ones(len(offers), bool)
    for i, o in enumerate(offers):
        if o.bloc != "US" or spend[i] <= 0:
            continue
        rule = us.rules[o.tier]
        if rule.status == "banned":
            share = 0.0
        elif rule.status == "licensed":
            share = rng.binomial(N_LICENCES, rule.approval) / N_LICENCES
        else:
            share = 1.0
        legal = spend[i] * share
        if rule.cap is not None:
            cap_units = rule.cap * us_units_tier.get(o.tier, 0.0)
            legal = min(legal, cap_units * o.price * (1 + fees[i]) / 1e9)
        gap = spend[i] - legal
        rationed = gap > 0
        if rationed:
            res.us_revenue_cn_forgone += gap / (1 + fees[i])
            if o.tier != "compliant":  # smugglers sell real frontier parts, not downgraded ones
                leak = gap * p.smuggle_leak * (1 - us.enforcement)
                smuggle_spend += leak
                res.smuggled_units += leak * 1e9 / (o.price * (1 + p.smuggle_premium))
                res.compute.setdefault("smuggled", {"US": 0.0, "CN": 0.0})
                res.compute["smuggled"]["US"] += (
                    leak * 1e9 / (o.price * (1 + p.smuggle_premium)) * o.perf
                )
                gap -= leak
            denied += gap
        spend[i] = legal
        legal_mask[i] = not rationed and legal > 1e-12  # rationed tiers take no re-spent budget
    if denied > 0:
        alt = np.where(legal_mask & np.isfinite(u), u, -np.inf)
        if np.isfinite(alt).any():
            spend += SUBSTITUTION * denied * _softmax(alt)
    res.smuggled_spend += smuggle_spend
    return spend
