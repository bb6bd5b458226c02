"""The adaptive Chinese rule (ODD §7.7): import stance per US tier, domestic mandate, chip subsidy.

Used where a regime has ``cn_policy = "adaptive"``. China keeps a self-reliance drive that US
moves feed (:func:`us_moves`): each quarter

    D = (1 - cn_drive_decay) * D + cn_tightening_drive * T + cn_addiction_drive * A

with ``T`` the steps the US tightened this quarter and ``A`` the steps it loosened (a loosening
announced as keeping China dependent on US chips: the 'addiction' rhetoric [136], [18]); a step
is one level of a tier's status (free < licensed < banned) or a change of the compliant part's
performance cap. Its motive adds dependence: ``M = D + cn_dependence_weight * d``, with ``d``
the US chips' share of China's installed compute. China acts on the motive as far as its domestic
supply is ready (:func:`gate`). On a review (probability ``cn_review_prob``):

* stance on each tier the US does not ban: ``y_t = M * gate(R_t) + cn_noise_sd * e_t`` on the
  ladder allow < discourage (``y >= 1``) < block (``y >= cn_block_threshold``), band ``cn_band``;
  readiness ``R_t = (min(1, perf_cn / perf_t) * k * eco)^(1/3)`` with ``k`` domestic capacity
  over China's chip purchases (H100e, capped at 1, smoothed) and ``eco`` software maturity;
* mandate for state-funded hubs: ``z = M * gate(R_s) + cn_noise_sd * e_m`` against
  ``cn_mandate_threshold``, with ``R_s = (k * eco)^(1/2)``;
* subsidy: state chip R&D becomes ``cn_state_rd * (1 + s)``, with
  ``s* = min(cn_subsidy_max, cn_subsidy_gain * D)`` (US moves, not the standing dependence,
  raise it above the 2022 level), adopted when it differs from ``s`` by at least
  ``cn_subsidy_step``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.chips import CN_GROUPS
from aiblocs.model.inertia import ladder, smooth
from aiblocs.model.mechanisms import on
from aiblocs.model.regimes import LEVEL, STANCE_LEVEL, STANCES, TIERS, TierRule


@dataclass(frozen=True)
class CNView:
    """What China read at the end of the last quarter (supply smoothed)."""

    perf_cn: float  # best domestic chip, H100e/chip
    perf_us: dict[str, float]  # each US tier, H100e/chip
    supply: float  # domestic capacity over China's purchases (H100e), capped at 1
    ecosystem: float  # domestic software maturity in [0, 1]
    dependence: float  # US chips' share of China's installed compute


def observe(model, result, old: CNView | None) -> CNView:
    """This quarter's reading of China's inputs, supply smoothed with ``old``."""
    designers = [d for d in model.designers if d.bloc == "CN"]
    lead = max(designers, key=lambda d: d.weight)
    us = next(d for d in model.designers if d.bloc == "US")
    capacity = sum(d.capacity * d.perf["domestic"] for d in designers)
    bought = sum(result.compute[g][v] for g in CN_GROUPS for v in ("US", "CN"))
    bought += result.smuggled_compute
    supply = min(1.0, capacity / bought) if bought > 0 else 1.0
    sites = [*model.cn_clouds, *model.provinces]
    us_compute = sum(s.compute["US"] for s in sites)
    total = us_compute + sum(s.compute["CN"] for s in sites)
    return CNView(
        perf_cn=lead.perf["domestic"],
        perf_us=dict(us.perf),
        supply=smooth(old and old.supply, supply, model.p.policy_smoothing),
        ecosystem=sum(d.ecosystem * d.weight for d in designers),
        dependence=us_compute / total if total > 0 else 0.0,
    )


def _level(rule: TierRule) -> int:
    return LEVEL[rule.status]


def us_moves(before: dict[str, TierRule], after: dict[str, TierRule]) -> tuple[int, int]:
    """Steps the US tightened and loosened between two sets of rules (see module docstring)."""
    tight = loose = 0
    for t in TIERS:
        a, b = before[t], after[t]
        step = _level(b) - _level(a)
        if step == 0 and a.status != "banned":  # a lower performance cap tightens
            cap_a = float("inf") if a.perf_cap is None else a.perf_cap
            cap_b = float("inf") if b.perf_cap is None else b.perf_cap
            step = (cap_b < cap_a) - (cap_b > cap_a)
        tight += max(0, step)
        loose += max(0, -step)
    return tight, loose


def readiness(view: CNView, tier: str) -> float:
    """Domestic readiness to replace US tier ``tier``: performance, supply, software (0-1)."""
    perf = min(1.0, view.perf_cn / view.perf_us[tier]) if view.perf_us[tier] > 0 else 1.0
    return (perf * view.supply * view.ecosystem) ** (1 / 3)


def supply_readiness(view: CNView) -> float:
    """Domestic readiness to supply state-funded hubs: supply and software (0-1)."""
    return (view.supply * view.ecosystem) ** 0.5


def gate(ready: float, p) -> float:
    """Share of the motive China acts on at readiness ``ready``: ``1 - g + g * ready``."""
    g = on(p, "cn_readiness", p.cn_readiness_gate)
    return 1 - g + g * ready


def motive(gov) -> float:
    """China's motive ``M = D + cn_dependence_weight * dependence``."""
    p = gov.model.p
    return gov.drive + on(p, "cn_self_reliance", p.cn_dependence_weight) * gov.view.dependence


def update_drive(gov, before: dict[str, TierRule], after: dict[str, TierRule]) -> None:
    """Let the self-reliance drive fade and add this quarter's US moves."""
    p = gov.model.p
    tight, loose = us_moves(before, after)
    gov.drive = (gov.drive * (1 - p.cn_drive_decay)
                 + on(p, "cn_self_reliance", p.cn_tightening_drive) * tight
                 + on(p, "cn_self_reliance", p.cn_addiction_drive) * loose)  # fmt: skip


def decide(gov) -> None:
    """Review stance, mandate and subsidy this quarter (adaptive China).

    Draws come from ``stream("cn_policy", q)``: review, one normal per tier, then one for the
    mandate, every quarter in the same order.
    """
    m, p, q = gov.model, gov.model.p, gov.model.q
    g = m.stream("cn_policy", q)
    review, eps = g.random(), g.standard_normal(len(TIERS) + 1)
    gov.draws = (review, *eps)
    if gov.view is None or review >= p.cn_review_prob:
        return
    noise = on(p, "policy_noise", p.cn_noise_sd)
    drive = gov.motive()
    us_rules = m.us_gov.rules
    for i, t in enumerate(TIERS):
        if us_rules[t].status == "banned":  # nothing to decide on a part China cannot buy
            continue
        y = drive * gate(readiness(gov.view, t), p) + noise * eps[i]
        gov.scores[t] = y
        level = ladder(STANCE_LEVEL[gov.stance[t]], y, (1.0, p.cn_block_threshold), p.cn_band)
        gov.stance[t] = STANCES[level]
    z = drive * gate(supply_readiness(gov.view), p) + noise * eps[len(TIERS)]
    gov.scores["mandate"] = z
    gov.mandate = bool(ladder(int(gov.mandate), z, (p.cn_mandate_threshold,), p.cn_band))
    target = min(p.cn_subsidy_max, p.cn_subsidy_gain * gov.drive)
    if abs(target - gov.subsidy) >= p.cn_subsidy_step:
        gov.subsidy = target
