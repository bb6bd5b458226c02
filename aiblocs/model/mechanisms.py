"""The model's mechanisms, each with a switch: what turning it off means and what removes it.

Every mechanism can be turned off by its Params flag ``mech_<name>`` (default on). Switching it
off is the same as setting the mechanism's own parameters to their null values (``null``;
``tests/test_mechanisms.py`` checks the two runs are identical), so a contrast with a mechanism off
measures how much of a result that mechanism carries (``aiblocs explain``). A mechanism added to
the model gets a switch here, a flag in :mod:`aiblocs.model.params_switches` and an ODD entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Mechanism:
    """One mechanism: its switch, its meaning when off, and the parameters that remove it.

    Attributes:
        name: short name; the switch is the Params flag ``mech_<name>``.
        label: what the mechanism is, in words.
        off: what the model does with the switch off.
        null: parameter or regime-field values that remove it with the switch on.
        where: the module (and function) that implements it.
    """

    name: str
    label: str
    off: str
    null: dict[str, Any] = field(default_factory=dict)
    where: str = ""

    @property
    def flag(self) -> str:
        """The Params field that switches it."""
        return f"mech_{self.name}"


def _m(name: str, label: str, off: str, null: dict[str, Any], where: str) -> Mechanism:
    return Mechanism(name, label, off, null, where)


MECHANISMS: dict[str, Mechanism] = {
    m.name: m
    for m in (
        _m("spillover_to_us", "US labs learn from the open-weight efficiency frontier",
           "US labs absorb nothing from open weights", {"absorption_us": 0.0},
           "agents/model_lab.py ModelLab.train"),
        _m("spillover_to_cn", "Chinese labs learn from the open-weight efficiency frontier",
           "Chinese labs absorb nothing from open weights", {"absorption_cn": 0.0},
           "agents/model_lab.py ModelLab.train"),
        _m("distillation", "labs behind the world's best model learn from it, whoever leads",
           "no lab learns from a better model's outputs", {"distillation": 0.0},
           "agents/model_lab.py ModelLab.train"),
        _m("induced_efficiency", "compute scarcity speeds up algorithmic progress",
           "efficiency grows at the baseline rate whatever the scarcity",
           {"induced_efficiency": 0.0}, "agents/model_lab.py ModelLab.train"),
        _m("smuggling", "denied Chinese demand leaks to smugglers", "no chip is smuggled",
           {"smuggle_leak": 0.0}, "chips.py _ration_us_rules"),
        _m("cloud_rental", "denied Chinese demand rents compute abroad",
           "Chinese buyers rent no foreign compute", {"rental_share": 0.0}, "grey.py _rent"),
        _m("fee_passthrough", "Chinese buyers bear part of the US export fee",
           "fees are paid out of the seller's revenue, not passed on",
           {"fee_passthrough": 0.0}, "chips.py clear"),
        _m("licence_rationing", "licences for licensed tiers are granted with a probability",
           "every licence for a licensed tier is granted (caps and fees still apply)", {},
           "chips.py clear"),
        _m("stack_export", "US 'export the stack' support: GS price cut and local US regions",
           "no stack-export support, whatever the regime says",
           {"export_stack_support": 0.0}, "agents/governments.py USGovernment.apply_policy"),
        _m("domestic_preference", "Chinese buyers' policy-guided preference for domestic chips",
           "Chinese buyers weigh domestic chips like any other offer",
           {"cn_domestic_preference": 0.0}, "chips.py clear"),
        _m("domestic_learning", "Chinese chips improve with R&D, yield learning and a maturing "
           "software ecosystem", "domestic performance, yield and ecosystem stay at their 2022 "
           "values", {"cn_perf_rd_elasticity": 0.0, "cn_yield_learning": 0.0,
                      "ecosystem_learning": 0.0}, "agents/chip_designer.py"),
        _m("network_effect", "adopters value the stack their neighbours use (increasing "
           "returns)", "neighbours' stacks do not enter the stack choice",
           {"network_effect": 0.0}, "adoption.py choose_stack"),
        _m("switching_costs", "leaving a stack costs more the longer a unit has used it",
           "switching is free and no unit is ever locked in",
           {"switch_cost_base": 0.0, "switch_cost_growth": 0.0}, "adoption.py"),
        _m("scarcity_pricing", "excess compute demand raises a stack's service price",
           "prices stay at cost; excess demand is rationed (lower quality) instead",
           {"price_clearing": 0.0}, "services.py clear"),
        _m("domestic_scarcity_price", "domestic chips sold out raise their price next quarter",
           "domestic chips keep their cost-based price; excess demand is rationed",
           {"domestic_price_response": 0.0}, "agents/chip_designer.py ChipDesigner.reprice"),
        _m("lock_in_rents", "providers charge locked-in adopters a markup",
           "locked-in adopters pay the contestable price", {"rent_markup_locked": 0.0},
           "services.py value_and_rents"),
        _m("scarcity_throttle", "unserved compute demand lowers service quality, slowing adoption",
           "affordability ignores unserved demand", {"scarcity_afford_exponent": 0.0},
           "markets.py cohort_offers"),
        _m("edwc_optimism", "provinces over-forecast demand growth when proposing hub builds",
           "provinces propose builds at the base budget, without extrapolated growth",
           {"edwc_optimism": 0.0}, "agents/province.py Province.propose"),
        _m("approval_tightening", "Beijing tightens hub approvals when utilisation is low",
           "approvals never tighten", {"approval_threshold": 0.0},
           "agents/governments.py ChinaGovernment.tighten_approvals"),
        _m("small_build_ban", "hub projects below project_size are refused from "
           "small_build_ban_from", "small local hub projects are approved as any other",
           {"small_build_ban_from": "2100Q4"}, "agents/province.py Province.propose"),
        _m("pooling", "a national cloud pools western hub capacity from pooling_start",
           "western hubs never become reachable beyond west_reach", {"pooling_reach": 0.0},
           "agents/governments.py ChinaGovernment.apply_policy"),
        _m("ai_plus", "the AI+ plan boosts Chinese affordability from ai_plus_start",
           "no AI+ boost", {"cn_ai_plus_push": 0.0}, "markets.py cohort_offers"),
        _m("national_deals", "GS governments conclude national deals with one stack, renegotiated "
           "at expiry",
           "no national deal: no mandate for the government sector, presence at its base",
           {"deal_rate": 0.0, "deal_rate_adoption": 0.0, "deal_rate_push": 0.0},
           "deals.py step"),
        _m("large_adopters", "large GS adopters (Pareto sizes) move their blocks of units at once",
           "no large adopter: every unit decides alone", {"large_adopters": 0},
           "large_adopters.py step"),
        _m("mixed_fleet", "mixed US/Chinese fleets lose compute to integration",
           "mixed fleets lose nothing", {"mixed_fleet_cost": 0.0},
           "agents/cloud_provider.py, model.py _cn_effective_compute"),
        _m("us_security_motive", "adaptive US: a short lag and a tier China cannot match tighten",
           "security does not enter the US drive", {"us_security_weight": 0.0},
           "policy_us.py drive"),
        _m("us_revenue_motive", "adaptive US: China's demand and designers' lobbying loosen",
           "revenue and lobbying do not enter the US drive",
           {"us_revenue_weight": 0.0, "us_lobby_weight": 0.0}, "policy_us.py drive"),
        _m("policy_noise", "adaptive governments' political noise (quarterly, per US term)",
           "decisions follow the inputs alone",
           {"us_noise_sd": 0.0, "us_term_sd": 0.0, "cn_noise_sd": 0.0},
           "policy_us.py decide, policy_cn.py decide"),
        _m("cn_self_reliance", "adaptive China: US moves and dependence drive self-reliance",
           "China's motive is zero: it acts only by noise",
           {"cn_drive0": 0.0, "cn_tightening_drive": 0.0, "cn_addiction_drive": 0.0,
            "cn_dependence_weight": 0.0}, "policy_cn.py motive"),
        _m("cn_readiness", "adaptive China acts as far as domestic supply is ready",
           "China acts on its full motive whatever its readiness", {"cn_readiness_gate": 0.0},
           "policy_cn.py gate"),
        _m("breakthroughs", "labs make random, heavy-tailed algorithmic breakthroughs",
           "no breakthrough is drawn (a regime's pinned ones still happen; events='off' "
           "removes them)", {"breakthrough_rate": 0.0}, "breakthroughs.py apply_breakthroughs"),
        _m("crackdowns", "random US enforcement crackdowns raise enforcement for a while",
           "no crackdown is drawn (pinned ones still happen)", {"crackdown_rate": 0.0},
           "shocks.py draw_shocks, us_enforcement"),
        _m("supply_shocks", "random fab shocks cut Chinese chip capacity, memory shortages raise "
           "chip prices", "no supply shock is drawn (pinned ones still "
           "happen)", {"fab_shock_rate": 0.0, "memory_shock_rate": 0.0},
           "shocks.py draw_shocks; agents/chip_designer.py ChipDesigner.set_offers"),
    )
}  # fmt: skip


def on(p: Any, name: str, value: float, null: float = 0.0) -> float:
    """``value`` if mechanism ``name`` is switched on in parameters ``p``, else ``null``."""
    return value if getattr(p, f"mech_{name}") else null
