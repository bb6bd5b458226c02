"""``aiblocs explain`` (what each mechanism carries of a contrast) and ``aiblocs levers``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aiblocs.cli.common import add_executor_args, executor_from_args
from aiblocs.cli.run import add_scenario_args, scenario_overrides

HEADLINE = (
    "gs_share_cn_stack_2035",
    "gs_locked_us",
    "cn_lag_months_2030",
    "cn_domestic_chip_share_2030",
    "us_chip_revenue_cn_cum",
)
EPILOG = """example (about 5 minutes on 2 cores):
  aiblocs explain --regimes containment managed_access --seeds 30 --n-adopters 5000 \\
      --workers 2 --out results/explain"""


def _ensemble_args(p: argparse.ArgumentParser, seeds: int, out: str) -> None:
    p.add_argument(
        "--seeds", type=int, default=seeds, help=f"common seeds per arm (default: {seeds})"
    )
    p.add_argument(
        "--root-seed",
        type=int,
        default=0,
        help="root of the SeedSequence of the run seeds (default: 0)",
    )
    add_scenario_args(p, regime=False)
    p.add_argument(
        "--out", type=Path, default=Path(out), help=f"results folder, resumable (default: {out})"
    )
    add_executor_args(p)
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


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
        help=f"an outcome of the registry (repeatable; default: {' '.join(HEADLINE)})",
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
    lv.add_argument("--only", nargs="+", default=None, help="run only these levers")
    _ensemble_args(lv, 20, "results/levers")
    lv.set_defaults(func=cmd_levers)


def cmd_explain(args: argparse.Namespace) -> int:
    """Run the attribution and write explain.md, attribution.csv and the figure."""
    from aiblocs.attribution.explain import Explanation, load_attribution, run_explanation
    from aiblocs.attribution.report import attribution_figure, attribution_markdown
    from aiblocs.ensemble.spec import calibrated_vectors
    from aiblocs.model.mechanisms import MECHANISMS

    vectors = ()
    if args.calibrated:
        vectors = tuple(
            calibrated_vectors(None if args.calibrated == "shipped" else args.calibrated)
        )
    expl = Explanation(
        regimes=tuple(args.regimes),
        outcomes=tuple(args.outcome or HEADLINE),
        n_seeds=args.seeds,
        mechanisms=tuple(args.mechanisms or MECHANISMS),
        overrides=scenario_overrides(args),
        seed_overrides=vectors,
        root_seed=args.root_seed,
    )
    spec = expl.spec()
    executor = executor_from_args(args)
    print(
        f"{len(spec.runs())} runs (2 regimes x {len(spec.designs)} settings x {args.seeds} "
        f"seeds) on {executor.name} -> {args.out}"
    )
    t0 = time.perf_counter()
    with executor:
        run_explanation(expl, args.out, executor, progress=not args.no_progress)
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
    return 0


def cmd_levers(args: argparse.Namespace) -> int:
    """Run every lever's paired experiment and write levers.md and levers.csv."""
    from aiblocs.attribution.levers import lever_table, load_levers, run_levers
    from aiblocs.attribution.report import levers_markdown

    levers = load_levers(args.levers)
    if args.only:
        unknown = sorted(set(args.only) - {lv.name for lv in levers})
        if unknown:
            raise ValueError(f"--only: unknown lever(s) {unknown}")
        levers = [lv for lv in levers if lv.name in args.only]
    over = scenario_overrides(args)
    for lv in levers:  # validate every experiment before any run
        lv.spec(args.seeds, over)
    executor = executor_from_args(args)
    t0 = time.perf_counter()
    with executor:
        run_levers(levers, args.out, args.seeds, over, executor, progress=not args.no_progress)
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
    return 0
