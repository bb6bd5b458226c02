"""``aiblocs explain`` (what each mechanism carries of a contrast) and ``aiblocs levers``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from aiblocs.cli.common import add_executor_args, add_out, executor_from_args, out_folder
from aiblocs.cli.run import add_scenario_args, scenario_overrides
from aiblocs.model.outcomes import EXPLAINED

EPILOG = """example (about 5 minutes on 2 cores):
  aiblocs explain --regimes containment managed_access --seeds 30 --n-adopters 5000 \\
      --workers 2 --out results/explain"""


def _ensemble_args(p: argparse.ArgumentParser, seeds: int, out: str) -> None:
    p.add_argument(
        "--seeds",
        type=int,
        default=seeds,
        metavar="N",
        help=f"common seeds per arm, 1 to 100,000 (default: {seeds})",
    )
    p.add_argument(
        "--root-seed",
        type=int,
        default=0,
        metavar="N",
        help="root of the SeedSequence of the run seeds, a whole number in [0, 2^63) (default: 0)",
    )
    add_scenario_args(p, regime=False)
    add_out(p, out, "results folder, resumable")
    add_executor_args(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _check(args: argparse.Namespace) -> Path:
    """The checks every ensemble command makes first: --out, --seeds, --root-seed."""
    from aiblocs.ensemble.spec import MAX_SEEDS

    out = out_folder(args)
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ValueError(f"--seeds must be a whole number in [1, {MAX_SEEDS:,}], got {args.seeds}")
    if not 0 <= args.root_seed < 2**63:
        raise ValueError(f"--root-seed must be a whole number in [0, 2^63), got {args.root_seed}")
    return out


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``explain`` and ``levers`` subcommands."""
    e = sub.add_parser(
        "explain",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="attribute a paired regime contrast to mechanisms (switch each off)",
    )
    e.add_argument(
        "--regimes",
        nargs=2,
        default=["containment", "managed_access"],
        metavar=("A", "B"),
        help="the contrast A - B: preset names or .toml paths "
        "(default: containment managed_access)",
    )
    e.add_argument(
        "--outcome",
        action="append",
        default=None,
        help=f"an outcome of the registry (repeatable; default: {' '.join(EXPLAINED)})",
    )
    e.add_argument(
        "--mechanisms",
        nargs="+",
        default=None,
        help="switches to turn off one at a time (default: every mechanism)",
    )
    e.add_argument(
        "--calibrated",
        nargs="?",
        const="shipped",
        default=None,
        metavar="CSV",
        help="run seed i on calibrated parameter vector i (default sample: shipped)",
    )
    _ensemble_args(e, 30, "results/explain")
    e.set_defaults(func=cmd_explain)
    lv = sub.add_parser(
        "levers",
        help="check each lever's sign against what economics or the "
        "seed expects; write the lever table",
    )
    lv.add_argument(
        "--levers",
        type=Path,
        default=None,
        help="levers TOML (default: the shipped aiblocs/attribution/levers.toml)",
    )
    lv.add_argument(
        "--only", nargs="+", default=None, help="run only these levers (default: every lever)"
    )
    _ensemble_args(lv, 20, "results/levers")
    lv.set_defaults(func=cmd_levers)


def cmd_explain(args: argparse.Namespace) -> int:
    """Run the attribution and write explain.md, attribution.csv and the figure."""
    from aiblocs.attribution.explain import Explanation, run_explanation
    from aiblocs.ensemble.folders import locked
    from aiblocs.ensemble.runner import check_experiment
    from aiblocs.ensemble.spec import calibrated_vectors
    from aiblocs.model.mechanisms import MECHANISMS

    out = _check(args)
    vectors = ()
    if args.calibrated:
        vectors = tuple(
            calibrated_vectors(None if args.calibrated == "shipped" else args.calibrated)
        )
    expl = Explanation(
        regimes=tuple(args.regimes),
        outcomes=tuple(args.outcome or EXPLAINED),
        n_seeds=args.seeds,
        mechanisms=tuple(args.mechanisms or MECHANISMS),
        overrides=scenario_overrides(args),
        seed_overrides=vectors,
        root_seed=args.root_seed,
    )
    spec = expl.spec()
    executor = executor_from_args(args)
    check_experiment(spec, executor)  # memory, before the folder is touched
    t0 = time.perf_counter()
    with locked(out, "explain"), executor:  # one process writes the folder: runs and report
        print(
            f"{len(spec.runs())} runs (2 regimes x {len(spec.designs)} settings x {args.seeds} "
            f"seeds) on {executor.name} -> {out}"
        )
        run_explanation(expl, out, executor, progress=not args.no_progress)
        _explain_report(args, expl, spec, out, t0)
    return 0


def _explain_report(args: argparse.Namespace, expl: Any, spec: Any, out: Path, t0: float) -> None:
    """Write explain.md, attribution.csv and the figure from the stored runs."""
    from aiblocs.attribution.explain import load_attribution
    from aiblocs.attribution.report import attribution_figure, attribution_markdown

    args.out = out
    table = load_attribution(args.out, expl)
    table.to_csv(args.out / "attribution.csv", index=False)
    attribution_figure(table, args.out / "attribution.png")
    a, b = spec.labels
    lines = [
        f"# What drives {a} - {b}",
        "",
        f"Command: `aiblocs explain --regimes {a} {b} --seeds {args.seeds}"
        + (f" --n-adopters {args.n_adopters}" if args.n_adopters else "")
        + (" --calibrated" if args.calibrated else "")
        + "`; "
        f"{len(spec.runs())} runs in {time.perf_counter() - t0:.0f} s.",
        "",
        "Per outcome: the paired contrast A - B over common seeds, then the same contrast "
        "with one mechanism switched off at a time. *Explained* = contrast - contrast "
        "with it off (paired t 95% CI); *share* = explained / contrast (95% bootstrap CI "
        "over seeds); the remainder is 1 - the sum of shares (interactions).",
        "",
    ]
    for name in expl.outcomes:
        lines += [f"## {name}", "", attribution_markdown(table, name), ""]
    lines += ["![attribution](attribution.png)", ""]
    (args.out / "explain.md").write_text("\n".join(lines))
    print(f"wrote {args.out}/explain.md, attribution.csv, attribution.png")


def cmd_levers(args: argparse.Namespace) -> int:
    """Run every lever's paired experiment and write levers.md and levers.csv."""
    from aiblocs.attribution.levers import load_levers, run_levers
    from aiblocs.ensemble.folders import claim, locked
    from aiblocs.ensemble.runner import check_experiment

    out = _check(args)
    levers = load_levers(args.levers)
    if args.only:
        unknown = sorted(set(args.only) - {lv.name for lv in levers})
        if unknown:
            raise ValueError(f"--only: unknown lever(s) {unknown}")
        levers = [lv for lv in levers if lv.name in args.only]
    over = scenario_overrides(args)
    specs = [lv.spec(args.seeds, over) for lv in levers]  # validate every one before any run
    executor = executor_from_args(args)
    for spec in specs:
        check_experiment(spec, executor)
    t0 = time.perf_counter()
    with locked(out, "lever-checks"), executor:  # the levers' stores are its subfolders
        claim(out, "lever-checks")
        run_levers(levers, out, args.seeds, over, executor, progress=not args.no_progress)
        _levers_report(args, levers, over, out, t0)
    return 0


def _levers_report(
    args: argparse.Namespace, levers: list, over: dict, out: Path, t0: float
) -> None:
    """Write levers.md and levers.csv from the levers' stores."""
    from aiblocs.attribution.levers import lever_table
    from aiblocs.attribution.report import levers_markdown

    args.out = out
    table = lever_table(levers, args.out, args.seeds, over)
    table.to_csv(args.out / "levers.csv", index=False)
    counts = table["holds"].value_counts().to_dict()
    lines = [
        "# Lever checks",
        "",
        f"Command: `aiblocs levers --seeds {args.seeds}"
        + (f" --n-adopters {args.n_adopters}" if args.n_adopters else "")
        + "`; "
        f"{len(levers)} levers, {len(table)} lever-outcome pairs in "
        f"{time.perf_counter() - t0:.0f} s: {counts}.",
        "",
        "Effect = high - low on common seeds (paired t 95% CI). *holds*: the CI is on the "
        "expected side of zero; *fails*: on the other side; *unclear*: it spans zero.",
        "",
        levers_markdown(table),
        "",
    ]
    (args.out / "levers.md").write_text("\n".join(lines))
    print(f"{counts}; wrote {args.out}/levers.md, levers.csv")
