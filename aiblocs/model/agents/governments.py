"""Governments: the US export regime, China's industrial and import policy, GS hosting rules."""

from __future__ import annotations

import math

import mesa
import numpy as np

from aiblocs.model import events, policy_cn, policy_us
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.deals import Deal
from aiblocs.model.mechanisms import on
from aiblocs.model.regimes import LEVEL, STANCE_LEVEL, TIERS, Regime, TierRule
from aiblocs.model.world import Country


class USGovernment(mesa.Agent):
    """Sets the US rules on chip sales to China: per-tier status, enforcement, stack support.

    Scripted (the regime's ``us_policy``, default): the regime's dated rules apply. With
    ``loosening_pressure > 0`` an endogenous override loosens them: political pressure grows with
    lost China revenue and a closing capability gap (as in 2025), and once it passes 1 a banned
    previous-generation tier is licensed (``loosened_approval``, ``loosened_fee``,
    ``loosened_cap``). Adaptive: the rules in force at the first quarter are the starting
    settings; from then on the US decides (:mod:`aiblocs.model.policy_us`), and fab-equipment
    controls come with the first restriction of the frontier tier unless the regime dates them.
    Every change of a tier's rule or of enforcement is logged (``us_rule``, ``us_enforcement``).
    """

    def __init__(self, model: mesa.Model, regime: Regime) -> None:
        super().__init__(model)
        self.regime = regime
        self.adaptive = regime.us_policy == "adaptive"
        start = model.start_q
        self.rules: dict[str, TierRule] = (
            {t: regime.rule(t, start) for t in TIERS} if self.adaptive else {}
        )
        self.enforcement = regime.enforcement
        self.equipment_from = regime.equipment_controls_from  # quarter index, None = never
        self.stack_support = 0.0
        self.pressure = 0.0
        self.loosened = False
        self.view: policy_us.USView | None = None  # inputs read at the end of last quarter
        self.drives: dict[str, float] = {}  # each tier's drive at the last review
        self.draws: tuple[float, ...] = ()  # this quarter's draws (review, one per tier)
        self._terms: dict[int, float] = {}  # hawkishness per inauguration quarter
        self._shown = {t: TierRule(t, start) for t in TIERS}  # rules as last logged
        self._shown_enforcement = regime.enforcement
        self._shown_tools = False

    def apply_policy(self) -> None:
        """Set the rules in force this quarter (dated, or decided) and log what changed."""
        m, q = self.model, self.model.q
        self.stack_support = on(m.p, "stack_export", self.regime.stack_support(q))
        if self.adaptive:
            if q >= m.start_q:
                policy_us.decide(self)
                if self.equipment_from is None and self.rules["frontier"].status != "free":
                    self.equipment_from = q
        else:
            self.rules = {t: self.regime.rule(t, q) for t in TIERS}
            if self.loosened and self.rules["prev"].status == "banned":
                p = m.p
                self.rules["prev"] = TierRule("prev", q, "licensed", approval=p.loosened_approval,
                                              fee=p.loosened_fee, cap=p.loosened_cap)  # fmt: skip
        self._log_changes()

    def _log_changes(self) -> None:
        m = self.model
        if m.q < m.start_q:
            return
        drawn = (self.adaptive and m.q > m.start_q) or self.loosened
        for t in TIERS:
            if self.rules[t].terms != self._shown[t].terms:
                rule = self._shown[t] = self.rules[t]
                events.log(m, "us_rule", "US", rule.describe(), LEVEL[rule.status], drawn)
        tools = self.equipment_from is not None and m.q >= self.equipment_from
        if tools and not self._shown_tools:
            self._shown_tools = True
            events.log(m, "us_rule", "US", "fab-equipment controls", 1, drawn)
        if self.enforcement != self._shown_enforcement:
            self._shown_enforcement = self.enforcement
            events.log(m, "us_enforcement", "US", f"enforcement effort {self.enforcement:.2f}",
                       self.enforcement, drawn)  # fmt: skip

    def hawkishness(self, inauguration: int) -> float:
        """Standard-normal hawkishness of the administration inaugurated at that quarter."""
        if inauguration not in self._terms:
            g = self.model.stream("us_policy", inauguration, 1)
            self._terms[inauguration] = float(g.standard_normal())
        return self._terms[inauguration]

    def update_pressure(self, lost_revenue_bn: float, lag_months: float) -> None:
        """Scripted US: accumulate pressure to loosen from forgone revenue and a closing lag."""
        p = self.model.p
        k = p.loosening_pressure
        if k <= 0 or self.adaptive:  # an adaptive US has its own lobbying pressure (observe)
            return
        self.pressure += (k * (lost_revenue_bn / p.loosening_revenue_scale)
                          * max(0.0, 1 - lag_months / p.loosening_lag_scale))  # fmt: skip
        self.loosened = self.loosened or self.pressure > 1.0

    def observe(self, result, lag_months: float) -> None:
        """Read this quarter's inputs (lag, demand, smuggling) and update lobbying pressure."""
        if self.adaptive:
            self.view = policy_us.observe(self.model, result, lag_months, self.view)
            forgone = result.us_revenue_cn_forgone
            self.pressure = policy_us.lobbying(self.pressure, self.view, forgone, self.model.p)


class ChinaGovernment(mesa.Agent):
    """EDWC programme, approval tightening, national cloud pooling, import stance, mandates.

    Scripted (the regime's ``cn_policy``, default): stance and mandate follow the regime's dated
    lines. Adaptive: the lines in force at the first quarter are the starting settings; from then
    on China decides its stance per US tier, the domestic mandate and a chip subsidy
    (:mod:`aiblocs.model.policy_cn`). Changes are logged (``cn_stance``, ``cn_mandate``,
    ``cn_subsidy``).
    """

    def __init__(self, model: mesa.Model, regime: Regime) -> None:
        super().__init__(model)
        self.regime = regime
        p, start = model.p, model.start_q
        self.adaptive = regime.cn_policy == "adaptive"
        self.stance: dict[str, str] = (
            {t: regime.stance(t, start) for t in TIERS} if self.adaptive else {}
        )
        self.mandate = regime.domestic_mandate(start) if self.adaptive else False
        self.subsidy = 0.0  # rise of state chip R&D, multiple of cn_state_rd
        self.drive = on(p, "cn_self_reliance", p.cn_drive0)  # self-reliance drive from US moves
        self.view: policy_cn.CNView | None = None  # inputs read at the end of last quarter
        self.scores: dict[str, float] = {}  # stance and mandate scores at the last review
        self.draws: tuple[float, ...] = ()
        self._us_seen: dict[str, TierRule] | None = None  # US rules China last reacted to
        self._shown = (dict.fromkeys(TIERS, "allow"), False, 0.0)  # stance, mandate, subsidy
        self.approval_strictness = 0.0  # 0 = approve all, 1 = only pre-signed demand
        self.pooling = 0.0  # share of hub capacity reachable nationally
        self.ai_plus = False
        self.outreach = p.cn_deal_outreach  # outreach to GS governments (deals), 0-1
        self._pool = (parse_quarter(p.pooling_start), parse_quarter(p.pooling_full))
        self._ai_plus_from = parse_quarter(p.ai_plus_start)  # AI+ plan, Aug 2025 [112]

    def apply_policy(self) -> None:
        """Set stance, mandate, subsidy, pooling and AI+ push for this quarter; log changes."""
        m, q = self.model, self.model.q
        if self.adaptive:
            if q >= m.start_q:
                us = m.us_gov.rules
                if self._us_seen is not None:
                    policy_cn.update_drive(self, self._us_seen, us)
                self._us_seen = dict(us)
                policy_cn.decide(self)
        else:
            self.stance = {t: self.regime.stance(t, q) for t in TIERS}
            self.mandate = self.regime.domestic_mandate(q)
        start, full = self._pool
        reach = on(m.p, "pooling", m.p.pooling_reach)
        self.pooling = 0.0 if q < start else min(reach, (q - start + 1) / max(1, full - start + 1))
        self.ai_plus = q >= self._ai_plus_from
        self.outreach = m.p.cn_deal_outreach
        self._log_changes()

    def _log_changes(self) -> None:
        m = self.model
        if m.q < m.start_q:
            return
        drawn = self.adaptive and m.q > m.start_q
        stance, mandate, subsidy = self._shown
        for t in TIERS:
            if self.stance[t] != stance[t]:
                events.log(m, "cn_stance", "China", f"{t}: {self.stance[t]}",
                           STANCE_LEVEL[self.stance[t]], drawn)  # fmt: skip
        if self.mandate != mandate:
            what = "state-funded hubs buy domestic chips" if self.mandate else "mandate lifted"
            events.log(m, "cn_mandate", "China", what, int(self.mandate), drawn)
        if self.subsidy != subsidy:
            events.log(m, "cn_subsidy", "China", f"state chip R&D x{1 + self.subsidy:.2f}",
                       self.subsidy, drawn)  # fmt: skip
        self._shown = (dict(self.stance), self.mandate, self.subsidy)

    def motive(self) -> float:
        """Self-reliance drive plus dependence on US chips (:func:`policy_cn.motive`)."""
        return policy_cn.motive(self)

    def observe(self, result) -> None:
        """Read this quarter's inputs (readiness, dependence) for the next review."""
        if self.adaptive:
            self.view = policy_cn.observe(self.model, result, self.view)

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
        start = m.us_gov.equipment_from
        if start is None or m.q < start:
            return math.inf
        years = (m.q - start) / 4
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
