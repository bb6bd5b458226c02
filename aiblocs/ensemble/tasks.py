"""Worker functions: one run of an experiment, returned as rows for the store.

Imported once in every worker process (the executors preload this module), so the model is
imported once per worker, not once per run.
"""

from __future__ import annotations

import math

import pandas as pd

from aiblocs.ensemble.spec import Run
from aiblocs.model.outcomes import outcome_values
from aiblocs.model.run import run as simulate

ID_COLUMNS = ("run_id", "arm", "regime", "design", "seed_index", "seed")


def _head(run: Run, kinds: dict[str, str], n: int) -> pd.DataFrame:
    """``n`` rows of the run's id and provenance columns (typed per ``kinds``)."""
    cols: dict[str, list] = {
        "run_id": [run.run_id] * n,
        "arm": [run.arm] * n,
        "regime": [run.regime] * n,
        "design": [run.design] * n,
        "seed_index": [run.seed_index] * n,
        "seed": [run.seed] * n,
    }
    for key, kind in kinds.items():
        v = run.values.get(key)
        if kind == "float":
            cols[key] = [math.nan if v is None else float(v)] * n
        else:
            cols[key] = [None if v is None else str(v)] * n
    head = pd.DataFrame(cols)
    for key, kind in kinds.items():  # a column of only missing values must still be typed
        head[key] = head[key].astype("float64" if kind == "float" else "str")
    return head.astype({"arm": "int64", "design": "int64", "seed_index": "int64", "seed": "int64"})


def run_frame(run: Run, kinds: dict[str, str]) -> pd.DataFrame:
    """The run's quarterly frame, each row prefixed with its ids and provenance columns."""
    frame = simulate(run.scenario, run.seed)
    return pd.concat([_head(run, kinds, len(frame)), frame], axis=1)


def run_outcomes(run: Run, kinds: dict[str, str]) -> pd.DataFrame:
    """One row: the run's ids, provenance columns and every scalar outcome."""
    values = outcome_values(simulate(run.scenario, run.seed))
    return pd.concat([_head(run, kinds, 1), pd.DataFrame([values])], axis=1)


REDUCERS = {"frame": run_frame, "outcomes": run_outcomes}
"""What a run stores: its whole quarterly frame, or one row of outcomes."""
