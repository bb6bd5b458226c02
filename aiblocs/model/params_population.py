"""Parameters: time span, adopter population and network."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class PopulationParams:
    """Simulated span, number and regional split of adopter units, and their network."""

    start: str = param("2022Q1", "quarter", None, None, "first simulated quarter", "design brief")
    end: str = param("2035Q4", "quarter", None, None, "last simulated quarter", "design brief")
    n_adopters: int = param(20_000, "units", 1, 5e7, "number of adopter units", "design brief")
    share_us: float = param(
        0.2, "fraction", 0, 1, "share of adopter units in the US", "modelling choice"
    )
    share_cn: float = param(
        0.3, "fraction", 0, 1, "share of adopter units in China", "modelling choice"
    )
    network_degree: int = param(
        8, "links", 1, 200, "neighbours observed per adopter", "modelling choice"
    )
    cross_border: float = param(
        0.1, "fraction", 0, 1, "share of links to other countries", "assumption"
    )
    well_mixed: bool = param(
        False, "flag", None, None, "neighbour share = population share", "docking"
    )
