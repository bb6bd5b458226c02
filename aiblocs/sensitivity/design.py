"""Evaluate a sample of parameter points under containment and managed access, paired by seed.

Every point (one value per uncertain parameter) is an experiment *design*, crossed with the two
regimes and the same seeds (common random numbers), run by :mod:`aiblocs.ensemble` into one
resumable store that keeps one row of outcomes per run. A point's analysed outcomes are the seed
means of the :data:`KEY` outcomes under containment and of their paired differences
containment - managed_access (prefix ``d_``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aiblocs.ensemble.runner import run_experiment
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.ensemble.store import load_parts
from aiblocs.model.outcomes import OUTCOMES

REGIMES = ("containment", "managed_access")
KEY = (
    "gs_share_cn_stack_2035",
    "gs_locked_any",
    "cn_lag_months_2030",
    "cn_domestic_chip_share_2030",
    "us_chip_revenue_cn_cum",
)
"""Outcomes of the registry that sensitivity analysis and discovery study."""
ANALYSED: dict[str, str] = {
    **{k: f"{OUTCOMES[k].label}, containment ({OUTCOMES[k].unit})" for k in KEY},
    **{f"d_{k}": f"{OUTCOMES[k].label}, containment - managed_access" for k in KEY},
}
"""Analysed outcome name -> meaning: levels under containment and paired differences."""


@dataclass(frozen=True)
class Evaluation:
    """How sample points are evaluated: seeds per point and regime, fixed overrides, executor.

    Attributes:
        seeds: common seeds per point and regime (spawned from ``SeedSequence(root_seed)``).
        overrides: parameters or regime fields fixed for every run (``n_adopters`` ...).
        executor: where runs execute (:mod:`aiblocs.ensemble.executors`).
        progress: show a progress bar.
        root_seed: root of the seeds.
    """

    seeds: int
    overrides: dict[str, Any] = field(default_factory=dict)
    executor: Any = None
    progress: bool = True
    root_seed: int = 0


def run_points(
    X: np.ndarray, names: list[str], folder: Path, kind: str, how: Evaluation
) -> pd.DataFrame:
    """Evaluate every row of ``X`` (resumable) and return the analysed outcomes, row-aligned.

    Repeated rows (a Morris trajectory can revisit a grid point) run once.
    """
    unique, inverse = np.unique(np.round(X, 12), axis=0, return_inverse=True)
    designs = tuple(dict(zip(names, map(float, x), strict=True)) for x in unique)
    spec = ExperimentSpec(regimes=REGIMES, n_seeds=how.seeds, root_seed=how.root_seed,
                          overrides=how.overrides, designs=designs)  # fmt: skip
    run_experiment(spec, folder, how.executor, kind=kind, reduce="outcomes",
                   progress=how.progress)  # fmt: skip
    rows = load_parts(folder, "run_id")
    means = rows.groupby(["design", "regime"])[list(KEY)].mean()
    c = means.xs(REGIMES[0], level="regime")
    m = means.xs(REGIMES[1], level="regime")
    table = pd.DataFrame({**{k: c[k] for k in KEY}, **{f"d_{k}": c[k] - m[k] for k in KEY}})
    return table.loc[inverse.ravel()].reset_index(drop=True)


def spent_seconds(folder: Path) -> float:
    """Wall time of the evaluation sessions recorded in a store's manifest (resumes summed)."""
    import datetime as dt
    import json

    path = Path(folder) / "manifest.json"
    if not path.exists():
        return 0.0
    total = 0.0
    for s in json.loads(path.read_text()).get("sessions", []):
        if s.get("start") and s.get("end") and s.get("tasks_to_do"):
            t0, t1 = (dt.datetime.fromisoformat(s[k]) for k in ("start", "end"))
            total += (t1 - t0).total_seconds()
    return total
