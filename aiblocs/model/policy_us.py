"""The adaptive US rule (ODD §7.7): each chip tier's export status, and the enforcement effort.

Used where a regime has ``us_policy = "adaptive"``. At the end of each quarter the US reads its
inputs (:func:`observe`) and updates its lobbying pressure (:func:`lobbying`); at the start of the
next it reviews its rules with probability ``us_review_prob`` (:func:`decide`). On a review each
tier ``t`` gets a drive, in units of the ban line (1):

    x_t = us_security_weight * threat(L) * uplift_t
          - us_revenue_weight * ln(1 + D_t / us_revenue_scale) - us_lobby_weight * P
          + a_term + us_noise_sd * e_t

* security: ``threat(L) = exp(-L / us_lag_scale)`` with ``L`` China's capability lag (months),
  and ``uplift_t = max(0, 1 - perf_cn / perf_t)`` the share of the tier's performance China's
  own chips cannot match;
* revenue: ``D_t`` China's demand for the tier (legal sales plus denied demand, USD bn/quarter,
  smoothed);
* lobbying: ``P`` the designers' pressure, the stock of the scripted loosening rule made to
  decay: ``P <- (1 - us_lobby_decay) * P + s * F / loosening_revenue_scale * max(0, 1 - L /
  loosening_lag_scale)``, with ``F`` forgone China revenue (USD bn/quarter) and ``s`` China's
  share of the designers' potential revenue: lost sales weigh more when the lag closes anyway;
* politics: ``a_term`` the hawkishness of the administration in office (``us_term_sd`` times a
  normal draw at each inauguration) and ``e_t`` a standard normal per tier and quarter.

The status follows the ladder free < licensed (``x >= us_licence_threshold``) < banned (``x >= 1``)
with the hysteresis band ``us_band`` (:func:`aiblocs.model.inertia.ladder`). A banned tier
loosened to a licence pays a fee rising linearly from ``us_fee_low`` at the licence threshold to
``us_fee_high`` at the ban line (approval falling from ``us_approval_high`` to
``us_approval_low``; volume cap ``us_licence_cap``); a licence imposed on a free tier carries no
fee, as in 2022 (fees came with the 2025 loosenings [45], [14]). Enforcement effort moves to
``e* = min(1, e0 + us_enforcement_gain * threat(L) * g)`` (``e0`` the regime's enforcement,
``g`` the grey share of China's US chips) when it differs by at least ``us_enforcement_step``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aiblocs.model.calendar import parse_quarter
from aiblocs.model.chips import CN_GROUPS
from aiblocs.model.inertia import ladder, smooth
from aiblocs.model.mechanisms import on
from aiblocs.model.regimes import LEVEL, TIERS, TierRule

STATUS = {v: k for k, v in LEVEL.items()}


@dataclass(frozen=True)
class USView:
    """What the US read at the end of the last quarter (demand and share smoothed)."""

    lag: float  # China's capability lag, months
    perf: dict[str, float]  # each US tier's performance, H100e/chip
    perf_cn: float  # China's best domestic chip, H100e/chip
    demand: dict[str, float]  # China's demand per tier (sales + denied), USD bn/quarter
    cn_share: float  # China's share of US designers' potential revenue
    grey_share: float  # smuggled share of the US chips reaching China (units)


def observe(model, result, lag: float, old: USView | None) -> USView:
    """This quarter's reading of the US's inputs, smoothed with ``old`` (``policy_smoothing``)."""
    w = model.p.policy_smoothing
    us = next(d for d in model.designers if d.bloc == "US")
    lead = max((d for d in model.designers if d.bloc == "CN"), key=lambda d: d.weight)
    demand = {t: result.us_revenue_cn_by_tier.get(t, 0.0) + result.forgone_cn_by_tier.get(t, 0.0)
              for t in TIERS}  # fmt: skip
    forgone = result.us_revenue_cn_forgone
    total = result.us_revenue_total + forgone
    share = (result.us_revenue_cn + forgone) / total if total > 0 else 0.0
    legal = sum(result.units[g]["US"] for g in CN_GROUPS)
    grey = result.smuggled_units
    grey_share = grey / (grey + legal) if grey + legal > 0 else 0.0
    return USView(
        lag=lag,
        perf=dict(us.perf),
        perf_cn=lead.perf["domestic"],
        demand={t: smooth(old and old.demand[t], demand[t], w) for t in TIERS},
        cn_share=smooth(old and old.cn_share, share, w),
        grey_share=smooth(old and old.grey_share, grey_share, w),
    )


def threat(lag: float, p) -> float:
    """China's threat in [0, 1]: 1 at no lag, 1/e at ``us_lag_scale`` months."""
    return math.exp(-max(0.0, lag) / p.us_lag_scale)


def uplift(perf_tier: float, perf_cn: float) -> float:
    """Share of a tier's performance that China's own chips cannot match, in [0, 1]."""
    return max(0.0, 1.0 - perf_cn / perf_tier) if perf_tier > 0 else 0.0


def drive(view: USView, tier: str, p) -> float:
    """The tier's drive before lobbying and politics: security minus revenue (ban line 1)."""
    security = on(p, "us_security_motive", p.us_security_weight) * threat(view.lag, p) * uplift(
        view.perf[tier], view.perf_cn)  # fmt: skip
    revenue = on(p, "us_revenue_motive", p.us_revenue_weight) * math.log1p(
        view.demand[tier] / p.us_revenue_scale)  # fmt: skip
    return security - revenue


def lobbying(pressure: float, view: USView, forgone_bn: float, p) -> float:
    """Next quarter's lobbying pressure ``P`` (see the module docstring)."""
    closing = max(0.0, 1 - view.lag / p.loosening_lag_scale)
    push = view.cn_share * forgone_bn / p.loosening_revenue_scale * closing
    return (1 - p.us_lobby_decay) * pressure + push


def term_start(q: int, p) -> int:
    """Quarter index of the inauguration of the administration in office at quarter ``q``."""
    first, length = parse_quarter(p.us_inauguration), 4 * p.us_term_years
    return first + length * ((q - first) // length)


def new_rule(old: TierRule, q: int, level: int, x: float, p) -> TierRule:
    """The rule a tier gets when its status moves to ``level`` at drive ``x``."""
    status = STATUS[level]
    if status != "licensed":
        return TierRule(old.tier, q, status, perf_cap=old.perf_cap)
    pos = min(1.0, max(0.0, (x - p.us_licence_threshold) / max(1e-9, 1 - p.us_licence_threshold)))
    approval = p.us_approval_high + (p.us_approval_low - p.us_approval_high) * pos
    fee = 0.0 if old.status == "free" else p.us_fee_low + (p.us_fee_high - p.us_fee_low) * pos
    return TierRule(old.tier, q, status, approval=approval, fee=fee, cap=p.us_licence_cap,
                    perf_cap=old.perf_cap)  # fmt: skip


def decide(gov) -> None:
    """Review the rules this quarter (adaptive US): tier statuses and enforcement effort.

    Draws come from ``stream("us_policy", q)`` (review, then one normal per tier, every quarter
    in the same order whatever is decided) and ``stream("us_policy", inauguration, 1)`` (the
    administration's hawkishness).
    """
    m, p, q = gov.model, gov.model.p, gov.model.q
    g = m.stream("us_policy", q)
    review, eps = g.random(), g.standard_normal(len(TIERS))
    gov.draws = (review, *eps)
    if gov.view is None or review >= p.us_review_prob:
        return
    noise = on(p, "policy_noise", p.us_noise_sd)
    hawk = on(p, "policy_noise", p.us_term_sd) * gov.hawkishness(term_start(q, p))
    lobby = on(p, "us_revenue_motive", p.us_lobby_weight) * gov.pressure
    for i, t in enumerate(TIERS):
        x = drive(gov.view, t, p) - lobby + hawk + noise * eps[i]
        gov.drives[t] = x
        old = gov.rules[t]
        level = ladder(LEVEL[old.status], x, (p.us_licence_threshold, 1.0), p.us_band)
        if level != LEVEL[old.status]:
            gov.rules[t] = new_rule(old, q, level, x, p)
    pull = p.us_enforcement_gain * threat(gov.view.lag, p) * gov.view.grey_share
    target = min(1.0, gov.regime.enforcement + pull)
    if abs(target - gov.enforcement) >= max(p.us_enforcement_step, 1e-12):
        gov.enforcement = target
