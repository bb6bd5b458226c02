"""Global South lock-in under US "export the stack" support (0.5 from 2025Q3) vs none.

python examples/export_stack_lockin.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aiblocs.compare import make_report
from aiblocs.compare.report import effects_display, lockin_display
from aiblocs.ensemble import ExperimentSpec, make_executor, run_experiment

TINY = os.environ.get("AIBLOCS_EXAMPLE_TINY") == "1"
DESIGNS = (
    {"export_stack_support": 0.0},
    {"export_stack_support": 0.5, "export_stack_from": "2025Q3"},
)
SHOWN = [
    "gs_share_us_stack_2030",
    "gs_share_us_stack_2035",
    "gs_share_cn_stack_2035",
    "gs_dependence_2035",
    "gs_net_gain_2035",
    "gs_rent_share_2035",
    "gs_locked_us",
    "gs_locked_cn",
]


def main(
    out: str | Path = "results/example_export_stack",
    seeds: int = 2 if TINY else 15,
    n_adopters: int = 500 if TINY else 5_000,
    workers: int | None = None,
    progress: bool = not TINY,
):
    spec = ExperimentSpec(regimes=("managed_access", "open"), n_seeds=seeds,
                          overrides={"n_adopters": n_adopters}, designs=DESIGNS)  # fmt: skip
    run_experiment(spec, out, make_executor(workers), progress=progress)
    rep = make_report(out)
    print(lockin_display(rep).to_string(index=False))
    print("effect of export-stack support within each regime (paired by seed, 95% CIs):")
    print(effects_display(rep, SHOWN, rep.design_effects).to_string(index=False))
    print(f"report: {Path(out) / 'report.md'}")
    return rep


if __name__ == "__main__":
    main(*sys.argv[1:2])
