"""Simulated moments for parameter vectors: ensembles on common seeds, parallel and resumable.

Every parameter vector is evaluated on the same seeds (common random numbers), so differences
between vectors are not seed noise. Evaluations run through the ensemble executors and, given a
:class:`~aiblocs.ensemble.store.Store`, are written to it as they finish, so an interrupted
calibration resumes without redoing finished work.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aiblocs.calibration.targets import Target, moments
from aiblocs.ensemble.runner import run_tasks
from aiblocs.ensemble.store import Store
from aiblocs.model.run import run
from aiblocs.model.scenario import Scenario


def moments_task(payload: tuple) -> pd.DataFrame:
    """Worker: run one (parameter vector, seed) and return its target statistics as one row.

    The row also carries its provenance: regime, seed and the vector's parameter values
    (``param:NAME`` columns, so they can never clash with a target's name).
    """
    task, key, seed_idx, scenario, seed, targets, theta = payload
    values = moments(run(scenario, seed), targets)
    return pd.DataFrame(
        [
            {
                "task": task,
                "key": key,
                "seed_index": seed_idx,
                "seed": seed,
                "regime": scenario.regime.name,
                **{f"param:{k}": v for k, v in theta.items()},
                **{t.name: float(v) for t, v in zip(targets, values, strict=True)},
            }
        ]
    )


@dataclass
class Simulator:
    """Evaluate ``theta -> (S seeds x K targets)`` statistics with a cache and an optional store.

    Attributes:
        names: calibrated parameter names (order of theta vectors).
        targets: the targets whose statistics are simulated.
        seeds: common seeds for every evaluation.
        scenario: the base scenario (regime and fixed parameters, ``n_adopters`` included).
        executor: object with ``map_unordered(fn, items)`` (ensemble executors).
        store: an open store of finished evaluations (None: nothing is kept on disk).
    """

    names: Sequence[str]
    targets: Sequence[Target]
    seeds: Sequence[int]
    scenario: Scenario
    executor: object
    store: Store | None = None
    cache: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.requested: set[str] = set()
        self.calls = 0  # distinct vectors asked for, cached or not (same after a resume)
        self.computed = 0  # vectors simulated by this process
        if self.store is not None and self.store.done:
            rows = self.store.load()
            for key, group in rows.groupby("key", sort=False):
                if len(group) == len(self.seeds):
                    group = group.sort_values("seed_index")
                    self.cache[key] = group[[t.name for t in self.targets]].to_numpy(float)

    def key(self, theta: np.ndarray) -> str:
        """Cache key of a parameter vector (rounded so that resumed searches hit the cache)."""
        return json.dumps([float(f"{x:.10g}") for x in theta])

    def evaluate(self, thetas: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Statistics (S x K) for each vector, running only what is not cached."""
        keys = [self.key(np.asarray(t)) for t in thetas]
        todo = {k: t for k, t in zip(keys, thetas, strict=True) if k not in self.cache}
        tasks = []
        for k, t in todo.items():
            theta = dict(zip(self.names, map(float, t), strict=True))
            scn = self.scenario.replace(**theta)
            tasks += [
                (f"{k}|{i}", (f"{k}|{i}", k, i, scn, s, list(self.targets), theta))
                for i, s in enumerate(self.seeds)
            ]
        partial: dict[str, dict[int, np.ndarray]] = {k: {} for k in todo}
        cols = [t.name for t in self.targets]

        def collect(row: pd.DataFrame) -> None:
            k, i = row["key"].iloc[0], int(row["seed_index"].iloc[0])
            partial[k][i] = row[cols].to_numpy(float)[0]
            if len(partial[k]) == len(self.seeds):
                self.cache[k] = np.array([partial[k][j] for j in range(len(self.seeds))])

        if tasks:
            run_tasks(
                self.store,
                tasks,
                moments_task,
                self.executor,
                progress=False,
                part_rows=max(len(self.seeds), 8),
                on_result=collect,
            )
        self.requested.update(keys)
        self.calls = len(self.requested)
        self.computed += len(todo)
        return [self.cache[k] for k in keys]
