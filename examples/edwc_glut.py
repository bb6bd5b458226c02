"""The EDWC data-centre glut and its correction: vary the provinces' demand optimism.

Over-optimistic provinces (edwc_optimism > 1) overbuild hub capacity: utilisation falls and
projects are cancelled until the build-out matches demand. Compared under containment and
open access (where Chinese labs can also buy US chips), on common seeds.

    python examples/edwc_glut.py

Prints each arm's mean [95% CI] and the paired effect of optimism within each regime (vs
optimism 1.0, with 95% CIs); draws edwc_glut.png (with SVG and PDF) beside the report.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aiblocs.compare import make_report
from aiblocs.compare.figures import fan_charts
from aiblocs.compare.report import effects_display, summary_wide
from aiblocs.compare.stats import arm_titles
from aiblocs.ensemble import ExperimentSpec, grid, load_results, make_executor, run_experiment

TINY = os.environ.get("AIBLOCS_EXAMPLE_TINY") == "1"
OPTIMISM = (1.0, 4.0, 8.0)  # the calibrated default is about 7
SHOWN = [
    "cn_dc_utilisation_2027",
    "cn_dc_utilisation_2030",
    "cn_dc_utilisation_2035",
    "cn_dc_cancellations_cum",
    "cn_lag_months_2030",
]


def main(
    out: str | Path = "results/example_edwc",
    seeds: int = 2 if TINY else 10,
    n_adopters: int = 500 if TINY else 5_000,
    workers: int | None = None,
    progress: bool = not TINY,
):
    spec = ExperimentSpec(
        regimes=("containment", "open"),
        n_seeds=seeds,
        overrides={"n_adopters": n_adopters},
        designs=tuple(grid(edwc_optimism=list(OPTIMISM))),
    )
    run_experiment(spec, out, make_executor(workers), progress=progress)
    rep = make_report(out)
    print(summary_wide(rep, SHOWN).to_string(index=False))
    print("effect of optimism within each regime (vs optimism 1.0, paired by seed):")
    print(effects_display(rep, SHOWN, rep.design_effects).to_string(index=False))
    fan_charts(
        load_results(out),
        arm_titles(spec),
        Path(out) / "edwc_glut.png",
        series=("cn_dc_utilisation", "cn_dc_cancellations", "cn_hub_compute", "cn_compute_served"),
        ncols=2,
    )
    print(f"figure: {Path(out) / 'edwc_glut.png'}")
    return rep


if __name__ == "__main__":
    main(*sys.argv[1:2])
