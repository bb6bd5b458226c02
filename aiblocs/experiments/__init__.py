"""Experiments: paired regime comparisons over seeds, resumable storage, statistics, report.

Quick use::

    from aiblocs.experiments import ExperimentSpec, run_experiment, make_report, evaluate
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=20, n_adopters=5000)
    run_experiment(spec, "results/demo")
    make_report("results/demo")
    evaluate({"regime": "open", "n_adopters": 2000}, seed=1)   # -> {outcome: float}

Names are imported lazily so that worker processes do not load matplotlib or scipy.
"""

from importlib import import_module
from typing import Any

# Imported eagerly (cheap): the function ``evaluate`` must shadow the submodule of that name.
from aiblocs.experiments.evaluate import OUTCOMES, evaluate, outcomes_from_frame
from aiblocs.experiments.spec import ExperimentSpec, grid

_WHERE = {
    "DaskExecutor": "executors",
    "LocalExecutor": "executors",
    "make_executor": "executors",
    "make_report": "report",
    "run_experiment": "runner",
    "load_results": "storage",
    "read_manifest": "storage",
}
__all__ = [
    "OUTCOMES",
    "DaskExecutor",
    "ExperimentSpec",
    "LocalExecutor",
    "evaluate",
    "grid",
    "load_results",
    "make_executor",
    "make_report",
    "outcomes_from_frame",
    "read_manifest",
    "run_experiment",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'aiblocs.experiments' has no attribute {name!r}")
    return getattr(import_module(f"aiblocs.experiments.{_WHERE[name]}"), name)
