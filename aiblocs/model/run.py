"""``run()`` and ``evaluate()``: one simulation, as a quarterly frame or as scalar outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from aiblocs.model.agents.governments import GSGovernment
from aiblocs.model.events import events_frame
from aiblocs.model.metrics import COUNTRY_SERIES
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


@dataclass(frozen=True)
class RunTables:
    """Everything one run records.

    Attributes:
        frame: one row per quarter, the series of the outcome registry.
        countries: one row per GS country and quarter (``quarter``, ``country`` and
            :data:`aiblocs.model.metrics.COUNTRY_SERIES`).
        events: the event log (:data:`aiblocs.model.events.COLUMNS`), in time order.
    """

    frame: pd.DataFrame
    countries: pd.DataFrame
    events: pd.DataFrame


def run_tables(
    regime: Scenario | str | Path | Regime = "historical", seed: int = 0, **overrides: Any
) -> RunTables:
    """Run one simulation and return its quarterly frame, per-country frame and event log."""
    model = AIBlocsModel(regime, rng=seed, **overrides)
    model.run_model()
    return tables(model)


def tables(model: AIBlocsModel) -> RunTables:
    """The :class:`RunTables` of a model that has run."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    raw = model.datacollector.get_agenttype_vars_dataframe(GSGovernment).reset_index()
    quarters = dict(enumerate(frame["quarter"], start=1))
    countries = raw.assign(quarter=raw["Step"].map(quarters))[["quarter", "country",
                                                               *COUNTRY_SERIES]]  # fmt: skip
    return RunTables(frame, countries.reset_index(drop=True), events_frame(model.events))


def evaluate(
    regime: Scenario | str | Path | Regime = "historical", seed: int = 0, **overrides: Any
) -> dict[str, float]:
    """Run once and return the scalar outcomes of :data:`aiblocs.model.outcomes.OUTCOMES`.

    A plain model function for samplers (EMA Workbench, SALib): parameters and regime fields are
    keyword arguments (``regime`` too), the result is ``{outcome name: float}``.
    """
    return outcome_values(run(regime, seed, **overrides))
