"""``aiblocs run``: one simulation, written as a quarterly frame and a figure."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aiblocs.cli.common import add_set, overrides

SUMMARY_QUARTERS = ("2024Q4", "2027Q4", "2030Q4", "2035Q4")


def add_scenario_args(parser: argparse.ArgumentParser, regime: bool = True) -> None:
    """``--regime`` (optional), ``--n-adopters`` and ``--set``: what a Scenario is built from."""
    from aiblocs.model.params import PARAM_FIELDS

    if regime:
        parser.add_argument(
            "--regime",
            default="historical",
            help="preset name (see `aiblocs regimes`) or path to a .toml file "
            "(default: historical)",
        )
    default = PARAM_FIELDS["n_adopters"].default
    parser.add_argument(
        "--n-adopters",
        type=int,
        default=None,
        metavar="N",
        help=f"adopter units per run (default: the model's, {default:,})",
    )
    add_set(parser)


def scenario_overrides(args: argparse.Namespace) -> dict:
    """``--set`` values plus ``--n-adopters`` (an error if both give n_adopters)."""
    over = overrides(args.set)
    if args.n_adopters is not None:
        if "n_adopters" in over:
            raise ValueError("n_adopters is given by both --n-adopters and --set; give it once")
        over["n_adopters"] = args.n_adopters
    return over


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    r = sub.add_parser("run", help="run one simulation; write its quarterly frame and a figure")
    add_scenario_args(r)
    r.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed, a non-negative integer (default: 0); the same seed gives the same run",
    )
    r.add_argument(
        "--out", type=Path, default=Path("results/run"), help="output folder (default: results/run)"
    )
    r.add_argument("--no-plot", action="store_true", help="skip the figure")
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one simulation, write Parquet, CSV and a figure, print a summary."""
    from aiblocs.model.model import AIBlocsModel
    from aiblocs.model.outcomes import SUMMARY_SERIES
    from aiblocs.model.scenario import Scenario

    t0 = time.perf_counter()
    scenario = Scenario.build(args.regime, **scenario_overrides(args))
    model = AIBlocsModel(scenario, rng=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)  # inputs valid: an unwritable --out fails now,
    model.run_model()  # before the run
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    elapsed = time.perf_counter() - t0
    df.to_parquet(args.out / "quarterly.parquet", index=False)
    df.to_csv(args.out / "quarterly.csv", index=False)
    if not args.no_plot:
        from aiblocs.viz.plotting import plot_run

        plot_run(df, args.out / "key_series.png", title=f"{model.regime.name}, seed {args.seed}")
    shown = df.set_index("quarter").reindex([q for q in SUMMARY_QUARTERS if q in set(df.quarter)])
    print(
        f"regime {model.regime.name}, seed {args.seed}, {scenario.n_adopters} adopters, "
        f"{len(df)} quarters in {elapsed:.2f} s"
    )
    print(shown[list(SUMMARY_SERIES)].T.to_string(float_format=lambda x: f"{x:.3f}"))
    print(
        f"wrote {args.out}/quarterly.parquet, quarterly.csv"
        + ("" if args.no_plot else ", key_series.png")
    )
    return 0
