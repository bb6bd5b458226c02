"""Parameters: chip budgets, compute fleets and demand, and China's EDWC hubs."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class CapacityParams:
    """Budgets and fleets, compute demand, east/west routing and the provinces' build rules."""

    cn_chip_budget0: float = param(
        0.5, "USD bn/quarter", 0.01, 1e3, "China accelerator spend 2022", "[72]"
    )
    us_chip_budget0: float = param(
        3.0, "USD bn/quarter", 0.01, 1e4, "US accelerator spend 2022", "[44],[91]"
    )
    gs_chip_budget0: float = param(
        0.3,
        "USD bn/quarter",
        0,
        1e3,
        "GS accelerator spend 2022",
        "assumption ([124] is about 2025 Gulf deals)",
    )
    budget_growth: float = param(
        0.6,
        "1/year (log)",
        0,
        2,
        "growth of chip spending",
        "assumption (China and GS; [72]: China's server market grew 0.85 in 2024)",
    )
    spend_horizon: float = param(
        6.0, "years", 0.5, 100, "e-folding time of the slowdown of spend growth", "assumption"
    )
    us_budget_growth: float = param(
        0.9,
        "1/year (log)",
        0,
        3,
        "growth of US chip spending",
        "[91],[92]: ln(380/226) = 0.52 in 2025, = 0.9 x exp(-3.5/spend_horizon)",
    )
    budget_demand_elasticity: float = param(
        0.5, "ratio", 0, 3, "spend response to adoption", "assumption"
    )
    capex_util_ref: float = param(
        0.7,
        "fraction",
        0.05,
        1,
        "cloud utilisation at which it spends its budget share",
        "assumption",
    )
    capex_pressure_min: float = param(
        0.05, "ratio", 0, 1, "floor of a cloud's investment pressure", "assumption"
    )
    capex_pressure_max: float = param(
        2.0, "ratio", 1, 10, "ceiling of a cloud's investment pressure", "assumption"
    )
    depreciation: float = param(0.05, "1/quarter", 0, 0.5, "compute retirement rate", "5-year life")
    fleet_quarters0: float = param(
        5.0, "quarters", 0.5, 40, "2022 fleets in quarters of 2022 chip spend", "assumption"
    )
    cn_fleet_domestic0: float = param(
        0.2, "fraction", 0, 0.95, "domestic-chip share of China's 2022 cloud fleet", "assumption"
    )
    hub_fleet_share0: float = param(
        0.15, "ratio", 0, 10, "2022 hub compute vs China's cloud fleet (x hub weight)", "assumption"
    )
    cloud_util0: float = param(0.7, "fraction", 0, 1, "clouds' utilisation in 2022", "assumption")
    hub_util0: float = param(0.6, "fraction", 0, 1, "hubs' utilisation in 2022", "assumption")
    demand_ref_adoption: float = param(
        0.3, "fraction", 0.05, 1, "adoption at which adopters' compute use is 1", "assumption"
    )
    cn_base_demand: float = param(
        0.35, "fraction", 0.01, 1, "CN compute demand not from adopters", "assumption"
    )
    cn_demand_util0: float = param(
        0.65,
        "fraction",
        0.05,
        2,
        "China's 2022 demand at zero adoption vs its capacity",
        "assumption",
    )
    us_base_demand: float = param(
        0.35, "fraction", 0, 1, "US compute demand not from adopters", "assumption"
    )
    latency_sensitive: float = param(
        0.6, "fraction", 0, 1, "real-time share of CN demand", "assumption"
    )
    edwc_optimism: float = param(
        4.0, "ratio", 0, 10, "province over-forecast of demand growth", "[8],[83]"
    )
    edwc_growth_cap: float = param(
        1.0, "1/year (log)", 0.1, 10, "cap on the demand growth provinces extrapolate", "assumption"
    )
    edwc_budget0: float = param(
        1.4,
        "USD bn/quarter",
        0,
        100,
        "EDWC build budget at launch",
        "[78] direct ~0.6 to [5] driven ~2.9 per quarter (2022-24)",
    )
    presigned_share: float = param(
        0.5,
        "ratio",
        0,
        5,
        "pre-signed purchases per EDWC budget and unit of growth",
        "[9], assumption",
    )
    edwc_launch: str = param("2022Q1", "quarter", None, None, "EDWC programme launch", "[4]")
    west_reach: float = param(
        0.6, "fraction", 0, 1, "share of batch work reaching unpooled western hubs", "[79], [8]"
    )
    pooled_rt_share: float = param(
        0.7, "fraction", 0, 1, "overflow real-time work pooled western hubs can take", "assumption"
    )
    approval_threshold: float = param(
        0.25,
        "fraction",
        0,
        1,
        "utilisation below which approvals tighten",
        "assumption ([8]: 20-30% idle band)",
    )
    approval_smoothing: float = param(
        0.5, "1/quarter", 0, 1, "speed of approval strictness towards its target", "assumption"
    )
    cancel_threshold: float = param(
        0.3,
        "fraction",
        0,
        1,
        "hub utilisation that triggers cancellations",
        "assumption (top of [8]'s 20-30% band)",
    )
    cancel_after: int = param(
        2, "quarters", 1, 20, "idle quarters before a hub cancels projects", "assumption"
    )
    cancel_rate: float = param(
        0.25, "1/quarter", 0, 1, "share of pipeline cancelled when idle", "assumption"
    )
    project_size: float = param(
        0.3,
        "USD bn",
        0.001,
        100,
        "chip spend per hub project (cancellation counts)",
        "assumption, sized so counts are of [81]'s order (>100 in 18 months)",
    )
    small_build_ban_from: str = param(
        "2024Q3",
        "quarter",
        None,
        None,
        "from when hub projects below project_size are refused",
        "[9], assumption (date)",
    )
    build_lag: int = param(4, "quarters", 1, 16, "construction lag of a hub project", "assumption")
    pooling_start: str = param(
        "2025Q3", "quarter", None, None, "national cloud pooling starts", "[9]"
    )
    pooling_full: str = param("2028Q4", "quarter", None, None, "interoperability reached", "[9]")
    pooling_reach: float = param(
        1.0, "fraction", 0, 1, "share of western hub capacity pooled once the ramp ends", "[9]"
    )
    mixed_fleet_cost: float = param(
        0.1, "fraction", 0, 1, "compute lost in mixed US/CN fleets", "assumption"
    )
    mixed_fleet_training: float = param(
        0.5,
        "ratio",
        0,
        0.9,
        "share of mixed_fleet_cost charged on CN training compute",
        "assumption",
    )
