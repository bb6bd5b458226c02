"""Fit report: target table with pass marks, per-target plots, loss trace, parameter samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.calibration.calibrate import Result
from aiblocs.calibration.targets import DERIVED
from aiblocs.model.calendar import year_ticks
from aiblocs.viz.style import figure_grid, save
from aiblocs.viz.tables import markdown_table


def fit_table(res: Result) -> pd.DataFrame:
    """Target vs simulated mean and 90% band over seeds, with a pass mark (mean inside band)."""
    rows = []
    for k, t in enumerate(res.targets):
        col = res.sims[:, k]
        mean = float(col.mean())
        rows.append({
            "target": t.name, "set": t.set, "output": t.output, "span": f"{t.start}..{t.end}",
            "observed": t.observed, "lo": t.lo, "hi": t.hi, "sim_mean": mean,
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
    _plot_targets(res, frames, out / "targets.png")
    _plot_trace(res, out / "loss_trace.png")
    _plot_marginals(res, out / "marginals.png")
    _plot_profiles(res, out / "profiles.png")
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
        "accepted by rejection ABC from the search).", "",
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


def _plot_targets(res: Result, frames: list[pd.DataFrame], path: Path) -> None:
    outputs = list(dict.fromkeys(t.output for t in res.targets))
    fig, axes = figure_grid(len(outputs), ncols=3, panel=(5.0, 3.6))
    quarters = list(frames[0]["quarter"])
    x = np.arange(len(quarters))
    for ax, name in zip(axes, outputs, strict=True):
        series = np.array([(DERIVED[name](f) if name in DERIVED else f[name]).to_numpy()
                           for f in frames])  # fmt: skip
        lo, med, hi = np.quantile(series, [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(x, lo, hi, alpha=0.3, label="simulated 90% band")
        ax.plot(x, med, label="simulated median")
        for t in (t for t in res.targets if t.output == name):
            a, b = quarters.index(t.start), quarters.index(t.end)
            color = "k" if t.set == "fit" else "tab:red"
            if t.stat == "sum":  # sums are drawn as per-quarter means
                scale = 1 / (b - a + 1)
            elif t.stat == "growth":  # growth is drawn as the level it implies at the span's end
                scale, a = med[a], b
            else:
                scale = 1.0
            ax.fill_between([a - 0.4, b + 0.4], t.lo * scale, t.hi * scale, color=color,
                            alpha=0.15)  # fmt: skip
            ax.plot([a, b], [t.observed * scale] * 2, color=color, lw=2)
        ax.set_title(name)
        ticks = year_ticks(quarters[0], len(quarters))
        ax.set_xticks([i for i, _ in ticks], [y for _, y in ticks])
        ax.set_xlim(0, 24)
    axes[0].legend(fontsize=8)
    fig.suptitle("Targets (black: fit, red: held out) vs simulated, calibrated parameters")
    fig.tight_layout()
    save(fig, path)


def _plot_trace(res: Result, path: Path) -> None:
    fig, (ax,) = figure_grid(1, panel=(6, 3.5))
    ax.semilogy(range(1, len(res.trace) + 1), res.trace)
    ax.set_xlabel("parameter vectors evaluated")
    ax.set_ylabel("best step-1 loss")
    fig.tight_layout()
    save(fig, path)


def _plot_marginals(res: Result, path: Path) -> None:
    fig, axes = figure_grid(len(res.names), ncols=4, panel=(3.4, 2.8))
    for j, ax in enumerate(axes):
        ax.hist(res.msm_sample[:, j], bins=20, range=(res.lo[j], res.hi[j]), alpha=0.6,
                density=True, label="MSM")  # fmt: skip
        if len(res.abc_sample):
            ax.hist(res.abc_sample[:, j], bins=20, range=(res.lo[j], res.hi[j]), alpha=0.6,
                    density=True, label="ABC")  # fmt: skip
        ax.axvline(res.theta[j], color="k")
        ax.set_title(res.names[j], fontsize=9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save(fig, path)


def _plot_profiles(res: Result, path: Path) -> None:
    fig, axes = figure_grid(len(res.names), ncols=4, panel=(3.4, 2.8))
    for ax, (name, (grid, values)) in zip(axes, res.profiles.items(), strict=True):
        ax.plot(grid, values, marker="o")
        ax.axvline(res.theta[res.names.index(name)], color="k", ls="--")
        ax.set_title(name, fontsize=9)
    axes[0].set_ylabel("step-2 loss")
    fig.tight_layout()
    save(fig, path)
