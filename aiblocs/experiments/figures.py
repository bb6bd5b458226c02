"""Paper figures of an experiment: fan charts, lock-in probabilities, forest plot of effects."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

# Panels of the fan chart: metric -> axis title.
FAN_METRICS = {
    "adoption_us": "AI adoption, US",
    "adoption_cn": "AI adoption, China",
    "adoption_gs": "AI adoption, Global South",
    "gs_share_us_stack": "GS share on US stack",
    "gs_share_cn_stack": "GS share on Chinese stack",
    "cn_lag_months": "China lag (months)",
    "cn_domestic_chip_share": "China domestic chip share",
    "cn_dc_utilisation": "EDWC hub utilisation",
}


def _colours(arms: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10")
    return {a: cmap(i % 10) for i, a in enumerate(arms)}


def _year(labels: pd.Index) -> np.ndarray:
    return np.array([int(q[:4]) + (int(q[-1]) - 1) / 4 for q in labels])


def fan_charts(
    tidy: pd.DataFrame,
    arms: dict[tuple[str, int], str],
    path: Path,
    metrics: dict[str, str] | None = None,
) -> Path:
    """Median and 90% band over seeds of each metric, one colour per arm."""
    metrics = metrics or FAN_METRICS
    ncol = 4 if len(metrics) > 4 else len(metrics)
    nrow = -(-len(metrics) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol, 2.7 * nrow), squeeze=False)
    colours = _colours(list(arms.values()))
    sub = tidy[tidy.metric.isin(list(metrics))]
    for ax, (metric, title) in zip(axes.flat, metrics.items(), strict=False):
        m = sub[sub.metric == metric]
        for (regime, di), label in arms.items():
            a = m[(m.regime == regime) & (m.design == di)]
            if a.empty:
                continue
            wide = a.pivot(index="quarter", columns="run_id", values="value").sort_index()
            x = _year(wide.index)
            q05, q50, q95 = (wide.quantile(q, axis=1).to_numpy() for q in (0.05, 0.5, 0.95))
            ax.fill_between(x, q05, q95, color=colours[label], alpha=0.2, linewidth=0)
            ax.plot(x, q50, color=colours[label], lw=1.5, label=label)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False
    )
    fig.suptitle("Median and 90% band over seeds", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def lockin_bars(table: pd.DataFrame, path: Path) -> Path:
    """Grouped bars: P(locked US), P(locked CN), P(contested) at 2035Q4 with Wilson 95% CIs."""
    states = [
        ("us", "US stack", "#1f77b4"),
        ("cn", "Chinese stack", "#d62728"),
        ("contested", "contested", "#7f7f7f"),
    ]
    x = np.arange(len(table))
    w = 0.8 / len(states)
    fig, ax = plt.subplots(figsize=(max(4.5, 1.4 * len(table) + 2), 3.4))
    for i, (s, name, colour) in enumerate(states):
        p = table[f"p_{s}"].to_numpy()
        err = np.vstack([p - table[f"p_{s}_lo"].to_numpy(), table[f"p_{s}_hi"].to_numpy() - p])
        err = np.clip(np.nan_to_num(err), 0, None)  # rounding can make a bound cross p
        ax.bar(x + (i - 1) * w, p, w, yerr=err, capsize=3, color=colour, label=name)
    ax.set_xticks(x, table["arm"], rotation=20, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability over seeds")
    ax.set_title("Global South lock-in at 2035Q4 (Wilson 95% CI)", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def forest(
    effects: pd.DataFrame, outcomes: dict[str, str], path: Path, all_arms: list[str] | None = None
) -> Path:
    """Paired effects vs the reference (mean and paired-t 95% CI), one panel per outcome.

    ``all_arms`` (reference included) keeps each arm's colour the same as in the fan charts.
    """
    outcomes = {k: v for k, v in outcomes.items() if k in set(effects.outcome)}
    arms = list(dict.fromkeys(effects.arm))
    colours = _colours(all_arms or arms)
    ncol = min(3, max(1, len(outcomes)))
    nrow = -(-len(outcomes) // ncol)
    label_in = 0.065 * max(len(a) for a in arms)  # room for the arm labels (inches)
    fig, axes = plt.subplots(
        nrow,
        ncol,
        squeeze=False,
        figsize=((3.2 + label_in) * ncol, (0.45 * len(arms) + 1.2) * nrow),
    )
    y = np.arange(len(arms))[::-1]
    for ax, (name, title) in zip(axes.flat, outcomes.items(), strict=False):
        e = effects[effects.outcome == name].set_index("arm").reindex(arms)
        for yi, arm in zip(y, arms, strict=True):
            row = e.loc[arm]
            ax.plot([row.ci_lo, row.ci_hi], [yi, yi], color=colours[arm], lw=2)
            ax.plot(row.mean_diff, yi, "o", color=colours[arm])
        ax.axvline(0, color="k", lw=0.8)
        ax.set_yticks(y, arms, fontsize=8)
        ax.set_ylim(-0.6, len(arms) - 0.4)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.axis("off")
    ref = effects["reference"].iloc[0] if len(effects) else ""
    fig.suptitle(f"Paired effect vs {ref} (mean and paired-t 95% CI over seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
