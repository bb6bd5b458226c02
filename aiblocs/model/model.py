"""AIBlocsModel: the quarterly Mesa model of the US-China contest over the AI stack."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from aiblocs.model import (
    capability,
    capacity,
    chips,
    deals,
    investment,
    large_adopters,
    markets,
    services,
)
from aiblocs.model.adoption import AdopterState, adoption_step, locked, prepare_network
from aiblocs.model.agents import (
    AdopterCohort,
    ChinaGovernment,
    ChipDesigner,
    CloudProvider,
    GSGovernment,
    ModelLab,
    Province,
    USGovernment,
)
from aiblocs.model.breakthroughs import apply_breakthroughs
from aiblocs.model.calendar import parse_quarter, quarter_label
from aiblocs.model.events import Event
from aiblocs.model.mechanisms import on
from aiblocs.model.memory import check_memory
from aiblocs.model.metrics import (
    collect_metrics,
    make_datacollector,
    measure_countries,
    regional_adoption,
)
from aiblocs.model.network import build_adjacency
from aiblocs.model.params import Params
from aiblocs.model.regimes import Regime
from aiblocs.model.scenario import Scenario
from aiblocs.model.shocks import ShockState, draw_shocks
from aiblocs.model.streams import Streams
from aiblocs.model.world import Country, World, load_world


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(-(raw - out), kind="stable")[: total - out.sum()]] += 1
    return out


def seed_sequence(rng: Any) -> np.random.SeedSequence:
    """Mesa's ``rng`` keyword as a SeedSequence: an int, a SeedSequence, or None (fresh entropy).

    Raises:
        ValueError: for anything else (a Generator cannot be recorded and repeated).
    """
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ValueError(
            f"rng (the seed) must be a non-negative integer, a numpy SeedSequence or None, "
            f"got {rng!r}"
        )
    return np.random.SeedSequence(int(rng))


class AIBlocsModel(mesa.Model):
    """Quarterly agent-based model of export controls, AI diffusion and stack lock-in.

    Args:
        scenario: a validated :class:`Scenario`, or what :meth:`Scenario.build` takes as its
            first argument (preset name, path to a regime TOML file, :class:`Regime`);
            default ``historical``.
        rng: Mesa's seed keyword: a non-negative int, a ``numpy.random.SeedSequence``, or None
            for fresh entropy; ``model.seed`` records the entropy, so ``rng=model.seed`` repeats
            the run. All randomness flows from it: the model's own draws through keyed streams
            (``model.stream(kind, *key)``, :mod:`aiblocs.model.streams`), so two runs with the
            same seed share every draw they have in common whatever their policies.
        regime: the same as ``scenario`` for a regime, by keyword (``mesa.batch_run`` and
            samplers pass parameters by name).
        world: the world tables (countries, sectors, firms, hubs) to build the model from; default
            the packaged data (:func:`load_world`). Build another with ``load_world(folder)``.
        **overrides: parameters or regime fields (``n_adopters=2000``, ``enforcement=0.9``),
            applied to the scenario and validated before anything is built.

    Attributes:
        scenario: the run's :class:`Scenario` (read-only; so are ``p`` and ``regime``).
        world: the validated tables the agents are built from (:func:`load_world`).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | Regime | None = None,
        *,
        rng: int | np.random.SeedSequence | None = None,
        regime: str | Path | Regime | None = None,
        world: World | None = None,
        **overrides: Any,
    ) -> None:
        if "seed" in overrides:
            raise ValueError("AIBlocsModel takes its seed as Mesa's rng keyword: use "
                             f"rng={overrides['seed']!r}, not seed=")  # fmt: skip
        if scenario is not None and regime is not None:
            raise ValueError("give the regime either as the first argument or as regime=, not both")
        scenario = scenario if scenario is not None else (regime or "historical")
        inputs = scenario if isinstance(scenario, Scenario) else Scenario.build(scenario)
        inputs = inputs.replace(**overrides)
        seq = seed_sequence(rng)
        check_memory(inputs.params.n_adopters, inputs.params.network_degree)
        super().__init__(rng=seq)
        self.scenario = inputs  # Mesa's property: attaches the model to the scenario
        self.seed = seq.entropy if not seq.spawn_key else None
        self.seed_sequence = seq
        # every draw of the model comes from a stream keyed by decision, agent and quarter
        self.stream = Streams(seq)
        self.events: list[Event] = []  # random events and decisions, in time order (events.py)
        self.shocks = ShockState()  # transient effects of crackdowns and supply shocks

        p = self.p
        self.start_q, self.end_q = parse_quarter(p.start), parse_quarter(p.end)
        self.q = self.start_q - 1  # step() advances first, so the first row is the start quarter
        self.edwc_launch = parse_quarter(p.edwc_launch)
        self.small_build_ban = parse_quarter(p.small_build_ban_from)
        self.n_steps = self.end_q - self.start_q + 1

        self.us_gov = USGovernment(self, self.regime)
        self.cn_gov = ChinaGovernment(self, self.regime)
        self.world: World = world if world is not None else load_world()
        self.countries = {c.name: c for c in self.world.countries}
        self.gs_govs = {c.name: GSGovernment(self, c, i) for i, c in enumerate(self.world.countries)
                        if c.region == "GS"}  # fmt: skip
        self._make_firms()
        self._make_adopters(self.world.countries)
        for g in self.gs_govs.values():  # the cohorts a national deal's mandate applies to
            rows = [c.index for c in self.cohorts
                    if c.country == g.name and c.sector == deals.GOVERNMENT]  # fmt: skip
            g.government_cohorts = np.array(rows, np.intp)
        self.large_adopters, self.large_units = large_adopters.build(self)
        self.large_units.flags.writeable = False  # fixed for the run (adoption caches ~mask)
        self._init_state()
        self.datacollector = make_datacollector()
        self.running = True

    @property
    def scenario(self) -> Scenario:
        """The run's :class:`Scenario` (set once, when the model is built)."""
        return self._scenario

    @scenario.setter
    def scenario(self, value: Any) -> None:
        if isinstance(getattr(self, "_scenario", None), Scenario):
            raise AttributeError("a model's scenario is read-only: build a new AIBlocsModel")
        mesa.Model.scenario.fset(self, value)  # Mesa's setter attaches the model

    @property
    def p(self) -> Params:
        """The run's parameters (read-only: a new run takes a new scenario)."""
        return self.scenario.params

    @property
    def regime(self) -> Regime:
        """The run's export-control regime (read-only)."""
        return self.scenario.regime

    # ------------------------------------------------------------------ construction
    def _make_firms(self) -> None:
        p, w = self.p, self.world
        eco0 = {"US": p.ecosystem_us, "CN": p.ecosystem_cn0}
        self.designers = [ChipDesigner(self, d.name, d.bloc, d.weight,
                                       d.ecosystem_mult * eco0[d.bloc], d.cost_mult)
                          for d in w.designers]  # fmt: skip
        # Fleets start at fleet_quarters0 quarters of spend (stock ~ flow / (depr. + growth)).
        us_fleet = p.fleet_quarters0 * p.us_chip_budget0 * 1e9 / p.chip_price_us
        cn_fleet = p.fleet_quarters0 * p.cn_chip_budget0 * 1e9 / p.chip_price_us
        fleet = {"US": us_fleet, "CN": cn_fleet}
        clouds = [CloudProvider(self, c.name, c.bloc, c.weight, fleet[c.bloc] * c.weight)
                  for c in w.clouds]  # fmt: skip
        self.us_clouds = [c for c in clouds if c.bloc == "US"]
        self.cn_clouds = [c for c in clouds if c.bloc == "CN"]
        self.labs = [ModelLab(self, lab.name, lab.bloc, lab.weight, lab.openness, 0.0)
                     for lab in w.labs]  # fmt: skip
        self.us_fleet0 = us_fleet
        self.provinces = [Province(self, h.name, h.east, h.optimism_mult, h.weight)
                          for h in w.hubs]  # fmt: skip
        for h in self.provinces:  # hubs start with the data centres (and their book value)
            h100e = p.hub_fleet_share0 * cn_fleet * h.weight
            h.install("US", h100e, h100e * p.chip_price_us / p.us_frontier_perf0 / 1e9)

    def _make_adopters(self, specs: tuple[Country, ...]) -> None:
        p = self.p
        region_share = {"US": p.share_us, "CN": p.share_cn, "GS": 1 - p.share_us - p.share_cn}
        weights = np.array([region_share[c.region] * c.weight for c in specs])
        sectors = self.world.sectors
        sector_share = np.array([s.share for s in sectors])
        per_country = _largest_remainder(p.n_adopters, weights)
        cohort_ids, starts, sizes = [], [], []
        self.cohorts: list[AdopterCohort] = []
        lo = 0
        for c, n_c in zip(specs, per_country, strict=True):
            c_lo = lo
            for k, n_s in enumerate(_largest_remainder(int(n_c), sector_share)):
                coh = AdopterCohort(self, len(self.cohorts), c.name, c.region,
                                    sectors[k].name, k, lo, lo + n_s)  # fmt: skip
                self.cohorts.append(coh)
                cohort_ids.append(np.full(n_s, coh.index, np.int32))
                lo += int(n_s)
            starts.append(np.full(n_c, c_lo, np.int64))
            sizes.append(np.full(n_c, n_c, np.int64))
        self.adopters = AdopterState.empty(np.concatenate(cohort_ids))
        self.cohort_region = np.array([c.region for c in self.cohorts])
        self.cohort_country = np.array([c.country for c in self.cohorts])
        self.adjacency = None if p.well_mixed else build_adjacency(
            np.concatenate(starts), np.concatenate(sizes), p.network_degree, p.cross_border,
            self.stream("network"))  # fmt: skip
        prepare_network(self.adopters, self.adjacency)  # the fast path's tables, built once
        self._cohort6: np.ndarray | None = None
        q_mult = np.select(
            [self.cohort_region == "GS", self.cohort_region == "CN"],
            [p.gs_q_mult, p.cn_q_mult],
            1.0,
        )
        self.bass_p = np.full(len(self.cohorts), p.bass_p / 4)
        self.bass_q = p.bass_q / 4 * q_mult
        country = {c.name: c for c in specs}
        income = np.array([country[c.country].income for c in self.cohorts])
        infra = np.array([country[c.country].infra for c in self.cohorts])
        self.income_term = (income / p.income_ref) ** p.income_elasticity
        self.use_weight = infra * self.income_term  # tokens per person vs a reference user
        self.cohort_persons = np.array([country[c.country].population * sector_share[c.sector_index]
                                        for c in self.cohorts])  # millions  # fmt: skip
        sizes = np.array([c.size for c in self.cohorts], float)
        self.persons_per_unit = np.where(sizes > 0, self.cohort_persons / np.maximum(sizes, 1), 0)

    def _init_state(self) -> None:
        p = self.p
        self.years = self.spend_years = 0.0
        self.adoption = {"US": 0.0, "CN": 0.0, "GS": 0.0}
        self.counts = np.zeros((len(self.cohorts), 3, 2), np.int64)
        self.carry = dict.fromkeys(chips.GROUPS, 0.0)
        self.cn_units_in_use = 0.0
        self.m: dict[str, float] = {}
        # Start capabilities: US labs from compute; Chinese labs set cn_lag0_months behind.
        train = self._training_compute()
        for lab in self.labs:
            lab.training_compute = train[lab.bloc] * lab.weight
            lab.update_capability()
        slope = (p.capability_per_decade * (p.frontier_compute_growth + p.efficiency_growth)
                 / math.log(10))  # fmt: skip
        cap_us = capability.best(self, "US")
        for lab in (lab for lab in self.labs if lab.bloc == "CN"):
            target = cap_us - slope * p.cn_lag0_months / 12
            lab.log_eff = (
                target / p.capability_per_decade - math.log10(train["CN"] * lab.weight)
            ) * math.log(10)
            lab.capability = target
        self.cap_ref = cap_us
        self.frontier = capability.FrontierHistory(self.start_q, cap_us, slope)
        self.us_gov.apply_policy()
        self.cn_gov.apply_policy()
        for d in self.designers:
            d.set_offers()
        services.calibrate_demand(self)
        self.markets = services.clear(self, self.counts, 0.0)
        self.rental_price = self.markets["US"].cost
        self.cn_demand_prev = self.markets["CN"].demand_at_cost
        self.demand_growth = {"US": 0.0, "CN": 0.0}  # log growth of demand at cost, per quarter
        price = p.chip_price_us / p.us_frontier_perf0
        self.unit_cost = {"US": price, "CN": price}  # USD per H100e of the clouds' last purchases

    # ------------------------------------------------------------------ schedule
    @property
    def quarter(self) -> str:
        """Current quarter label, e.g. ``2025Q3``."""
        return quarter_label(self.q)

    def step(self) -> None:
        """Advance one quarter: policy, chips, capacity, models, adoption, markets, firms."""
        if self.q >= self.end_q:
            self.running = False
            return
        self.q += 1
        self.years = (self.q - self.start_q) / 4
        p = self.p
        self.spend_years = p.spend_horizon * (1 - math.exp(-self.years / p.spend_horizon))
        # 1. policy
        self.us_gov.apply_policy()
        self.cn_gov.apply_policy()
        deals.step(self)  # GS national deals: opportunities, choices, renegotiations, presence
        draw_shocks(self)  # crackdowns, fab and memory shocks (drawn and pinned)
        # 2. chips: budgets (plus what was carried over) spent in rounds, every dollar booked
        for d in self.designers:
            d.set_offers()
        for h in self.provinces:
            h.cancel_and_complete()
        budgets = investment.chip_budgets(self)
        result = chips.clear(self, budgets, self.carry, self.stream("licences", self.q))
        self.budgets, self.chip_result, self.carry = budgets, result, result.carry()
        # 3. capacity
        for site in [*self.us_clouds, *self.cn_clouds, *self.provinces]:
            site.depreciate()
        investment.install(self, result)
        # 4. service markets: cost-based prices, demand from last quarter's adopters, clearing
        before = {b: m.demand_at_cost for b, m in self.markets.items()}
        self.markets = services.clear(self, self.counts, result.rented_h100e)
        self.demand_growth = {b: services.log_growth(m.demand_at_cost, before[b])
                              for b, m in self.markets.items()}  # fmt: skip
        self.unit_cost = investment.unit_costs(result, self.unit_cost)
        self.rental_price = self.markets["US"].cost
        hub_util = capacity.hub_utilisation(self)
        self.cn_gov.tighten_approvals(hub_util)
        demand = self.markets["CN"].demand_at_cost
        growth = 4 * services.log_growth(demand, self.cn_demand_prev)  # per year
        self.cn_demand_prev = demand
        presigned = p.presigned_share * p.edwc_budget0 * max(0.0, growth)
        for h in self.provinces:
            h.propose(growth, self.cn_gov.approval_strictness, presigned)
        # 5. models: labs train; each bloc's scarcity speeds its own efficiency
        scarcity = {b: m.scarcity for b, m in self.markets.items()}
        compute = self._training_compute()
        apply_breakthroughs(self, compute, scarcity)  # drawn and pinned jumps in efficiency
        capability.train_labs(self, compute, scarcity)
        cap_us, cap_cn = capability.best(self, "US"), capability.best(self, "CN")
        self.frontier.record(self.q, cap_us)
        # 6. adoption (vectorised over all units)
        value_pay = markets.terms(self)  # prices and capabilities are set for the quarter
        util, afford = markets.cohort_offers(self, value_pay)
        st = self.adopters
        flows = adoption_step(st, self.adjacency, util, afford, self.bass_p, self.bass_q,
                              on(p, "network_effect", p.network_effect), p.choice_noise,
                              p.review_rate, on(p, "switching_costs", p.switch_cost_base),
                              on(p, "switching_costs", p.switch_cost_growth),
                              self.stream("adoption", self.q), deals.mandates(self),
                              self.large_units if self.large_adopters else None)  # fmt: skip
        large_adopters.step(self, util, afford, flows)  # their blocks move together
        counts = self._cohort_counts()
        # 7. value and rents; firms learn; US politics
        rents = markets.value_and_rents(self, counts, value_pay)
        self.cn_units_in_use = result.units["CN"]["CN"] + result.units["CN_state"]["CN"]
        for d in self.designers:
            d.learn(self.cn_units_in_use / 1e6)
            d.reprice()
        lag = self.frontier.lag_months(self.q, cap_cn)
        self.us_gov.update_pressure(result.us_revenue_cn_forgone, lag)
        self.us_gov.observe(result, lag)  # adaptive governments read their inputs
        self.cn_gov.observe(result)
        # 8. measurement (next quarter's budgets and demand read this quarter's adopters)
        self.counts = counts
        self.adoption = regional_adoption(self.cohort_region, counts)
        moved = self.adopters.cohort[flows.switched]  # cohort of each unit that switched
        self.m = collect_metrics(self, result, counts, moved, rents, hub_util, cap_us, cap_cn, lag)
        measure_countries(self, counts, moved)
        self.datacollector.collect(self)
        if self.q >= self.end_q:
            self.running = False

    # ------------------------------------------------------------------ helpers
    def _training_compute(self) -> dict[str, float]:
        """Each bloc's training compute (H100e): training_share of its clouds' effective compute.

        Chinese domestic chips count at the Chinese software ecosystem's maturity, and mixed
        fleets lose ``mixed_fleet_training`` of the integration cost.
        """
        p = self.p
        eco = sum(d.ecosystem * d.weight for d in self.designers if d.bloc == "CN")
        us_chips = sum(c.compute["US"] for c in self.cn_clouds)
        cn_chips = sum(c.compute["CN"] for c in self.cn_clouds)
        cn = (us_chips + eco * cn_chips) * (
            1 - on(p, "mixed_fleet", p.mixed_fleet_cost) * p.mixed_fleet_training
            * (cn_chips > 0))  # fmt: skip
        us = sum(c.total_compute for c in self.us_clouds)
        return {"US": p.training_share * us, "CN": p.training_share * cn}

    def _cohort_counts(self) -> np.ndarray:
        """(C, 3, 2) units by cohort, stack and lock-in; one bincount over all units."""
        st = self.adopters
        if self._cohort6 is None:  # intp offsets cohort * 6, made once (bincount's fast path)
            self._cohort6 = st.cohort.astype(np.intp) * 6
        key = st.stack * np.int8(2)
        key += locked(st.stack, st.tenure, self.p)
        return np.bincount(self._cohort6 + key, minlength=len(self.cohorts) * 6).reshape(-1, 3, 2)
