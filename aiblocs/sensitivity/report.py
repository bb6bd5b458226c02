"""Markdown reports for ``aiblocs sensitivity`` and ``aiblocs discover``.

Each writer also saves the results as CSV (:mod:`aiblocs.sensitivity.results`) and the figures
(:mod:`aiblocs.sensitivity.figures`); ``python -m aiblocs.sensitivity.results FOLDER`` rebuilds
the report and figures from those CSV files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aiblocs.sensitivity import results
from aiblocs.sensitivity.design import ANALYSED
from aiblocs.sensitivity.figures import morris_figure, prim_figures, sobol_figure
from aiblocs.sensitivity.ranges import Range
from aiblocs.viz.tables import markdown_table as md_table


def _fmt(v: float) -> str:
    return f"{v:.3g}" if np.isfinite(v) else "nan"


def _header(title: str, meta: dict[str, Any]) -> list[str]:
    return [
        f"# {title}",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Runtime: {meta['eval_s']:.0f} s of model evaluation (summed over resumed "
        f"invocations; this invocation {meta['runtime_s']:.0f} s) on {meta['executor']}; "
        f"{meta['n_points']} design "
        f"points x 2 regimes x {meta['seeds']} seed(s) = {meta['n_runs']} model runs at "
        f"n_adopters = {meta['n_adopters']} ({meta['seeds']} seeds spawned from SeedSequence(0), "
        "the same for every point: common random numbers). Model fingerprint (hash of the "
        f"model's code and data): `{meta['model']}`.",
        "",
    ]


def _files_section(files: str) -> list[str]:
    return [
        "## Files",
        "",
        f"Results as CSV beside this report: {files}; figures as PNG, SVG and PDF; meta.json. "
        "Columns are described in `aiblocs/sensitivity/results.py`. "
        "`python -m aiblocs.sensitivity.results <this folder>` rewrites this report and its "
        "figures from those files without running the model.",
        "",
    ]


def _ranges_table(ranges: list[Range]) -> str:
    df = pd.DataFrame(
        [(r.name, _fmt(r.lo), _fmt(r.hi), r.why) for r in ranges],
        columns=["parameter", "lo", "hi", "why"],
    )
    return md_table(df)


def _pivot(table: pd.DataFrame, value: str, conf: str | None, params: list[str]) -> str:
    outs = [o for o in ANALYSED if o in set(table["outcome"])]
    rows = []
    for p in params:
        cells = [p]
        for o in outs:
            r = table[(table["outcome"] == o) & (table["param"] == p)].iloc[0]
            cells.append(f"{r[value]:.2f}" + (f" ± {r[conf]:.2f}" if conf else ""))
        rows.append(cells)
    return md_table(pd.DataFrame(rows, columns=["parameter", *outs]))


def top_params(sobol: pd.DataFrame, outcome: str, k: int = 3) -> list[tuple[str, float, float]]:
    """The ``k`` parameters with the largest total-order index for ``outcome``: (name, ST, CI)."""
    t = sobol[sobol["outcome"] == outcome].nlargest(k, "ST")
    return [(r.param, r.ST, r.ST_conf) for r in t.itertuples()]


def write_sensitivity_report(
    out: Path,
    ranges: list[Range],
    morris: pd.DataFrame,
    keep: list[str],
    sobol: pd.DataFrame | None,
    meta: dict[str, Any],
    points: dict[str, pd.DataFrame] | None = None,
    csv: bool = True,
) -> Path:
    """Write ``report.md``, ``morris`` (and ``sobol``) figures and the CSV results into ``out``.

    Args:
        out: output folder.
        ranges: the uncertain parameters.
        morris: Morris indices (:func:`aiblocs.sensitivity.methods.run_morris`).
        keep: the screening survivors (the Sobol parameters).
        sobol: Sobol indices, or None for a screening-only run.
        meta: command, runtime and sizes quoted in the header.
        points: the evaluated samples by method (``{"morris": ..., "sobol": ...}``, the frames
            :func:`run_morris` / :func:`run_sobol` return: parameter and outcome columns).
        csv: write the CSV results and ``meta.json`` (False when rebuilding from them).
    """
    meta = {**meta, "survivors": list(keep)}
    if csv:
        names = [r.name for r in ranges]
        results.write_ranges_and_meta(out, ranges, meta)
        results.write_method(out, "morris", names, morris, (points or {}).get("morris"))
        if sobol is not None:
            sobol = sobol.assign(conf_level=0.95)
            results.write_method(out, "sobol", keep, sobol, (points or {}).get("sobol"))
    lines = _header("Global sensitivity analysis", meta)
    lines += [
        "## Outcomes",
        "",
        md_table(pd.DataFrame(list(ANALYSED.items()), columns=["outcome", "meaning"])),
        "",
        "## Uncertain parameters",
        "",
        _ranges_table(ranges),
        "",
    ]
    params = [r.name for r in ranges]
    order = morris.groupby("param")["mu_star_norm"].max().sort_values(ascending=False).index
    lines += [
        "## Morris screening",
        "",
        f"{meta['morris_r']} trajectories, 4 levels. Cells: mu* normalised by the largest mu* of "
        "that outcome (1 = most influential). Survivors (kept for Sobol): normalised mu* >= 0.1 "
        f"for at least one outcome, at most {meta.get('keep', len(params))}, ranked by their "
        f"maximum: **{', '.join(keep)}**.",
        "",
        _pivot(morris, "mu_star_norm", None, [p for p in order if p in params]),
        "",
        "![Morris mu*-sigma](morris.png)",
        "",
    ]
    morris_figure(morris, out / "morris.png")
    if sobol is not None and len(sobol):
        width = float(2 * sobol["ST_conf"].max())
        lines += [
            "## Sobol indices",
            "",
            f"Saltelli/Sobol sequence with base N = {meta['sobol_n']} on the {len(keep)} "
            f"survivors ({meta['sobol_n']} x ({len(keep)} + 2) = {meta['n_points_sobol']} points;"
            " other parameters at their defaults); 95% bootstrap CIs (1000 resamples). Widest "
            f"total-order CI: ±{width / 2:.3f}; median ±{sobol['ST_conf'].median():.3f}.",
            "",
            "### Total-order indices ST ± 95% CI",
            "",
            _pivot(sobol, "ST", "ST_conf", keep),
            "",
            "### First-order indices S1 ± 95% CI",
            "",
            _pivot(sobol, "S1", "S1_conf", keep),
            "",
            "![Sobol indices](sobol.png)",
            "",
            "### What each conclusion hangs on (top 3 by ST)",
            "",
        ]
        for o in ANALYSED:
            if o in set(sobol["outcome"]):
                tops = ", ".join(f"{n} ({s:.2f} ± {c:.2f})" for n, s, c in top_params(sobol, o))
                lines.append(f"- `{o}`: {tops}")
        lines.append("")
        sobol_figure(sobol, out / "sobol.png")
    files = "ranges.csv, morris_X.csv, morris_Y.csv, morris_indices.csv" + (
        ", sobol_X.csv, sobol_Y.csv, sobol_indices.csv" if sobol is not None else ""
    )
    lines += _files_section(files)
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def write_discover_report(
    out: Path, ranges: list[Range], res: dict[str, Any], meta: dict[str, Any], csv: bool = True
) -> Path:
    """Write ``report.md``, the PRIM figures and (``csv``) the CSV results into ``out``."""
    if csv:
        results.write_ranges_and_meta(out, ranges, {**meta, "tol_months": res["tol_months"]})
        results.write_discover(out, res)
    y, Y = res["y"], res["Y"]
    lines = _header("Scenario discovery: when does containment backfire?", meta)
    lines += [
        "## Definition",
        "",
        "For each sampled parameter point, containment and managed_access run on the same seeds. "
        "**Containment backfires** when the seed mean of cn_lag_months_2030(containment) - "
        f"cn_lag_months_2030(managed_access) is <= {res['tol_months']} months (containment buys "
        "China no real delay in 2030) *and* China's 2030 domestic chip share is higher under "
        "containment (it pushed China onto its own chips).",
        "",
        f"- Base rate (share of points where it backfires): **{y.mean():.3f}** ({int(y.sum())} "
        f"of {len(y)})",
        f"- Strict version, lag(containment) < lag(managed_access): {res['strict_rate']:.3f}",
        f"- Domestic share higher under containment: {res['domestic_rate']:.3f} (so the "
        "'lag shorter OR domestic share higher' reading would flag nearly every point and tells "
        "nothing apart; the lag clause does the work)",
        f"- Mean paired lag difference, 2030: {Y['d_cn_lag_months_2030'].mean():.2f} months "
        f"(where it backfires: {Y['d_cn_lag_months_2030'][y == 1].mean():.2f}; elsewhere: "
        f"{Y['d_cn_lag_months_2030'][y == 0].mean():.2f})",
        f"- Backfire points where China is at parity in 2030 under containment (lag < 0.5 "
        f"months): {((Y['cn_lag_months_2030'] < 0.5) & (y == 1)).sum()} of {int(y.sum())}",
        "",
        "## PRIM boxes",
        "",
        "Sample: Latin hypercube over all uncertain parameters (table below). PRIM is this "
        "package's own (`aiblocs/sensitivity/prim.py`: peeling alpha = 0.05 on continuous "
        "dimensions, minimum support 0.05, no pasting; no dependency beyond numpy; EMA "
        "Workbench's Prim, the optional extra `ema`, can be run on discover_X.csv and "
        "discover_Y.csv for comparison). Box rule: along the peeling trajectory "
        "take the densest box that still covers >= 50% of the backfire cases; then lift any "
        "restriction adding < 0.05 density; further boxes by covering (remove the points in "
        "the box, peel again) while a box is >= 1.5x denser than the base rate.",
        "",
    ]
    rng = {r.name: r for r in ranges}
    cols = ["parameter", "box", "plausible range", "density if lifted"]
    for k, box in enumerate(res["boxes"]):
        rows = [
            (
                n,
                f"[{_fmt(box.limits[n][0])}, {_fmt(box.limits[n][1])}]",
                f"[{_fmt(rng[n].lo)}, {_fmt(rng[n].hi)}]",
                _fmt(box.density_if_lifted.get(n, np.nan)),
            )
            for n in box.restricted
        ]
        lines += [
            f"### Box {k + 1}: coverage {box.coverage:.2f}, density {box.density:.2f}, "
            f"support {box.support:.2f} ({box.n_points} points)",
            "",
            md_table(pd.DataFrame(rows, columns=cols)),
            "",
        ]
    if not res["boxes"]:
        lines += ["No box found (no or all points backfire, or no box beats the base rate).", ""]
    else:
        prim_figures(res["trajectories"], res["boxes"], ranges, out)
        lines += ["![PRIM trade-off](prim_tradeoff.png)", "", "![PRIM boxes](prim_boxes.png)", ""]
    lines += ["## Uncertain parameters", "", _ranges_table(ranges), ""]
    lines += _files_section(
        "ranges.csv, discover_X.csv, discover_Y.csv (with the 0/1 backfire column), "
        "prim_boxes.csv, prim_trajectories.csv"
    )
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
