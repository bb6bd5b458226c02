"""aiblocs as an EMA Workbench model: regime (categorical), a parameter (real), the seed (integer).

    pip install 'aiblocs[ema]'
    python examples/ema_workbench.py

``aiblocs.evaluate`` is the model function: EMA Workbench calls it with one keyword argument per
uncertainty and constant, and it returns every outcome of the registry as a float (EMA keeps the
ones declared as ScalarOutcome). Regime fields (``enforcement``) and any ``Params`` field
(``bass_q``, ``n_adopters``) are valid names.

With ``MultiprocessingEvaluator`` (several processes), keep the ``if __name__ == "__main__":``
block: the worker processes re-import this script.
"""

from __future__ import annotations

import sys

import aiblocs

REGIMES = ("containment", "managed_access", "open")
OUTCOMES = ("gs_share_cn_stack_2035", "cn_lag_months_2030", "gs_locked_any")


def build_model(n_adopters: int = 1_000):
    """The EMA model: three kinds of parameter, a constant size, three scalar outcomes."""
    from ema_workbench import (
        CategoricalParameter,
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
    )

    model = Model("aiblocs", function=aiblocs.evaluate)
    model.uncertainties = [
        CategoricalParameter("regime", list(REGIMES)),
        RealParameter("bass_q", 0.3, 0.7),  # Bass imitation coefficient, 1/year
        RealParameter("enforcement", 0.3, 0.9),  # a regime field: P(smuggling attempt stopped)
        IntegerParameter("seed", 0, 10_000),  # one replication per experiment
    ]
    model.constants = [Constant("n_adopters", n_adopters)]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    return model


def main(n_scenarios: int = 30, n_adopters: int = 1_000, workers: int = 1):
    """Latin-hypercube experiments; returns EMA's (experiments frame, outcomes dict)."""
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

    model = build_model(n_adopters)
    if workers > 1:
        with MultiprocessingEvaluator(model, n_processes=workers) as evaluator:
            return evaluator.perform_experiments(scenarios=n_scenarios)
    return perform_experiments(model, scenarios=n_scenarios, evaluator=SequentialEvaluator(model))


if __name__ == "__main__":
    experiments, outcomes = main(*map(int, sys.argv[1:2]))
    table = experiments[["regime", "bass_q", "enforcement", "seed"]].assign(**outcomes)
    print(table.groupby("regime", observed=True)[list(OUTCOMES)].mean().to_string())
