"""Run tasks into a :class:`Store`, skipping those already stored (resume)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiblocs.ensemble.executors import LocalExecutor, make_executor
from aiblocs.ensemble.spec import ExperimentSpec, value_columns
from aiblocs.ensemble.store import Store
from aiblocs.ensemble.tasks import REDUCERS, SIDE_TABLES
from aiblocs.model.params import default_params


def now() -> str:
    """Current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def run_tasks(
    store: Store | None,
    tasks: list[tuple[str, Any]],
    fn: Callable,
    executor: Any,
    *args: Any,
    progress: bool = True,
    desc: str = "runs",
    part_rows: int = 25,
    flush_seconds: float = 10.0,
    on_result: Callable[[Any], None] | None = None,
) -> int:
    """Run ``fn(payload, *args)`` for every ``(key, payload)`` not yet in the open ``store``.

    Each call returns a frame whose key column holds ``key``; frames are written as parts after
    ``part_rows`` tasks or ``flush_seconds``, whichever comes first (``store=None``: nothing is
    written). ``on_result`` sees every frame as it arrives. Returns the number run.
    """
    done = store.done if store is not None else set()
    todo = [payload for key, payload in tasks if key not in done]
    if store is not None:
        store.write_manifest(
            new_session=True, start=now(), executor=executor.name, tasks_to_do=len(todo)
        )
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(tasks),
            initial=len(tasks) - len(todo),
            unit="run",
            desc=desc,
            dynamic_ncols=True,
        )
    buffer, last = [], time.monotonic()
    try:
        for frame in executor.map_unordered(fn, todo, *args):
            if on_result is not None:
                on_result(frame)
            if bar is not None:
                bar.update(1)
            if store is None:
                continue
            buffer.append(frame)
            if len(buffer) >= part_rows or time.monotonic() - last >= flush_seconds:
                store.write_part(buffer)
                buffer, last = [], time.monotonic()
    finally:
        if store is not None:
            if buffer:
                store.write_part(buffer)
            store.write_manifest(end=now())
        if bar is not None:
            bar.close()
    return len(todo)


def check_experiment(spec: ExperimentSpec, executor: Any) -> None:
    """Refuse (ValueError) an experiment whose largest run would not fit in memory."""
    runs = spec.runs()
    biggest = max(runs, key=lambda r: r.scenario.n_adopters * r.scenario.params.network_degree)
    executor.check_memory(biggest.scenario.n_adopters, biggest.scenario.params.network_degree)


def run_experiment(
    spec: ExperimentSpec,
    out: str | Path,
    executor: Any = None,
    *,
    kind: str = "compare",
    reduce: str = "tables",
    progress: bool = True,
    part_runs: int = 25,
    flush_seconds: float = 10.0,
    announce: Callable[[Store], None] | None = None,
) -> Store:
    """Run every run of ``spec`` not yet stored in ``out``; return the (closed) store.

    Args:
        spec: what to run (validated when it was built).
        out: results folder; created, or resumed if it holds the same experiment.
        executor: a :class:`LocalExecutor` / :class:`DaskExecutor` (default: local pool).
        kind: the folder's kind (``compare``, ``sensitivity``, ``discover``).
        reduce: ``tables`` stores each run's quarterly frame, per-country frame and event log
            (:func:`aiblocs.ensemble.store.load_results` reads each), ``frame`` the quarterly
            frame alone, ``outcomes`` one row of outcomes.
        progress: show a progress bar (runs done / total, ETA).
        part_runs: write a part after this many runs ...
        flush_seconds: ... or after this many seconds, whichever comes first.
        announce: called with the open store before any run (e.g. to print what will run).
    """
    runs = spec.runs()
    own = executor is None
    executor = executor or make_executor()
    try:
        check_experiment(spec, executor)
        extra = {
            "spec": spec.to_dict(),
            "seeds": spec.seeds(),
            **(
                {"arm_seeds": {str(a): spec.seeds(a) for a, _, _ in spec.arms()}}
                if spec.independent_seeds
                else {}
            ),
            "reduce": reduce,
            "tables": list(SIDE_TABLES[reduce]),
            "param_defaults": default_params().__dict__,
        }
        store = Store(
            out,
            kind,
            {**spec.identity(), "reduce": reduce},
            [r.run_id for r in runs],
            key="run_id",
            extra=extra,
            tables=SIDE_TABLES[reduce],
        )
        with store:
            if announce is not None:
                announce(store)
            run_tasks(
                store,
                [(r.run_id, r) for r in runs],
                REDUCERS[reduce],
                executor,
                value_columns(runs),
                progress=progress,
                desc=f"aiblocs {kind}",
                part_rows=part_runs,
                flush_seconds=flush_seconds,
            )
    finally:
        if own:
            executor.close()
    return store


__all__ = ["LocalExecutor", "run_experiment", "run_tasks"]
