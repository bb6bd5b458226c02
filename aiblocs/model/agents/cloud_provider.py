"""Cloud providers: compute fleets by chip vendor, utilisation and investment pressure."""

from __future__ import annotations

import mesa

from aiblocs.model.mechanisms import on


class CloudProvider(mesa.Agent):
    """A hyperscaler (US) or Chinese cloud with a fleet in H100e by chip vendor.

    ``weight`` is its share of its bloc's commercial chip budget and of its stack's revenue. US
    clouds also host the compute that Global South buyers purchase (their GS regions).
    """

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        bloc: str,
        weight: float,
        fleet: float,
    ) -> None:
        super().__init__(model)
        self.name, self.bloc, self.weight = name, bloc, weight
        domestic = model.p.cn_fleet_domestic0  # share of Chinese chips in a Chinese fleet
        self.compute = {
            "US": fleet if bloc == "US" else (1 - domestic) * fleet,
            "CN": 0.0 if bloc == "US" else domestic * fleet,
        }  # H100e by chip vendor
        self.utilisation = model.p.cloud_util0
        self.served = 0.0  # H100e of demand served this quarter

    @property
    def total_compute(self) -> float:
        """Effective compute, net of the integration cost of mixed Nvidia/Ascend fleets."""
        us, cn = self.compute["US"], self.compute["CN"]
        total = us + cn
        mixed = 4 * (us / total) * (cn / total) if total > 0 else 0.0  # 1 at 50/50, 0 if pure
        return total * (1 - on(self.model.p, "mixed_fleet", self.model.p.mixed_fleet_cost) * mixed)

    def chip_budget(self, bloc_budget: float) -> float:
        """This quarter's chip spend (USD bn): its share, scaled up when its fleet is busy."""
        p = self.model.p
        pressure = min(p.capex_pressure_max,
                       max(p.capex_pressure_min, self.utilisation / p.capex_util_ref))  # fmt: skip
        return bloc_budget * self.weight * pressure

    def install(self, vendor: str, h100e: float) -> None:
        """Add delivered compute from chips of ``vendor`` (``US`` or ``CN``)."""
        self.compute[vendor] += h100e

    def depreciate(self) -> None:
        """Retire a fixed share of the fleet each quarter."""
        for k in self.compute:
            self.compute[k] *= 1 - self.model.p.depreciation
