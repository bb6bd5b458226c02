"""report.md, CSV tables and PNG figures of a results folder."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from aiblocs.experiments import figures, stats
from aiblocs.experiments.evaluate import LOCK_SHARE, LOCK_SWITCH, OUTCOMES
from aiblocs.experiments.spec import ExperimentSpec, design_label
from aiblocs.experiments.storage import load_results, read_manifest

# Outcomes shown in the forest plot and the printed summary: name -> short title.
HEADLINE = {
    "adoption_gs_2030": "GS adoption 2030Q4",
    "gs_share_cn_stack_2035": "GS share CN stack 2035Q4",
    "gs_locked_cn": "P(GS locked into CN) 2035",
    "cn_lag_months_2030": "China lag 2030Q4 (months)",
    "cn_domestic_chip_share_2030": "CN domestic chip share 2030Q4",
    "us_chip_revenue_cn_cum": "US chip revenue from CN, cum. (USD bn)",
}


@dataclass
class Report:
    """Tables of an experiment (also written as CSV) and the warnings that apply."""

    outcomes: pd.DataFrame
    summary: pd.DataFrame
    effects: pd.DataFrame
    lockin: pd.DataFrame
    warnings: list[str]
    design_effects: pd.DataFrame  # each design vs design 0 of the same regime (if > 1 design)


def fmt(x: float, digits: int = 3) -> str:
    """Number for a table cell ('' for NaN)."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


def ci_cell(m: float, lo: float, hi: float) -> str:
    """``mean [lo, hi]``."""
    return fmt(m) if math.isnan(lo) else f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"


def markdown_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def summary_wide(rep: Report, names: list[str] | None = None) -> pd.DataFrame:
    """Outcome x arm table of ``mean [95% CI]`` cells."""
    s = rep.summary if names is None else rep.summary[rep.summary.outcome.isin(names)]
    s = s.assign(
        cell=[ci_cell(a, b, c) for a, b, c in zip(s["mean"], s.ci_lo, s.ci_hi, strict=True)]
    )
    wide = s.pivot(index="outcome", columns="arm", values="cell")
    wide = wide.reindex(
        index=[o for o in (names or OUTCOMES) if o in wide.index],
        columns=list(dict.fromkeys(s.arm)),
    )
    return wide.reset_index()


def lockin_display(rep: Report) -> pd.DataFrame:
    """Lock-in probabilities with Wilson CIs as text."""
    t = rep.lockin
    out = pd.DataFrame({"arm": t.arm, "n": t.n})
    for s in ("us", "cn", "contested"):
        out[f"P({s})"] = [
            ci_cell(a, b, c)
            for a, b, c in zip(t[f"p_{s}"], t[f"p_{s}_lo"], t[f"p_{s}_hi"], strict=True)
        ]
    out["median lock-in year"] = [fmt(v, 6) for v in t.median_lockin_year]
    return out


def effects_display(
    rep: Report, names: list[str], table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Paired effects (``rep.effects`` unless ``table`` is given) of some outcomes, as text."""
    e = rep.effects if table is None else table
    e = e[e.outcome.isin(names)]
    out = pd.DataFrame(
        {
            "outcome": e.outcome,
            "arm": e.arm,
            "reference": e.reference,
            "n": e.n,
            "mean diff [paired-t 95% CI]": [
                ci_cell(a, b, c) for a, b, c in zip(e.mean_diff, e.ci_lo, e.ci_hi, strict=True)
            ],
            "sign holds": [fmt(v, 2) for v in e.sign_frac],
        }
    )
    if "boot_lo" in e:
        out["bootstrap 95% CI"] = [
            f"[{fmt(a)}, {fmt(b)}]" for a, b in zip(e.boot_lo, e.boot_hi, strict=True)
        ]
    return out


def compute(folder: str | Path, n_boot: int = 0) -> tuple[ExperimentSpec, pd.DataFrame, Report]:
    """Load a results folder and compute every table."""
    spec = ExperimentSpec.from_dict(read_manifest(folder)["spec"])
    tidy = load_results(folder)
    outcomes = stats.outcome_table(tidy, spec)
    rep = Report(
        outcomes,
        stats.summary(outcomes, spec),
        stats.paired_effects(outcomes, spec, n_boot=n_boot),
        stats.lockin(outcomes, spec),
        stats.size_warnings(outcomes),
        stats.paired_effects(outcomes, spec, n_boot=n_boot, within_regime=True)
        if len(spec.designs) > 1
        else pd.DataFrame(),
    )
    return spec, tidy, rep


def make_report(folder: str | Path, n_boot: int = 0, figures_too: bool = True) -> Report:
    """Write report.md, summary/paired_effects/lockin/outcomes CSVs and PNG figures."""
    folder = Path(folder)
    spec, tidy, rep = compute(folder, n_boot)
    rep.outcomes.to_csv(folder / "outcomes.csv", index=False)
    rep.summary.to_csv(folder / "summary.csv", index=False)
    rep.effects.to_csv(folder / "paired_effects.csv", index=False)
    rep.lockin.to_csv(folder / "lockin.csv", index=False)
    if len(rep.design_effects):
        rep.design_effects.to_csv(folder / "design_effects.csv", index=False)
    arms = stats.arm_labels(spec)
    if figures_too:
        figures.fan_charts(tidy, arms, folder / "fan_charts.png")
        figures.lockin_bars(rep.lockin, folder / "lockin.png")
        if len(rep.effects):
            figures.forest(rep.effects, HEADLINE, folder / "forest.png", list(arms.values()))
    (folder / "report.md").write_text(render(spec, rep, read_manifest(folder), figures_too))
    return rep


def render(spec: ExperimentSpec, rep: Report, manifest: dict, with_figures: bool) -> str:
    """The text of report.md."""
    designs = "; ".join(f"{i}: {design_label(d)}" for i, d in enumerate(spec.designs))
    lines = [
        "# aiblocs experiment report",
        "",
        f"- regimes: {', '.join(spec.regimes)} (reference: {spec.reference})",
        f"- designs: {designs}",
        f"- fixed overrides: {spec.overrides or 'none'}",
        f"- seeds: {spec.n_seeds} from SeedSequence({spec.root_seed}); the same seeds for every "
        "arm (common random numbers), so effects are paired differences",
        f"- adopters per run: {spec.n_adopters}; runs: {len(rep.outcomes)}",
        f"- aiblocs {manifest.get('aiblocs_version')}, commit {manifest.get('git_commit')}, "
        f"{manifest.get('start')} to {manifest.get('end')}",
        "",
    ]
    lines += [f"> **Warning:** {w}" for w in rep.warnings] + ([""] if rep.warnings else [])
    lines += ["## Outcomes: mean [95% t CI] over seeds", "", markdown_table(summary_wide(rep)), ""]
    lines += [
        f"## Paired effects vs {rep.effects['reference'].iloc[0] if len(rep.effects) else '-'}",
        "",
        "Per seed, arm minus reference; 95% CI from the paired t interval on the differences"
        + (" (and a paired percentile bootstrap over seeds)" if "boot_lo" in rep.effects else "")
        + "; 'sign holds' = fraction of seeds whose difference has the sign of the mean. "
        "All outcomes are in paired_effects.csv.",
        "",
        markdown_table(effects_display(rep, list(HEADLINE))),
        "",
        "## Global South lock-in at 2035Q4",
        "",
        f"Definition: the GS is locked into a stack when that stack's share of adopted GS units "
        f"exceeds {LOCK_SHARE} and gs_switch_rate is below {LOCK_SWITCH} at the quarter; "
        "otherwise contested. Lock-in year = first quarter from which the GS stays locked into "
        "the same stack up to 2035Q4 (median over locked runs). Probabilities over seeds with "
        "Wilson score 95% CIs.",
        "",
        markdown_table(lockin_display(rep)),
        "",
    ]
    if len(rep.design_effects):
        lines += [
            "## Design effects within each regime",
            "",
            "Each design minus design 0 of the same regime, paired by seed (paired t 95% CI). "
            "All outcomes are in design_effects.csv.",
            "",
            markdown_table(effects_display(rep, list(HEADLINE), rep.design_effects)),
            "",
        ]
    if with_figures:
        lines += [
            "## Figures",
            "",
            "![fan charts](fan_charts.png)",
            "",
            "![lock-in](lockin.png)",
            "",
        ]
        if len(rep.effects):
            lines += ["![paired effects](forest.png)", ""]
    lines += ["## Outcome definitions", ""] + [f"- `{k}`: {v}" for k, v in OUTCOMES.items()]
    return "\n".join(lines) + "\n"
