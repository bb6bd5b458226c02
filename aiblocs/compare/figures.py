"""Figures of an experiment: fan charts, lock-in probabilities, forest plot of paired effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.model.calendar import decimal_year
from aiblocs.model.outcomes import FAN_SERIES, OUTCOMES, SERIES
from aiblocs.viz.style import STACK_COLOURS, colours, figure_grid, save


def fan_charts(
    rows: pd.DataFrame, arms: dict[int, str], path: Path, series: tuple[str, ...] = FAN_SERIES
) -> Path:
    """Median and 90% band over seeds of each series, one colour per arm.

    Args:
        rows: stored quarterly frames (columns ``arm``, ``run_id``, ``quarter`` and the series).
        arms: arm index -> label (legend order).
        path: PNG path (an SVG is written beside it).
        series: names of :data:`SERIES` to draw, one panel each.
    """
    fig, axes = figure_grid(len(series), ncols=4)
    colour = colours(list(arms.values()))
    for ax, name in zip(axes, series, strict=True):
        for arm, label in arms.items():
            a = rows[rows["arm"] == arm]
            if a.empty:
                continue
            wide = a.pivot(index="quarter", columns="run_id", values=name).sort_index()
            x = np.array([decimal_year(q) for q in wide.index])
            q05, q50, q95 = (wide.quantile(q, axis=1).to_numpy() for q in (0.05, 0.5, 0.95))
            ax.fill_between(x, q05, q95, color=colour[label], alpha=0.2, linewidth=0)
            ax.plot(x, q50, color=colour[label], lw=1.5, label=label)
        ax.set_title(SERIES[name].label, fontsize=9)
        ax.set_ylabel(SERIES[name].unit, fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False
    )
    fig.suptitle("Median and 90% band over seeds", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return save(fig, path)


def lockin_bars(table: pd.DataFrame, path: Path) -> Path:
    """Grouped bars: P(locked US), P(locked CN), P(contested) at the horizon, Wilson 95% CIs."""
    states = [
        ("us", "US stack", STACK_COLOURS["US"]),
        ("cn", "Chinese stack", STACK_COLOURS["CN"]),
        ("contested", "contested", STACK_COLOURS["contested"]),
    ]
    x = np.arange(len(table))
    w = 0.8 / len(states)
    fig, (ax,) = figure_grid(1, panel=(max(4.5, 1.4 * len(table) + 2), 3.4))
    for i, (s, name, colour) in enumerate(states):
        p = table[f"p_{s}"].to_numpy()
        err = np.vstack([p - table[f"p_{s}_lo"].to_numpy(), table[f"p_{s}_hi"].to_numpy() - p])
        err = np.clip(np.nan_to_num(err), 0, None)  # rounding can make a bound cross p
        ax.bar(x + (i - 1) * w, p, w, yerr=err, capsize=3, color=colour, label=name)
    ax.set_xticks(x, table["arm_label"], rotation=20, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability over seeds")
    ax.set_title("Global South lock-in at the horizon (Wilson 95% CI)", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return save(fig, path)


def forest(
    effects: pd.DataFrame, outcomes: tuple[str, ...], path: Path, all_arms: list[str]
) -> Path:
    """Paired effects vs the reference (mean and paired-t 95% CI), one panel per outcome.

    ``all_arms`` (reference included) keeps each arm's colour the same as in the fan charts.
    """
    outcomes = tuple(o for o in outcomes if o in set(effects["outcome"]))
    arms = list(dict.fromkeys(effects["arm_label"]))
    colour = colours(all_arms)
    label_in = 0.065 * max(len(a) for a in arms)  # room for the arm labels (inches)
    fig, axes = figure_grid(len(outcomes), ncols=3, panel=(3.2 + label_in, 0.45 * len(arms) + 1.2))
    y = np.arange(len(arms))[::-1]
    for ax, name in zip(axes, outcomes, strict=True):
        e = effects[effects["outcome"] == name].set_index("arm_label").reindex(arms)
        for yi, arm in zip(y, arms, strict=True):
            row = e.loc[arm]
            ax.plot([row.ci_lo, row.ci_hi], [yi, yi], color=colour[arm], lw=2)
            ax.plot(row.mean_diff, yi, "o", color=colour[arm])
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, arms, fontsize=8)
        ax.set_ylim(-0.6, len(arms) - 0.4)
        ax.set_title(OUTCOMES[name].label, fontsize=9)
        ax.set_xlabel(f"difference ({OUTCOMES[name].unit})", fontsize=8)
    ref = effects["reference"].iloc[0] if len(effects) else ""
    fig.suptitle(f"Paired effect vs {ref} (mean and paired-t 95% CI over seeds)", fontsize=10)
    fig.tight_layout()
    return save(fig, path)
