"""Model parameters: one typed, validated structure with units, bounds and sources.

Every field carries metadata (unit, allowed range, meaning, source) so that validation, the
documentation table in ``docs/ODD.md``, the dashboard tooltips and the sensitivity ranges all come
from one place. Facts rows cited as ``[n]`` are listed with their sources in
``aiblocs/model/data/SOURCES.md``.
"""

from __future__ import annotations

import functools
import math
import numbers
import tomllib
from dataclasses import Field, dataclass, field, fields, replace
from importlib import resources
from typing import Any

from aiblocs.model.calendar import parse_quarter


def param(
    default: Any, unit: str, lo: float | None, hi: float | None, doc: str, source: str
) -> Any:
    """Declare a parameter field with its unit, allowed range [lo, hi], meaning and source."""
    meta = {"unit": unit, "lo": lo, "hi": hi, "doc": doc, "source": source}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Params:
    """All numeric inputs of the model (regime rules live in :class:`Regime`)."""

    # --- time and population -------------------------------------------------------------
    start: str = param("2022Q1", "quarter", None, None, "first simulated quarter", "design brief")
    end: str = param("2035Q4", "quarter", None, None, "last simulated quarter", "design brief")
    n_adopters: int = param(20_000, "units", 1, 5e7, "number of adopter units", "design brief")
    share_us: float = param(
        0.2, "fraction", 0, 1, "share of adopter units in the US", "modelling choice"
    )
    share_cn: float = param(
        0.3, "fraction", 0, 1, "share of adopter units in China", "modelling choice"
    )
    network_degree: int = param(
        8, "links", 1, 200, "neighbours observed per adopter", "modelling choice"
    )
    cross_border: float = param(
        0.1, "fraction", 0, 1, "share of links to other countries", "assumption"
    )
    well_mixed: bool = param(
        False, "flag", None, None, "neighbour share = population share", "docking"
    )

    # --- adoption (Bass hazard, per year) --------------------------------------------------
    bass_p: float = param(
        0.035, "1/year", 0, 1, "innovation coefficient p", "Sultan et al. 1990 [129]"
    )
    bass_q: float = param(0.5, "1/year", 0, 3, "imitation coefficient q", "[129],[131] (0.38-0.56)")
    cn_q_mult: float = param(
        1.0, "ratio", 0, 5, "China imitation multiplier", "[131] (q varies by country)"
    )
    gs_q_mult: float = param(1.0, "ratio", 0, 3, "GS imitation multiplier", "[131] (0.56 vs 0.51)")
    wtp_scale: float = param(
        2.7, "ratio", 0.01, 100, "willingness to pay at income 1 vs price", "fit"
    )
    income_elasticity: float = param(
        0.5, "ratio", 0, 2, "affordability elasticity to income per head", "[119] (North/South gap)"
    )
    cn_ai_plus_push: float = param(
        0.5, "ratio", 0, 3, "AI+ plan boost to China's affordability", "[112]"
    )

    # --- stack choice (logit utilities) ----------------------------------------------------
    beta_capability: float = param(
        3.0, "1/index", 0, 20, "utility per capability point", "assumption"
    )
    beta_price: float = param(0.6, "1/log-USD", 0, 10, "utility per log price", "assumption")
    beta_latency: float = param(1.0, "1/(100 ms)", 0, 10, "utility per 100 ms latency", "[79]")
    beta_sovereignty: float = param(
        1.5, "utility", 0, 10, "penalty for failing a hosting rule", "assum."
    )
    beta_alignment: float = param(
        1.0, "utility", 0, 10, "weight of political alignment", "assumption"
    )
    network_effect: float = param(
        2.0, "utility/share", 0, 20, "r: utility per neighbour share", "[AR89]"
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
        0.15, "utility/quarter", 0, 2, "growth of switching cost", "assum."
    )
    lock_in_threshold: float = param(
        2.0, "utility", 0, 50, "cost above which a unit is locked", "def."
    )
    rent_base: float = param(
        0.2, "fraction", 0, 1, "providers' share of value from a contestable unit", "ass."
    )
    rent_markup_locked: float = param(
        0.5, "fraction", 0, 5, "extra markup on locked-in units", "assum."
    )
    export_stack_subsidy: float = param(
        0.3, "fraction", 0, 1, "price cut when US exports its stack", "[124]"
    )

    # --- chips ----------------------------------------------------------------------------
    us_frontier_perf0: float = param(
        1.0, "H100e/chip", 0.1, 10, "US frontier chip in 2022", "H100 = 1"
    )
    us_perf_growth: float = param(
        0.45, "1/year (log)", 0, 2, "log growth of frontier perf", "[109]"
    )
    prev_lag_years: float = param(
        2.0, "years", 0, 6, "age of previous-generation tier", "H200 vs B200"
    )
    cn_perf0: float = param(0.3, "H100e/chip", 0.01, 5, "domestic chip perf 2022", "[63] backcast")
    cn_perf_rd_elasticity: float = param(
        0.25, "ratio", 0, 2, "perf gain per log R&D stock", "assumption"
    )
    node_cap_controlled: float = param(
        0.8, "H100e/chip", 0.1, 10, "perf cap under tool controls", "[63],[68]"
    )
    node_cap_growth: float = param(
        0.08, "1/year (log)", 0, 1, "multipatterning creep of the cap", "[68]"
    )
    cn_yield0: float = param(0.15, "fraction", 0.01, 1, "domestic yield 2022", "[62]")
    cn_yield_max: float = param(0.7, "fraction", 0.01, 1, "long-run domestic yield", "[62],[68]")
    cn_yield_learning: float = param(
        0.8, "1/(M chips)", 0, 50, "yield learning per M chips", "[62]"
    )
    cn_wafers0: float = param(
        25_000, "wafers/month", 0, 1e6, "advanced-node wafer starts 2022", "[67]"
    )
    cn_wafer_growth: float = param(0.2, "1/year (log)", 0, 2, "growth of wafer capacity", "[67]")
    ai_wafer_share: float = param(
        0.25, "fraction", 0, 1, "share of advanced wafers for AI chips", "ass."
    )
    dies_per_wafer: float = param(
        30, "dies/wafer", 1, 500, "large accelerator dies per wafer", "[65]"
    )
    chip_price_us: float = param(25_000, "USD/chip", 100, 1e6, "US frontier list price", "[49]")
    price_per_perf_decline: float = param(
        0.26, "1/year (log)", 0, 2, "hardware price-perf", "[109] 30%"
    )
    cn_chip_cost_ratio: float = param(
        1.2, "ratio", 0.1, 10, "CN price per H100e vs US", "[62],[68]"
    )
    ecosystem_us: float = param(0.95, "index", 0, 1, "CUDA-like software maturity", "assumption")
    ecosystem_cn0: float = param(0.35, "index", 0, 1, "CANN-like maturity 2022", "assumption")
    ecosystem_learning: float = param(
        0.05, "1/(M chips)", 0, 10, "maturity gain per M chips used", "ass."
    )
    beta_chip_price: float = param(
        3.0, "1/log-USD", 0, 20, "buyer utility per log price/H100e", "ass."
    )
    beta_ecosystem: float = param(
        3.0, "utility", 0, 20, "buyer utility per ecosystem point", "ass."
    )
    discourage_penalty: float = param(
        1.5, "utility", 0, 20, "utility cost of 'discouraged' imports", "[136]"
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
    smuggle_leak: float = param(
        0.35, "fraction", 0, 1, "share of denied demand seeking smugglers", "[73]"
    )
    smuggle_premium: float = param(0.5, "fraction", 0, 5, "black-market markup", "[76]")

    # --- demand, capacity and EDWC --------------------------------------------------------
    cn_chip_budget0: float = param(
        0.5, "USD bn/quarter", 0.01, 1e3, "China accelerator spend 2022", "[72]"
    )
    us_chip_budget0: float = param(
        3.0, "USD bn/quarter", 0, 1e4, "US accelerator spend 2022", "[44],[91]"
    )
    gs_chip_budget0: float = param(
        0.3, "USD bn/quarter", 0, 1e3, "GS accelerator spend 2022", "[124]"
    )
    budget_growth: float = param(0.6, "1/year (log)", 0, 2, "growth of chip spending", "[91],[92]")
    spend_horizon: float = param(
        6.0, "years", 0.5, 100, "e-folding time of the slowdown of spend growth", "ass."
    )
    us_budget_growth: float = param(
        0.9, "1/year (log)", 0, 3, "growth of US chip spending", "[91],[92]"
    )
    budget_demand_elasticity: float = param(
        0.5, "ratio", 0, 3, "spend response to adoption", "ass."
    )
    depreciation: float = param(0.05, "1/quarter", 0, 0.5, "compute retirement rate", "5-year life")
    demand_growth: float = param(
        0.35, "1/year (log)", 0, 3, "growth of compute use per unit", "[87]"
    )
    cn_base_demand: float = param(
        0.35, "fraction", 0.01, 1, "CN compute demand not from adopters", "ass."
    )
    latency_sensitive: float = param(0.6, "fraction", 0, 1, "real-time share of CN demand", "[79]")
    edwc_optimism: float = param(
        4.0, "ratio", 0, 10, "province over-forecast of demand growth", "[8],[83]"
    )
    edwc_budget0: float = param(
        1.4, "USD bn/quarter", 0, 100, "EDWC build budget at launch", "[78],[82]"
    )
    edwc_launch: str = param("2022Q1", "quarter", None, None, "EDWC programme launch", "[4]")
    west_reach: float = param(
        0.6, "fraction", 0, 1, "share of batch work reaching unpooled western hubs", "[79], [8]"
    )
    approval_threshold: float = param(
        0.25, "fraction", 0, 1, "utilisation below which approvals tighten", "[9]"
    )
    cancel_threshold: float = param(
        0.3, "fraction", 0, 1, "hub utilisation that triggers cancellations", "[81]"
    )
    cancel_rate: float = param(
        0.25, "1/quarter", 0, 1, "share of pipeline cancelled when idle", "[81]"
    )
    build_lag: int = param(4, "quarters", 1, 16, "construction lag of a hub project", "assumption")
    pooling_start: str = param(
        "2025Q3", "quarter", None, None, "national cloud pooling starts", "[9]"
    )
    pooling_full: str = param("2028Q4", "quarter", None, None, "interoperability reached", "[9]")
    mixed_fleet_cost: float = param(
        0.1, "fraction", 0, 1, "compute lost in mixed US/CN fleets", "ass."
    )

    # --- model labs ----------------------------------------------------------------------
    capability_per_decade: float = param(
        1.0, "index/log10", 0.01, 10, "capability per 10x compute", "ass."
    )
    us_training_share: float = param(
        0.2, "fraction", 0.01, 1, "share of compute used for training", "ass."
    )
    efficiency_growth: float = param(
        0.5, "1/year (log)", 0, 3, "baseline algorithmic progress", "[109]"
    )
    induced_efficiency: float = param(
        0.7, "1/year (log)", 0, 5, "extra progress at full scarcity", "seed"
    )
    cn_compute_ratio_want: float = param(
        0.5, "ratio", 0, 10, "CN labs' compute aim vs US labs", "ass."
    )
    open_weight_spillover: float = param(
        0.3, "fraction", 0, 1, "share of gap closed by open weights", "[37]"
    )
    cn_lag0_months: float = param(16.0, "months", 0, 60, "CN lag in 2022Q1", "[27] 12-14")
    us_price0: float = param(20.0, "USD/M tokens", 0.01, 1e3, "frontier price 2022", "[109]")
    cn_price_ratio: float = param(0.2, "ratio", 0.001, 10, "CN/US inference price", "[106],[110]")
    price_decline: float = param(1.2, "1/year (log)", 0, 5, "inference price decline", "[109] 280x")

    # --- US politics ---------------------------------------------------------------------
    loosening_pressure: float = param(
        0.0, "ratio", 0, 10, "endogenous loosening (0 = off)", "[135]"
    )

    def __post_init__(self) -> None:
        for f in fields(self):  # numpy scalars and integral floats become plain int/float/bool
            object.__setattr__(self, f.name, coerce(f, getattr(self, f.name)))

    def replace(self, **kw: Any) -> Params:
        """Return a copy with fields overridden (validated)."""
        new = replace(self, **kw)
        new.validate()
        return new

    def validate(self) -> None:
        """Raise ``ValueError`` naming the fields if they are inconsistent with each other.

        Each field's type and range are checked on construction (:func:`coerce`); this adds the
        quarter labels and the rules that involve several fields.
        """
        for f in fields(self):
            if f.metadata["unit"] == "quarter":
                try:
                    parse_quarter(getattr(self, f.name))
                except (ValueError, TypeError) as e:
                    raise ValueError(f"parameter '{f.name}': {e}") from None
        if self.share_us + self.share_cn > 1:
            raise ValueError(
                f"parameters 'share_us' + 'share_cn' = {self.share_us + self.share_cn} "
                "must be <= 1 "
                "(the rest are Global South units)"
            )
        if parse_quarter(self.end) < parse_quarter(self.start):
            raise ValueError(f"parameter 'end' ({self.end}) is before 'start' ({self.start})")
        if parse_quarter(self.pooling_full) < parse_quarter(self.pooling_start):
            raise ValueError("parameter 'pooling_full' must not be before 'pooling_start'")
        for name in ("edwc_launch", "pooling_start"):  # an event after the horizon never happens
            if parse_quarter(getattr(self, name)) > parse_quarter(self.end):
                raise ValueError(
                    f"parameter '{name}' ({getattr(self, name)}) is after 'end' ({self.end}); "
                    "it must lie within the simulated span"
                )


def coerce(f: Field, v: Any) -> Any:
    """``v`` as the plain Python type of field ``f`` (numpy scalars accepted), range-checked.

    An integer field takes an integral float (``500.0`` -> ``500``) but refuses ``2.5``; a flag
    takes true/false or 0/1. Raises ``ValueError`` naming the field and its allowed range.
    """
    lo, hi, unit = f.metadata["lo"], f.metadata["hi"], f.metadata["unit"]
    if unit == "quarter":
        return str(v) if isinstance(v, str) else v  # numpy str -> str; the format is validated
    is_bool = isinstance(v, bool) or type(v).__name__ == "bool_"
    if unit == "flag":
        if is_bool or (isinstance(v, numbers.Real) and v in (0, 1)):
            return bool(v)
        raise ValueError(f"parameter '{f.name}' must be true or false, got {v!r}")
    if is_bool or not isinstance(v, numbers.Real):
        raise ValueError(f"parameter '{f.name}' must be a number in [{lo}, {hi}] {unit}, got {v!r}")
    x = float(v)
    if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
        shown = v.item() if hasattr(v, "item") else v  # numpy scalar -> its plain value
        raise ValueError(
            f"parameter '{f.name}' = {shown!r} is outside its allowed range [{lo}, {hi}] ({unit})"
        )
    if f.type == "int":
        if not x.is_integer():
            raise ValueError(f"parameter '{f.name}' must be a whole number, got {v!r}")
        return int(x)
    return x


PARAM_FIELDS = {f.name: f for f in fields(Params)}


@functools.cache
def calibrated_values() -> dict[str, float]:
    """Values from ``aiblocs/model/data/calibrated.toml`` (empty if the file is absent)."""
    path = resources.files("aiblocs.model.data") / "calibrated.toml"
    if not path.is_file():
        return {}
    values = tomllib.loads(path.read_text()).get("params", {})
    unknown = sorted(set(values) - set(PARAM_FIELDS))
    if unknown:
        raise ValueError(f"calibrated.toml names unknown parameter(s) {unknown}")
    return values


def default_params() -> Params:
    """The model's defaults: the declared values, replaced by calibrated ones where they exist."""
    p = replace(Params(), **calibrated_values())
    p.validate()
    return p


def make_params(base: Params | None = None, **overrides: Any) -> Params:
    """Build validated parameters from ``base`` (calibrated defaults if None) and overrides."""
    unknown = sorted(set(overrides) - set(PARAM_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown}; see `aiblocs params` for the list of valid names"
        )
    p = replace(base or default_params(), **overrides)
    p.validate()
    return p


def param_table() -> list[dict[str, Any]]:
    """Rows (name, default, unit, range, meaning, source) for documentation and the CLI.

    ``default`` is the value the model uses (calibrated where ``calibrated.toml`` sets it).
    """
    cal = calibrated_values()
    return [
        {"name": f.name, "default": cal.get(f.name, f.default), **f.metadata,
         "source": f.metadata["source"] + (" (calibrated)" if f.name in cal else "")}
        for f in fields(Params)
    ]  # fmt: skip
