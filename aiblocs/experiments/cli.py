"""``aiblocs compare``: paired regime comparison over seeds, stored, summarised and plotted."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aiblocs.experiments.options import add_executor_args, executor_from_args
from aiblocs.experiments.spec import ExperimentSpec, grid, parse_assignment, parse_value

EPILOG = """example (about 1-2 minutes on 2 cores):
  aiblocs compare --regimes containment managed_access managed_access_cn_block open \\
      --seeds 50 --n-adopters 20000 --workers 2 --out results/compare"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand to the ``aiblocs`` parser."""
    c = sub.add_parser(
        "compare",
        help="compare regimes over common seeds; resumable; report",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument(
        "--regimes",
        nargs="+",
        default=["containment", "managed_access", "managed_access_cn_block", "open"],
        help="preset names or .toml paths",
    )
    c.add_argument("--seeds", type=int, default=100, help="number of seeds per arm")
    c.add_argument("--root-seed", type=int, default=0, help="root of the SeedSequence")
    c.add_argument("--n-adopters", type=int, default=20_000)
    c.add_argument("--reference", default=None, help="reference regime (default: the first)")
    c.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fixed override for every run (repeatable)",
    )
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
        metavar="SAMPLE_CSV",
        help="run seed i on parameter vector i of the calibrated sample (default: the one "
        "shipped in aiblocs/calibration/sample.csv), so contrasts include parameter uncertainty",
    )
    c.add_argument("--out", type=Path, default=Path("results/compare"))
    add_executor_args(c)
    c.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="B",
        help="also give paired bootstrap CIs with B resamples",
    )
    c.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    c.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    c.set_defaults(func=cmd_compare)


def load_sample(path: str) -> list[dict[str, float]]:
    """Parameter vectors from a calibration sample CSV (``shipped``: the packaged one)."""
    import pandas as pd

    from aiblocs.model.params import PARAM_FIELDS

    if path == "shipped":
        from importlib import resources

        ref = resources.files("aiblocs.calibration") / "sample.csv"
        if not ref.is_file():
            raise ValueError("no calibrated sample is shipped; pass a msm_sample.csv from "
                             "`aiblocs calibrate`")  # fmt: skip
        path = str(ref)
    try:
        df = pd.read_csv(path)
    except (FileNotFoundError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ValueError(f"--calibrated: cannot read a sample from {path}: {e}") from None
    unknown = sorted(set(df.columns) - set(PARAM_FIELDS))
    if unknown or df.empty:
        raise ValueError(f"--calibrated: {path} must have one column per parameter and at "
                         f"least one row; unknown columns {unknown}")  # fmt: skip
    return [{k: float(v) for k, v in row.items()} for row in df.to_dict("records")]


def spec_from_args(args: argparse.Namespace) -> ExperimentSpec:
    """Build and validate the spec (ValueError with a clear message on bad input)."""
    overrides = dict(parse_assignment(s) for s in args.set)
    axes = {}
    for text in args.grid:
        key, _ = parse_assignment(text)
        axes[key] = [parse_value(v.strip()) for v in text.split("=", 1)[1].split(",") if v.strip()]
        if not axes[key]:
            raise ValueError(f"--grid {text!r} needs at least one value")
    spec = ExperimentSpec(
        regimes=tuple(args.regimes),
        n_seeds=args.seeds,
        n_adopters=args.n_adopters,
        root_seed=args.root_seed,
        overrides=overrides,
        designs=tuple(grid(**axes)) if axes else ({},),
        reference=args.reference,
        seed_overrides=tuple(load_sample(args.calibrated)) if args.calibrated else (),
    )
    spec.validate()
    if args.bootstrap < 0:
        raise ValueError(f"--bootstrap must be >= 0, got {args.bootstrap}")
    return spec


def cmd_compare(args: argparse.Namespace) -> int:
    """Run (or resume) the comparison, write the report, print a summary table."""
    from aiblocs.experiments.report import (
        HEADLINE,
        effects_display,
        lockin_display,
        make_report,
        summary_wide,
    )
    from aiblocs.experiments.runner import run_experiment
    from aiblocs.model.params import PARAM_FIELDS, make_params

    spec = spec_from_args(args)
    p = make_params(n_adopters=spec.n_adopters,
                    **{k: v for k, v in spec.overrides.items() if k in PARAM_FIELDS})  # fmt: skip
    executor = executor_from_args(args, p.n_adopters, p.network_degree)
    n = len(spec.runs())
    print(
        f"{n} runs ({len(spec.regimes)} regimes x {len(spec.designs)} designs x "
        f"{spec.n_seeds} seeds, {spec.n_adopters} adopters) on {executor.name} -> {args.out}"
    )
    t0 = time.perf_counter()
    with executor:
        store = run_experiment(spec, args.out, executor, progress=not args.no_progress)
    t_run = time.perf_counter() - t0
    rep = make_report(args.out, n_boot=args.bootstrap, figures_too=not args.no_figures)
    print(f"runs finished in {t_run:.1f} s; report in {time.perf_counter() - t0 - t_run:.1f} s")
    pd_opts = {"index": False}
    print(summary_wide(rep, list(HEADLINE)).to_string(**pd_opts))
    print()
    print(lockin_display(rep).to_string(**pd_opts))
    if len(rep.effects):
        print()
        print(effects_display(rep, list(HEADLINE)[:3]).to_string(**pd_opts))
    for w in rep.warnings:
        print(f"warning: {w}")
    print(
        f"wrote {store.folder}/report.md, summary.csv, paired_effects.csv, lockin.csv"
        + (", design_effects.csv" if len(rep.design_effects) else "")
        + ("" if args.no_figures else ", fan_charts.png, lockin.png, forest.png")
    )
    return 0
