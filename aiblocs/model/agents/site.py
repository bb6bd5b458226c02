"""Compute sites: a fleet in H100e by chip vendor, its book value, utilisation and depreciation."""

from __future__ import annotations

import mesa

from aiblocs.model.mechanisms import on

VENDORS = ("US", "CN")


class ComputeSite(mesa.Agent):
    """A place compute is installed (a cloud or an EDWC hub).

    State: ``compute[vendor]`` (H100e by chip vendor), ``book`` (USD bn: what the installed
    chips cost, depreciated with them), ``utilisation`` and ``served`` (H100e of demand served
    this quarter). Mixed Nvidia/Ascend fleets lose ``mixed_fleet_cost`` at a 50/50 mix.
    """

    trains = False  # whether its owner's labs train on it (clouds)

    def __init__(self, model: mesa.Model, us: float, cn: float, utilisation: float) -> None:
        super().__init__(model)
        self.compute = {"US": us, "CN": cn}
        self.book = (us + cn) * model.p.chip_price_us / model.p.us_frontier_perf0 / 1e9
        self.utilisation = utilisation
        self.served = 0.0

    @property
    def raw_compute(self) -> float:
        """Installed H100e, before integration losses."""
        return self.compute["US"] + self.compute["CN"]

    @property
    def total_compute(self) -> float:
        """Effective compute, net of the integration cost of mixed Nvidia/Ascend fleets."""
        us, cn = self.compute["US"], self.compute["CN"]
        total = us + cn
        mixed = 4 * (us / total) * (cn / total) if total > 0 else 0.0  # 1 at 50/50, 0 if pure
        return total * (1 - on(self.model.p, "mixed_fleet", self.model.p.mixed_fleet_cost) * mixed)

    def install(self, vendor: str, h100e: float, cost_bn: float) -> None:
        """Add delivered compute from chips of ``vendor`` that cost ``cost_bn`` (USD bn)."""
        self.compute[vendor] += h100e
        self.book += cost_bn

    def depreciate(self) -> None:
        """Retire a fixed share of the fleet (and of its book value) each quarter."""
        keep = 1 - self.model.p.depreciation
        for k in self.compute:
            self.compute[k] *= keep
        self.book *= keep
