"""Per-country lock-in and outcomes of the Global South countries, per arm and paired by seed.

Each GS country is locked in by the GS's one rule applied to its own shares
(:func:`aiblocs.model.outcomes.country_lockin`). Over the seeds of an arm:

* lock-in probability into each stack at the horizon, with Wilson score 95% intervals;
* timing: the year the lasting lock-in began (either stack), median and 10-90% range over the
  seeds that end locked;
* the country's Chinese-stack share of adopted units at the horizon: mean and 10/50/90%
  quantiles over seeds, and its paired difference from the reference arm (paired t interval,
  intersected with [-1, 1]); the paired difference of P(locked into CN) with Newcombe's interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from aiblocs.compare import stats
from aiblocs.compare.cells import ci_cell, fmt
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.model.outcomes import LOCK_SHARE, LOCK_SWITCH, country_lockin
from aiblocs.viz.tables import markdown_table

HORIZON_VALUES = ("adoption", "share_us", "share_cn")
"""Per-country series kept at the horizon (shares: adoption of all units, stacks of adopted)."""


def country_runs(countries: pd.DataFrame) -> pd.DataFrame:
    """One row per run and country: ids, lock-in state and year, and the horizon values.

    ``countries`` are stored per-country rows (``load_results(folder, "countries")``), each
    run's rows in time order.
    """
    if countries.empty:
        cols = [
            "run_id",
            "arm",
            "seed_index",
            "country",
            "state",
            "locked_us",
            "locked_cn",
            "contested",
            "lockin_year",
            *HORIZON_VALUES,
        ]
        return pd.DataFrame(columns=cols)
    lock = country_lockin(countries, by=("run_id", "country"))
    last = countries.groupby(["run_id", "country"], sort=False).tail(1)
    keep = ["run_id", "arm", "seed_index", "country", *HORIZON_VALUES]
    out = last[keep].merge(lock, on=["run_id", "country"], how="left", validate="one_to_one")
    return out.sort_values(["run_id", "country"], kind="stable").reset_index(drop=True)


def _countries(per_run: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(per_run["country"]))


def lockin_table(per_run: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per arm and country: P(locked US / CN / contested) with Wilson CIs and lock-in timing.

    Timing columns: ``n_locked`` (seeds locked at the horizon), ``year_median``, ``year_q10``,
    ``year_q90`` (decimal years the lasting lock-in began, over those seeds).
    """
    titles, labels = stats.arm_titles(spec), stats.arm_labels(spec)
    rows = []
    for arm, _, _ in spec.arms():
        sub = per_run[per_run["arm"] == arm]
        for country in _countries(per_run):
            c = sub[sub["country"] == country]
            n = len(c)
            row = {
                "arm": arm,
                "arm_label": labels[arm],
                "arm_title": titles[arm],
                "country": country,
                "n": n,
            }
            row |= stats.state_probabilities(
                c, {"us": "locked_us", "cn": "locked_cn", "contested": "contested"}
            )
            years = c["lockin_year"].dropna().to_numpy(float)
            row["n_locked"] = len(years)
            for name, q in (("year_median", 0.5), ("year_q10", 0.1), ("year_q90", 0.9)):
                row[name] = float(np.quantile(years, q)) if len(years) else math.nan
            rows.append(row)
    return pd.DataFrame(rows)


def share_table(
    per_run: pd.DataFrame, spec: ExperimentSpec, value: str = "share_cn"
) -> pd.DataFrame:
    """Per arm and country: mean and 10/50/90% quantiles over seeds of ``value`` at the horizon."""
    titles, labels = stats.arm_titles(spec), stats.arm_labels(spec)
    rows = []
    for arm, _, _ in spec.arms():
        sub = per_run[per_run["arm"] == arm]
        for country in _countries(per_run):
            x = sub.loc[sub["country"] == country, value].dropna().to_numpy(float)
            q = np.quantile(x, [0.1, 0.5, 0.9]) if len(x) else [math.nan] * 3
            rows.append(
                {
                    "arm": arm,
                    "arm_label": labels[arm],
                    "arm_title": titles[arm],
                    "country": country,
                    "value": value,
                    "n": len(x),
                    "mean": float(x.mean()) if len(x) else math.nan,
                    "q10": float(q[0]),
                    "q50": float(q[1]),
                    "q90": float(q[2]),
                }
            )
    return pd.DataFrame(rows)


def effects_table(per_run: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per non-reference arm and country: paired differences from the reference arm.

    ``share_cn`` (Chinese-stack share at the horizon; paired t, within [-1, 1]) and
    ``locked_cn`` (P(locked into CN); Newcombe's paired interval), over common seeds.
    """
    titles, labels = stats.arm_titles(spec), stats.arm_labels(spec)
    rows = []
    for arm, _, _ in spec.arms():
        ref = stats.reference_arm(spec, arm)
        if arm == ref:
            continue
        for country in _countries(per_run):
            c = per_run[per_run["country"] == country]
            a = c[c["arm"] == arm].set_index("seed_index")
            b = c[c["arm"] == ref].set_index("seed_index")
            common = a.index.intersection(b.index).sort_values()
            for value, kind in (("share_cn", "share"), ("locked_cn", "probability")):
                xa = a.loc[common, value].to_numpy(float)
                xb = b.loc[common, value].to_numpy(float)
                ok = ~(np.isnan(xa) | np.isnan(xb))
                m, lo, hi, method = stats.difference(xa[ok], xb[ok], kind)
                rows.append(
                    {
                        "arm": arm,
                        "arm_label": labels[arm],
                        "arm_title": titles[arm],
                        "reference_title": titles[ref],
                        "country": country,
                        "value": value,
                        "n": int(ok.sum()),
                        "mean_diff": m,
                        "ci_lo": lo,
                        "ci_hi": hi,
                        "ci_method": method,
                    }
                )
    return pd.DataFrame(rows)


def _years(row: pd.Series) -> str:
    if not row.n_locked:
        return "none locked"
    mid = fmt(row.year_median, kind="year")
    return f"{mid} [{fmt(row.year_q10, kind='year')}, {fmt(row.year_q90, kind='year')}]"


def lockin_display(table: pd.DataFrame) -> pd.DataFrame:
    """The per-country lock-in table as text (one row per country and arm)."""
    out = pd.DataFrame({"country": table.country, "arm": table.arm_title, "n": table.n})
    for s in ("us", "cn", "contested"):
        out[f"P({s})"] = [
            ci_cell(a, b, c)
            for a, b, c in zip(table[f"p_{s}"], table[f"p_{s}_lo"], table[f"p_{s}_hi"], strict=True)
        ]
    out["lock-in year: median [10%, 90%]"] = [_years(r) for r in table.itertuples()]
    return out


def shares_display(shares: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """Chinese-stack share at the horizon per country and arm, with the paired differences."""
    eff = effects.set_index(["arm", "country", "value"]) if len(effects) else None
    rows = []
    for r in shares.itertuples():
        row = {
            "country": r.country,
            "arm": r.arm_title,
            "n": r.n,
            "mean": fmt(r.mean),
            "median [10%, 90%]": ci_cell(r.q50, r.q10, r.q90),
        }
        for value, head in (("share_cn", "share diff"), ("locked_cn", "P(cn) diff")):
            key = (r.arm, r.country, value)
            if eff is not None and key in eff.index:
                e = eff.loc[key]
                row[f"{head} vs ref [95% CI]"] = ci_cell(e.mean_diff, e.ci_lo, e.ci_hi)
            else:
                row[f"{head} vs ref [95% CI]"] = "reference"
        rows.append(row)
    return pd.DataFrame(rows)


def section(
    lockin: pd.DataFrame, shares: pd.DataFrame, effects: pd.DataFrame, figure: bool, horizon: str
) -> list[str]:
    """Markdown lines of the report's per-country section."""
    head = [f"## Lock-in country by country ({horizon})", ""]
    if not len(lockin):
        return [
            *head,
            "This folder holds no per-country table (runs stored before aiblocs "
            "kept one, or stored as outcomes only).",
            "",
        ]
    ref = effects["reference_title"].iloc[0] if len(effects) else "the reference"
    lines = [
        *head,
        f"Each GS country is locked into a stack when that stack's share of the country's "
        f"adopted units exceeds {LOCK_SHARE} and the share switching stack in the quarter is "
        f"below {LOCK_SWITCH} (the GS's rule, country by country). Probabilities over seeds at "
        "the horizon with Wilson score 95% CIs; lock-in year = first quarter from which the "
        "country stays locked into the same stack up to the horizon, over the seeds that end "
        "locked (either stack): median and 10-90% range. Lock-in that varies across seeds of "
        "one arm (probabilities strictly between 0 and 1, spread-out years) is path dependence: "
        "the same policy, a different history (and, with --calibrated, other parameters: the "
        "variance section below separates the two). All rows are in "
        "country_lockin.csv; one row per run and country in country_outcomes.csv.",
        "",
        markdown_table(lockin_display(lockin)),
        "",
    ]
    if figure:
        lines += ["![lock-in years by country](country_lockin.png)", ""]
    lines += [
        "### Chinese-stack share at the horizon, by country",
        "",
        f"Share of the country's adopted units on the Chinese stack: mean and median [10%, 90%] "
        f"over seeds; paired difference from {ref} over common seeds (paired t 95% CI) and of "
        "P(locked into CN) (Newcombe). country_shares.csv and country_effects.csv hold them.",
        "",
        markdown_table(shares_display(shares, effects)),
        "",
    ]
    return lines
