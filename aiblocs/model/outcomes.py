"""The outcome registry: every quarterly series and every scalar outcome, defined once.

* :data:`SERIES`: the model's quarterly reporters (the DataCollector columns), each with a
  human label, a unit and a kind (``share`` in [0, 1], ``flow`` per quarter, ``stock``,
  ``level``, ``label``).
* :data:`OUTCOMES`: scalar outcomes of one run, each a reduction of one series: its value at a
  quarter (``adoption_gs_2030`` = ``adoption_gs`` at 2030Q4), its sum over the run, or the Global
  South's lock-in state at the horizon (the last quarter of the run, read from the data).

Report tables, figures, the dashboard's KPIs, sensitivity analysis, the CLI summaries and
calibration select names from here; the sets they show by default are :data:`HEADLINE`,
:data:`FAN_SERIES`, :data:`KPI_SERIES` and :data:`SUMMARY_SERIES`.

GS lock-in (a definition used everywhere): at a quarter, the GS is *locked into* a stack when
that stack's share of adopted GS units exceeds ``LOCK_SHARE`` and ``gs_switch_rate`` is below
``LOCK_SWITCH``; otherwise it is *contested*. The lock-in *year* is the first quarter from which
the GS stays locked into the same stack up to the horizon. Each GS country is locked in by the
same rule applied to its own shares and switch rate (:func:`country_lockin`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aiblocs.model.calendar import decimal_year

LOCK_SHARE = 0.8
LOCK_SWITCH = 0.02


@dataclass(frozen=True)
class Series:
    """One quarterly reporter: ``name`` (column), human ``label``, ``unit`` and ``kind``."""

    name: str
    label: str
    unit: str
    kind: str  # share | flow | stock | level | label


# The two registry builders run once, at import; mutmut's fork server imports the package
# before it forks a mutant, so a mutant in them never runs (pragma). What they build is
# checked by tests/test_docs.py (the ODD's series table) and tests/test_compare_paths.py.
def _series(*rows: tuple[str, str, str, str]) -> dict[str, Series]:  # pragma: no mutate block
    return {r[0]: Series(*r) for r in rows}


SERIES: dict[str, Series] = _series(
    ("quarter", "Quarter", "label, e.g. 2025Q3", "label"),
    ("adoption_us", "AI adoption, US", "share of US units", "share"),
    ("adoption_cn", "AI adoption, China", "share of Chinese units", "share"),
    ("adoption_gs", "AI adoption, Global South", "share of GS units", "share"),
    ("gs_share_us_stack", "GS share on the US stack", "share of adopted GS units", "share"),
    ("gs_share_cn_stack", "GS share on the Chinese stack", "share of adopted GS units", "share"),
    ("gs_locked_in_us", "GS units locked into the US stack", "share of adopted GS units", "share"),
    (
        "gs_locked_in_cn",
        "GS units locked into the Chinese stack",
        "share of adopted GS units",
        "share",
    ),
    (
        "gs_switch_rate",
        "GS units switching stack",
        "share of adopted GS units per quarter",
        "share",
    ),
    ("gs_hhi", "Herfindahl index of GS stack shares", "index, 0.5-1 (0 before any adopt)", "level"),
    ("capability_us", "Best US model capability", "index (log10 effective compute)", "level"),
    ("capability_cn", "Best Chinese model capability", "index (log10 effective compute)", "level"),
    ("cn_lag_months", "China's capability lag behind the US frontier", "months", "level"),
    (
        "cn_domestic_chip_share",
        "Domestic share of chips delivered to China",
        "share of units per quarter",
        "share",
    ),
    (
        "cn_domestic_compute_share",
        "Domestic share of China's installed compute",
        "share of H100e",
        "share",
    ),
    ("us_chip_revenue_cn", "US chip revenue from China", "USD bn per quarter", "flow"),
    ("us_chip_revenue_cn_share", "China's share of US chip revenue", "share", "share"),
    ("smuggled_chips", "US chips smuggled into China", "chips per quarter", "flow"),
    ("seized_chips", "Grey-market chips seized", "chips per quarter", "flow"),
    (
        "cn_rented_compute",
        "Compute Chinese buyers rent abroad",
        "H100e-quarters per quarter",
        "flow",
    ),
    ("tariff_revenue", "US fee and tariff revenue on China sales", "USD bn per quarter", "flow"),
    ("cn_dc_utilisation", "EDWC hub utilisation", "share of installed hub compute", "share"),
    ("cn_dc_cancellations", "EDWC hub projects cancelled", "projects per quarter", "flow"),
    ("gs_rent_share", "GS rents", "payments as a share of the value GS adopters get", "level"),
    ("gs_value_added", "Value of AI to GS adopters", "USD bn per quarter", "flow"),
    ("gs_rents_us", "GS payments to the US stack", "USD bn per quarter", "flow"),
    ("gs_rents_cn", "GS payments to the Chinese stack", "USD bn per quarter", "flow"),
    ("gs_net_gain", "GS net gain from AI (value - payments)", "USD bn per quarter", "flow"),
    ("gs_dependence", "GS units locked into a foreign stack", "share of all GS units", "share"),
    ("capability_gap", "Capability gap, US minus China", "index points", "level"),
    ("cn_compute_served", "Chinese compute demand served", "share of demand", "share"),
    ("us_scarcity", "US compute scarcity", "unserved share of demand at cost", "share"),
    ("cn_scarcity", "Chinese compute scarcity", "unserved share of demand at cost", "share"),
    ("us_price", "US stack's service price", "USD per M tokens", "level"),
    ("cn_price", "Chinese stack's service price", "USD per M tokens", "level"),
    ("us_dc_utilisation", "US cloud utilisation", "share of serving capacity", "share"),
    ("cn_domestic_perf", "Domestic chip performance", "H100e per chip", "level"),
    ("cn_yield", "Leading domestic designer's yield", "share of dies", "share"),
    ("cn_ecosystem", "Chinese software-ecosystem maturity", "index in [0, 1]", "share"),
    ("us_legal_units_cn", "US chips sold legally to China", "chips per quarter", "flow"),
    ("us_prev_units_cn", "Previous-generation US chips sold to China", "chips per quarter", "flow"),
    ("us_frontier_units_cn", "Frontier US chips sold to China", "chips per quarter", "flow"),
    ("us_chip_revenue_total", "US chip revenue, all destinations", "USD bn per quarter", "flow"),
    ("cn_hub_compute", "Installed EDWC hub compute", "H100e", "stock"),
    ("cn_cloud_compute", "Installed Chinese commercial cloud compute", "H100e", "stock"),
    ("us_cloud_compute", "Installed US cloud compute", "H100e", "stock"),
    (
        "cn_chip_budget",
        "Chinese chip budget available",
        "USD bn per quarter (incl. carry-over)",
        "flow",
    ),
    ("cn_spend_us_legal", "Chinese spend on legal US chips", "USD bn per quarter", "flow"),
    ("cn_spend_domestic", "Chinese spend on domestic chips", "USD bn per quarter", "flow"),
    ("cn_spend_grey", "Chinese spend on the grey market", "USD bn per quarter", "flow"),
    ("cn_spend_rental", "Chinese spend renting compute abroad", "USD bn per quarter", "flow"),
    ("cn_budget_carried", "Chinese chip budget carried over", "USD bn per quarter", "flow"),
    (
        "cn_budget_returned",
        "Chinese chip budget returned to other uses",
        "USD bn per quarter",
        "flow",
    ),
)
SHARES = tuple(name for name, s in SERIES.items() if s.kind == "share")
"""Series that are fractions in [0, 1]."""


@dataclass(frozen=True)
class Outcome:
    """A scalar outcome of one run: a reduction of one series.

    ``at`` is a quarter label (the value at that quarter; NaN if the run does not cover it),
    ``"sum"`` (the series summed over the run), ``"lock:us"``, ``"lock:cn"``, ``"lock:any"``,
    ``"lock:none"`` (1 if the GS is in that state at the horizon, else 0) or ``"lock:year"``
    (decimal year the lasting lock-in began; NaN if contested).
    """

    name: str
    series: str
    at: str
    label: str
    unit: str
    kind: str  # share | level | sum | probability | year

    def value(self, frame: pd.DataFrame) -> float:
        """This outcome's value in one run's quarterly frame."""
        if self.at == "sum":
            return float(frame[self.series].sum())
        if self.at.startswith("lock:"):
            return _lock_value(frame, self.at[5:])
        hit = np.flatnonzero(frame["quarter"].to_numpy() == self.at)
        return float(frame[self.series].iloc[hit[0]]) if len(hit) else math.nan


YEARS = {"2027": "2027Q4", "2030": "2030Q4", "2035": "2035Q4"}
YEAR_SERIES = (
    "adoption_us",
    "adoption_cn",
    "adoption_gs",
    "gs_share_us_stack",
    "gs_share_cn_stack",
    "gs_dependence",
    "cn_lag_months",
    "cn_domestic_chip_share",
    "cn_domestic_compute_share",
    "cn_dc_utilisation",
    "us_chip_revenue_cn_share",
    "gs_net_gain",
    "gs_rent_share",
    "us_price",
    "cn_price",
)
"""Series reported at the end of 2027, 2030 and 2035 (outcome ``{series}_{year}``)."""


def _outcomes() -> dict[str, Outcome]:  # pragma: no mutate block
    out = {}
    for name in YEAR_SERIES:
        s = SERIES[name]
        kind = "share" if s.kind == "share" else "level"
        for year, q in YEARS.items():
            out[f"{name}_{year}"] = Outcome(
                f"{name}_{year}", name, q, f"{s.label}, {q}", s.unit, kind
            )
    out["us_chip_revenue_cn_cum"] = Outcome(
        "us_chip_revenue_cn_cum",
        "us_chip_revenue_cn",
        "sum",
        "US chip revenue from China, summed over the run",
        "USD bn",
        "sum",
    )
    out["smuggled_chips_cum"] = Outcome(
        "smuggled_chips_cum", "smuggled_chips", "sum",
        "US chips smuggled into China, summed over the run", "chips", "sum")  # fmt: skip
    out["tariff_revenue_cum"] = Outcome(
        "tariff_revenue_cum", "tariff_revenue", "sum",
        "US fee and tariff revenue on China sales, summed", "USD bn", "sum")  # fmt: skip
    out["cn_dc_cancellations_cum"] = Outcome(
        "cn_dc_cancellations_cum",
        "cn_dc_cancellations",
        "sum",
        "EDWC hub projects cancelled, summed over the run",
        "projects",
        "sum",
    )
    for state, label in (
        ("us", "GS locked into the US stack"),
        ("cn", "GS locked into the Chinese stack"),
        ("any", "GS locked into either stack"),
        ("none", "GS contested (no stack has locked it in)"),
    ):
        name = {
            "us": "gs_locked_us",
            "cn": "gs_locked_cn",
            "any": "gs_locked_any",
            "none": "gs_contested",
        }[state]
        out[name] = Outcome(
            name,
            "gs_share_us_stack",
            f"lock:{state}",
            f"{label}, at the horizon",
            "1 if so, else 0 (over seeds: a probability)",
            "probability",
        )
    out["lockin_year"] = Outcome(
        "lockin_year",
        "gs_share_us_stack",
        "lock:year",
        "Year the GS's lasting lock-in began (runs locked at the horizon)",
        "year",
        "year",
    )
    return out


OUTCOMES: dict[str, Outcome] = _outcomes()

HEADLINE = (
    "adoption_gs_2030",
    "gs_share_cn_stack_2035",
    "gs_locked_cn",
    "gs_net_gain_2030",
    "cn_lag_months_2030",
    "cn_domestic_compute_share_2030",
    "us_chip_revenue_cn_cum",
)
"""Outcomes of the compare report's forest plot and of the printed summaries."""
EXPLAINED = (
    "gs_share_cn_stack_2035",
    "gs_locked_us",
    "gs_net_gain_2030",
    "cn_lag_months_2030",
    "cn_domestic_compute_share_2030",
    "us_chip_revenue_cn_cum",
)
"""Outcomes whose regime contrasts ``aiblocs explain`` attributes to mechanisms by default."""
FAN_SERIES = (
    "adoption_us",
    "adoption_cn",
    "adoption_gs",
    "gs_share_us_stack",
    "gs_share_cn_stack",
    "cn_lag_months",
    "cn_domestic_chip_share",
    "cn_domestic_compute_share",
    "cn_dc_utilisation",
    "gs_net_gain",
)
"""Series of the compare report's fan charts."""
KPI_SERIES = (
    "adoption_gs",
    "gs_share_cn_stack",
    "gs_dependence",
    "gs_net_gain",
    "gs_rent_share",
    "cn_lag_months",
    "cn_domestic_compute_share",
    "cn_dc_utilisation",
    "us_chip_revenue_cn",
)
"""Series of the dashboard's KPI panel."""
SUMMARY_SERIES = (
    "adoption_us",
    "adoption_cn",
    "adoption_gs",
    "gs_share_cn_stack",
    "cn_lag_months",
    "cn_domestic_chip_share",
    "cn_dc_utilisation",
    "us_chip_revenue_cn_share",
)
"""Series ``aiblocs run`` prints at a few quarters."""


def lock_states(share_us: np.ndarray, share_cn: np.ndarray, switch_rate: np.ndarray) -> np.ndarray:
    """The one lock rule, elementwise: 1 locked into US, 2 locked into CN, 0 contested.

    Locked into a stack where its share of adopted units exceeds ``LOCK_SHARE`` and the share of
    adopted units switching stack per quarter is below ``LOCK_SWITCH``.
    """
    calm = np.asarray(switch_rate, dtype=float) < LOCK_SWITCH
    us = (np.asarray(share_us, dtype=float) > LOCK_SHARE) & calm
    cn = (np.asarray(share_cn, dtype=float) > LOCK_SHARE) & calm
    return np.where(us, 1, np.where(cn, 2, 0))


def lock_state(frame: pd.DataFrame) -> np.ndarray:
    """Per quarter: 1 locked into US, 2 locked into CN, 0 contested (module docstring)."""
    return lock_states(
        frame["gs_share_us_stack"], frame["gs_share_cn_stack"], frame["gs_switch_rate"]
    )


def lasting_lock(state: np.ndarray) -> tuple[int, int | None]:
    """State at the horizon (last entry) and the index from which it lasts to the horizon.

    The index is None when the horizon state is 0 (contested): there is no lasting lock-in.
    """
    final = int(state[-1]) if len(state) else 0
    if not final:
        return final, None
    differs = np.flatnonzero(state != final)
    return final, int(differs[-1]) + 1 if len(differs) else 0


def country_lock_state(countries: pd.DataFrame) -> np.ndarray:
    """Per row of a per-country frame: 1 locked into US, 2 into CN, 0 contested.

    The rule of :func:`lock_states` applied to the country's ``share_us``, ``share_cn`` and
    ``switch_rate`` (the GS's rule, country by country).
    """
    return lock_states(countries["share_us"], countries["share_cn"], countries["switch_rate"])


def country_lockin(countries: pd.DataFrame, by: tuple[str, ...] = ("country",)) -> pd.DataFrame:
    """Per country (per ``by`` group, rows in quarter order): lock-in state at the horizon.

    Args:
        countries: per-country rows (:func:`aiblocs.model.run.run_tables`, or many runs' rows
            with ``by=("run_id", "country")``), each group's rows in time order.
        by: the columns naming a group.

    Returns:
        One row per group: ``by`` columns, ``state`` (1 US, 2 CN, 0 contested at the group's
        last quarter), ``locked_us``, ``locked_cn``, ``contested`` (0/1) and ``lockin_year``
        (decimal year the lasting lock-in began, as ``lockin_year`` of the GS; NaN if
        contested).
    """
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(countries[list(by)]), sort=False)
    order = np.argsort(codes, kind="stable")  # each group's rows together, in their own order
    state = country_lock_state(countries)[order]
    quarters = countries["quarter"].to_numpy()[order]
    keys = countries[list(by)].to_numpy()[order]
    rows = []
    for idx in np.split(np.arange(len(order)), np.flatnonzero(np.diff(codes[order])) + 1):
        if not len(idx):
            continue
        final, start = lasting_lock(state[idx])
        year = math.nan if start is None else decimal_year(str(quarters[idx[start]]))
        rows.append(
            [*keys[idx[0]], final, float(final == 1), float(final == 2), float(final == 0), year]
        )
    cols = [*by, "state", "locked_us", "locked_cn", "contested", "lockin_year"]
    return pd.DataFrame(rows, columns=cols)


def _lock_value(frame: pd.DataFrame, what: str) -> float:
    final, start = lasting_lock(lock_state(frame))
    if what == "year":
        return math.nan if start is None else decimal_year(str(frame["quarter"].iloc[start]))
    wanted = {"us": final == 1, "cn": final == 2, "any": final > 0, "none": final == 0}
    return float(wanted[what])


def outcome_values(frame: pd.DataFrame, names: tuple[str, ...] | None = None) -> dict[str, float]:
    """Outcomes (all of :data:`OUTCOMES`, or ``names``) of one run's quarterly frame."""
    return {n: OUTCOMES[n].value(frame) for n in (names or OUTCOMES)}  # read by position
