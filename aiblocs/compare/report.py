"""report.md, CSV tables and figures of a compare results folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from aiblocs.compare import figures, stats
from aiblocs.compare import paths as pathdep
from aiblocs.compare.cells import ci_cell, fmt
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
    paths: pathdep.Paths | None = None  # path dependence: countries, events, variance, CRN gain


def _diff_kind(name: str) -> str:
    """Formatting kind of a difference: a difference of years is a duration, not a year."""
    return "" if OUTCOMES[name].kind == "year" else OUTCOMES[name].kind


def summary_wide(rep: Report, names: list[str] | None = None) -> pd.DataFrame:
    """Outcome x arm table of ``mean [95% CI]`` cells (columns: the arms in words)."""
    s = rep.summary if names is None else rep.summary[rep.summary.outcome.isin(names)]
    s = s.assign(
        cell=[
            ci_cell(a, b, c, OUTCOMES[o].kind)
            for a, b, c, o in zip(s["mean"], s.ci_lo, s.ci_hi, s.outcome, strict=True)
        ]
    )
    s = s[s["n"] > 0]  # an outcome the runs do not reach (e.g. 2035 in a run ending 2030)
    wide = s.pivot(index="outcome", columns="arm_title", values="cell")
    wide = wide.reindex(
        index=[o for o in (names or OUTCOMES) if o in wide.index],
        columns=list(dict.fromkeys(s.arm_title)),
    )
    wide.insert(0, "unit", [OUTCOMES[o].unit for o in wide.index])
    return wide.reset_index()


def lockin_display(rep: Report) -> pd.DataFrame:
    """Lock-in probabilities with Wilson CIs as text."""
    t = rep.lockin
    out = pd.DataFrame({"arm": t.arm_title, "n": t.n})
    for s in ("us", "cn", "contested"):
        out[f"P({s})"] = [
            ci_cell(a, b, c)
            for a, b, c in zip(t[f"p_{s}"], t[f"p_{s}_lo"], t[f"p_{s}_hi"], strict=True)
        ]
    out["median lock-in year"] = [
        fmt(v, kind="year") or "none locked" for v in t.median_lockin_year
    ]
    return out


def effects_display(
    rep: Report, names: list[str], table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Paired effects (``rep.effects`` unless ``table`` is given) of some outcomes, as text.

    'sign holds' is ``n/a`` where the mean difference is 0 (e.g. identical in every seed).
    """
    e = rep.effects if table is None else table
    e = e[e.outcome.isin(names) & (e["n"] > 0)]
    out = pd.DataFrame(
        {
            "outcome": e.outcome,
            "arm": e.arm_title,
            "reference": e.reference_title,
            "n": e.n,
            "mean diff [95% CI]": [
                ci_cell(a, b, c, _diff_kind(o))
                for a, b, c, o in zip(e.mean_diff, e.ci_lo, e.ci_hi, e.outcome, strict=True)
            ],
            "CI method": e.ci_method,
            "sign holds": [fmt(v, 2) or "n/a" for v in e.sign_frac],
        }
    )
    if "boot_lo" in e:
        out["bootstrap 95% CI"] = [
            f"[{fmt(a, kind=_diff_kind(o))}, {fmt(b, kind=_diff_kind(o))}]"
            for a, b, o in zip(e.boot_lo, e.boot_hi, e.outcome, strict=True)
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
    rep.paths = pathdep.compute(folder, spec, outcomes)
    return spec, rows, rep


def make_report(
    folder: str | Path,
    n_boot: int = 0,
    figures_too: bool = True,
    spec: ExperimentSpec | None = None,
) -> Report:
    """Write report.md, summary/paired_effects/lockin/outcomes CSVs and figures.

    Also the path-dependence tables (:mod:`aiblocs.compare.paths`): country_outcomes,
    country_lockin, country_shares, country_effects, variance, crn_gain, event_diffs and
    event_summary CSVs, and country_lockin.png.

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
    arms = stats.arm_titles(spec)
    if figures_too:
        if "quarter" in rows:
            figures.fan_charts(rows, arms, folder / "fan_charts.png")
        figures.lockin_bars(rep.lockin, folder / "lockin.png")
        if len(rep.effects):
            figures.forest(rep.effects, HEADLINE, folder / "forest.png", list(arms.values()))
    if rep.paths is not None:
        pathdep.write(rep.paths, folder, spec, figures_too)
    (folder / "report.md").write_text(render(spec, rep, read_manifest(folder), figures_too))
    return rep


def _effects_section(rep: Report) -> list[str]:
    if not len(rep.effects):
        return ["## Paired effects", "", "One arm only: there is nothing to compare it with.", ""]
    return [
        f"## Paired effects vs {rep.effects['reference_title'].iloc[0]}",
        "",
        "Per seed, arm minus reference; 95% CI from the paired t interval on the differences "
        "(for shares intersected with [-1, 1]; for the 0/1 lock-in outcomes Newcombe's score "
        "interval for paired proportions)"
        + (" and a paired percentile bootstrap over seeds" if "boot_lo" in rep.effects else "")
        + "; 'sign holds' = fraction of seeds whose difference has the sign of the mean (n/a "
        "where the mean difference is 0). All outcomes are in paired_effects.csv.",
        "",
        markdown_table(effects_display(rep, list(HEADLINE))),
        "",
    ]


def _seeds_line(spec: ExperimentSpec) -> str:
    """The report header's line on seeds (common or independent; nested parameter draws)."""
    root = f"SeedSequence({spec.root_seed})"
    if spec.independent_seeds:
        text = (
            f"- seeds: {spec.n_seeds} per arm, each arm its own from {root} (independent "
            "seeds, no common random numbers): effects are differences of unrelated runs"
        )
    else:
        text = (
            f"- seeds: {spec.n_seeds} from {root}; the same seeds for every arm (common "
            "random numbers), so effects are paired differences"
        )
    if spec.draws:
        text += (
            f"; nested design: {spec.draws} calibrated parameter vectors x these "
            f"{spec.n_seeds} seeds = {spec.n_units} runs per arm"
        )
    elif spec.seed_overrides:
        text += "; seed i runs calibrated parameter vector i"
    return text


def render(spec: ExperimentSpec, rep: Report, manifest: dict, with_figures: bool) -> str:
    """The text of report.md."""
    designs = "; ".join(f"{i}: {design_label(d)}" for i, d in enumerate(spec.designs))
    titles = stats.regime_titles(spec)
    lines = [
        "# aiblocs experiment report",
        "",
        "- regimes: "
        + ", ".join(f"{titles[n]} (`{n}`)" for n in spec.labels)
        + f"; reference: {titles[spec.reference]}",
        f"- designs: {designs}",
        f"- fixed overrides: {spec.overrides or 'none'}",
        _seeds_line(spec),
        f"- adopters per run: {spec.runs()[0].scenario.n_adopters}; runs: {len(rep.outcomes)}",
        f"- aiblocs {manifest.get('aiblocs_version')}, commit "
        f"{(manifest.get('git') or {}).get('commit')}, model fingerprint "
        f"{manifest.get('code_fingerprint')}",
        "",
    ]
    lines += [f"> **Warning:** {w}" for w in rep.warnings] + ([""] if rep.warnings else [])
    lines += [
        "## Outcomes: mean [95% CI] over seeds",
        "",
        "Intervals by kind of outcome: shares (in [0, 1]) a t interval on the logit scale, "
        "0/1 outcomes (probabilities over seeds) the Wilson score interval, other outcomes the "
        "Student t interval; the method of every cell is in summary.csv (ci_method). Years are "
        "decimal years (2031.5 = mid-2031).",
        "",
        markdown_table(summary_wide(rep)),
        "",
    ]
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
    if rep.paths is not None:
        lines += pathdep.lines(rep.paths, spec, with_figures)
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
                    ci_cell(a, b, c, _diff_kind(o))
                    for a, b, c, o in zip(t.interaction, t.ci_lo, t.ci_hi, t.outcome, strict=True)
                ],
            }
        )
        lines += [
            "## Interaction (2 x 2)",
            "",
            f"How much more {t.designs.iloc[0]} moves each outcome under "
            f"{t.regimes_title.iloc[0]}, "
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
