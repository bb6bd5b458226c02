"""``aiblocs sensitivity`` (Morris, Sobol) and ``aiblocs discover`` (PRIM) subcommands."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiblocs.cli.common import add_executor_args, add_out, executor_from_args, out_folder
from aiblocs.cli.run import add_scenario_args, scenario_overrides

EPILOG_SA = """examples:
  aiblocs sensitivity --method morris --n 20 --workers 2 --out results/morris
  aiblocs sensitivity --method sobol --n 256 --screen-n 20 --keep 6 --seeds 2 \\
      --n-adopters 2000 --workers 2 --out results/sobol"""
EPILOG_DISC = """example:
  aiblocs discover --n 1000 --seeds 2 --n-adopters 2000 --workers 2 --out results/discover"""
MAX_SEEDS = 1_000
MAX_SAMPLE_SEED = 2**31 - 1
KINDS = {"sensitivity": "sensitivity-analysis", "discover": "scenario-discovery"}
"""The kind each command's top folder holds (its runs are stores of kind ``sensitivity`` or
``discover`` in subfolders), so no other command can write its report there."""


def _common(p: argparse.ArgumentParser, n_help: str) -> None:
    p.add_argument("--n", type=int, default=None, help=n_help)
    add_out(p, None, "output folder, resumable; holds only this command's results")
    p.add_argument(
        "--seeds",
        type=int,
        default=2,
        help=f"seeds per point and regime, shared by all points, 1 to {MAX_SEEDS:,} (default: 2)",
    )
    add_scenario_args(p, regime=False)
    add_executor_args(p)
    p.add_argument(
        "--ranges",
        type=Path,
        default=None,
        help="plausible-ranges TOML (default: the shipped ranges.toml)",
    )
    p.add_argument(
        "--sample-seed",
        type=int,
        default=0,
        help=f"seed of the sampler, 0 to {MAX_SAMPLE_SEED:,} (default: 0)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` and ``discover`` subcommands."""
    s = sub.add_parser(
        "sensitivity",
        epilog=EPILOG_SA,
        help="global sensitivity: Morris screening, then Sobol indices; report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument(
        "--method",
        choices=("morris", "sobol"),
        default="morris",
        help="morris: screening only; sobol: screening, then Sobol indices on the "
        "survivors (default: morris)",
    )
    _common(
        s,
        "morris: trajectories, 2 to 10,000 (default: 20); sobol: base sample size, a power "
        "of two from 8 to 65,536 (default: 256)",
    )
    s.add_argument(
        "--screen-n",
        type=int,
        default=20,
        help="Morris trajectories before Sobol, 2 to 10,000 (default: 20)",
    )
    s.add_argument(
        "--keep", type=int, default=6, help="most parameters kept for Sobol, 1 to 100 (default: 6)"
    )
    s.set_defaults(func=cmd_sensitivity)
    d = sub.add_parser(
        "discover",
        epilog=EPILOG_DISC,
        help="scenario discovery (PRIM): when does containment backfire? report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(d, "Latin-hypercube points, 20 to 200,000 (default: 1000)")
    d.add_argument(
        "--tol-months",
        type=float,
        default=0.5,
        help="backfire if containment adds at most this much 2030 lag, in months, 0 to 60 "
        "(default: 0.5)",
    )
    d.set_defaults(func=cmd_discover)


def _check(args: argparse.Namespace) -> dict[str, Any]:
    out_folder(args)
    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ValueError(f"--seeds must be in [1, {MAX_SEEDS}], got {args.seeds}")
    if not 0 <= args.sample_seed <= MAX_SAMPLE_SEED:
        raise ValueError(f"--sample-seed must be in [0, {MAX_SAMPLE_SEED}], got {args.sample_seed}")
    return scenario_overrides(args)


@contextlib.contextmanager
def _claimed(out: Path, command: str) -> Iterator[None]:
    """Hold ``out`` for ``command`` (locked; a folder of another kind is refused)."""
    from aiblocs.ensemble.folders import claim, locked

    with locked(out, KINDS[command]):
        claim(out, KINDS[command])
        yield


def _command(args: argparse.Namespace, name: str, extra: str) -> str:
    parts = [f"aiblocs {name}{extra} --n {args.n} --seeds {args.seeds}"]
    if args.n_adopters is not None:
        parts.append(f"--n-adopters {args.n_adopters}")
    parts += [f"--set {s}" for s in args.set]
    if args.workers is not None:
        parts.append(f"--workers {args.workers}")
    if args.sample_seed:
        parts.append(f"--sample-seed {args.sample_seed}")
    if args.ranges is not None:
        parts.append(f"--ranges {args.ranges}")
    return " ".join([*parts, f"--out {args.out}"])


def _meta(
    args: argparse.Namespace,
    executor: Any,
    t0: float,
    n_points: int,
    folders: list[Path],
    overrides: dict[str, Any],
) -> dict[str, Any]:
    from aiblocs import provenance
    from aiblocs.model.scenario import Scenario
    from aiblocs.sensitivity.design import spent_seconds

    return {
        "runtime_s": time.perf_counter() - t0,
        "eval_s": sum(spent_seconds(f) for f in folders),
        "executor": executor.name,
        "n_points": n_points,
        "n_runs": n_points * 2 * args.seeds,
        "seeds": args.seeds,
        "n_adopters": Scenario.build("containment", **overrides).n_adopters,
        "model": provenance.code_fingerprint(),
    }


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run Morris screening (and Sobol on the survivors) and write ``report.md``."""
    from aiblocs.sensitivity import methods as sa
    from aiblocs.sensitivity.design import Evaluation
    from aiblocs.sensitivity.ranges import load_ranges
    from aiblocs.sensitivity.report import top_params

    if args.n is None:
        args.n = 20 if args.method == "morris" else 256
    if not 1 <= args.keep <= 100:
        raise ValueError(f"--keep must be in [1, 100], got {args.keep}")
    over = _check(args)
    if args.method == "sobol" and not 2 <= args.screen_n <= 10_000:
        raise ValueError(f"--screen-n must be in [2, 10000], got {args.screen_n}")
    sa.check_morris_r(args.n if args.method == "morris" else args.screen_n)
    if args.method == "sobol":
        sa.check_sobol_n(args.n)
    ranges = load_ranges(args.ranges)
    k = len(ranges)
    points = (args.n if args.method == "morris" else args.screen_n) * (k + 1)
    points += args.n * (min(args.keep, k) + 2) if args.method == "sobol" else 0
    _check_size(args, points)
    executor = executor_from_args(args)
    _check_memory(executor, over)
    t0 = time.perf_counter()
    r = args.n if args.method == "morris" else args.screen_n
    how = Evaluation(args.seeds, over, executor, not args.no_progress)
    with _claimed(args.out, "sensitivity"), executor:
        morris, my = sa.run_morris(ranges, r, args.out / "morris", how, args.sample_seed)
        keep = sa.survivors(morris, keep=args.keep)
        sobol, n_sobol, sy = None, 0, None
        if args.method == "sobol":
            if len(keep) < 2:
                raise ValueError(f"Sobol needs >= 2 screening survivors, got {keep}")
            sub = [x for x in ranges if x.name in keep]
            keep = [x.name for x in sub]
            sobol, sy = sa.run_sobol(sub, args.n, args.out / "sobol", how, args.sample_seed)
            n_sobol = len(sy)
        executor.close()
        path, meta = _sensitivity_report(args, executor, t0, ranges, (morris, my), keep,
                                         (sobol, n_sobol, sy), over)  # fmt: skip
    print(f"{meta['n_runs']} runs in {meta['runtime_s']:.0f} s; report: {path}")
    if sobol is not None and len(sobol) and "gs_locked_any" in set(sobol["outcome"]):
        tops = ", ".join(f"{n} (ST {s:.2f})" for n, s, _ in top_params(sobol, "gs_locked_any"))
        print(f"GS lock-in hangs most on: {tops}")
    return 0


def _sensitivity_report(
    args: argparse.Namespace,
    executor: Any,
    t0: float,
    ranges: list,
    screened: tuple,
    keep: list[str],
    sobolres: tuple,
    over: dict[str, Any],
) -> tuple[Path, dict[str, Any]]:
    """Write the sensitivity report; return its path and the run metadata."""
    from aiblocs.sensitivity.report import write_sensitivity_report

    (morris, my), (sobol, n_sobol, sy) = screened, sobolres
    r = args.n if args.method == "morris" else args.screen_n
    extra = f" --method {args.method}"
    if args.method == "sobol":
        extra += f" --screen-n {args.screen_n} --keep {args.keep}"
    folders = [args.out / "morris", args.out / "sobol"]
    meta = _meta(args, executor, t0, len(my) + n_sobol, folders, over)
    meta.update(
        command=_command(args, "sensitivity", extra),
        morris_r=r,
        keep=args.keep,
        sobol_n=args.n,
        n_points_sobol=n_sobol,
    )
    points = {"morris": my} if sobol is None else {"morris": my, "sobol": sy}
    path = write_sensitivity_report(args.out, ranges, morris, keep, sobol, meta, points)
    return path, meta


def cmd_discover(args: argparse.Namespace) -> int:
    """Sample, evaluate, find PRIM boxes where containment backfires, write ``report.md``."""
    from aiblocs.sensitivity.design import Evaluation
    from aiblocs.sensitivity.discover import run_discover
    from aiblocs.sensitivity.ranges import load_ranges
    from aiblocs.sensitivity.report import write_discover_report

    if args.n is None:
        args.n = 1000
    over = _check(args)
    if not 20 <= args.n <= 200_000:
        raise ValueError(f"discover needs --n in [20, 200000] points, got {args.n}")
    if not 0 <= args.tol_months <= 60:  # also refuses nan
        raise ValueError(f"--tol-months must be in [0, 60], got {args.tol_months}")
    ranges = load_ranges(args.ranges)
    _check_size(args, args.n)
    executor = executor_from_args(args)
    _check_memory(executor, over)
    t0 = time.perf_counter()
    how = Evaluation(args.seeds, over, executor, not args.no_progress)
    with _claimed(args.out, "discover"), executor:
        res = run_discover(ranges, args.n, args.out / "lhs", how, args.sample_seed,
                           args.tol_months)  # fmt: skip
        executor.close()
        meta = _meta(args, executor, t0, len(res["y"]), [args.out / "lhs"], over)
        meta["command"] = _command(args, "discover", "") + (
            f" --tol-months {args.tol_months}" if args.tol_months != 0.5 else ""
        )
        path = write_discover_report(args.out, ranges, res, meta)
    print(
        f"{meta['n_runs']} runs in {meta['runtime_s']:.0f} s; backfire rate "
        f"{res['y'].mean():.3f}; {len(res['boxes'])} box(es); report: {path}"
    )
    return 0


def _check_size(args: argparse.Namespace, points: int) -> None:
    """Refuse a sample whose runs (points x 2 regimes x seeds) exceed the experiment limit."""
    from aiblocs.ensemble.spec import MAX_RUNS

    runs = points * 2 * args.seeds
    if runs > MAX_RUNS:
        raise ValueError(
            f"--n {args.n} and --seeds {args.seeds} ask for about {runs:,} runs ({points:,} "
            f"points x 2 regimes x seeds), more than the limit of {MAX_RUNS:,}; use a smaller "
            "--n or fewer --seeds"
        )


def _check_memory(executor: Any, over: dict[str, Any]) -> None:
    """Refuse, before the folder is touched, runs that would not fit in memory."""
    from aiblocs.model.scenario import Scenario

    scenario = Scenario.build("containment", **over)
    executor.check_memory(scenario.n_adopters, scenario.params.network_degree)
