"""Parameters: governments' rules (US loosening, Chinese GS clouds, adaptive US, China)."""

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


@dataclass(frozen=True)
class GovernmentParams:
    """The adaptive governments' rules (ODD §7.7): used only where a regime's side is adaptive.

    Drives are in units of the line at which a US tier is banned (and China discourages a tier):
    1 by normalisation.
    """

    policy_smoothing: float = param(
        0.5,
        "fraction",
        0.01,
        1,
        "weight of the newest quarter in the governments' smoothed revenue and supply readings",
        "assumption (governments read trends, not one quarter)",
    )
    # --- United States ---------------------------------------------------------------------
    us_security_weight: float = param(
        6.0,
        "ratio",
        0,
        50,
        "US drive per unit of security score (threat from the lag x the tier's uplift)",
        "assumption (the security rationale of the Oct 2022 rules [135])",
    )
    us_lag_scale: float = param(
        12.0,
        "months",
        0.1,
        120,
        "lag at which China's threat falls to 1/e of its level at 0",
        "assumption (as loosening_lag_scale)",
    )
    us_revenue_weight: float = param(
        1.0,
        "ratio",
        0,
        50,
        "drive lost per log unit of China's demand for a tier",
        "assumption (revenue at stake: [44], [46])",
    )
    us_revenue_scale: float = param(
        1.0,
        "USD bn/quarter",
        0.01,
        1e3,
        "China demand for a tier at which the revenue term is ln 2",
        "assumption (Nvidia's China revenue ~1.8 bn/quarter in FY2022 [44])",
    )
    us_lobby_weight: float = param(
        1.0,
        "ratio",
        0,
        50,
        "drive lost per unit of the designers' lobbying pressure",
        "assumption (the pressure of loosening_pressure's rule; China shares [44], [47])",
    )
    us_lobby_decay: float = param(
        0.1,
        "1/quarter",
        0,
        1,
        "share of the lobbying pressure that fades each quarter",
        "assumption",
    )
    us_licence_threshold: float = param(
        0.5, "ratio", 0, 1, "drive above which a tier is licensed (banned above 1)", "assumption"
    )
    us_band: float = param(
        0.2,
        "ratio",
        0,
        2,
        "half-width of the US hysteresis band around each threshold",
        "assumption",
    )
    us_review_prob: float = param(
        0.5,
        "1/quarter",
        0,
        1,
        "probability that the US reviews its rules in a quarter",
        "assumption ([135]: 7 rule changes, 2022Q4-2026Q1)",
    )
    us_noise_sd: float = param(
        0.2, "ratio", 0, 5, "SD of the quarterly political noise on each tier's drive", "assumption"
    )
    us_term_sd: float = param(
        0.5,
        "ratio",
        0,
        5,
        "SD of an administration's hawkishness, drawn at its inauguration",
        "assumption",
    )
    us_term_years: int = param(4, "years", 1, 20, "length of a US administration", "def. (term)")
    us_inauguration: str = param(
        "2021Q1",
        "quarter",
        None,
        None,
        "an inauguration quarter (others every us_term_years)",
        "def. (20 Jan 2021)",
    )
    us_fee_low: float = param(
        0.15,
        "fraction",
        0,
        1,
        "fee on a tier loosened to a licence at the licence threshold",
        "[45]",
    )
    us_fee_high: float = param(
        0.25,
        "fraction",
        0,
        1,
        "fee on a tier loosened to a licence just below the ban line",
        "[14]",
    )
    us_approval_high: float = param(
        0.9,
        "fraction",
        0,
        1,
        "licence approval rate at the licence threshold",
        "assumption (as the historical regime)",
    )
    us_approval_low: float = param(
        0.8,
        "fraction",
        0,
        1,
        "licence approval rate just below the ban line",
        "assumption (as the historical regime)",
    )
    us_licence_cap: float = param(
        0.5, "ratio", 0, 10, "volume cap of a licensed tier, share of US-customer volume", "[57]"
    )
    us_enforcement_gain: float = param(
        0.5,
        "ratio",
        0,
        5,
        "rise of enforcement effort per unit of threat x grey share",
        "assumption ([73]: smuggling at scale)",
    )
    us_enforcement_step: float = param(
        0.05, "share", 0, 1, "smallest change of enforcement effort the US makes", "assumption"
    )
    # --- China -----------------------------------------------------------------------------
    cn_drive0: float = param(
        0.0, "ratio", 0, 10, "China's self-reliance drive from US moves before 2022", "assumption"
    )
    cn_tightening_drive: float = param(
        0.15,
        "ratio",
        0,
        10,
        "self-reliance drive added per step of US tightening",
        "assumption ([136])",
    )
    cn_addiction_drive: float = param(
        0.5,
        "ratio",
        0,
        10,
        "drive added per step of US loosening (sales framed as keeping China dependent)",
        "assumption ([136], [18])",
    )
    cn_drive_decay: float = param(
        0.05,
        "1/quarter",
        0,
        1,
        "share of the self-reliance drive that fades each quarter",
        "assumption",
    )
    cn_dependence_weight: float = param(
        0.5,
        "ratio",
        0,
        10,
        "motive per unit of US chips' share of China's compute",
        "assumption ([71]: Nvidia 66% of China's AI chips in 2024)",
    )
    cn_readiness_gate: float = param(
        0.5,
        "fraction",
        0,
        1,
        "share of China's motive gated by domestic supply readiness",
        "assumption (half: political will acts even on imperfect substitutes, [136])",
    )
    cn_block_threshold: float = param(
        1.5,
        "ratio",
        1,
        10,
        "stance score above which China blocks a tier (discourages above 1)",
        "assumption",
    )
    cn_mandate_threshold: float = param(
        1.5,
        "ratio",
        0,
        10,
        "score above which state-funded hubs must buy domestic chips",
        "assumption ([136])",
    )
    cn_band: float = param(
        0.2,
        "ratio",
        0,
        2,
        "half-width of China's hysteresis band around each threshold",
        "assumption",
    )
    cn_review_prob: float = param(
        0.5,
        "1/quarter",
        0,
        1,
        "probability that China reviews its measures in a quarter",
        "assumption ([136]: three measures in two quarters)",
    )
    cn_noise_sd: float = param(
        0.2, "ratio", 0, 5, "SD of the quarterly noise on each of China's scores", "assumption"
    )
    cn_subsidy_gain: float = param(
        1.0,
        "ratio",
        0,
        20,
        "rise of state chip R&D (multiple of cn_state_rd) per unit of drive",
        "assumption",
    )
    cn_subsidy_max: float = param(
        2.0,
        "ratio",
        0,
        20,
        "largest rise of state chip R&D, multiple of cn_state_rd",
        "assumption",
    )
    cn_subsidy_step: float = param(
        0.25, "ratio", 0.01, 10, "smallest change of the subsidy China makes", "assumption"
    )
