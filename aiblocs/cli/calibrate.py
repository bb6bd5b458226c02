"""``aiblocs calibrate``: fit the model to the dated facts and write a fit report."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import asdict
from pathlib import Path

from aiblocs.cli.common import add_executor_args, add_out, executor_from_args, out_folder

MAX_BUDGET = 100_000
MAX_SEEDS = 1_000
MAX_SEED = 2**31 - 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    from aiblocs.model.params import PARAM_FIELDS

    c = sub.add_parser(
        "calibrate",
        help="fit parameters to dated facts (SMM); resumable; report",
        description="Fit the parameters of --space to the dated facts of --targets by simulated "
        "method of moments on the historical regime; every evaluation is stored in --out, so "
        "an interrupted calibration resumes. Writes report.md and calibrated.toml.",
    )
    c.add_argument(
        "--budget",
        type=int,
        default=400,
        help=f"parameter vectors to evaluate in the search, 8 to {MAX_BUDGET:,} (default: 400)",
    )
    c.add_argument(
        "--seeds",
        type=int,
        default=4,
        help=f"common seeds per parameter vector, 1 to {MAX_SEEDS:,} (default: 4)",
    )
    f = PARAM_FIELDS["n_adopters"]
    c.add_argument(
        "--n-adopters",
        type=int,
        default=None,
        metavar="N",
        help=f"adopter units per run, {f.metadata['lo']:,} to {f.metadata['hi']:,.0f} (default: "
        f"the model's, {f.default:,})",
    )
    add_executor_args(c)
    c.add_argument(
        "--targets",
        type=Path,
        default=None,
        help="targets TOML (default: the shipped aiblocs/calibration/targets.toml)",
    )
    c.add_argument(
        "--space",
        type=Path,
        default=None,
        help="parameter box TOML (default: the shipped space.toml)",
    )
    c.add_argument(
        "--seed",
        type=int,
        default=0,
        help=f"root seed of the run seeds, the search and the samples, 0 to {MAX_SEED:,} "
        "(default: 0)",
    )
    add_out(c, "results/calibration", "results folder, resumable")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Validate inputs, run (or resume) the calibration, write the report."""
    from aiblocs.calibration.calibrate import calibrate
    from aiblocs.calibration.report import write_report
    from aiblocs.calibration.simulate import Simulator
    from aiblocs.calibration.targets import load_space, load_targets
    from aiblocs.ensemble.folders import locked
    from aiblocs.ensemble.spec import spawn_seeds
    from aiblocs.ensemble.store import Store
    from aiblocs.model.calendar import parse_quarter
    from aiblocs.model.run import run
    from aiblocs.model.scenario import Scenario

    if not 8 <= args.budget <= MAX_BUDGET:
        raise ValueError(f"--budget must be in [8, {MAX_BUDGET:,}], got {args.budget}")
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ValueError(f"--seeds must be in [1, {MAX_SEEDS:,}], got {args.seeds}")
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be in [0, {MAX_SEED}], got {args.seed}")
    out = out_folder(args)
    over = {} if args.n_adopters is None else {"n_adopters": args.n_adopters}
    targets, unmapped = load_targets(args.targets)
    # runs stop at the last target's quarter: the model never looks ahead, so moments are the same
    over["end"] = max((t.end for t in targets), key=parse_quarter)
    scenario = Scenario.build("historical", **over)
    space = load_space(args.space)
    seeds = spawn_seeds(args.seed, args.seeds)
    executor = executor_from_args(args)
    executor.check_memory(scenario.n_adopters, scenario.params.network_degree)
    identity = {
        "targets": [asdict(t) for t in targets],
        "space": [asdict(d) for d in space],
        "seeds": seeds,
        "scenario": scenario.to_record(),
        "seed": args.seed,
    }
    t0 = time.perf_counter()
    with locked(out, "calibration"), Store(out, "calibration", identity) as store, executor:
        if args.seeds < 3:
            print(
                f"warning: {args.seeds} seed(s) per parameter vector: the simulated variance in "
                "the step-2 weights and standard errors is unreliable; use at least 3"
            )
        sim = Simulator([d.name for d in space], targets, seeds, scenario, executor, store)
        if sim.cache:
            print(f"resuming: {len(sim.cache)} parameter vectors already evaluated")
        res = calibrate(targets, space, sim, args.budget, seed=args.seed, progress=not args.quiet)
        executor.close()
        theta = dict(zip(res.names, map(float, res.theta), strict=True))
        frames = [run(scenario.replace(**theta), s) for s in seeds]
        command = "aiblocs " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        path = write_report(res, frames, out, command, time.perf_counter() - t0, unmapped)
    fit = [t.lo <= m <= t.hi for t, m in zip(targets, res.sims.mean(axis=0), strict=True)]
    n_fit = sum(1 for t in targets if t.set == "fit")
    inside = sum(ok for ok, t in zip(fit, targets, strict=True) if t.set == "fit")
    held = sum(ok for ok, t in zip(fit, targets, strict=True) if t.set == "holdout")
    print(
        f"in-sample targets inside their band: {inside}/{n_fit}; "
        f"held-out: {held}/{len(targets) - n_fit}; J = {res.inference.J:.2f} "
        f"(df {res.inference.df})"
    )
    print(f"report: {path}")
    return 0
