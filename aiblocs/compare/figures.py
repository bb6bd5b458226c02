"""Figures of an experiment: fan charts, lock-in probabilities, forest plot of paired effects.

All in the package's one style (:mod:`aiblocs.viz.style`): arms in words, one colour and line
style per arm (the same in every figure), units on the axes, legends outside the data; each
figure is written as PNG, SVG and PDF.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from aiblocs.model.calendar import decimal_year
from aiblocs.model.outcomes import FAN_SERIES, OUTCOMES, SERIES
from aiblocs.viz import style


def fan_charts(
    rows: pd.DataFrame,
    arms: dict[int, str],
    path: Path,
    series: tuple[str, ...] = FAN_SERIES,
    ncols: int = 3,
) -> Path:
    """Median and 90% band over seeds of each series, one colour and line style per arm.

    Args:
        rows: stored quarterly frames (columns ``arm``, ``run_id``, ``quarter`` and the series).
        arms: arm index -> label in words (legend order).
        path: PNG path (SVG and PDF are written beside it).
        series: names of :data:`SERIES` to draw, one panel each.
        ncols: panels per row.
    """
    fig, axes = style.figure_grid(len(series), ncols=ncols, panel=(2.5, 2.1))
    look = style.arm_styles(list(arms.values()))
    n_seeds = 0
    for ax, name in zip(axes, series, strict=True):
        for arm, label in arms.items():
            a = rows[rows["arm"] == arm]
            if a.empty:
                continue
            wide = a.pivot(index="quarter", columns="run_id", values=name).sort_index()
            n_seeds = max(n_seeds, wide.shape[1])
            x = np.array([decimal_year(q) for q in wide.index])
            q05, q50, q95 = (wide.quantile(q, axis=1).to_numpy() for q in (0.05, 0.5, 0.95))
            s = look[label]
            style.band(ax, x, q05, q95, s["color"], s["ls"])
            ax.plot(x, q50, color=s["color"], ls=s["ls"], lw=1.6)
        style.label(ax, SERIES[name].label, ylabel=SERIES[name].unit)
        style.year_axis(ax)
    handles = [Line2D([], [], color=s["color"], ls=s["ls"], lw=1.6) for s in look.values()]
    ncol = len(look) if len(look) <= 3 else 2 if len(look) == 4 else 3
    style.legend_below(fig, handles, [style.wrap(a, 34) for a in look], ncol=ncol)
    style.title(fig, "Median (line) and 90% band (shaded, outlined) over seeds",
                f"{n_seeds} seeds per arm, the same seeds in every arm")  # fmt: skip
    return style.save(fig, path)


def lockin_bars(table: pd.DataFrame, path: Path) -> Path:
    """Grouped bars: P(locked US), P(locked CN), P(contested) at the horizon, Wilson 95% CIs."""
    states = [
        ("us", "locked into the US stack", style.STACK_COLOURS["US"], ""),
        ("cn", "locked into the Chinese stack", style.STACK_COLOURS["CN"], "//"),
        ("contested", "contested", style.STACK_COLOURS["contested"], ".."),
    ]
    names = table["arm_title"] if "arm_title" in table else table["arm_label"]
    x = np.arange(len(table))
    w = 0.8 / len(states)
    fig = style.figure(min(style.WIDTH, 2.2 + 1.3 * len(table)), 3.0)
    ax = style.style_axes(fig.subplots())
    for i, (s, name, colour, hatch) in enumerate(states):
        p = table[f"p_{s}"].to_numpy()
        err = np.vstack([p - table[f"p_{s}_lo"].to_numpy(), table[f"p_{s}_hi"].to_numpy() - p])
        err = np.clip(np.nan_to_num(err), 0, None)  # rounding can make a bound cross p
        ax.bar(x + (i - 1) * w, p, w, yerr=err, capsize=2.5, color=colour, hatch=hatch,
               edgecolor="white", linewidth=0.5, error_kw={"lw": 0.8}, label=name)  # fmt: skip
    ax.set_xticks(x, [style.wrap(n, 14) for n in names])
    ax.set_ylim(0, 1.0)
    n = int(table["n"].max()) if len(table) else 0
    style.label(ax, ylabel="probability at the horizon")
    style.legend_right(ax, title="Global South")
    style.title(fig, "Global South lock-in at the horizon",
                f"share of {n} seeds per arm; bars: Wilson 95% CI")  # fmt: skip
    return style.save(fig, path)


def forest(
    effects: pd.DataFrame, outcomes: tuple[str, ...], path: Path, all_arms: list[str]
) -> Path:
    """Paired effects vs the reference (mean and 95% CI), one panel per outcome.

    Arms (in words, ``arm_title``) label the rows of the first column only; ``all_arms``
    (reference included) keeps each arm's colour and marker the same as in the fan charts.
    """
    outcomes = tuple(o for o in outcomes if o in set(effects["outcome"]))
    col = "arm_title" if "arm_title" in effects else "arm_label"
    arms = list(dict.fromkeys(effects[col]))
    look = style.arm_styles(all_arms)
    ncols = min(3, len(outcomes))
    fig, axes = style.figure_grid(
        len(outcomes), ncols=ncols, panel=(2.45, 0.32 * len(arms) + 1.1), sharey=True
    )
    y = np.arange(len(arms))[::-1]
    for k, (ax, name) in enumerate(zip(axes, outcomes, strict=True)):
        e = effects[effects["outcome"] == name].set_index(col).reindex(arms)
        for yi, arm in zip(y, arms, strict=True):
            row, s = e.loc[arm], look.get(arm, {"color": "k", "marker": "o"})
            ax.plot([row.ci_lo, row.ci_hi], [yi, yi], color=s["color"], lw=1.8)
            ax.plot(row.mean_diff, yi, s["marker"], color=s["color"], ms=4.5)
        ax.axvline(0, color="k", lw=0.7)
        ax.set_yticks(y, [style.wrap(a, 18) for a in arms])
        ax.tick_params(axis="y", labelleft=k % ncols == 0)
        ax.set_ylim(-0.6, len(arms) - 0.4)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        kind = OUTCOMES[name].kind
        unit = {"year": "years", "probability": "probability"}.get(kind, OUTCOMES[name].unit)
        style.label(ax, OUTCOMES[name].label, xlabel=style.wrap(f"difference ({unit})", 30),
                    wrap_at=26)  # fmt: skip
    ref_col = "reference_title" if "reference_title" in effects else "reference"
    ref = effects[ref_col].iloc[0] if len(effects) else ""
    n = int(effects["n"].max()) if len(effects) else 0
    style.title(fig, f"Paired effect vs {ref}",
                f"mean difference over {n} common seeds and 95% CI (paired t; Newcombe for "
                "lock-in probabilities)")  # fmt: skip
    return style.save(fig, path)


def country_lockin_strips(per_run: pd.DataFrame, arms: dict[int, str], path: Path) -> Path:
    """Per GS country: the year each seed's lasting lock-in began, one row of points per arm.

    Args:
        per_run: one row per run and country (:func:`aiblocs.compare.countries.country_runs`:
            ``arm``, ``country``, ``state``, ``lockin_year``).
        arms: arm index -> label in words (row order, top first).
        path: PNG path (SVG and PDF are written beside it).

    Points are coloured by the stack the country locked into and jittered vertically (fixed
    jitter, so the same data give the same figure); the share of seeds left contested at the
    horizon is written in a margin right of each panel's dotted line.
    """
    countries = list(dict.fromkeys(per_run["country"]))
    fig, axes = style.figure_grid(
        len(countries), ncols=4, panel=(1.95, 0.42 * len(arms) + 1.0), sharex=True, sharey=True
    )
    y_of = {arm: len(arms) - 1 - i for i, arm in enumerate(arms)}
    rng = np.random.default_rng(0)
    locked = per_run["lockin_year"].dropna()
    lo, hi = (locked.min() - 0.5, locked.max() + 0.5) if len(locked) else (2022.0, 2036.0)
    margin = 0.3 * (hi - lo)  # where the contested shares are written
    step = 5 if hi - lo >= 8 else 2 if hi - lo >= 4 else 1  # years between x ticks
    stacks = {1: ("US", "US stack"), 2: ("CN", "Chinese stack")}
    for k, (ax, country) in enumerate(zip(axes, countries, strict=True)):
        c = per_run[per_run["country"] == country]
        for arm in arms:
            a = c[c["arm"] == arm]
            for state, (key, _) in stacks.items():
                x = a.loc[a["state"] == state, "lockin_year"].to_numpy(float)
                jitter = rng.uniform(-0.28, 0.28, len(x))
                ax.plot(
                    x,
                    y_of[arm] + jitter,
                    "o",
                    ms=2.6,
                    alpha=0.6,
                    mew=0,
                    color=style.STACK_COLOURS[key],
                )
            if len(a):
                share = float((a["state"] == 0).mean())
                ax.text(
                    hi + margin / 2,
                    y_of[arm],
                    f"{share:.0%}",
                    fontsize=style.FONT["note"],
                    ha="center",
                    va="center",
                    color="0.35",
                )
        ax.set_yticks(list(y_of.values()), [style.wrap(arms[a], 16) for a in y_of])
        ax.tick_params(axis="y", labelleft=k % 4 == 0)
        ax.set_ylim(-0.6, len(arms) - 0.4)
        ax.axvline(hi, color="0.6", lw=0.6, ls=":")
        ax.set_xlim(lo, hi + margin)
        ax.set_xticks([y for y in range(math.ceil(lo), int(hi) + 1) if y % step == 0])
        style.label(ax, country, xlabel="lock-in year" if k >= len(countries) - 4 else "")
    handles = [
        Line2D([], [], ls="", marker="o", ms=4, color=style.STACK_COLOURS[key])
        for key, _ in stacks.values()
    ]
    style.legend_below(fig, handles, [f"locked into the {n}" for _, n in stacks.values()])
    n = int(per_run.groupby("arm")["run_id"].nunique().max()) if len(per_run) else 0
    style.title(
        fig,
        "Year each Global South country's lasting lock-in began",
        f"one point per seed ({n} per arm); right of the dotted line: share contested at the "
        "horizon",
    )
    return style.save(fig, path)
