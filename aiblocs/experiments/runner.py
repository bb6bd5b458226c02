"""Run an experiment into a results folder, skipping runs already stored (resume)."""

from __future__ import annotations

import time
from pathlib import Path

from aiblocs.experiments.executors import LocalExecutor, make_executor, run_task
from aiblocs.experiments.spec import ExperimentSpec
from aiblocs.experiments.storage import ResultStore, now, param_kinds


def run_experiment(
    spec: ExperimentSpec,
    out: str | Path,
    executor=None,
    *,
    part_runs: int = 25,
    flush_seconds: float = 10.0,
    progress: bool = True,
) -> ResultStore:
    """Run every run of ``spec`` not yet stored in ``out``; return the (complete) store.

    Args:
        spec: what to run; validated first (ValueError before anything runs).
        out: results folder; created, or resumed if it holds the same spec.
        executor: a :class:`LocalExecutor` / :class:`DaskExecutor` (default: local pool).
        part_runs: write a part after this many finished runs ...
        flush_seconds: ... or after this many seconds, whichever comes first.
        progress: show a tqdm progress bar (runs done / total, ETA).
    """
    spec.validate()
    own = executor is None
    executor = executor or make_executor()
    store = ResultStore(out, spec).open()
    runs = spec.runs()
    todo = [r for r in runs if r.run_id not in store.done]
    store.write_manifest(
        new_session=True, start=now(), executor=executor.name, runs_to_do=len(todo)
    )
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=len(runs),
            initial=len(runs) - len(todo),
            unit="run",
            desc="aiblocs compare",
            dynamic_ncols=True,
        )
    buffer, last = [], time.monotonic()
    try:
        for frame in executor.map_unordered(run_task, todo, param_kinds(spec)):
            buffer.append(frame)
            if bar is not None:
                bar.update(1)
            if len(buffer) >= part_runs or time.monotonic() - last >= flush_seconds:
                store.write_part(buffer)
                buffer, last = [], time.monotonic()
    finally:
        if buffer:
            store.write_part(buffer)
        if bar is not None:
            bar.close()
        if own:
            executor.close()
        store.write_manifest(end=now())
    return store


__all__ = ["LocalExecutor", "run_experiment"]
