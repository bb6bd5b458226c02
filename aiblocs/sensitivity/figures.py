"""Figures of the sensitivity and discovery reports, in the package's one style.

Morris mu*-sigma scatter, Sobol S1/ST bars and the PRIM trade-off and box limits; each is
written as PNG, SVG and PDF (:func:`aiblocs.viz.style.save`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from aiblocs.model.outcomes import OUTCOMES
from aiblocs.sensitivity.design import ANALYSED
from aiblocs.sensitivity.prim import Box
from aiblocs.sensitivity.ranges import Range
from aiblocs.viz import style


def outcome_title(name: str) -> str:
    """An analysed outcome in words: the registry's label, under containment or as a difference."""
    base = OUTCOMES[name.removeprefix("d_")]
    if name.startswith("d_"):
        return f"{base.label}: containment − managed access"
    return f"{base.label}, containment"


def outcome_unit(name: str) -> str:
    """The unit of an analysed outcome (a difference has its level's unit)."""
    base = OUTCOMES[name.removeprefix("d_")]
    return "probability" if base.kind == "probability" else base.unit


def _outcomes(table: pd.DataFrame) -> list[str]:
    return [o for o in ANALYSED if o in set(table["outcome"])]


def morris_figure(table: pd.DataFrame, path: Path, n_labels: int = 4) -> Path:
    """mu*-sigma scatter per outcome; the ``n_labels`` parameters with the largest mu* numbered.

    Numbers (the same in every panel) are keyed to parameter names under the panels, so long
    names never overlap the data, a neighbour panel or the figure's edge.
    """
    outs = _outcomes(table)
    params = list(dict.fromkeys(table["param"]))
    number = {p: i + 1 for i, p in enumerate(params)}
    fig, axes = style.figure_grid(len(outs), ncols=3, panel=(2.5, 2.2))
    shown: set[str] = set()
    for ax, out in zip(axes, outs, strict=True):
        t = table[table["outcome"] == out]
        ax.scatter(t["mu_star"], t["sigma"], s=12, color=style.PALETTE[0], zorder=3)
        top, high = float(t["mu_star"].max()) or 1.0, float(t["sigma"].max()) or 1.0
        ax.set_xlim(-0.05 * top, 1.12 * top)
        ax.set_ylim(min(0.0, float(t["sigma"].min())), 1.18 * high)
        for _, r in t.nlargest(n_labels, "mu_star").iterrows():
            if r["mu_star"] <= 0:
                continue
            shown.add(r["param"])
            ax.annotate(str(number[r["param"]]), (r["mu_star"], r["sigma"]), xytext=(3, 3),
                        textcoords="offset points", fontsize=style.FONT["note"],
                        fontweight="bold")  # fmt: skip
        unit = outcome_unit(out)
        style.label(ax, outcome_title(out), f"μ* ({unit})", f"σ ({unit})", wrap_at=26)
    key = [f"{number[p]} {p}" for p in params if p in shown]
    handles = [Line2D([], [], ls="none") for _ in key]
    fig.legend(handles, key, loc="outside lower center", ncol=min(3, max(1, len(key))),
               frameon=False, fontsize=style.FONT["legend"], handlelength=0,
               handletextpad=0, title="numbered points (largest μ* of each panel)",
               title_fontsize=style.FONT["legend"])  # fmt: skip
    note = "elementary effect: change of the outcome over the parameter's full range"
    style.title(fig, "Morris screening: mean |elementary effect| μ* and its spread σ", note)
    return style.save(fig, path)


def sobol_figure(table: pd.DataFrame, path: Path) -> Path:
    """First- (S1) and total-order (ST) indices with 95% CIs, one panel per outcome.

    Parameters are rows (named in the first column of panels only); every panel shares the
    index axis, so panels compare at a glance.
    """
    outs = _outcomes(table)
    params = list(dict.fromkeys(table["param"]))
    ncols = min(3, len(outs))
    fig, axes = style.figure_grid(len(outs), ncols=ncols, panel=(2.5, 0.8 + 0.3 * len(params)),
                                  sharex=True, sharey=True)  # fmt: skip
    top = float(np.nanmax(table["ST"] + table["ST_conf"])) if len(table) else 1.0
    low = float(np.nanmin(table["S1"] - table["S1_conf"])) if len(table) else 0.0
    y = np.arange(len(params))
    kw = {"capsize": 1.5, "error_kw": {"lw": 0.7}, "height": 0.38}
    for k, (ax, out) in enumerate(zip(axes, outs, strict=True)):
        t = table[table["outcome"] == out].set_index("param").reindex(params)
        ax.barh(y - 0.2, t["S1"], xerr=t["S1_conf"], color=style.PALETTE[0], **kw)
        ax.barh(y + 0.2, t["ST"], xerr=t["ST_conf"], color=style.PALETTE[1], hatch="//",
                edgecolor="white", linewidth=0.5, **kw)  # fmt: skip
        ax.axvline(0, color="k", lw=0.6)
        ax.set_yticks(y, params)
        ax.tick_params(axis="y", labelleft=k % ncols == 0)
        ax.set_ylim(len(params) - 0.5, -0.5)  # first parameter on top
        ax.set_xlim(min(0.0, low - 0.05), max(1.05, top + 0.05))
        bottom = k + ncols >= len(outs)  # the lowest panel of its column shows the axis
        xlabel = "index (share of variance)" if bottom else ""
        style.label(ax, outcome_title(out), xlabel=xlabel, wrap_at=26)
        ax.tick_params(axis="x", labelbottom=bottom)
    handles = [Patch(color=style.PALETTE[0]),
               Patch(facecolor=style.PALETTE[1], hatch="//", edgecolor="white")]  # fmt: skip
    style.legend_below(fig, handles, ["first order S1", "total order ST"])
    style.title(fig, "Sobol indices", "whiskers: 95% bootstrap CI")
    return style.save(fig, path)


def prim_tradeoff(trajs: list[list[Box]], boxes: list[Box], path: Path) -> Path:
    """Coverage against density along each peeling trajectory; chosen boxes circled."""
    fig = style.figure(5.0, 3.4)
    ax = style.style_axes(fig.subplots())
    for k, (traj, box) in enumerate(zip(trajs, boxes, strict=True)):
        c = style.PALETTE[k % len(style.PALETTE)]
        ax.plot([b.coverage for b in traj], [b.density for b in traj], marker=".", ms=3, lw=1,
                color=c, ls=style.LINESTYLES[k % len(style.LINESTYLES)],
                label=f"peeling for box {k + 1}")  # fmt: skip
        ax.plot(box.coverage, box.density, "o", ms=9, mfc="none", color="k")
        ax.annotate(f"box {k + 1}", (box.coverage, box.density), xytext=(6, -10),
                    textcoords="offset points", fontsize=style.FONT["note"])  # fmt: skip
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    style.label(ax, xlabel="coverage (share of all backfire cases in the box)",
                ylabel="density (share of the box's points that backfire)")  # fmt: skip
    style.legend_right(ax)
    style.title(fig, "PRIM peeling trajectory", "circles: the chosen boxes")
    return style.save(fig, path)


def prim_limits(boxes: list[Box], ranges: list[Range], path: Path) -> Path:
    """Each box's limits on its restricted parameters, as a share of the plausible range."""
    rng = {r.name: r for r in ranges}
    rows = [(k, n) for k, b in enumerate(boxes) for n in b.restricted]
    fig = style.figure(6.0, max(2.4, 1.2 + 0.36 * len(rows)))
    ax = style.style_axes(fig.subplots(), grid=False)
    labels = []
    for y, (k, n) in enumerate(rows):
        lo, hi = boxes[k].limits[n]
        span = rng[n].hi - rng[n].lo
        ax.barh(y, 1.0, color="0.9", height=0.6)
        ax.barh(y, (hi - lo) / span, left=(lo - rng[n].lo) / span, height=0.6,
                color=style.PALETTE[k % len(style.PALETTE)])  # fmt: skip
        ax.text(1.03, y, f"[{lo:.3g}, {hi:.3g}] of [{rng[n].lo:.3g}, {rng[n].hi:.3g}]",
                va="center", fontsize=style.FONT["note"])  # fmt: skip
        labels.append(f"box {k + 1}: {n}")
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first box on top
    ax.set_xlim(0, 1.0)
    style.label(ax, xlabel="position in the plausible range (0 = lower end, 1 = upper end)")
    note = "grey: plausible range; colour: the box; text: box limits of the range"
    style.title(fig, "PRIM boxes: limits on the restricted parameters", note)
    return style.save(fig, path)


def prim_figures(trajs: list[list[Box]], boxes: list[Box], ranges: list[Range], out: Path) -> None:
    """``prim_tradeoff`` and ``prim_boxes`` figures (PNG, SVG, PDF) into ``out``."""
    prim_tradeoff(trajs, boxes, out / "prim_tradeoff.png")
    prim_limits(boxes, ranges, out / "prim_boxes.png")
