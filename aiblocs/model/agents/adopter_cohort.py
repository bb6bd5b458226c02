"""Adopter cohorts: Mesa agents standing for a country x sector slice of the adopter arrays."""

from __future__ import annotations

import mesa


class AdopterCohort(mesa.Agent):
    """A cohort of adopter units (rows ``lo:hi`` of the model's adopter arrays).

    The cohort owns no per-unit Python objects: its units are rows of numpy arrays, updated by
    one vectorised pass per quarter (:func:`aiblocs.model.adoption.adoption_step`). Its sector's
    attributes are ``model.world.sectors[sector_index]``.
    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        country: str,
        region: str,
        sector: str,
        sector_index: int,
        lo: int,
        hi: int,
    ) -> None:
        super().__init__(model)
        self.index, self.country, self.region, self.sector = index, country, region, sector
        self.lo, self.hi = lo, hi
        self.sector_index = sector_index

    @property
    def size(self) -> int:
        """Number of units in the cohort."""
        return self.hi - self.lo
