"""``run()`` and ``evaluate()``: one simulation, as a quarterly frame or as scalar outcomes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from aiblocs.model.model import AIBlocsModel
from aiblocs.model.outcomes import outcome_values
from aiblocs.model.regimes import Regime
from aiblocs.model.scenario import Scenario


def run(
    regime: Scenario | str | Path | Regime = "historical", seed: int = 0, **overrides: Any
) -> pd.DataFrame:
    """Run one simulation and return one row per quarter (column ``quarter`` = ``2022Q1`` ...).

    Args:
        regime: a regime (preset name, path to a TOML file, :class:`Regime`) or a whole
            :class:`Scenario`.
        seed: non-negative integer seed; the same scenario and seed give a bit-identical frame.
        **overrides: parameters (``n_adopters=2000``) or regime fields (``enforcement=0.9``),
            validated before the run starts.
    """
    model = AIBlocsModel(regime, rng=seed, **overrides)
    model.run_model()
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def evaluate(
    regime: Scenario | str | Path | Regime = "historical", seed: int = 0, **overrides: Any
) -> dict[str, float]:
    """Run once and return the scalar outcomes of :data:`aiblocs.model.outcomes.OUTCOMES`.

    A plain model function for samplers (EMA Workbench, SALib): parameters and regime fields are
    keyword arguments (``regime`` too), the result is ``{outcome name: float}``.
    """
    return outcome_values(run(regime, seed, **overrides))
