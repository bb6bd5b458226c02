"""Running ensembles: experiment specs, executors (process pool, Dask), one checkpoint store.

Quick use::

    from aiblocs.ensemble import ExperimentSpec, run_experiment, LocalExecutor
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=20,
                          overrides={"n_adopters": 5000})
    run_experiment(spec, "results/demo", LocalExecutor(2))

Reading and comparing the results is :mod:`aiblocs.compare`'s job.
"""

from aiblocs.ensemble.executors import DaskExecutor, LocalExecutor, make_executor
from aiblocs.ensemble.runner import run_experiment, run_tasks
from aiblocs.ensemble.spec import ExperimentSpec, Run, design_label, grid, spawn_seeds
from aiblocs.ensemble.store import Store, load_parts, load_results, read_manifest

__all__ = [
    "DaskExecutor",
    "ExperimentSpec",
    "LocalExecutor",
    "Run",
    "Store",
    "design_label",
    "grid",
    "load_parts",
    "load_results",
    "make_executor",
    "read_manifest",
    "run_experiment",
    "run_tasks",
    "spawn_seeds",
]
