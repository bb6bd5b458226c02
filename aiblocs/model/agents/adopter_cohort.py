"""Adopter cohorts: Mesa agents standing for a country x sector slice of the adopter arrays."""

from __future__ import annotations

import mesa

SECTORS = ("manufacturing", "services", "government")
SECTOR_SHARE = (0.3, 0.6, 0.1)
SECTOR_AFFORD = (0.8, 1.0, 0.7)  # relative usefulness/readiness, assumption


class AdopterCohort(mesa.Agent):
    """A cohort of adopter units (rows ``lo:hi`` of the model's adopter arrays).

    The cohort owns no per-unit Python objects: its units are rows of numpy arrays, updated by
    one vectorised pass per quarter (:func:`aiblocs.model.adoption.adoption_step`).
    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        country: str,
        region: str,
        sector: str,
        lo: int,
        hi: int,
    ) -> None:
        super().__init__(model)
        self.index, self.country, self.region, self.sector = index, country, region, sector
        self.lo, self.hi = lo, hi
        self.sector_index = SECTORS.index(sector)

    @property
    def size(self) -> int:
        """Number of units in the cohort."""
        return self.hi - self.lo
