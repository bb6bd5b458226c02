"""Command line: ``aiblocs regimes | params | run | compare | viz``.

Every input is validated before any run starts; a bad input exits with status 2 and one line
naming the field and its allowed range, not a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

SUMMARY_QUARTERS = ("2024Q4", "2027Q4", "2030Q4", "2035Q4")
SUMMARY_COLUMNS = (
    "adoption_us", "adoption_cn", "adoption_gs", "gs_share_cn_stack", "cn_lag_months",
    "cn_domestic_chip_share", "cn_dc_utilisation", "us_chip_revenue_cn_share",
)  # fmt: skip


def _override(text: str) -> tuple[str, object]:
    """Parse ``name=value`` (value as int, float, bool or string)."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"override {text!r} must look like name=value")
    key, raw = text.split("=", 1)
    for cast in (int, float):
        try:
            return key, cast(raw)
        except ValueError:
            pass
    if raw.lower() in ("true", "false"):
        return key, raw.lower() == "true"
    return key, raw


def _add_run(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("run", help="run one simulation and write its quarterly frame and a plot")
    r.add_argument("--regime", default="historical", help="preset name or path to a .toml file")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--n-adopters", type=int, default=20_000)
    r.add_argument("--out", type=Path, default=Path("results/run"))
    r.add_argument("--set", type=_override, action="append", default=[], metavar="NAME=VALUE",
                   help="override a parameter or regime field (repeatable)")  # fmt: skip
    r.add_argument("--no-plot", action="store_true", help="skip the PNG")


def cmd_run(args: argparse.Namespace) -> int:
    """Run one simulation, write Parquet, CSV and PNG, print a summary."""
    from aiblocs.model.model import AIBlocsModel

    t0 = time.perf_counter()
    model = AIBlocsModel(regime=args.regime, seed=args.seed, n_adopters=args.n_adopters,
                         **dict(args.set))  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)  # inputs valid: an unwritable --out fails now,
    model.run_model()  # before the run
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    elapsed = time.perf_counter() - t0
    df.to_parquet(args.out / "quarterly.parquet", index=False)
    df.to_csv(args.out / "quarterly.csv", index=False)
    if not args.no_plot:
        from aiblocs.plotting import plot_run

        plot_run(df, args.out / "key_series.png", title=f"{model.regime.name}, seed {args.seed}")
    shown = df.set_index("quarter").reindex([q for q in SUMMARY_QUARTERS if q in set(df.quarter)])
    print(f"regime {model.regime.name}, seed {args.seed}, {args.n_adopters} adopters, "
          f"{len(df)} quarters in {elapsed:.2f} s")  # fmt: skip
    print(shown[list(SUMMARY_COLUMNS)].T.to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"wrote {args.out}/quarterly.parquet, quarterly.csv" + ("" if args.no_plot else
          ", key_series.png"))  # fmt: skip
    return 0


def cmd_regimes(_: argparse.Namespace) -> int:
    """List regime presets."""
    from aiblocs.model.regimes import get_regime, preset_names

    for name in preset_names():
        print(f"{name:26s} {get_regime(name).description}")
    return 0


def cmd_params(_: argparse.Namespace) -> int:
    """List parameters with default, unit, range and source."""
    from aiblocs.model.params import param_table

    for row in param_table():
        rng = "" if row["lo"] is None else f"[{row['lo']}, {row['hi']}]"
        print(f"{row['name']:26s} {row['default']!s:>10} {row['unit']:16s} {rng:18s} {row['doc']}")
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the dashboard."""
    from aiblocs.viz.server import serve

    return serve(host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    """The ``aiblocs`` argument parser (subcommands register here)."""
    parser = argparse.ArgumentParser(prog="aiblocs", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("regimes", help="list regime presets").set_defaults(func=cmd_regimes)
    sub.add_parser("params", help="list parameters").set_defaults(func=cmd_params)
    _add_run(sub)
    sub.choices["run"].set_defaults(func=cmd_run)
    v = sub.add_parser("viz", help="serve the interactive dashboard (loopback by default)")
    v.add_argument("--host", default="127.0.0.1",
                   help="interface to bind; use 0.0.0.0 to expose it deliberately")  # fmt: skip
    v.add_argument("--port", type=int, default=8765)
    v.set_defaults(func=cmd_viz)
    from aiblocs.calibration.cli import register as register_calibration

    register_calibration(sub)
    from aiblocs.experiments.sensitivity_cli import register as register_sensitivity

    register_sensitivity(sub)
    try:
        from aiblocs.experiments.cli import register as register_experiments
    except ImportError:
        pass
    else:
        register_experiments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aiblocs`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as e:  # bad input, or an --out folder that cannot be written
        print(f"aiblocs: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aiblocs: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
