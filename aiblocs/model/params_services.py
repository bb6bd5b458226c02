"""Parameters: the AI service market (costs, markups, demand from use) and the value of AI use."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class ServiceParams:
    """Service prices from costs, token demand from adopters, willingness to pay and value."""

    capital_cost: float = param(
        0.025,
        "1/quarter",
        0,
        0.25,
        "cost of capital on data-centre book value (~10%/yr)",
        "assumption",
    )
    opex_h100e: float = param(
        600.0,
        "USD/quarter",
        10,
        1e5,
        "power and facility cost per H100e (0.7 kW, PUE 1.4)",
        "[79], [85]",
    )
    markup_us: float = param(
        1.0, "ratio", 0, 20, "US stack's price markup over serving cost (closed frontier)", "[110]"
    )
    markup_cn: float = param(
        0.2, "ratio", 0, 20, "Chinese stack's markup (open weights compete on price)", "[106],[110]"
    )
    price_clearing: float = param(
        1.0,
        "fraction",
        0,
        1,
        "how far prices rise to clear excess demand (0: rationing only)",
        "assumption",
    )
    demand_elasticity: float = param(
        0.7,
        "ratio",
        0.05,
        3,
        "price elasticity of tokens demanded per adopter",
        "assumption ([109]: falling prices raise use)",
    )
    use_growth: float = param(
        0.6,
        "1/year (log)",
        0,
        3,
        "growth of tokens per adopter at a constant price",
        "assumption ([87]: global AI compute x3.3 a year)",
    )
    use_capability: float = param(
        0.5,
        "1/index",
        0,
        5,
        "log growth of tokens per adopter per capability point of its stack",
        "assumption ([87]: global AI compute x3.3 a year)",
    )
    serving_efficiency: float = param(
        0.4,
        "fraction",
        0,
        1,
        "share of log algorithmic efficiency that cuts compute per token served",
        "[109]: frontier prices fall ~2x/yr, constant-capability prices ~17x/yr",
    )
    value_scale: float = param(
        40.0,
        "USD/quarter",
        0.01,
        1e5,
        "an adopter's value of AI at income_ref and cap_ref",
        "assumption",
    )
    value_capability: float = param(
        0.5, "1/index", 0, 5, "log value per capability point above the 2022 frontier", "assumption"
    )
    afford_slope: float = param(
        1.0, "ratio", 0.01, 20, "slope of affordability in log(value / payment)", "assumption"
    )
    afford_shift: float = param(
        0.0,
        "log ratio",
        -10,
        10,
        "log(value / payment) at which affordability is half",
        "assumption",
    )
