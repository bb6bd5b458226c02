"""Parameters: chip performance, prices, supply, learning and the chip market."""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class ChipParams:
    """Chip tiers and prices, Chinese supply and learning, and buyers' choice among offers."""

    us_frontier_perf0: float = param(
        1.0, "H100e/chip", 0.1, 10, "US frontier chip in 2022", "H100 = 1"
    )
    us_perf_growth: float = param(
        0.45,
        "1/year (log)",
        0,
        2,
        "log growth of frontier perf",
        "assumption (H100 to B200, ~2.5x in two years)",
    )
    prev_lag_years: float = param(
        2.0, "years", 0, 6, "age of previous-generation tier", "H200 vs B200"
    )
    compliant_perf_share: float = param(
        0.15, "ratio", 0.01, 1, "compliant perf vs frontier when no perf cap is set", "[56]"
    )
    cn_perf0: float = param(
        0.3, "H100e/chip", 0.01, 5, "domestic chip perf 2022", "[63] backcast (910C ~0.6 in 2025)"
    )
    cn_perf_rd_elasticity: float = param(
        0.25, "ratio", 0, 2, "perf gain per log R&D stock", "assumption"
    )
    rd_stock0: float = param(2.0, "USD bn", 0.1, 100, "designers' R&D stock in 2022", "assumption")
    rd_retention: float = param(
        0.975, "fraction/quarter", 0.8, 1, "share of the R&D stock kept each quarter", "assumption"
    )
    rd_reinvest: float = param(
        0.2, "fraction", 0, 1, "share of chip revenue added to the R&D stock", "assumption"
    )
    cn_state_rd: float = param(
        0.25,
        "USD bn/quarter",
        0,
        100,
        "state R&D funds (Big Fund) per designer weight",
        "assumption",
    )
    node_cap_controlled: float = param(
        0.8, "H100e/chip", 0.1, 10, "perf cap under tool controls", "[63],[68]"
    )
    node_cap_growth: float = param(
        0.08, "1/year (log)", 0, 1, "multipatterning creep of the cap", "assumption"
    )
    cn_yield0: float = param(
        0.15, "fraction", 0.01, 1, "domestic yield 2022", "[62] backcast (910C ~20% late 2024)"
    )
    cn_yield_max: float = param(
        0.7,
        "fraction",
        0.01,
        1,
        "long-run domestic yield",
        "between [62]'s 60% target and [68]'s ~90% norm",
    )
    cn_yield_learning: float = param(
        0.8,
        "1/(M chips)",
        0,
        50,
        "yield learning per M chips",
        "assumption ([62]: 20% to 40% in a few months)",
    )
    us_yield: float = param(
        0.9, "fraction", 0.01, 1, "US designers' yield (reported; US supply is unbounded)", "[68]"
    )
    cn_wafers0: float = param(
        25_000,
        "wafers/month",
        0,
        1e6,
        "advanced-node wafer starts 2022",
        "[67] backcast (~50k in 2025 at cn_wafer_growth)",
    )
    cn_wafer_growth: float = param(
        0.2, "1/year (log)", 0, 2, "growth of wafer capacity", "[67] (25k in 2022 to ~50k in 2025)"
    )
    ai_wafer_share: float = param(
        0.25, "fraction", 0, 1, "share of advanced wafers for AI chips", "assumption"
    )
    dies_per_wafer: float = param(
        30, "dies/wafer", 1, 500, "large accelerator dies per wafer", "assumption"
    )
    chip_price_us: float = param(
        25_000, "USD/chip", 100, 1e6, "US frontier list price", "[49] (~27k per H200)"
    )
    price_per_perf_decline: float = param(
        0.26, "1/year (log)", 0, 2, "hardware price-perf", "[109]: +30% a year, ln 1.3 = 0.26"
    )
    cn_chip_cost_ratio: float = param(
        1.2, "ratio", 0.1, 10, "CN price per H100e vs US", "assumption (low yields [62],[68])"
    )
    yield_price_exponent: float = param(
        0.3, "ratio", 0, 3, "domestic price elasticity to cn_yield_max / yield", "assumption"
    )
    markup_frontier: float = param(
        1.0, "ratio", 0.1, 5, "price markup of the frontier tier", "normalisation"
    )
    markup_prev: float = param(
        0.8, "ratio", 0.1, 5, "price markup of the previous-generation tier", "assumption"
    )
    markup_compliant: float = param(
        0.7,
        "ratio",
        0.1,
        5,
        "price markup of the compliant tier (priced on prev)",
        "[55]: ~12k per H20 in 2024",
    )
    markup_domestic: float = param(
        1.0, "ratio", 0.1, 5, "price markup of the domestic tier", "normalisation"
    )
    domestic_price_response: float = param(
        0.5,
        "ratio",
        0,
        3,
        "log rise of the domestic chip price per log of last quarter's excess demand",
        "assumption (Ascend shortages and allocation in 2024-25: [64, 70])",
    )
    ecosystem_us: float = param(0.95, "index", 0, 1, "CUDA-like software maturity", "assumption")
    ecosystem_cn0: float = param(0.35, "index", 0, 1, "CANN-like maturity 2022", "assumption")
    ecosystem_learning: float = param(
        0.05, "1/(M chips)", 0, 10, "maturity gain per M chips used", "assumption"
    )
    ecosystem_max: float = param(
        0.99, "index", 0.5, 1, "ceiling of the Chinese ecosystem maturity", "assumption"
    )
    beta_chip_price: float = param(
        3.0, "1/log-USD", 0, 20, "buyer utility per log price/H100e", "assumption"
    )
    beta_ecosystem: float = param(
        3.0, "utility", 0, 20, "buyer utility per ecosystem point", "assumption"
    )
    discourage_penalty: float = param(
        1.5,
        "utility",
        0,
        20,
        "utility cost of 'discouraged' imports",
        "assumption (the measure: [136])",
    )
    fee_passthrough: float = param(
        0.5, "fraction", 0, 1, "share of an export fee passed on to Chinese buyers", "assumption"
    )
    cn_domestic_preference: float = param(
        2.0,
        "utility",
        0,
        20,
        "Chinese buyers' policy-guided preference for domestic chips",
        "[136]",
    )
    n_licences: int = param(
        20,
        "licences",
        1,
        1000,
        "licence decisions per tier and quarter (draw granularity)",
        "assumption",
    )
    smuggle_leak: float = param(
        0.35,
        "fraction",
        0,
        1,
        "share of denied demand seeking smugglers",
        "assumption (volumes of [73]'s order)",
    )
    grey_premium0: float = param(
        0.12, "fraction", 0, 5, "grey-market markup over list price with no detection risk", "[76]"
    )
    grey_risk_premium: float = param(
        1.0,
        "ratio",
        0,
        10,
        "rise of the grey markup per unit of detection probability",
        "assumption",
    )
    cn_customs_enforcement: float = param(
        0.3,
        "fraction",
        0,
        1,
        "probability China's customs seize chips it blocks",
        "assumption ([18]: China discourages and inspects H20/H200 imports)",
    )
    detection_max: float = param(
        0.25,
        "probability",
        0,
        1,
        "share of grey shipments seized at full US enforcement effort (enforcement = 1)",
        "assumption ([73]: most smuggled chips get through)",
    )
    rental_share: float = param(
        0.15, "fraction", 0, 1, "share of US-denied spend renting cloud compute abroad", "[74]"
    )
    rental_markup: float = param(
        0.5, "fraction", 0, 5, "markup of rented foreign compute over its cost", "assumption"
    )
    carry_lapse: float = param(
        0.25, "1/quarter", 0, 1, "share of unspent chip budget returned to other uses", "assumption"
    )
    market_rounds: int = param(
        3, "rounds", 1, 10, "rounds in which rationed chip spend is re-spent", "assumption"
    )
