"""``aiblocs run``: one simulation, written as a quarterly frame and a figure."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from aiblocs.cli.common import add_out, add_set, out_folder, overrides

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
    f = PARAM_FIELDS["n_adopters"]
    parser.add_argument(
        "--n-adopters",
        type=int,
        default=None,
        metavar="N",
        help=f"adopter units per run, {f.metadata['lo']:,} to {f.metadata['hi']:,.0f} (default: "
        f"the model's, {f.default:,}); memory is checked before any run",
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


RUN_FILES = ("quarterly.parquet", "quarterly.csv", "key_series.png", "key_series.svg")
"""What ``aiblocs run`` writes beside its manifest; ``--force`` removes these and every file the
old run's manifest lists, and nothing else."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    r = sub.add_parser(
        "run",
        help="run one simulation; write its quarterly frame, a figure and a manifest",
        description="Run one simulation (quarterly steps, 2022Q1-2035Q4 by default) and write "
        "quarterly.parquet and quarterly.csv (one row per quarter; every row carries the run "
        "id, regime, seed and each parameter set to a non-default value), key_series.png and "
        "manifest.json (inputs, versions, code fingerprint).",
    )
    add_scenario_args(r)
    r.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed, a whole number in [0, 2^63) (default: 0); the same seed gives the "
        "same run",
    )
    add_out(r, "results/run", "output folder; must be new or empty unless --force")
    r.add_argument(
        "--force",
        action="store_true",
        help="replace the run already in --out (its old files are removed first)",
    )
    r.add_argument("--no-plot", action="store_true", help="skip the figure")
    r.set_defaults(func=cmd_run)


def _claim_run_folder(out: Path, force: bool) -> None:
    """Check the locked ``out`` may receive a run; with ``force``, remove an old run's files."""
    import json

    from aiblocs.ensemble.folders import foreign_files, read_kind

    kind = read_kind(out)
    if kind is not None and kind != "run":
        raise ValueError(f"--out {out} holds {kind} results, not a run; use another --out folder")
    own: tuple[str, ...] = ()
    if kind == "run":  # the files the old run wrote (its manifest lists them)
        listed = json.loads((out / "manifest.json").read_text()).get("files")
        own = (*RUN_FILES, *(f for f in listed or [] if isinstance(f, str) and "/" not in f))
    others = foreign_files(out, own)
    if others:
        raise ValueError(
            f"--out {out} already holds files ({', '.join(others[:3])}) that are not an "
            "aiblocs run's; use an empty or new folder"
        )
    if kind == "run" and not force:
        raise ValueError(
            f"--out {out} already holds a run; add --force to replace it, or use another folder"
        )
    for name in (*own, "manifest.json"):  # --force: nothing stale is left behind
        (out / name).unlink(missing_ok=True)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one simulation, write Parquet, CSV, a figure and a manifest, print a summary."""
    import hashlib
    import json

    import pandas as pd

    from aiblocs import provenance
    from aiblocs.ensemble.folders import atomic_write_text, foreign_files, locked
    from aiblocs.model.model import AIBlocsModel
    from aiblocs.model.outcomes import SUMMARY_SERIES
    from aiblocs.model.scenario import Scenario

    out = out_folder(args)
    if not 0 <= args.seed < 2**63:
        raise ValueError(f"--seed must be a whole number in [0, 2^63), got {args.seed}")
    t0 = time.perf_counter()
    over = scenario_overrides(args)
    scenario = Scenario.build(args.regime, **over)
    model = AIBlocsModel(scenario, rng=args.seed)  # inputs valid, memory checked
    digest = hashlib.sha256(f"{scenario.fingerprint()}|{args.seed}".encode()).hexdigest()[:8]
    run_id = f"run-s{args.seed}-{digest}"
    manifest = {
        "kind": "run",
        "run_id": run_id,
        "command": "aiblocs " + " ".join(map(shlex.quote, sys.argv[1:])),
        "seed": args.seed,
        "overrides": over,
        "scenario": scenario.to_record(),
        "scenario_fingerprint": scenario.fingerprint(),
        **provenance.record(),
        "complete": False,
    }
    with locked(out, "run"):
        _claim_run_folder(out, args.force)
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
        model.run_model()
        df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        elapsed = time.perf_counter() - t0
        values = {**scenario.changed(), **over}  # every parameter the run sets
        head = {"run_id": run_id, "regime": model.regime.name, "seed": args.seed, **values}
        rows = pd.concat([pd.DataFrame({k: [v] * len(df) for k, v in head.items()}), df], axis=1)
        rows.to_parquet(out / "quarterly.parquet", index=False)
        rows.to_csv(out / "quarterly.csv", index=False)
        if not args.no_plot:
            from aiblocs.viz.plotting import plot_run

            plot_run(df, out / "key_series.png", title=f"{model.regime.title}, seed {args.seed}")
        files = foreign_files(out)  # every file this run wrote (the folder held no other)
        manifest.update(files=files, seconds=round(elapsed, 3), complete=True)
        atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2, default=str))
    shown = df.set_index("quarter").reindex([q for q in SUMMARY_QUARTERS if q in set(df.quarter)])
    print(
        f"regime {model.regime.name}, seed {args.seed}, {scenario.n_adopters} adopters, "
        f"{len(df)} quarters in {elapsed:.2f} s"
    )
    print(shown[list(SUMMARY_SERIES)].T.to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"wrote {out}/{', '.join(files)}, manifest.json")
    return 0
