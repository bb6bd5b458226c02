"""Parameters: Global South national deals and large adopters (ODD §7.5b)."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class DealParams:
    """National deals (hazard, package logit, contract, presence) and lumpy large adopters."""

    # --- national deals: arrival hazard (per year) --------------------------------------------
    deal_rate: float = param(
        0.2,
        "1/year",
        0,
        100,
        "hazard of a first national deal, no adoption, no push",
        "assumption ([124] dates the 2025 Gulf deals)",
    )
    deal_rate_adoption: float = param(
        0.5,
        "1/year",
        0,
        100,
        "extra deal hazard per unit of the country's adoption share",
        "assumption",
    )
    deal_rate_push: float = param(
        0.5,
        "1/year",
        0,
        100,
        "extra deal hazard per unit of US support plus Chinese outreach",
        "assumption ([124], [125])",
    )
    cn_deal_outreach: float = param(
        0.5,
        "share",
        0,
        1,
        "Chinese outreach to GS governments (Digital Silk Road), 0-1",
        "assumption ([125]: Chinese cloud footprints)",
    )
    # --- national deals: the government's logit over the two packages -------------------------
    deal_financing_us: float = param(
        0.1,
        "share",
        0,
        0.5,
        "share of the US package's price financed (credit, subsidy)",
        "assumption",
    )
    deal_financing_cn: float = param(
        0.15,
        "share",
        0,
        0.5,
        "share of the Chinese package's price financed (policy banks)",
        "assumption",
    )
    deal_financing_support: float = param(
        0.3,
        "share",
        0,
        0.4,
        "extra US financing share at full 'export the stack' support",
        "assumption ([124])",
    )
    deal_financing_outreach: float = param(
        0.3, "share", 0, 0.4, "extra Chinese financing share at full outreach", "assumption"
    )
    deal_transfer_us: float = param(
        0.2,
        "index",
        0,
        1,
        "technology transfer of the US package (0 none, 1 full)",
        "assumption ([37]: closed weights)",
    )
    deal_transfer_cn: float = param(
        0.5,
        "index",
        0,
        1,
        "technology transfer of the Chinese package",
        "assumption ([37]: open weights)",
    )
    beta_transfer: float = param(
        1.0, "utility", 0, 10, "government utility per unit of technology transfer", "assumption"
    )
    deal_beta_share: float = param(
        3.0,
        "utility/share",
        0,
        50,
        "government utility per share of adopters on a stack",
        "assumption (increasing returns: [AR89])",
    )
    deal_incumbent_bonus: float = param(
        1.0,
        "utility",
        0,
        50,
        "switching cost favouring the incumbent at renegotiation",
        "assumption",
    )
    deal_noise: float = param(
        1.0, "utility", 0.01, 10, "Gumbel scale of the government's package choice", "logit"
    )
    # --- national deals: contract and its effects --------------------------------------------
    deal_years_min: int = param(5, "years", 1, 30, "shortest contract", "assumption")
    deal_years_max: int = param(10, "years", 1, 30, "longest contract", "assumption")
    deal_presence_gain: float = param(
        0.5,
        "fraction",
        0,
        1,
        "share of the deal stack's presence gap closed while in force",
        "assumption ([124]: Gulf campuses)",
    )
    # --- large adopters ----------------------------------------------------------------------
    large_adopters: int = param(
        3,
        "per country",
        0,
        20,
        "large adopters (telecoms, champions) per GS country",
        "assumption",
    )
    large_adopter_alpha: float = param(
        1.06,
        "ratio",
        0.5,
        5,
        "Pareto exponent of large adopters' sizes",
        "[AX01] (US firm sizes; assumption that GS large adopters follow it)",
    )
    large_adopter_min_share: float = param(
        0.02,
        "share",
        0,
        1,
        "Pareto scale: smallest size, share of non-government units",
        "assumption",
    )
    large_adopter_max_share: float = param(
        0.3,
        "share",
        0,
        1,
        "cap on all large adopters' share of non-government units",
        "assumption",
    )
    large_adopter_review: float = param(
        0.1,
        "1/quarter",
        0,
        1,
        "probability per quarter that an adopted large adopter reviews",
        "assumption (procurement cycles of a few years)",
    )
