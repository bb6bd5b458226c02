"""``aiblocs validate-policy``: do adaptive governments reproduce the 2022-25 policy path?"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from aiblocs.cli.common import add_executor_args, add_out, executor_from_args, out_folder
from aiblocs.cli.run import add_scenario_args

DEFAULT_SEEDS = 100
DEFAULT_ADOPTERS = 2000
DEFAULT_END = "2026Q4"
EPILOG = """example (about 15 s on 2 cores):
  aiblocs validate-policy --seeds 200 --workers 2 --out results/policy_validation"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate-policy`` subcommand."""
    c = sub.add_parser(
        "validate-policy",
        help="how often adaptive governments reproduce the 2022-25 policy path; resumable",
        description="Run an ensemble of an adaptive regime from 2022, record both governments' "
        "settings every quarter, and write validation.md and validation.csv: the share of "
        "seeds in which the US tightened by 2023, licensed a tier with a fee in 2025, and "
        "China discouraged or blocked the H200-class tier by 2026Q1, each and jointly, with "
        "Wilson 95%% intervals (ODD 7.7).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "--regime",
        default="adaptive",
        help="preset name or path to a .toml file (default: adaptive, both governments "
        "adaptive from 2022 with every tier free)",
    )
    c.add_argument(
        "--seeds",
        type=int,
        default=DEFAULT_SEEDS,
        metavar="N",
        help=f"seeds, 1 to 100,000 (default: {DEFAULT_SEEDS})",
    )
    c.add_argument(
        "--root-seed",
        type=int,
        default=0,
        metavar="N",
        help="root of the SeedSequence the run seeds come from, a whole number in [0, 2^63) "
        "(default: 0)",
    )
    c.add_argument(
        "--end",
        default=DEFAULT_END,
        metavar="QUARTER",
        help=f"last simulated quarter, 2026Q1 or later (default: {DEFAULT_END}; later ends only "
        "cost time, the steps end in 2026Q1)",
    )
    add_scenario_args(c, regime=False)
    add_out(c, "results/policy_validation", "results folder, resumable")
    add_executor_args(c)
    c.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    c.set_defaults(func=cmd_validate_policy)


def spec_from_args(args: argparse.Namespace):
    """The validated ensemble (ValueError naming the option)."""
    from aiblocs.cli.run import scenario_overrides
    from aiblocs.ensemble.spec import MAX_SEEDS, ExperimentSpec

    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ValueError(f"--seeds must be a whole number in [1, {MAX_SEEDS:,}], got {args.seeds}")
    if not 0 <= args.root_seed < 2**63:
        raise ValueError(f"--root-seed must be a whole number in [0, 2^63), got {args.root_seed}")
    over = scenario_overrides(args)
    if "end" in over:
        raise ValueError("end is given by both --end and --set; give it once, as --end")
    over.setdefault("n_adopters", DEFAULT_ADOPTERS)
    over["end"] = args.end
    return ExperimentSpec(regimes=(args.regime,), n_seeds=args.seeds, root_seed=args.root_seed,
                          overrides=over)  # fmt: skip


def cmd_validate_policy(args: argparse.Namespace) -> int:
    """Run (or resume) the ensemble, write the table, print it."""
    from aiblocs.compare.policy_validation import KIND, check_spec, run_validation, write_report
    from aiblocs.ensemble.folders import locked
    from aiblocs.ensemble.runner import check_experiment

    out = out_folder(args)
    spec = spec_from_args(args)
    check_spec(spec)
    executor = executor_from_args(args)
    check_experiment(spec, executor)  # memory, before the folder is touched
    print(f"{spec.n_seeds} runs of {spec.labels[0]} to {args.end} on {executor.name} -> {out}",
          flush=True)  # fmt: skip
    t0 = time.perf_counter()
    with locked(out, KIND), executor:
        store = run_validation(spec, out, executor, progress=not args.no_progress)
        seconds = time.perf_counter() - t0
        command = "aiblocs " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        path = write_report(store, command, seconds, spec)
    print(path.read_text())
    print(f"wrote {path}, validation.csv, first_quarters.csv ({seconds:.1f} s)")
    return 0
