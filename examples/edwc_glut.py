"""The EDWC data-centre glut and its correction: vary the provinces' demand optimism.

Over-optimistic provinces (edwc_optimism > 1) overbuild hub capacity: utilisation falls and
projects are cancelled until the build-out matches demand. Compared under containment and
open access (where Chinese labs can also buy US chips), on common seeds.

    python examples/edwc_glut.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aiblocs.compare import make_report
from aiblocs.compare.figures import fan_charts
from aiblocs.compare.stats import arm_labels
from aiblocs.ensemble import ExperimentSpec, grid, load_results, make_executor, run_experiment

TINY = os.environ.get("AIBLOCS_EXAMPLE_TINY") == "1"
OPTIMISM = (0.8, 1.2, 2.0)
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
    s = rep.summary[rep.summary.outcome.isin(SHOWN)]
    print(
        s.pivot(index="arm_label", columns="outcome", values="mean")[SHOWN].to_string(
            float_format=lambda x: f"{x:.3f}"
        )
    )
    fan_charts(
        load_results(out),
        arm_labels(spec),
        Path(out) / "edwc_glut.png",
        series=("cn_dc_utilisation", "cn_dc_cancellations", "cn_hub_compute", "cn_compute_served"),
    )
    print(f"figure: {Path(out) / 'edwc_glut.png'}")
    return rep


if __name__ == "__main__":
    main(*sys.argv[1:2])
