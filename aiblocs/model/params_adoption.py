"""Parameters: the adoption hazard, affordability and the adopters' stack choice."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class AdoptionParams:
    """Bass hazard (per year), affordability ``a`` and the logit utilities of the two stacks."""

    # --- adoption (Bass hazard, per year) and affordability --------------------------------
    bass_p: float = param(0.035, "1/year", 0, 1, "innovation coefficient p", "[129] (mean 0.03)")
    bass_q: float = param(0.5, "1/year", 0, 3, "imitation coefficient q", "[129],[131] (0.38-0.56)")
    cn_q_mult: float = param(
        1.0, "ratio", 0, 5, "China imitation multiplier", "[131] (q varies by country)"
    )
    gs_q_mult: float = param(
        1.0,
        "ratio",
        0,
        3,
        "GS imitation multiplier",
        "assumption ([131]: developing 0.56 vs developed 0.51, i.e. 1.1)",
    )
    income_elasticity: float = param(
        0.5, "ratio", 0, 2, "affordability elasticity to income per head", "[119] (North/South gap)"
    )
    income_ref: float = param(
        10.0, "USD k/head", 0.1, 1000, "income per head at which the income term is 1", "assumption"
    )
    scarcity_afford_exponent: float = param(
        0.5, "ratio", 0, 3, "elasticity of China's affordability to its served share", "assumption"
    )
    cn_ai_plus_push: float = param(
        0.5,
        "ratio",
        0,
        3,
        "AI+ plan boost to China's affordability",
        "assumption (the plan: [112])",
    )
    ai_plus_start: str = param(
        "2025Q3", "quarter", None, None, "AI+ plan starts (Aug 2025)", "[112]"
    )

    # --- stack choice (logit utilities) ----------------------------------------------------
    beta_capability: float = param(
        3.0, "1/index", 0, 20, "utility per capability point", "assumption"
    )
    beta_price: float = param(0.6, "1/log-USD", 0, 10, "utility per log price", "assumption")
    beta_latency: float = param(
        1.0, "1/(100 ms)", 0, 10, "utility per 100 ms latency", "assumption"
    )
    latency_base: float = param(
        0.3,
        "100 ms",
        0,
        10,
        "latency of a stack with full local presence",
        "assumption ([79]: <= 20 ms east-west in China)",
    )
    latency_remote: float = param(
        1.5, "100 ms", 0, 20, "extra latency of a stack with no local presence", "assumption"
    )
    beta_sovereignty: float = param(
        1.5, "utility", 0, 10, "penalty for failing a hosting rule", "assumption"
    )
    openness_us: float = param(
        0.1,
        "fraction",
        0,
        1,
        "US stack capability self-hostable as open weights",
        "assumption ([37]: downloads, not shares of capability)",
    )
    openness_cn: float = param(
        0.9,
        "fraction",
        0,
        1,
        "Chinese stack capability self-hostable as open weights",
        "assumption ([37]: Chinese open models lead downloads)",
    )
    beta_alignment: float = param(
        1.0, "utility", 0, 10, "weight of political alignment", "assumption"
    )
    network_effect: float = param(
        2.0,
        "utility/share",
        0,
        20,
        "r: utility per neighbour share",
        "assumption (the mechanism: [AR89])",
    )
    choice_noise: float = param(
        1.0, "utility", 0.01, 10, "Gumbel scale of idiosyncratic taste", "logit"
    )
    review_rate: float = param(
        0.15, "1/quarter", 0, 1, "adopters reviewing their stack", "assumption"
    )
    switch_cost_base: float = param(
        0.2, "utility", 0, 10, "switching cost at tenure 0", "assumption"
    )
    switch_cost_growth: float = param(
        0.15, "utility/quarter", 0, 2, "growth of switching cost", "assumption"
    )
    lock_in_threshold: float = param(
        2.0, "utility", 0, 50, "cost above which a unit is locked", "def."
    )
    rent_markup_locked: float = param(
        0.5, "fraction", 0, 5, "extra markup on locked-in units", "assumption"
    )
    export_stack_subsidy: float = param(
        0.3,
        "fraction",
        0,
        1,
        "price cut when US exports its stack",
        "assumption ([124] dates the 2025 Gulf deals, not a price)",
    )
