"""report.md, CSV tables and figures of a compare results folder."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from aiblocs.compare import figures, stats
from aiblocs.ensemble.spec import ExperimentSpec, design_label
from aiblocs.ensemble.store import load_parts, read_manifest
from aiblocs.model.outcomes import HEADLINE, LOCK_SHARE, LOCK_SWITCH, OUTCOMES
from aiblocs.viz.tables import markdown_table


@dataclass
class Report:
    """Tables of an experiment (also written as CSV) and the warnings that apply."""

    outcomes: pd.DataFrame
    summary: pd.DataFrame
    effects: pd.DataFrame
    lockin: pd.DataFrame
    warnings: list[str]
    design_effects: pd.DataFrame  # each design vs design 0 of the same regime (if > 1 design)
    interaction: pd.DataFrame = field(default_factory=pd.DataFrame)  # 2 regimes x 2 designs


def fmt(x: float, digits: int = 3) -> str:
    """Number for a table cell ('' for NaN)."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}g}"


def ci_cell(m: float, lo: float, hi: float) -> str:
    """``mean [lo, hi]``."""
    return fmt(m) if math.isnan(lo) else f"{fmt(m)} [{fmt(lo)}, {fmt(hi)}]"


def summary_wide(rep: Report, names: list[str] | None = None) -> pd.DataFrame:
    """Outcome x arm table of ``mean [95% CI]`` cells."""
    s = rep.summary if names is None else rep.summary[rep.summary.outcome.isin(names)]
    s = s.assign(
        cell=[ci_cell(a, b, c) for a, b, c in zip(s["mean"], s.ci_lo, s.ci_hi, strict=True)]
    )
    s = s[s["n"] > 0]  # an outcome the runs do not reach (e.g. 2035 in a run ending 2030)
    wide = s.pivot(index="outcome", columns="arm_label", values="cell")
    wide = wide.reindex(
        index=[o for o in (names or OUTCOMES) if o in wide.index],
        columns=list(dict.fromkeys(s.arm_label)),
    )
    return wide.reset_index()


def lockin_display(rep: Report) -> pd.DataFrame:
    """Lock-in probabilities with Wilson CIs as text."""
    t = rep.lockin
    out = pd.DataFrame({"arm": t.arm_label, "n": t.n})
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
    e = e[e.outcome.isin(names) & (e["n"] > 0)]
    out = pd.DataFrame(
        {
            "outcome": e.outcome,
            "arm": e.arm_label,
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


def compute(
    folder: str | Path, n_boot: int = 0, spec: ExperimentSpec | None = None
) -> tuple[ExperimentSpec, pd.DataFrame, Report]:
    """Load a compare results folder and compute every table.

    ``spec`` is the experiment the folder holds; None rebuilds it from the manifest.
    """
    spec = spec or ExperimentSpec.from_dict(read_manifest(folder)["spec"])
    rows = load_parts(folder, "run_id")
    outcomes = stats.outcome_table(rows, spec)
    rep = Report(
        outcomes,
        stats.summary(outcomes, spec),
        stats.paired_effects(outcomes, spec, n_boot=n_boot),
        stats.lockin(outcomes, spec),
        stats.size_warnings(outcomes),
        stats.paired_effects(outcomes, spec, n_boot=n_boot, within_regime=True)
        if len(spec.designs) > 1
        else pd.DataFrame(),
        stats.interaction(outcomes, spec),
    )
    return spec, rows, rep


def make_report(
    folder: str | Path,
    n_boot: int = 0,
    figures_too: bool = True,
    spec: ExperimentSpec | None = None,
) -> Report:
    """Write report.md, summary/paired_effects/lockin/outcomes CSVs and figures.

    ``spec`` is the experiment the folder holds (None: rebuilt from its manifest).
    """
    folder = Path(folder)
    spec, rows, rep = compute(folder, n_boot, spec)
    rep.outcomes.to_csv(folder / "outcomes.csv", index=False)
    rep.summary.to_csv(folder / "summary.csv", index=False)
    rep.effects.to_csv(folder / "paired_effects.csv", index=False)
    rep.lockin.to_csv(folder / "lockin.csv", index=False)
    if len(rep.design_effects):
        rep.design_effects.to_csv(folder / "design_effects.csv", index=False)
    if len(rep.interaction):
        rep.interaction.to_csv(folder / "interaction.csv", index=False)
    arms = stats.arm_labels(spec)
    if figures_too:
        if "quarter" in rows:
            figures.fan_charts(rows, arms, folder / "fan_charts.png")
        figures.lockin_bars(rep.lockin, folder / "lockin.png")
        if len(rep.effects):
            figures.forest(rep.effects, HEADLINE, folder / "forest.png", list(arms.values()))
    (folder / "report.md").write_text(render(spec, rep, read_manifest(folder), figures_too))
    return rep


def _effects_section(rep: Report) -> list[str]:
    if not len(rep.effects):
        return ["## Paired effects", "", "One arm only: there is nothing to compare it with.", ""]
    return [
        f"## Paired effects vs {rep.effects['reference'].iloc[0]}",
        "",
        "Per seed, arm minus reference; 95% CI from the paired t interval on the differences"
        + (" (and a paired percentile bootstrap over seeds)" if "boot_lo" in rep.effects else "")
        + "; 'sign holds' = fraction of seeds whose difference has the sign of the mean. "
        "All outcomes are in paired_effects.csv.",
        "",
        markdown_table(effects_display(rep, list(HEADLINE))),
        "",
    ]


def render(spec: ExperimentSpec, rep: Report, manifest: dict, with_figures: bool) -> str:
    """The text of report.md."""
    designs = "; ".join(f"{i}: {design_label(d)}" for i, d in enumerate(spec.designs))
    lines = [
        "# aiblocs experiment report",
        "",
        f"- regimes: {', '.join(spec.labels)} (reference: {spec.reference})",
        f"- designs: {designs}",
        f"- fixed overrides: {spec.overrides or 'none'}",
        f"- seeds: {spec.n_seeds} from SeedSequence({spec.root_seed}); the same seeds for every "
        "arm (common random numbers), so effects are paired differences",
        f"- adopters per run: {spec.runs()[0].scenario.n_adopters}; runs: {len(rep.outcomes)}",
        f"- aiblocs {manifest.get('aiblocs_version')}, commit "
        f"{(manifest.get('git') or {}).get('commit')}, model fingerprint "
        f"{manifest.get('code_fingerprint')}",
        "",
    ]
    lines += [f"> **Warning:** {w}" for w in rep.warnings] + ([""] if rep.warnings else [])
    lines += ["## Outcomes: mean [95% t CI] over seeds", "", markdown_table(summary_wide(rep)), ""]
    lines += [
        *_effects_section(rep),
        f"## Global South lock-in at the horizon ({spec.runs()[0].scenario.horizon[1]})",
        "",
        f"Definition: the GS is locked into a stack when that stack's share of adopted GS units "
        f"exceeds {LOCK_SHARE} and gs_switch_rate is below {LOCK_SWITCH} at the quarter; "
        "otherwise contested. Lock-in year = first quarter from which the GS stays locked into "
        "the same stack up to the horizon (median over locked runs). Probabilities over seeds "
        "with Wilson score 95% CIs.",
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
    if len(rep.interaction):
        t = rep.interaction[rep.interaction["outcome"].isin(HEADLINE) & (rep.interaction.n > 0)]
        shown = pd.DataFrame(
            {
                "outcome": t.outcome,
                "n": t.n,
                "interaction [paired-t 95% CI]": [
                    ci_cell(a, b, c)
                    for a, b, c in zip(t.interaction, t.ci_lo, t.ci_hi, strict=True)
                ],
            }
        )
        lines += [
            "## Interaction (2 x 2)",
            "",
            f"How much more {t.designs.iloc[0]} moves each outcome under {t.regimes.iloc[0]}, "
            "per seed: (B1 - B0) - (A1 - A0), a difference in differences over common seeds. "
            "All outcomes are in interaction.csv.",
            "",
            markdown_table(shown),
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
    lines += ["## Outcome definitions", ""]
    lines += [f"- `{k}`: {o.label} ({o.unit})" for k, o in OUTCOMES.items()]
    return "\n".join(lines) + "\n"
