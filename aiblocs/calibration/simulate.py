"""Simulated moments for parameter vectors: ensembles on common seeds, parallel and cached.

Every parameter vector is evaluated on the same seeds (common random numbers), so differences
between vectors are not seed noise. Evaluations run through the experiments executors and are
appended to a checkpoint file (JSON lines) as they finish, so an interrupted calibration resumes
without redoing finished work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aiblocs.calibration.targets import Target, moments


def eval_task(task: tuple) -> tuple[str, int, list[float]]:
    """Worker: run one (parameter vector, seed) and return its target statistics."""
    from aiblocs.run import run

    key, theta, seed_idx, seed, n_adopters, regime, targets = task
    df = run(regime, seed=seed, n_adopters=n_adopters, **theta)
    return key, seed_idx, moments(df, targets).tolist()


@dataclass
class Simulator:
    """Evaluate ``theta -> (S seeds x K targets)`` statistics with a cache and a checkpoint.

    Attributes:
        names: calibrated parameter names (order of theta vectors).
        targets: the targets whose statistics are simulated.
        seeds: common seeds for every evaluation.
        n_adopters: adopter units per run.
        executor: object with ``map_unordered(fn, items)`` (experiments executors).
        checkpoint: JSON-lines file of finished evaluations (None: no checkpoint).
        regime: regime of the calibration runs.
    """

    names: Sequence[str]
    targets: Sequence[Target]
    seeds: Sequence[int]
    n_adopters: int
    executor: object
    checkpoint: Path | None = None
    regime: str = "historical"

    def __post_init__(self) -> None:
        from aiblocs.model.model import check_memory
        from aiblocs.model.params import make_params

        p = make_params(n_adopters=self.n_adopters)
        check_memory(p.n_adopters, p.network_degree)  # refuse before any evaluation starts
        self.cache: dict[str, np.ndarray] = {}
        self.requested: set[str] = set()
        self.calls = 0  # distinct vectors asked for, cached or not (same after a resume)
        self.computed = 0  # vectors simulated by this process
        if self.checkpoint is not None and self.checkpoint.exists():
            text = self.checkpoint.read_text()
            if text and not text.endswith("\n"):  # a line torn by a crash: end it, so the
                with self.checkpoint.open("a") as fh:  # next record starts on a line of its own
                    fh.write("\n")
            for line in text.splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a crash: that evaluation is simply redone
                if len(row.get("m", [])) == len(self.seeds):
                    self.cache[row["key"]] = np.array(row["m"], dtype=float)

    def key(self, theta: np.ndarray) -> str:
        """Cache key of a parameter vector (rounded so that resumed searches hit the cache)."""
        return json.dumps([float(f"{x:.10g}") for x in theta])

    def evaluate(self, thetas: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Statistics (S x K) for each vector, running only what is not cached."""
        keys = [self.key(np.asarray(t)) for t in thetas]
        todo = {k: t for k, t in zip(keys, thetas, strict=True) if k not in self.cache}
        tasks = [
            (k, dict(zip(self.names, map(float, t), strict=True)), i, s, self.n_adopters,
             self.regime, list(self.targets))
            for k, t in todo.items() for i, s in enumerate(self.seeds)
        ]  # fmt: skip
        partial: dict[str, dict[int, list[float]]] = {k: {} for k in todo}
        for k, i, m in self.executor.map_unordered(eval_task, tasks):
            partial[k][i] = m
            if len(partial[k]) == len(self.seeds):
                arr = np.array([partial[k][j] for j in range(len(self.seeds))])
                self.cache[k] = arr
                self._save(k, arr)
        self.requested.update(keys)
        self.calls = len(self.requested)
        self.computed += len(todo)
        return [self.cache[k] for k in keys]

    def _save(self, key: str, arr: np.ndarray) -> None:
        if self.checkpoint is None:
            return
        with self.checkpoint.open("a") as fh:
            fh.write(json.dumps({"key": key, "m": arr.tolist()}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
