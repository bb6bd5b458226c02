"""Path dependence in a compare report: per-country lock-in, events, variance sources, CRN gain.

Lock-in country by country, events that differ between the arms of a pair, where the spread
comes from (seeds vs parameters), and what common random numbers gain; computed from a results
folder's per-country and event tables (stored beside the quarterly frames,
:data:`aiblocs.ensemble.tasks.TABLES`) and its per-run outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aiblocs.compare import countries, events, figures, stats, variance
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.ensemble.store import load_results, read_manifest

COUNTRY_COLUMNS = ["run_id", "arm", "seed_index", "quarter", "country", "adoption", "share_us",
                   "share_cn", "switch_rate"]  # fmt: skip
"""Columns of the stored per-country rows the report reads (the rest stays on disk)."""


@dataclass
class Paths:
    """The report's path-dependence tables (empty frames where the folder lacks the input).

    Attributes:
        country_runs: one row per run and country (lock-in state and year, horizon values).
        country_lockin, country_shares, country_effects: per arm and country
            (:mod:`aiblocs.compare.countries`).
        variance: variance components per arm and headline outcome (nested designs only).
        crn: the common-random-numbers gain per non-reference arm and headline outcome.
        events: the stored event logs (None if the folder keeps none).
        event_diffs, event_summary: events only one arm of a pair has, and their count per kind.
    """

    country_runs: pd.DataFrame
    country_lockin: pd.DataFrame
    country_shares: pd.DataFrame
    country_effects: pd.DataFrame
    variance: pd.DataFrame
    crn: pd.DataFrame
    events: pd.DataFrame | None
    event_diffs: pd.DataFrame
    event_summary: pd.DataFrame


def compute(folder: str | Path, spec: ExperimentSpec, outcomes: pd.DataFrame) -> Paths:
    """Every path-dependence table of a compare folder (``outcomes``: one row per run)."""
    kept = read_manifest(folder).get("tables", [])
    empty = pd.DataFrame()
    per_run = (
        countries.country_runs(load_results(folder, "countries", COUNTRY_COLUMNS))
        if "countries" in kept
        else empty
    )
    log = load_results(folder, "events") if "events" in kept else None
    diffs = events.differences(log, spec) if log is not None else empty
    return Paths(
        per_run,
        countries.lockin_table(per_run, spec) if len(per_run) else empty,
        countries.share_table(per_run, spec) if len(per_run) else empty,
        countries.effects_table(per_run, spec) if len(per_run) else empty,
        variance.decomposition(outcomes, spec),
        variance.crn_gain(outcomes, spec),
        log,
        diffs,
        events.summary(log, diffs, spec) if log is not None else empty,
    )


def write(paths: Paths, folder: Path, spec: ExperimentSpec, figures_too: bool) -> list[str]:
    """Write the CSV tables (and the per-country figure); return the names written."""
    names = []
    for name, table in (
        ("country_outcomes", paths.country_runs),
        ("country_lockin", paths.country_lockin),
        ("country_shares", paths.country_shares),
        ("country_effects", paths.country_effects),
        ("variance", paths.variance),
        ("crn_gain", paths.crn),
        ("event_diffs", paths.event_diffs if paths.events is not None else pd.DataFrame()),
        ("event_summary", paths.event_summary),
    ):
        if len(table.columns):
            table.to_csv(folder / f"{name}.csv", index=False)
            names.append(f"{name}.csv")
    if figures_too and len(paths.country_runs):
        figures.country_lockin_strips(
            paths.country_runs, stats.arm_titles(spec), folder / "country_lockin.png"
        )
        names.append("country_lockin.png")
    return names


def lines(paths: Paths, spec: ExperimentSpec, with_figures: bool) -> list[str]:
    """Markdown lines of the report's path-dependence sections."""
    horizon = f"at the horizon, {spec.runs()[0].scenario.horizon[1]}"
    out = countries.section(
        paths.country_lockin,
        paths.country_shares,
        paths.country_effects,
        with_figures and len(paths.country_runs) > 0,
        horizon,
    )
    out += events.section(paths.events, paths.event_diffs, paths.event_summary)
    out += variance.section(spec, paths.variance, paths.crn)
    return out
