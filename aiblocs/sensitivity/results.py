"""Reusable results of ``aiblocs sensitivity`` and ``aiblocs discover``: CSV files and a rebuild.

Beside its ``report.md`` every run writes, into its output folder:

* ``ranges.csv``: the uncertain parameters (name, lo, hi, why);
* ``morris_X.csv`` / ``morris_Y.csv``: the Morris sample (one row per point, one column per
  parameter) and the analysed outcomes of each point (row-aligned, see
  :data:`aiblocs.sensitivity.design.ANALYSED`); ``morris_indices.csv``: per outcome and
  parameter mu, mu*, its 95% CI half-width, sigma and mu* normalised by the outcome's largest;
* ``sobol_X.csv`` / ``sobol_Y.csv`` / ``sobol_indices.csv`` (Sobol runs): S1 and ST with their
  95% bootstrap CI half-widths;
* ``discover_X.csv`` / ``discover_Y.csv`` (with the 0/1 ``backfire`` column), ``prim_boxes.csv``
  (one row per box and restricted parameter: limits, coverage, density, support, points,
  density if lifted) and ``prim_trajectories.csv`` (coverage, density, support of every box
  along each peeling trajectory);
* ``meta.json``: the command, runtime and sizes the report quotes.

``python -m aiblocs.sensitivity.results FOLDER`` rewrites the report and figures of a folder
from these files alone, without running the model (e.g. after a change of figure style).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aiblocs.sensitivity.discover import backfire
from aiblocs.sensitivity.prim import Box
from aiblocs.sensitivity.ranges import Range


def _write(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False, float_format="%.10g")
    return path


def _split(points: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sample columns (parameters) and outcome columns of a run_morris/run_sobol frame."""
    return points[names], points[[c for c in points.columns if c not in names]]


def write_ranges_and_meta(out: Path, ranges: list[Range], meta: dict[str, Any]) -> list[Path]:
    """``ranges.csv`` and ``meta.json``."""
    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([(r.name, r.lo, r.hi, r.why) for r in ranges],
                         columns=["parameter", "lo", "hi", "why"])  # fmt: skip
    (out / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
    return [_write(table, out / "ranges.csv"), out / "meta.json"]


def write_method(
    out: Path, method: str, names: list[str], indices: pd.DataFrame, points: pd.DataFrame | None
) -> list[Path]:
    """``{method}_indices.csv`` and, given the evaluated ``points``, ``{method}_X/Y.csv``."""
    written = [_write(indices, out / f"{method}_indices.csv")]
    if points is not None:
        X, Y = _split(points, names)
        written += [_write(X, out / f"{method}_X.csv"), _write(Y, out / f"{method}_Y.csv")]
    return written


def write_discover(out: Path, res: dict[str, Any]) -> list[Path]:
    """Sample, outcomes, PRIM boxes and trajectories of a discovery run as CSV."""
    Y = res["Y"].assign(backfire=res["y"].astype(int))
    rows = []
    for k, box in enumerate(res["boxes"], start=1):
        for name in box.restricted or (None,):
            lo, hi = box.limits[name] if name else (np.nan, np.nan)
            lifted = box.density_if_lifted.get(name, np.nan) if name else np.nan
            rows.append({
                "box": k, "coverage": box.coverage, "density": box.density,
                "support": box.support, "n_points": box.n_points, "parameter": name,
                "lo": lo, "hi": hi, "density_if_lifted": lifted,
            })  # fmt: skip
    traj = [
        {"box": k, "step": i, "coverage": b.coverage, "density": b.density, "support": b.support,
         "n_points": b.n_points}
        for k, t in enumerate(res["trajectories"], start=1)
        for i, b in enumerate(t)
    ]  # fmt: skip
    cols = ["box", "coverage", "density", "support", "n_points", "parameter", "lo", "hi",
            "density_if_lifted"]  # fmt: skip
    tcols = ["box", "step", "coverage", "density", "support", "n_points"]
    return [
        _write(res["X"], out / "discover_X.csv"),
        _write(Y, out / "discover_Y.csv"),
        _write(pd.DataFrame(rows, columns=cols), out / "prim_boxes.csv"),
        _write(pd.DataFrame(traj, columns=tcols), out / "prim_trajectories.csv"),
    ]


def load_ranges_csv(out: Path) -> list[Range]:
    """The ranges a folder was run with (``ranges.csv``)."""
    t = pd.read_csv(out / "ranges.csv", keep_default_na=False)
    return [Range(r.parameter, float(r.lo), float(r.hi), str(r.why)) for r in t.itertuples()]


def _boxes(table: pd.DataFrame, ranges: list[Range]) -> list[Box]:
    full = {r.name: (r.lo, r.hi) for r in ranges}
    boxes = []
    for _, g in table.groupby("box", sort=True):
        named = g.dropna(subset=["parameter"])  # a box with no restriction has one empty row
        limits = dict(full)
        limits.update({r.parameter: (float(r.lo), float(r.hi)) for r in named.itertuples()})
        first = g.iloc[0]
        boxes.append(Box(
            limits=limits, coverage=float(first.coverage), density=float(first.density),
            support=float(first.support), n_points=int(first.n_points),
            restricted=tuple(named["parameter"]),
            density_if_lifted=dict(zip(named["parameter"], named["density_if_lifted"],
                                       strict=True)),
        ))  # fmt: skip
    return boxes


def load_discover(out: Path) -> dict[str, Any]:
    """The ``res`` mapping of :func:`aiblocs.sensitivity.discover.run_discover`, from CSV."""
    meta = json.loads((out / "meta.json").read_text())
    X, Y = pd.read_csv(out / "discover_X.csv"), pd.read_csv(out / "discover_Y.csv")
    y = Y.pop("backfire").to_numpy(float)
    ranges = load_ranges_csv(out)
    traj = pd.read_csv(out / "prim_trajectories.csv")
    trajectories = [
        [Box({}, r.coverage, r.density, r.support, int(r.n_points)) for r in g.itertuples()]
        for _, g in traj.groupby("box", sort=True)
    ]
    tol = float(meta.get("tol_months", 0.5))
    if not np.array_equal(backfire(Y, tol).to_numpy(), y):
        raise ValueError(f"{out}: discover_Y.csv's backfire column does not match its outcomes")
    return {
        "X": X, "Y": Y, "y": y, "tol_months": tol,
        "boxes": _boxes(pd.read_csv(out / "prim_boxes.csv"), ranges),
        "trajectories": trajectories,
        "strict_rate": float((Y["d_cn_lag_months_2030"] < 0).mean()),
        "domestic_rate": float((Y["d_cn_domestic_chip_share_2030"] > 0).mean()),
    }  # fmt: skip


def rebuild(out: str | Path) -> Path:
    """Rewrite ``report.md`` and the figures of a sensitivity or discover folder from its CSVs.

    Raises:
        ValueError: if the folder holds neither kind of results.
    """
    from aiblocs.sensitivity import report

    out = Path(out)
    if not (out / "meta.json").exists() or not (out / "ranges.csv").exists():
        raise ValueError(f"{out} has no meta.json and ranges.csv: not a results folder")
    meta = json.loads((out / "meta.json").read_text())
    ranges = load_ranges_csv(out)
    if (out / "discover_Y.csv").exists():
        return report.write_discover_report(out, ranges, load_discover(out), meta, csv=False)
    if not (out / "morris_indices.csv").exists():
        raise ValueError(f"{out} holds neither morris_indices.csv nor discover_Y.csv")
    morris = pd.read_csv(out / "morris_indices.csv")
    sobol_path = out / "sobol_indices.csv"
    sobol = pd.read_csv(sobol_path) if sobol_path.exists() else None
    keep = list(meta.get("survivors", []))
    return report.write_sensitivity_report(out, ranges, morris, keep, sobol, meta, csv=False)


def main(argv: list[str] | None = None) -> int:
    """``python -m aiblocs.sensitivity.results FOLDER...``: rebuild each folder's report."""
    folders = sys.argv[1:] if argv is None else argv
    if not folders:
        print("usage: python -m aiblocs.sensitivity.results FOLDER [FOLDER...]", file=sys.stderr)
        return 2
    for folder in folders:
        print(f"rewrote {rebuild(folder)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
