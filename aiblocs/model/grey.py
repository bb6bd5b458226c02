"""US rules on Chinese purchases, and what denied demand does: grey market, rental, re-spending.

For a Chinese buyer's desired spend on a US offer, the legal share is the licence approval share
(0 if the tier is banned, 1 if free), capped by the tier's joint volume cap, and 0 if China blocks
the tier. The denied gap ``G`` then:

1. **Grey market** (real parts only, not downgraded compliant ones). Smugglers charge a premium
   ``pi = grey_premium0 + grey_risk_premium * d`` that rises with the detection probability ``d``
   (``enforcement * detection_max`` for what the US denies, with the enforcement effort raised
   for a while by crackdowns, :func:`aiblocs.model.shocks.us_enforcement`; China's
   ``cn_customs_enforcement`` for what China blocks; both when both apply) [73, 76]. The buyer
   compares the grey offer, priced per delivered chip at ``list * (1 + pi) / (1 - d)``, with its
   best legal alternatives (the offers open to it and not denied this round) by the same logit as
   any offer: ``share = smuggle_leak * s(u_grey - u_alt)``. Grey spend buys ``(1 - d)`` of its
   chips; the rest is seized. A ban from either side thus creates grey demand.
2. **Renting compute abroad** (what the US denies): a share ``rental_share * (1 - enforcement)``
   of the rest rents US-cloud compute outside China at the US serving cost plus
   ``rental_markup`` (the cloud pathway of [74]); it serves Chinese batch work this quarter.
3. The rest stays in the buyer's budget and is re-spent in the next round on open offers.
"""

from __future__ import annotations

import math

import numpy as np

from aiblocs.model.mechanisms import on
from aiblocs.model.shocks import us_enforcement


def detection(model, us_denies: bool, cn_blocks: bool) -> float:
    """Probability that a grey chip is seized (the US, China, or both enforce; any tier)."""
    p = model.p
    d_us = us_enforcement(model) * p.detection_max if us_denies else 0.0
    d_cn = p.cn_customs_enforcement if cn_blocks else 0.0
    return 1 - (1 - d_us) * (1 - d_cn)


def ration_us_rules(model, offers, b, spend: np.ndarray, cap_left: dict, res) -> np.ndarray:
    """Apply US rules and China's stance to buyer ``b``'s desired spend.

    Books what turns grey or rents abroad; returns the legal spend (the rest stays in the buyer's
    remaining budget).
    """
    cn = model.cn_gov
    spend = spend.copy()
    denied = []
    for i, o in enumerate(offers):
        if o.bloc != "US" or spend[i] <= 0:
            continue
        cn_blocks = cn.stance[o.tier] == "block"
        unit_cost = o.price * (1 + b.markup[i]) / 1e9  # USD bn per chip paid by the buyer
        approved = spend[i] * res.approvals[o.tier]
        legal = approved
        if o.tier in cap_left:
            legal = min(approved, cap_left[o.tier] * unit_cost)
        us_denies = res.approvals[o.tier] < 1 or legal < approved
        if cn_blocks:
            legal = 0.0
        if o.tier in cap_left:
            cap_left[o.tier] -= legal / unit_cost
        gap = spend[i] - legal
        spend[i] = legal
        if gap <= 1e-15:
            continue
        b.closed[i] = True
        if not cn_blocks:
            res.us_revenue_cn_forgone += gap / (1 + b.markup[i])
            forgone = res.forgone_cn_by_tier
            forgone[o.tier] = forgone.get(o.tier, 0.0) + gap / (1 + b.markup[i])
        denied.append((i, gap, us_denies, cn_blocks))
    # Every denial of this round is known before any gap goes grey, so the legal alternatives a
    # grey offer is compared with exclude all the offers denied now, whatever their order.
    for i, gap, us_denies, cn_blocks in denied:
        o = offers[i]
        if o.tier != "compliant":  # smugglers sell real frontier parts, not downgraded ones
            gap -= _grey(model, offers, b, i, gap, detection(model, us_denies, cn_blocks),
                         res)  # fmt: skip
        if us_denies and not cn_blocks:
            _rent(model, b, gap, res)
    return spend


def _grey(model, offers, b, i: int, gap: float, d: float, res) -> float:
    """Spend ``gap``'s grey share on smuggled chips of offer ``i``; return what was spent."""
    p = model.p
    o = offers[i]
    premium = p.grey_premium0 + p.grey_risk_premium * d
    open_ = b.allowed & ~b.closed
    open_[i] = False
    u_grey = b.utility[i] - p.beta_chip_price * math.log(
        (1 + premium) / max(1 - d, 1e-9) / (1 + b.markup[i]))  # fmt: skip
    u_alt = np.log(np.exp(b.utility[open_]).sum()) if open_.any() else -np.inf
    share = on(p, "smuggling", p.smuggle_leak) / (1 + math.exp(min(700.0, u_alt - u_grey)))
    grey = gap * share
    if grey <= 0:
        return 0.0
    chips = grey * 1e9 / (o.price * (1 + premium))
    res.smuggled_units += chips * (1 - d)
    res.seized_units += chips * d
    res.smuggled_compute += chips * (1 - d) * o.perf
    res.smuggled_cost += grey * (1 - d)  # book value of what arrives; the seized part is lost
    res.ledger[b.group]["grey"] += grey
    b.remaining -= grey
    return grey


def _rent(model, b, gap: float, res) -> float:
    """Spend part of ``gap`` renting compute abroad at the US serving cost plus a markup."""
    p = model.p
    rent = gap * on(p, "cloud_rental", p.rental_share) * (1 - us_enforcement(model))
    if rent <= 0:
        return 0.0
    price = model.rental_price * (1 + p.rental_markup)  # USD per H100e-quarter
    res.rented_h100e += rent * 1e9 / price
    res.ledger[b.group]["rental"] += rent
    b.remaining -= rent
    return rent
