"""Worker functions: one run of an experiment, returned as rows for the store.

Imported once in every worker process (the executors preload this module), so the model is
imported once per worker, not once per run.
"""

from __future__ import annotations

import math

import pandas as pd

from aiblocs.ensemble.spec import Run
from aiblocs.model.events import COLUMNS as EVENT_COLUMNS
from aiblocs.model.outcomes import outcome_values
from aiblocs.model.run import run as simulate
from aiblocs.model.run import run_tables

ID_COLUMNS = ("run_id", "arm", "regime", "design", "seed_index", "seed")
TABLES = ("countries", "events")
"""Side tables a run stores with ``reduce="tables"``: the per-GS-country frame and event log."""
EVENT_TYPES = {"quarter": "str", "kind": "str", "actor": "str", "what": "str",
               "size": "float64", "drawn": "bool"}  # fmt: skip
"""Column types of a stored event log (fixed, so runs with and without events concatenate)."""


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
    ints = dict.fromkeys(("arm", "design", "seed_index", "seed"), "int64")
    return head.astype({"run_id": "str", "regime": "str", **ints})  # typed even with no rows


def run_frame(run: Run, kinds: dict[str, str]) -> pd.DataFrame:
    """The run's quarterly frame, each row prefixed with its ids and provenance columns."""
    frame = simulate(run.scenario, run.seed)
    return pd.concat([_head(run, kinds, len(frame)), frame], axis=1)


def run_all_tables(run: Run, kinds: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The run's quarterly frame (as :func:`run_frame`), per-country frame and event log.

    The side tables carry the id columns only (:data:`ID_COLUMNS`); the parameter columns a
    run sets are in its frame (join on ``run_id``).
    """
    t = run_tables(run.scenario, run.seed)
    events = t.events.astype({c: EVENT_TYPES[c] for c in EVENT_COLUMNS})
    return {
        "frame": pd.concat([_head(run, kinds, len(t.frame)), t.frame], axis=1),
        "countries": pd.concat([_head(run, {}, len(t.countries)), t.countries], axis=1),
        "events": pd.concat([_head(run, {}, len(events)), events], axis=1),
    }


def run_outcomes(run: Run, kinds: dict[str, str]) -> pd.DataFrame:
    """One row: the run's ids, provenance columns and every scalar outcome."""
    values = outcome_values(simulate(run.scenario, run.seed))
    return pd.concat([_head(run, kinds, 1), pd.DataFrame([values])], axis=1)


REDUCERS = {"tables": run_all_tables, "frame": run_frame, "outcomes": run_outcomes}
"""What a run stores: its quarterly frame with its side tables (:data:`TABLES`), its quarterly
frame alone, or one row of outcomes."""
SIDE_TABLES = {"tables": TABLES, "frame": (), "outcomes": ()}
"""Side tables each reducer stores."""
