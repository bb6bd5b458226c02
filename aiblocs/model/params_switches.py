"""Parameters: one switch per mechanism (:mod:`aiblocs.model.mechanisms`), all on by default."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class SwitchParams:
    """``mech_<name>``: false turns mechanism ``<name>`` off (the same as its null values)."""

    mech_spillover_to_us: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: US labs learn from the open-weight efficiency frontier",
        "def.",
    )
    mech_spillover_to_cn: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: Chinese labs learn from the open-weight efficiency frontier",
        "def.",
    )
    mech_distillation: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: labs behind the world's best model learn from it, whoever leads",
        "def.",
    )
    mech_induced_efficiency: bool = param(
        True, "flag", None, None, "switch: compute scarcity speeds up algorithmic progress", "def."
    )
    mech_smuggling: bool = param(
        True, "flag", None, None, "switch: denied Chinese demand leaks to smugglers", "def."
    )
    mech_cloud_rental: bool = param(
        True, "flag", None, None, "switch: denied Chinese demand rents compute abroad", "def."
    )
    mech_fee_passthrough: bool = param(
        True, "flag", None, None, "switch: Chinese buyers bear part of the US export fee", "def."
    )
    mech_licence_rationing: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: licences for licensed tiers are granted with a probability",
        "def.",
    )
    mech_stack_export: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: US 'export the stack' support: GS price cut and local US regions",
        "def.",
    )
    mech_domestic_preference: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: Chinese buyers' policy-guided preference for domestic chips",
        "def.",
    )
    mech_domestic_learning: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: Chinese chips improve with R&D, yield learning and a maturing software ecosystem",
        "def.",
    )
    mech_network_effect: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: adopters value the stack their neighbours use (increasing returns)",
        "def.",
    )
    mech_switching_costs: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: leaving a stack costs more the longer a unit has used it",
        "def.",
    )
    mech_scarcity_pricing: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: excess compute demand raises a stack's service price",
        "def.",
    )
    mech_domestic_scarcity_price: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: domestic chips sold out raise their price next quarter",
        "def.",
    )
    mech_lock_in_rents: bool = param(
        True, "flag", None, None, "switch: providers charge locked-in adopters a markup", "def."
    )
    mech_scarcity_throttle: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: unserved compute demand lowers service quality, slowing adoption",
        "def.",
    )
    mech_edwc_optimism: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: provinces over-forecast demand growth when proposing hub builds",
        "def.",
    )
    mech_approval_tightening: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: Beijing tightens hub approvals when utilisation is low",
        "def.",
    )
    mech_small_build_ban: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: hub projects below project_size are refused from small_build_ban_from",
        "def.",
    )
    mech_pooling: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: a national cloud pools western hub capacity from pooling_start",
        "def.",
    )
    mech_ai_plus: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: the AI+ plan boosts Chinese affordability from ai_plus_start",
        "def.",
    )
    mech_national_deals: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: GS governments conclude national deals with one stack, renegotiated at expiry",
        "def.",
    )
    mech_large_adopters: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: large GS adopters (Pareto sizes) move their blocks of units at once",
        "def.",
    )
    mech_mixed_fleet: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: mixed US/Chinese fleets lose compute to integration",
        "def.",
    )
    mech_us_security_motive: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: adaptive US: a short lag and a tier China cannot match tighten",
        "def.",
    )
    mech_us_revenue_motive: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: adaptive US: China's demand and designers' lobbying loosen",
        "def.",
    )
    mech_policy_noise: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: adaptive governments' political noise (quarterly, per US term)",
        "def.",
    )
    mech_cn_self_reliance: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: adaptive China: US moves and dependence drive self-reliance",
        "def.",
    )
    mech_cn_readiness: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: adaptive China acts as far as domestic supply is ready",
        "def.",
    )
    mech_breakthroughs: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: labs make random, heavy-tailed algorithmic breakthroughs",
        "def.",
    )
    mech_crackdowns: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: random US enforcement crackdowns raise enforcement for a while",
        "def.",
    )
    mech_supply_shocks: bool = param(
        True,
        "flag",
        None,
        None,
        "switch: random fab shocks cut Chinese chip capacity, memory shortages raise chip prices",
        "def.",
    )
