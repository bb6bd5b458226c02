"""Figures of the calibration report, drawn from its CSV tables in the package's one style.

Each function takes the tables ``aiblocs calibrate`` writes (so a report's figures can be redrawn
from a results folder without running the model, :func:`aiblocs.calibration.report.rebuild`)
and saves PNG, SVG and PDF.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from aiblocs.model.calendar import decimal_year
from aiblocs.model.outcomes import SERIES
from aiblocs.model.params import PARAM_FIELDS
from aiblocs.viz import style

FIT, HOLDOUT = "#000000", style.PALETTE[1]  # target colours: in-sample, held out
DERIVED_LABELS = {"us_compute_share": ("US share of US + Chinese installed compute", "share")}


def _output_label(name: str) -> tuple[str, str]:
    """(label, unit) of a target output: a registry series or a derived quantity."""
    if name in SERIES:
        return SERIES[name].label, SERIES[name].unit
    return DERIVED_LABELS.get(name, (name, ""))


def param_label(name: str) -> str:
    """A parameter with its unit, e.g. ``bass_q (1/year)``."""
    field = PARAM_FIELDS.get(name)
    unit = field.metadata.get("unit", "") if field is not None else ""
    return f"{name} ({unit})" if unit else name


def targets_figure(bands: pd.DataFrame, fit: pd.DataFrame, path: Path) -> Path:
    """Simulated median and 90% band of each target's output against the targets' bands.

    Args:
        bands: ``target_bands.csv``: output, quarter, p05, p50, p95 over the common seeds at
            the estimate.
        fit: ``fit_table.csv``: target, set, output, span (``2023Q1..2023Q4``), stat, observed,
            lo, hi. Sums are drawn as per-quarter means, growth as the level it implies at the
            span's end.
        path: PNG path.
    """
    outputs = list(dict.fromkeys(fit["output"]))
    fig, axes = style.figure_grid(len(outputs), ncols=3, panel=(2.5, 2.1))
    for ax, name in zip(axes, outputs, strict=True):
        b = bands[bands["output"] == name].reset_index(drop=True)
        quarters = list(b["quarter"])
        x = np.array([decimal_year(q) for q in quarters])
        ax.fill_between(x, b["p05"], b["p95"], color=style.PALETTE[0], alpha=0.25, lw=0)
        ax.plot(x, b["p50"], color=style.PALETTE[0], lw=1.4)
        end_year = x[0]
        for t in fit[fit["output"] == name].itertuples():
            start, end = t.span.split("..")
            a, e = quarters.index(start), quarters.index(end)
            scale = 1.0
            if t.stat == "sum":
                scale = 1 / (e - a + 1)
            elif t.stat == "growth":
                scale, a = float(b["p50"].iloc[a]), e
            colour = FIT if t.set == "fit" else HOLDOUT
            xs = [x[a] - 0.1, x[e] + 0.1]
            ax.fill_between(xs, t.lo * scale, t.hi * scale, color=colour, alpha=0.15, lw=0)
            ax.plot(xs, [t.observed * scale] * 2, color=colour, lw=2)
            end_year = max(end_year, x[e])
        ax.set_xlim(x[0], max(end_year + 1.0, x[0] + 4))
        label, unit = _output_label(name)
        style.label(ax, label, ylabel=unit)
        style.year_axis(ax)
    handles = [Patch(color=style.PALETTE[0], alpha=0.25), Line2D([], [], color=style.PALETTE[0]),
               Line2D([], [], color=FIT, lw=2), Line2D([], [], color=HOLDOUT, lw=2)]  # fmt: skip
    labels = ["simulated 90% band", "simulated median", "target, fitted (band shaded)",
              "target, held out (band shaded)"]  # fmt: skip
    style.legend_below(fig, handles, labels, ncol=2)
    style.title(fig, "Calibration targets against the model at the estimate",
                "simulated over the common seeds; sums as per-quarter means")  # fmt: skip
    return style.save(fig, path)


def trace_figure(trace: pd.DataFrame, path: Path) -> Path:
    """Best step-1 loss against the number of parameter vectors evaluated (log scale)."""
    fig = style.figure(4.5, 2.8)
    ax = style.style_axes(fig.subplots())
    ax.semilogy(trace["evaluation"], trace["best_loss"], color=style.PALETTE[0], lw=1.4)
    style.label(ax, xlabel="parameter vectors evaluated",
                ylabel="best step-1 loss (weighted squared error)")  # fmt: skip
    style.title(fig, "Calibration search: best loss so far")
    return style.save(fig, path)


def marginals_figure(
    estimates: pd.DataFrame, msm: pd.DataFrame, abc: pd.DataFrame, path: Path
) -> Path:
    """Per parameter: histograms of the MSM and ABC samples on the box, the estimate marked.

    ``estimates`` is ``estimates.csv`` (parameter, estimate, se, lo, hi: lo/hi are the box).
    """
    fig, axes = style.figure_grid(len(estimates), ncols=4, panel=(1.9, 1.7))
    for ax, r in zip(axes, estimates.itertuples(), strict=True):
        bins = np.linspace(r.lo, r.hi, 21)
        ax.hist(msm[r.parameter], bins=bins, density=True, color=style.PALETTE[0], alpha=0.6)
        if len(abc):
            ax.hist(abc[r.parameter], bins=bins, density=True, histtype="step", lw=1.2,
                    color=style.PALETTE[1])  # fmt: skip
        ax.axvline(r.estimate, color="k", lw=1)
        ax.set_yticks([])
        style.label(ax, xlabel=style.wrap(param_label(r.parameter), 24))
    axes[0].set_ylabel("density", fontsize=style.FONT["label"])
    handles = [Patch(color=style.PALETTE[0], alpha=0.6), Line2D([], [], color=style.PALETTE[1]),
               Line2D([], [], color="k")]  # fmt: skip
    labels = [f"MSM sample ({len(msm)} draws)", f"ABC sample ({len(abc)} accepted)", "estimate"]
    style.legend_below(fig, handles, labels, ncol=3)
    style.title(fig, "Parameter uncertainty", "x range: the calibration box")
    return style.save(fig, path)


def profiles_figure(profiles: pd.DataFrame, estimates: pd.DataFrame, path: Path) -> Path:
    """Step-2 loss along each parameter with the others at the estimate (estimate dashed)."""
    names = list(dict.fromkeys(profiles["parameter"]))
    est = estimates.set_index("parameter")["estimate"]
    fig, axes = style.figure_grid(len(names), ncols=4, panel=(1.9, 1.7))
    for k, (ax, name) in enumerate(zip(axes, names, strict=True)):
        p = profiles[profiles["parameter"] == name]
        ax.plot(p["value"], p["loss"], marker="o", ms=2.5, lw=1, color=style.PALETTE[0])
        ax.axvline(est[name], color="k", ls="--", lw=0.8)
        style.label(ax, xlabel=style.wrap(param_label(name), 24),
                    ylabel="step-2 loss" if k % 4 == 0 else "")  # fmt: skip
    note = "one parameter varied, the others at their estimates; dashed: estimate"
    style.title(fig, "Loss profiles at the estimate", note)
    return style.save(fig, path)
