"""Provinces hosting the EDWC hubs: optimism-driven builds, approvals, cancellations."""

from __future__ import annotations

import mesa

from aiblocs.model.mechanisms import on


class Province(mesa.Agent):
    """A hub's local government. Builds on *expected* demand with an optimism bias.

    State: hub compute (H100e) by chip vendor, pipeline of approved projects (USD bn by
    completion quarter), utilisation, cancellations this quarter (projects).
    """

    def __init__(
        self, model: mesa.Model, name: str, east: bool, optimism_mult: float, weight: float
    ) -> None:
        super().__init__(model)
        self.name, self.east, self.optimism_mult, self.weight = name, east, optimism_mult, weight
        self.compute = {"US": 0.0, "CN": 0.0}
        self.pipeline: dict[int, float] = {}
        self.utilisation = model.p.hub_util0
        self.served = 0.0
        self.low_quarters = 0
        self.cancelled = 0.0
        self.completing_budget = 0.0

    @property
    def total_compute(self) -> float:
        """Hub compute in H100e."""
        return self.compute["US"] + self.compute["CN"]

    def propose(self, demand_growth: float, strictness: float, presigned: float) -> None:
        """Propose builds from expected demand growth (with optimism), subject to approval.

        Args:
            demand_growth: recent realised growth of national compute demand (per year, log).
            strictness: 0 approves every proposal, 1 only what pre-signed purchases cover.
            presigned: budget covered by pre-signed compute purchase agreements (USD bn).
        """
        m, p = self.model, self.model.p
        if m.q < m.edwc_launch:
            return
        optimism = on(p, "edwc_optimism", p.edwc_optimism) * self.optimism_mult
        growth = min(p.edwc_growth_cap, max(0.0, demand_growth))
        wanted = p.edwc_budget0 * self.weight * (1 + optimism * growth)
        approved = (1 - strictness) * wanted + strictness * min(wanted, presigned * self.weight)
        due = m.q + p.build_lag
        self.pipeline[due] = self.pipeline.get(due, 0.0) + approved

    def cancel_and_complete(self) -> None:
        """Cancel part of the pipeline after sustained idleness; release what completes now."""
        m, p = self.model, self.model.p
        self.low_quarters = self.low_quarters + 1 if self.utilisation < p.cancel_threshold else 0
        self.cancelled = 0.0
        if self.low_quarters >= p.cancel_after:
            for due in self.pipeline:
                cut = self.pipeline[due] * p.cancel_rate
                self.pipeline[due] -= cut
                self.cancelled += cut / p.project_size  # projects
        self.completing_budget = self.pipeline.pop(m.q, 0.0)

    def install(self, vendor: str, h100e: float) -> None:
        """Add delivered hub compute."""
        self.compute[vendor] += h100e

    def depreciate(self) -> None:
        """Retire a fixed share of hub compute each quarter."""
        for k in self.compute:
            self.compute[k] *= 1 - self.model.p.depreciation
