"""Headline comparison: four export-control regimes on common seeds, with a report.

python examples/compare_regimes.py            # ~20-40 s on 2 cores
AIBLOCS_EXAMPLE_TINY=1 python examples/compare_regimes.py   # smoke test size

Runs go to a process pool: a script that uses it must start from an
``if __name__ == "__main__":`` block (as below), or the workers, which re-import the script,
fail and the pool stops with BrokenProcessPool.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aiblocs.compare import make_report
from aiblocs.compare.report import effects_display, lockin_display, summary_wide
from aiblocs.ensemble import ExperimentSpec, make_executor, run_experiment
from aiblocs.model.outcomes import HEADLINE

TINY = os.environ.get("AIBLOCS_EXAMPLE_TINY") == "1"
REGIMES = ("containment", "managed_access", "managed_access_cn_block", "open")


def main(
    out: str | Path = "results/example_compare",
    seeds: int = 3 if TINY else 20,
    n_adopters: int = 500 if TINY else 10_000,
    workers: int | None = None,
    progress: bool = not TINY,
):
    spec = ExperimentSpec(regimes=REGIMES, n_seeds=seeds, overrides={"n_adopters": n_adopters},
                          reference="containment")  # fmt: skip
    run_experiment(spec, out, make_executor(workers), progress=progress)
    rep = make_report(out)
    print(summary_wide(rep, list(HEADLINE)).to_string(index=False))
    print(lockin_display(rep).to_string(index=False))
    print("paired effects vs containment (mean difference [95% CI] over common seeds):")
    print(effects_display(rep, list(HEADLINE)).to_string(index=False))
    print(f"report: {Path(out) / 'report.md'}")
    return rep


if __name__ == "__main__":
    main(*sys.argv[1:2])
