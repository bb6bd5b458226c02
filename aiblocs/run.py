"""``run()``: build a model, run it to the end, return the quarterly frame."""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiblocs.model.model import AIBlocsModel


def run(
    regime: str = "historical", seed: int = 0, n_adopters: int | None = None, **overrides: Any
) -> pd.DataFrame:
    """Run one simulation and return one row per quarter (column ``quarter`` = ``2022Q1`` ...).

    Args:
        regime: preset name (see ``aiblocs regimes``) or path to a regime TOML file.
        seed: non-negative integer seed.
        n_adopters: number of adopter units (default from :class:`Params`).
        **overrides: parameter or regime-field overrides, validated before the run starts.
    """
    model = AIBlocsModel(regime=regime, seed=seed, n_adopters=n_adopters, **overrides)
    model.run_model()
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
