"""Governments: the US export regime, China's industrial and import policy, GS hosting rules."""

from __future__ import annotations

import math

import mesa
import numpy as np

from aiblocs.model.calendar import parse_quarter
from aiblocs.model.deals import Deal
from aiblocs.model.mechanisms import on
from aiblocs.model.regimes import TIERS, Regime, TierRule
from aiblocs.model.world import Country


class USGovernment(mesa.Agent):
    """Applies the regime timeline: per-tier rules, enforcement, 'export the stack' support.

    With ``loosening_pressure > 0`` an endogenous rule loosens controls: political pressure grows
    with lost China revenue and a closing capability gap (as in 2025), and once it passes 1 a
    banned previous-generation tier is licensed (``loosened_approval``, ``loosened_fee``,
    ``loosened_cap``).
    """

    def __init__(self, model: mesa.Model, regime: Regime) -> None:
        super().__init__(model)
        self.regime = regime
        self.rules: dict[str, TierRule] = {}
        self.enforcement = regime.enforcement
        self.stack_support = 0.0
        self.pressure = 0.0
        self.loosened = False

    def apply_policy(self) -> None:
        """Set the rules in force this quarter."""
        q = self.model.q
        self.rules = {t: self.regime.rule(t, q) for t in TIERS}
        self.stack_support = on(self.model.p, "stack_export", self.regime.stack_support(q))
        if self.loosened and self.rules["prev"].status == "banned":
            p = self.model.p
            self.rules["prev"] = TierRule("prev", q, "licensed", approval=p.loosened_approval,
                                          fee=p.loosened_fee, cap=p.loosened_cap)  # fmt: skip

    def update_pressure(self, lost_revenue_bn: float, lag_months: float) -> None:
        """Accumulate pressure to loosen from forgone China revenue and a shrinking lag."""
        p = self.model.p
        k = p.loosening_pressure
        if k <= 0:
            return
        self.pressure += (k * (lost_revenue_bn / p.loosening_revenue_scale)
                          * max(0.0, 1 - lag_months / p.loosening_lag_scale))  # fmt: skip
        self.loosened = self.loosened or self.pressure > 1.0


class ChinaGovernment(mesa.Agent):
    """EDWC programme, approval tightening, national cloud pooling, import stance, mandates."""

    def __init__(self, model: mesa.Model, regime: Regime) -> None:
        super().__init__(model)
        self.regime = regime
        self.stance: dict[str, str] = {}
        self.mandate = False
        self.approval_strictness = 0.0  # 0 = approve all, 1 = only pre-signed demand
        self.pooling = 0.0  # share of hub capacity reachable nationally
        self.ai_plus = False
        self.outreach = model.p.cn_deal_outreach  # outreach to GS governments (deals), 0-1
        p = model.p
        self._pool = (parse_quarter(p.pooling_start), parse_quarter(p.pooling_full))
        self._ai_plus_from = parse_quarter(p.ai_plus_start)  # AI+ plan, Aug 2025 [112]

    def apply_policy(self) -> None:
        """Set stance, mandates, pooling and AI+ push for this quarter."""
        q = self.model.q
        self.stance = {t: self.regime.stance(t, q) for t in TIERS}
        self.mandate = self.regime.domestic_mandate(q)
        start, full = self._pool
        reach = on(self.model.p, "pooling", self.model.p.pooling_reach)
        self.pooling = 0.0 if q < start else min(reach, (q - start + 1) / max(1, full - start + 1))
        self.ai_plus = q >= self._ai_plus_from
        self.outreach = self.model.p.cn_deal_outreach

    def tighten_approvals(self, hub_utilisation: float) -> None:
        """Approvals tighten when hubs sit idle (thresholds, pre-signed purchase agreements)."""
        p = self.model.p
        target = (
            1.0 if hub_utilisation < on(p, "approval_tightening", p.approval_threshold) else 0.0
        )
        self.approval_strictness += p.approval_smoothing * (target - self.approval_strictness)

    def node_cap(self) -> float:
        """Performance ceiling (H100e/chip) that fab-equipment controls allow."""
        m, p = self.model, self.model.p
        if not self.regime.equipment_controls(m.q):
            return math.inf
        years = (m.q - self.regime.equipment_controls_from) / 4
        return p.node_cap_controlled * math.exp(p.node_cap_growth * years)


class GSGovernment(mesa.Agent):
    """A Global South country's government: its national deal and the cloud presence it brings.

    The country's fixed attributes (income, infrastructure, alignment, hosting rule) are its
    :class:`Country` record in ``model.countries``; this agent holds what changes: its national
    deal (:mod:`aiblocs.model.deals`) and each bloc's cloud presence.

    Args:
        model: the model.
        spec: the country's record.
        index: the country's position in the world's country table (key of its random streams).
    """

    def __init__(self, model: mesa.Model, spec: Country, index: int = 0) -> None:
        super().__init__(model)
        self.name = spec.name
        self.index = index
        self.base_presence = {"US": spec.us_presence, "CN": spec.cn_presence}
        self.presence = dict(self.base_presence)
        self.deal: Deal | None = None  # the national deal in force
        self.government_cohorts = np.zeros(0, np.intp)  # set once the cohorts exist
        # measured each quarter (:func:`aiblocs.model.metrics.measure_countries`)
        self.adoption = self.share_us = self.share_cn = 0.0  # shares of units / adopted units
        self.locked_us = self.locked_cn = self.switch_rate = 0.0  # shares of adopted units
        self.deal_us = self.deal_cn = 0.0  # 1 while that stack holds the national deal

    def update_presence(self) -> None:
        """Chinese clouds expand steadily; a deal in force closes part of its stack's gap."""
        m, p = self.model, self.model.p
        us0, cn0 = self.base_presence["US"], self.base_presence["CN"]
        cn = cn0 + (1 - cn0) * (1 - math.exp(-p.cn_presence_growth * m.years))
        held = self.deal.bloc if self.deal is not None else None
        self.presence = {b: x + (1 - x) * p.deal_presence_gain * (b == held)
                         for b, x in (("US", us0), ("CN", cn))}  # fmt: skip
