"""Cloud providers: compute sites that serve their stack and train their bloc's labs."""

from __future__ import annotations

import mesa

from aiblocs.model.agents.site import ComputeSite


class CloudProvider(ComputeSite):
    """A hyperscaler (US) or Chinese cloud with a fleet in H100e by chip vendor.

    ``weight`` is its share of its bloc's commercial chip budget and of its stack's revenue. US
    clouds also host the compute that Global South buyers purchase (their GS regions). Its labs
    train on ``training_share`` of its compute; the rest serves its stack's users.
    """

    trains = True

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        bloc: str,
        weight: float,
        fleet: float,
    ) -> None:
        domestic = model.p.cn_fleet_domestic0  # share of Chinese chips in a Chinese fleet
        us, cn = (fleet, 0.0) if bloc == "US" else ((1 - domestic) * fleet, domestic * fleet)
        super().__init__(model, us, cn, model.p.cloud_util0)
        self.name, self.bloc, self.weight = name, bloc, weight
