"""``aiblocs compare``: paired regime comparison over seeds, stored, summarised and plotted."""

from __future__ import annotations

import argparse
import time

from aiblocs.cli.common import (
    add_executor_args,
    add_out,
    executor_from_args,
    out_folder,
    parse_assignment,
    parse_value,
)
from aiblocs.cli.run import add_scenario_args

DEFAULT_REGIMES = ["containment", "managed_access", "managed_access_cn_block", "open"]
DEFAULT_SEEDS = 100
MAX_BOOTSTRAP = 100_000
MAX_RESAMPLED = 50_000_000  # bootstrap resamples x seeds: about 0.8 GiB of indices and values
EPILOG = """examples (about 1-2 minutes on 2 cores):
  aiblocs compare --regimes containment managed_access managed_access_cn_block open \\
      --seeds 50 --n-adopters 20000 --workers 2 --out results/compare
  aiblocs compare --spec examples/experiments/regimes.toml --workers 2 --out results/regimes
  aiblocs compare --spec results/compare/manifest.json --out results/again   # re-run as is"""
SPEC_OPTIONS = ("regimes", "seeds", "root_seed", "n_adopters", "set", "grid", "reference",
                "calibrated", "draws", "independent_seeds", "outcomes")  # fmt: skip
"""Options that describe the experiment: a --spec file gives them all."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    c = sub.add_parser(
        "compare",
        help="compare regimes over common seeds; resumable; report",
        description="Run every regime (x design) on the same seeds, store the runs in --out "
        "(resumable: rerun the same command after an interruption) and write report.md with "
        "paired effects, CIs, lock-in odds and figures.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "--spec",
        default=None,
        metavar="FILE",
        help="experiment spec: a TOML file (see examples/experiments/) or a results folder's "
        "manifest.json; replaces the options --regimes to --outcomes (default: none, the "
        "options give the experiment)",
    )
    c.add_argument(
        "--regimes",
        nargs="+",
        default=None,
        help=f"preset names or .toml paths (default: {' '.join(DEFAULT_REGIMES)})",
    )
    c.add_argument(
        "--seeds",
        type=int,
        default=None,
        metavar="N",
        help=f"seeds per arm, shared by every arm, 1 to 100,000 (default: {DEFAULT_SEEDS})",
    )
    c.add_argument(
        "--root-seed",
        type=int,
        default=None,
        metavar="N",
        help="root of the SeedSequence the run seeds come from, a whole number in [0, 2^63) "
        "(default: 0)",
    )
    add_scenario_args(c, regime=False)
    c.add_argument(
        "--reference",
        default=None,
        metavar="REGIME",
        help="regime the others are compared with, by label: a preset's name, a file's 'name' "
        "field or stem (default: the first)",
    )
    c.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="vary a parameter over values, in its unit (repeatable; full factorial)",
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
        "--draws",
        type=int,
        default=None,
        metavar="K",
        help="with --calibrated: run each of the first K parameter vectors on all --seeds seeds "
        "(K x seeds runs per arm, the same seeds for every vector), so the report splits each "
        "outcome's variance into parameter and seed parts; 1 to the sample's rows (default: "
        "none, one vector per seed)",
    )
    c.add_argument(
        "--independent-seeds",
        action="store_true",
        default=None,
        help="give each arm its own seeds instead of common ones (no common random numbers; "
        "to measure what they gain, not for comparisons)",
    )
    c.add_argument(
        "--outcomes",
        nargs="+",
        default=None,
        metavar="NAME",
        help="outcomes the printed summary shows (default: the headline outcomes)",
    )
    add_out(c, "results/compare", "results folder, resumable")
    add_executor_args(c)
    c.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="B",
        help=f"also give paired bootstrap CIs with B resamples, 0 to {MAX_BOOTSTRAP:,} "
        "(default: 0, none)",
    )
    c.add_argument("--no-figures", action="store_true", help="skip the figures")
    c.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    c.set_defaults(func=cmd_compare)


def _grid(texts: list[str]) -> dict[str, list]:
    axes: dict[str, list] = {}
    for text in texts:
        key, _ = parse_assignment(text, "--grid")
        if key in axes:
            raise ValueError(f"--grid gives '{key}' twice; give each axis once")
        values = [parse_value(v.strip()) for v in text.split("=", 1)[1].split(",") if v.strip()]
        if not values:
            raise ValueError(f"--grid {text!r} needs at least one value")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"--grid {text!r} lists a value twice")
        axes[key] = values
    return axes


def spec_from_args(args: argparse.Namespace):
    """The validated experiment and the outcomes to print (ValueError naming the option)."""
    from aiblocs.ensemble.spec import MAX_SEEDS, ExperimentSpec, calibrated_vectors, grid
    from aiblocs.ensemble.specfile import load_spec_file
    from aiblocs.model.outcomes import HEADLINE, OUTCOMES

    if args.spec is not None:
        given = [o for o in SPEC_OPTIONS if getattr(args, o) not in (None, [])]
        if given:
            shown = ", ".join("--" + o.replace("_", "-") for o in given)
            raise ValueError(f"--spec gives the whole experiment; drop {shown}")
        loaded = load_spec_file(args.spec)
        spec, outcomes = loaded.spec, list(loaded.outcomes or HEADLINE)
    else:
        if args.seeds is not None and not 1 <= args.seeds <= MAX_SEEDS:
            raise ValueError(
                f"--seeds must be a whole number in [1, {MAX_SEEDS:,}], got {args.seeds}"
            )
        if args.root_seed is not None and not 0 <= args.root_seed < 2**63:
            raise ValueError(
                f"--root-seed must be a whole number in [0, 2^63), got {args.root_seed}"
            )
        axes = _grid(args.grid)
        vectors = ()
        if args.calibrated:
            csv = None if args.calibrated == "shipped" else args.calibrated
            vectors = tuple(calibrated_vectors(csv))
        if args.draws is not None and not args.calibrated:
            raise ValueError("--draws needs --calibrated (the parameter vectors to draw)")
        if args.draws is not None and not 1 <= args.draws <= len(vectors):
            raise ValueError(
                f"--draws must be a whole number in [1, {len(vectors)}] (the sample's rows), "
                f"got {args.draws}"
            )
        over = scenario_overrides_checked(args, axes)
        spec = ExperimentSpec(
            regimes=tuple(args.regimes or DEFAULT_REGIMES),
            n_seeds=DEFAULT_SEEDS if args.seeds is None else args.seeds,
            root_seed=0 if args.root_seed is None else args.root_seed,
            overrides=over,
            designs=tuple(grid(**axes)) if axes else ({},),
            reference=args.reference,
            seed_overrides=vectors,
            draws=args.draws or 0,
            independent_seeds=bool(args.independent_seeds),
        )
        outcomes = list(args.outcomes or HEADLINE)
        bad = sorted(set(outcomes) - set(OUTCOMES))
        if bad:
            raise ValueError(f"--outcomes: unknown outcome(s) {bad}; choose from {list(OUTCOMES)}")
    if not 0 <= args.bootstrap <= MAX_BOOTSTRAP:
        raise ValueError(f"--bootstrap must be in [0, {MAX_BOOTSTRAP}], got {args.bootstrap}")
    if args.bootstrap * spec.n_units > MAX_RESAMPLED:
        raise ValueError(
            f"--bootstrap {args.bootstrap} x {spec.n_units} seeds = "
            f"{args.bootstrap * spec.n_units:,} resampled values exceed {MAX_RESAMPLED:,} "
            f"(about 0.8 GiB); use --bootstrap {MAX_RESAMPLED // spec.n_units} or fewer"
        )
    return spec, outcomes


def scenario_overrides_checked(args: argparse.Namespace, axes: dict[str, list]) -> dict:
    """``--set`` and ``--n-adopters`` values; a name also varied by ``--grid`` is refused."""
    from aiblocs.cli.run import scenario_overrides

    over = scenario_overrides(args)
    clash = sorted(set(over) & set(axes))
    if clash:
        raise ValueError(f"{clash} given by both --set and --grid; give each parameter once")
    return over


def cmd_compare(args: argparse.Namespace) -> int:
    """Run (or resume) the comparison, write the report, print a summary table."""
    from aiblocs.compare.report import effects_display, lockin_display, make_report, summary_wide
    from aiblocs.ensemble.folders import locked
    from aiblocs.ensemble.runner import check_experiment, run_experiment

    out = out_folder(args)
    spec, outcomes = spec_from_args(args)
    executor = executor_from_args(args)
    check_experiment(spec, executor)  # memory, before the folder is touched
    runs = spec.runs()

    def announce(store) -> None:
        stored = len(store.done & store.expected)
        print(
            f"{len(runs)} runs ({len(spec.regimes)} regimes x {len(spec.designs)} designs x "
            + (f"{spec.draws} parameter vectors x " if spec.draws else "")
            + f"{spec.n_seeds} seeds, {runs[0].scenario.n_adopters} adopters) on {executor.name} "
            f"-> {out}" + (f" (resuming: {stored} stored)" if stored else ""),
            flush=True,
        )

    t0 = time.perf_counter()
    with locked(out, "compare"), executor:  # one process writes the folder: runs and report
        store = run_experiment(
            spec, out, executor, progress=not args.no_progress, announce=announce
        )
        t_run = time.perf_counter() - t0
        rep = make_report(out, args.bootstrap, not args.no_figures, spec)
    print(f"runs finished in {t_run:.1f} s; report in {time.perf_counter() - t0 - t_run:.1f} s")
    print(summary_wide(rep, outcomes).to_string(index=False))
    print()
    print(lockin_display(rep).to_string(index=False))
    if len(rep.effects):
        print()
        print(effects_display(rep, outcomes[:3]).to_string(index=False))
    for w in rep.warnings:
        print(f"warning: {w}")
    if rep.paths is not None and len(rep.paths.crn):
        from aiblocs.compare.variance import crn_display

        print()
        print(crn_display(rep.paths.crn[rep.paths.crn.outcome.isin(outcomes[:3])]).to_string(
            index=False))  # fmt: skip
    print(
        f"wrote {store.folder}/report.md, summary.csv, paired_effects.csv, lockin.csv"
        + (", design_effects.csv" if len(rep.design_effects) else "")
        + ("" if args.no_figures else ", fan_charts.png, lockin.png, forest.png")
        + ", and the path-dependence tables (country_*.csv, variance.csv, crn_gain.csv, event_*)"
    )
    return 0
