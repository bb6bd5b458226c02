"""``aiblocs calibrate``: fit the model to the dated facts and write a fit report."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from aiblocs.calibration.calibrate import calibrate
from aiblocs.calibration.report import write_report
from aiblocs.calibration.simulate import Simulator
from aiblocs.calibration.targets import load_space, load_targets
from aiblocs.experiments.options import add_executor_args, executor_from_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    c = sub.add_parser("calibrate", help="fit parameters to dated facts (SMM) and write a report")
    c.add_argument("--budget", type=int, default=400, help="parameter vectors to evaluate")
    c.add_argument("--seeds", type=int, default=4, help="common seeds per parameter vector")
    c.add_argument("--n-adopters", type=int, default=2000)
    add_executor_args(c)
    c.add_argument("--targets", type=Path, default=None, help="targets TOML (default: shipped)")
    c.add_argument("--space", type=Path, default=None, help="parameter box TOML (default: shipped)")
    c.add_argument("--seed", type=int, default=0, help="seed of the search and the samples")
    c.add_argument("--out", type=Path, default=Path("results/calibration"))
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Validate inputs, run (or resume) the calibration, write the report."""
    from aiblocs.run import run

    if args.budget < 8:
        raise ValueError(f"--budget must be at least 8, got {args.budget}")
    if args.seeds < 1:
        raise ValueError(f"--seeds must be at least 1, got {args.seeds}")
    if args.n_adopters < 1:
        raise ValueError(f"--n-adopters must be at least 1, got {args.n_adopters}")
    targets, unmapped = load_targets(args.targets)
    space = load_space(args.space)
    args.out.mkdir(parents=True, exist_ok=True)
    spec = {"targets": [t.name for t in targets], "space": [[d.name, d.lo, d.hi] for d in space],
            "seeds": args.seeds, "n_adopters": args.n_adopters, "seed": args.seed}  # fmt: skip
    spec_path = args.out / "calibration_spec.json"
    if spec_path.exists() and json.loads(spec_path.read_text()) != spec:
        raise ValueError(f"{args.out} holds a calibration with different settings; "
                         "use another --out folder")  # fmt: skip
    spec_path.write_text(json.dumps(spec, indent=2))
    seeds = list(range(1000, 1000 + args.seeds))
    if args.seeds < 3:
        print(f"warning: {args.seeds} seed(s) per parameter vector: the simulated variance in "
              "the step-2 weights and standard errors is unreliable; use at least 3")  # fmt: skip
    executor = executor_from_args(args, args.n_adopters)
    sim = Simulator([d.name for d in space], targets, seeds, args.n_adopters, executor,
                    checkpoint=args.out / "evaluations.jsonl")  # fmt: skip
    if sim.cache:
        print(f"resuming: {len(sim.cache)} parameter vectors already evaluated")
    t0 = time.perf_counter()
    with executor:
        res = calibrate(targets, space, sim, args.budget, seed=args.seed, progress=not args.quiet)
    theta = dict(zip(res.names, map(float, res.theta), strict=True))
    frames = [run("historical", seed=s, n_adopters=args.n_adopters, **theta) for s in seeds]
    command = "aiblocs " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    path = write_report(res, frames, args.out, command, time.perf_counter() - t0, unmapped)
    fit = [t.lo <= m <= t.hi for t, m in zip(targets, res.sims.mean(axis=0), strict=True)]
    n_fit = sum(1 for t in targets if t.set == "fit")
    inside = sum(ok for ok, t in zip(fit, targets, strict=True) if t.set == "fit")
    held = sum(ok for ok, t in zip(fit, targets, strict=True) if t.set == "holdout")
    print(f"in-sample targets inside their band: {inside}/{n_fit}; "
          f"held-out: {held}/{len(targets) - n_fit}; J = {res.inference.J:.2f} "
          f"(df {res.inference.df})")  # fmt: skip
    print(f"report: {path}")
    return 0
