"""Model labs: capability from training compute and algorithmic efficiency (log-linear)."""

from __future__ import annotations

import math

import mesa

from aiblocs.model.mechanisms import on


class ModelLab(mesa.Agent):
    """A frontier lab (US, closed) or a Chinese lab (mostly open-weight).

    State: capability index, log algorithmic efficiency, training compute (H100e), scarcity (its
    compute shortfall) and openness in [0, 1] (open weights are usable on any cloud).
    """

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        bloc: str,
        weight: float,
        openness: float,
        log_eff: float,
    ) -> None:
        super().__init__(model)
        self.name, self.bloc, self.weight, self.openness = name, bloc, weight, openness
        self.log_eff = log_eff  # natural log of algorithmic efficiency multiplier
        self.training_compute = 0.0
        self.capability = 0.0
        self.scarcity = 0.0

    def train(self, compute: float, wanted: float, frontier_log_eff: float) -> None:
        """Update efficiency (baseline, scarcity-induced, open-weight spillover) and capability.

        Args:
            compute: effective training compute available to the lab (H100e).
            wanted: compute the lab would want to keep pace with the frontier (H100e).
            frontier_log_eff: best log efficiency among open-weight models (spillover source).
        """
        p = self.model.p
        self.training_compute = compute
        self.scarcity = max(0.0, 1.0 - compute / wanted) if wanted > 0 else 0.0
        growth = p.efficiency_growth + on(p, "induced_efficiency", p.induced_efficiency) * (
            self.scarcity
        )
        self.log_eff += growth / 4
        if self.bloc == "US":
            absorb = on(p, "spillover_to_us", p.absorption_us)
        else:
            absorb = on(p, "spillover_to_cn", p.absorption_cn)
        if frontier_log_eff > self.log_eff:
            gap = frontier_log_eff - self.log_eff
            self.log_eff += p.open_weight_spillover * absorb / 4 * gap
        self.update_capability()

    def update_capability(self) -> None:
        """Capability = capability_per_decade * log10(training compute * efficiency)."""
        effective = max(self.training_compute, 1e-9) * math.exp(self.log_eff)
        self.capability = self.model.p.capability_per_decade * math.log10(effective)
