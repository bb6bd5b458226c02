"""Parameters: model labs (capability, algorithmic efficiency) and service prices."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class LabParams:
    """Capability per compute, efficiency growth, the starting lag and inference prices."""

    capability_per_decade: float = param(
        1.0, "index/log10", 0.01, 10, "capability per 10x compute", "assumption"
    )
    training_share: float = param(
        0.2,
        "fraction",
        0.01,
        0.9,
        "share of each bloc's cloud compute used for training (US and China)",
        "assumption",
    )
    efficiency_growth: float = param(
        0.5, "1/year (log)", 0, 3, "baseline algorithmic progress", "assumption"
    )
    induced_efficiency: float = param(
        0.7,
        "1/year (log)",
        0,
        5,
        "extra progress at full scarcity",
        "assumption (seed note); unidentified: no bloc is compute-scarce 2022-25 in the fit [27]",
    )
    open_weight_spillover: float = param(
        0.3,
        "fraction",
        0,
        1,
        "share of gap closed by open weights",
        "assumption (the channel: [37])",
    )
    absorption_us: float = param(
        1.0, "fraction", 0, 1, "share of the open-weight spillover US labs absorb", "assumption"
    )
    absorption_cn: float = param(
        1.0,
        "fraction",
        0,
        1,
        "share of the open-weight spillover Chinese labs absorb",
        "assumption",
    )
    distillation: float = param(
        0.3,
        "1/year",
        0,
        2,
        "share of its capability gap a lab behind the leader closes a year",
        "[23], [24]",
    )
    open_weight_threshold: float = param(
        0.5, "fraction", 0, 1, "lab openness from which its efficiency spills over", "assumption"
    )
    cn_lag0_months: float = param(
        16.0,
        "months",
        0,
        60,
        "CN lag in 2022Q1",
        "fitted to [27]'s 12-14 months in 2023; 2022Q1 is not observed",
    )
    frontier_compute_growth: float = param(
        0.7, "1/year (log)", 0, 3, "frontier compute growth in the initial slope", "assumption"
    )
    us_price0: float = param(20.0, "USD/M tokens", 0.01, 1e3, "frontier price 2022", "[109]")
