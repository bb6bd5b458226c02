"""Parameters: governments' endogenous rules (US loosening, Chinese cloud expansion in the GS)."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class PolicyParams:
    """US endogenous loosening and the steady expansion of Chinese clouds in the GS."""

    loosening_pressure: float = param(
        0.0, "ratio", 0, 10, "endogenous loosening (0 = off)", "assumption (the 2025 events: [135])"
    )
    loosening_revenue_scale: float = param(
        20.0, "USD bn/quarter", 0.1, 1e3, "forgone China revenue per unit of pressure", "assumption"
    )
    loosening_lag_scale: float = param(
        12.0, "months", 0.1, 120, "lag at which the closing-gap term of pressure ends", "assumption"
    )
    loosened_approval: float = param(
        0.8, "fraction", 0, 1, "approval rate of the loosened prev tier", "assumption"
    )
    loosened_fee: float = param(0.25, "fraction", 0, 1, "fee on the loosened prev tier", "[14]")
    loosened_cap: float = param(
        0.5, "ratio", 0, 10, "loosened prev tier's cap, share of US-customer volume", "[57]"
    )
    cn_presence_growth: float = param(
        0.05,
        "1/year",
        0,
        2,
        "rate at which Chinese clouds close their GS presence gap",
        "assumption ([125],[126]: footprints)",
    )
