"""Fit report: target table with pass marks, per-target plots, loss trace, parameter samples.

Every figure is drawn from a CSV table written beside the report (fit_table, target_bands,
loss_trace, estimates, msm_sample, abc_sample, profiles), so
``python -m aiblocs.calibration.report FOLDER`` redraws a folder's figures without running the
model (:func:`rebuild`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.calibration import figures
from aiblocs.calibration.calibrate import Result
from aiblocs.calibration.targets import DERIVED
from aiblocs.viz.tables import markdown_table


def fit_table(res: Result) -> pd.DataFrame:
    """Target vs simulated mean and 90% band over seeds, with a pass mark (mean inside band)."""
    rows = []
    for k, t in enumerate(res.targets):
        col = res.sims[:, k]
        mean = float(col.mean())
        rows.append({
            "target": t.name, "set": t.set, "output": t.output, "span": f"{t.start}..{t.end}",
            "stat": t.stat, "observed": t.observed, "lo": t.lo, "hi": t.hi, "sim_mean": mean,
            "sim_p05": float(np.quantile(col, 0.05)), "sim_p95": float(np.quantile(col, 0.95)),
            "pass": bool(t.lo <= mean <= t.hi), "source": t.source,
        })  # fmt: skip
    return pd.DataFrame(rows)


def write_report(
    res: Result,
    frames: list[pd.DataFrame],
    out: Path,
    command: str,
    seconds: float,
    unmapped: dict[str, str],
) -> Path:
    """Write report.md, CSV tables, figures, samples and calibrated.toml into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table = fit_table(res)
    table.to_csv(out / "fit_table.csv", index=False)
    est = pd.DataFrame({"parameter": res.names, "estimate": res.theta, "se": res.inference.se,
                        "lo": res.lo, "hi": res.hi})  # fmt: skip
    est.to_csv(out / "estimates.csv", index=False)
    pd.DataFrame(res.msm_sample, columns=res.names).to_csv(out / "msm_sample.csv", index=False)
    pd.DataFrame(res.abc_sample, columns=res.names).to_csv(out / "abc_sample.csv", index=False)
    pd.DataFrame({"evaluation": range(1, len(res.trace) + 1), "best_loss": res.trace}).to_csv(
        out / "loss_trace.csv", index=False)  # fmt: skip
    target_bands(res, frames).to_csv(out / "target_bands.csv", index=False)
    pd.DataFrame(
        [(n, v, loss) for n, (grid, values) in res.profiles.items()
         for v, loss in zip(grid, values, strict=True)],
        columns=["parameter", "value", "loss"],
    ).to_csv(out / "profiles.csv", index=False)  # fmt: skip
    rebuild(out)
    write_calibrated_toml(res, out / "calibrated.toml", command)
    inf = res.inference
    summary = {
        "estimate": dict(zip(res.names, res.theta.tolist(), strict=True)),
        "se": dict(zip(res.names, inf.se.tolist(), strict=True)),
        "J": inf.J, "df": inf.df, "p_value": inf.p_value, "rank": inf.rank,
        "condition": inf.condition, "evaluations": res.evaluations, "seconds": seconds,
    }  # fmt: skip
    (out / "calibration.json").write_text(json.dumps(summary, indent=2))
    fit, hold = table[table["set"] == "fit"], table[table["set"] == "holdout"]
    lines = [
        "# Calibration report", "", f"Command: `{command}`  ", f"Runtime: {seconds:.0f} s, "
        f"{res.evaluations} parameter vectors x {res.sims.shape[0]} common seeds.", "",
        "## Fit", "",
        f"In-sample targets inside their band: **{int(fit['pass'].sum())} of {len(fit)}**; "
        f"held-out: **{int(hold['pass'].sum())} of {len(hold)}**.", "",
        f"J = {inf.J:.2f} on {inf.df} degrees of freedom (p = {inf.p_value:.3g}); "
        f"Jacobian rank {inf.rank} of {len(res.names)}, condition number {inf.condition:.3g}.",
        "", _md(table[["target", "set", "span", "observed", "lo", "hi", "sim_mean", "sim_p05",
                       "sim_p95", "pass"]]), "",
        "## Estimates (sandwich standard errors, two-step weights)", "", _md(est), "",
        "![targets](targets.png)", "", "![loss trace](loss_trace.png)", "",
        "![profiles](profiles.png)", "", "![marginals](marginals.png)", "",
        f"Parameter samples: `msm_sample.csv` ({len(res.msm_sample)} draws from N(estimate, "
        f"sandwich covariance) in the box) and `abc_sample.csv` ({len(res.abc_sample)} vectors "
        "accepted by rejection ABC from the search). Figures as PNG, SVG and PDF, each drawn "
        "from the CSV tables here: `python -m aiblocs.calibration.report <this folder>` redraws "
        "them without running the model.", "",
        "## Facts not mapped", "", *[f"- **{k}**: {v}" for k, v in unmapped.items()], "",
    ]  # fmt: skip
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def write_calibrated_toml(res: Result, path: Path, command: str) -> None:
    """Parameter defaults file with its provenance."""
    lines = ["# Calibrated parameter defaults (loaded by aiblocs.model.params at import).",
             f"# Produced by: {command}",
             f"# J = {res.inference.J:.2f} (df {res.inference.df}); see docs/calibration.md.",
             "[params]"]  # fmt: skip
    lines += [f"{n} = {v:.6g}" for n, v in zip(res.names, res.theta, strict=True)]
    path.write_text("\n".join(lines) + "\n")


def _md(df: pd.DataFrame) -> str:
    return markdown_table(df.map(lambda v: f"{v:.4g}" if isinstance(v, float) else v))


def target_bands(res: Result, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per target output and quarter: 5%, 50% and 95% quantiles of the simulated series."""
    quarters = list(frames[0]["quarter"])
    rows = []
    for name in dict.fromkeys(t.output for t in res.targets):
        series = np.array([(DERIVED[name](f) if name in DERIVED else f[name]).to_numpy()
                           for f in frames])  # fmt: skip
        lo, med, hi = np.quantile(series, [0.05, 0.5, 0.95], axis=0)
        rows += [{"output": name, "quarter": q, "p05": a, "p50": b, "p95": c}
                 for q, a, b, c in zip(quarters, lo, med, hi, strict=True)]  # fmt: skip
    return pd.DataFrame(rows)


def rebuild(out: str | Path) -> list[Path]:
    """Redraw a calibration folder's figures from its CSV tables; return the figures drawn.

    A figure whose tables are missing (folders written before target_bands.csv and
    profiles.csv existed) is left as it is, with a note on stderr.
    """
    out = Path(out)
    names = ("fit_table", "target_bands", "loss_trace", "estimates", "msm_sample", "abc_sample",
             "profiles")  # fmt: skip
    read = {n: out / f"{n}.csv" for n in names}
    plans = {
        "targets": (("target_bands", "fit_table"), figures.targets_figure),
        "loss_trace": (("loss_trace",), figures.trace_figure),
        "marginals": (("estimates", "msm_sample", "abc_sample"), figures.marginals_figure),
        "profiles": (("profiles", "estimates"), figures.profiles_figure),
    }
    drawn = []
    for fig_name, (tables, draw) in plans.items():
        missing = [t for t in tables if not read[t].exists()]
        if fig_name == "targets" and not missing and "stat" not in pd.read_csv(read["fit_table"]):
            missing = ["fit_table.csv with a 'stat' column"]
        if missing:
            print(f"{out}: {fig_name}.png not redrawn (no {', '.join(missing)})", file=sys.stderr)
            continue
        drawn.append(draw(*(pd.read_csv(read[t]) for t in tables), out / f"{fig_name}.png"))
    return drawn


def main(argv: list[str] | None = None) -> int:
    """``python -m aiblocs.calibration.report FOLDER...``: redraw each folder's figures."""
    folders = sys.argv[1:] if argv is None else argv
    if not folders:
        print("usage: python -m aiblocs.calibration.report FOLDER [FOLDER...]", file=sys.stderr)
        return 2
    for folder in folders:
        for path in rebuild(folder):
            print(f"redrew {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
