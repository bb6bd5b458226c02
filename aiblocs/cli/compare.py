"""``aiblocs compare``: paired regime comparison over seeds, stored, summarised and plotted."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aiblocs.cli.common import add_executor_args, executor_from_args, parse_assignment, parse_value
from aiblocs.cli.run import add_scenario_args, scenario_overrides

DEFAULT_REGIMES = ["containment", "managed_access", "managed_access_cn_block", "open"]
EPILOG = """example (about 1-2 minutes on 2 cores):
  aiblocs compare --regimes containment managed_access managed_access_cn_block open \\
      --seeds 50 --n-adopters 20000 --workers 2 --out results/compare"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    c = sub.add_parser(
        "compare",
        help="compare regimes over common seeds; resumable; report",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "--regimes",
        nargs="+",
        default=DEFAULT_REGIMES,
        help=f"preset names or .toml paths (default: {' '.join(DEFAULT_REGIMES)})",
    )
    c.add_argument(
        "--seeds", type=int, default=100, help="seeds per arm, shared by every arm (default: 100)"
    )
    c.add_argument(
        "--root-seed",
        type=int,
        default=0,
        help="root of the SeedSequence the run seeds come from (default: 0)",
    )
    add_scenario_args(c, regime=False)
    c.add_argument("--reference", default=None, help="reference regime (default: the first)")
    c.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="vary a parameter over values (repeatable; full factorial)",
    )
    c.add_argument(
        "--calibrated",
        nargs="?",
        const="shipped",
        default=None,
        metavar="CSV",
        help="run seed i on parameter vector i of a calibrated sample (default: the "
        "one shipped with the model), so contrasts include parameter uncertainty",
    )
    c.add_argument(
        "--out",
        type=Path,
        default=Path("results/compare"),
        help="results folder, resumable (default: results/compare)",
    )
    add_executor_args(c)
    c.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="B",
        help="also give paired bootstrap CIs with B resamples (default: 0, none)",
    )
    c.add_argument("--no-figures", action="store_true", help="skip the figures")
    c.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    c.set_defaults(func=cmd_compare)


def spec_from_args(args: argparse.Namespace):
    """Build and validate the experiment spec (ValueError with a clear message on bad input)."""
    from aiblocs.ensemble.spec import ExperimentSpec, calibrated_vectors, grid

    axes: dict[str, list] = {}
    for text in args.grid:
        key, _ = parse_assignment(text)
        if key in axes:
            raise ValueError(f"--grid gives '{key}' twice; give each axis once")
        axes[key] = [parse_value(v.strip()) for v in text.split("=", 1)[1].split(",") if v.strip()]
        if not axes[key]:
            raise ValueError(f"--grid {text!r} needs at least one value")
    if not 0 <= args.bootstrap <= 100_000:
        raise ValueError(f"--bootstrap must be in [0, 100000], got {args.bootstrap}")
    vectors = ()
    if args.calibrated:
        vectors = tuple(
            calibrated_vectors(None if args.calibrated == "shipped" else args.calibrated)
        )
    return ExperimentSpec(
        regimes=tuple(args.regimes),
        n_seeds=args.seeds,
        root_seed=args.root_seed,
        overrides=scenario_overrides(args),
        designs=tuple(grid(**axes)) if axes else ({},),
        reference=args.reference,
        seed_overrides=vectors,
    )


def cmd_compare(args: argparse.Namespace) -> int:
    """Run (or resume) the comparison, write the report, print a summary table."""
    from aiblocs.compare.report import effects_display, lockin_display, make_report, summary_wide
    from aiblocs.ensemble.runner import run_experiment
    from aiblocs.model.outcomes import HEADLINE

    spec = spec_from_args(args)
    executor = executor_from_args(args)
    runs = spec.runs()
    print(
        f"{len(runs)} runs ({len(spec.regimes)} regimes x {len(spec.designs)} designs x "
        f"{spec.n_seeds} seeds, {runs[0].scenario.n_adopters} adopters) on {executor.name} "
        f"-> {args.out}"
    )
    t0 = time.perf_counter()
    with executor:
        store = run_experiment(spec, args.out, executor, progress=not args.no_progress)
    t_run = time.perf_counter() - t0
    rep = make_report(args.out, args.bootstrap, not args.no_figures, spec)
    print(f"runs finished in {t_run:.1f} s; report in {time.perf_counter() - t0 - t_run:.1f} s")
    print(summary_wide(rep, list(HEADLINE)).to_string(index=False))
    print()
    print(lockin_display(rep).to_string(index=False))
    if len(rep.effects):
        print()
        print(effects_display(rep, list(HEADLINE)[:3]).to_string(index=False))
    for w in rep.warnings:
        print(f"warning: {w}")
    print(
        f"wrote {store.folder}/report.md, summary.csv, paired_effects.csv, lockin.csv"
        + (", design_effects.csv" if len(rep.design_effects) else "")
        + ("" if args.no_figures else ", fan_charts.png, lockin.png, forest.png")
    )
    return 0
