"""A plain model function for samplers: ``evaluate(params, seed) -> {outcome: float}``.

SALib, EMA Workbench or any sampler can call :func:`evaluate` directly. The outcomes are
defined on the quarterly frame by :func:`outcomes_from_frame`, which the experiment statistics
also use, so a sweep and a sampler see the same numbers.

Lock-in definition (used everywhere in this package): at a quarter, the Global South (GS) is
*locked into* a stack when that stack's share of adopted GS units exceeds ``LOCK_SHARE`` (0.8)
and ``gs_switch_rate`` is below ``LOCK_SWITCH`` (0.02). Otherwise it is *contested*. The lock-in
*time* is the first quarter from which the GS stays locked into the same stack up to the
horizon (2035Q4).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

LOCK_SHARE = 0.8
LOCK_SWITCH = 0.02
QUARTERS = {"2027": "2027Q4", "2030": "2030Q4", "2035": "2035Q4"}
HORIZON = "2035Q4"
# Quarterly reporters summarised at 2027Q4, 2030Q4 and 2035Q4 (outcome = f"{metric}_{year}").
KEY_METRICS = (
    "adoption_us",
    "adoption_cn",
    "adoption_gs",
    "gs_share_us_stack",
    "gs_share_cn_stack",
    "gs_dependence",
    "cn_lag_months",
    "cn_domestic_chip_share",
    "cn_dc_utilisation",
    "us_chip_revenue_cn_share",
)


def _outcome_docs() -> dict[str, str]:
    from aiblocs.model.metrics import REPORTERS

    docs = {f"{m}_{y}": f"{REPORTERS[m]}, at {q}" for m in KEY_METRICS for y, q in QUARTERS.items()}
    docs.update(
        {
            "us_chip_revenue_cn_cum": "US designers' China revenue summed 2022Q1-2035Q4 (USD bn)",
            "cn_dc_cancellations_cum": "EDWC hub projects cancelled 2022Q1-2035Q4 (projects)",
            "gs_locked_us": f"1 if the GS is locked into the US stack at {HORIZON}, else 0",
            "gs_locked_cn": f"1 if the GS is locked into the Chinese stack at {HORIZON}, else 0",
            "gs_contested": f"1 if neither stack has locked in the GS at {HORIZON}, else 0",
            "lockin_year": "decimal year when the lasting lock-in began (NaN if not locked)",
        }
    )
    return docs


OUTCOMES: dict[str, str] = _outcome_docs()
"""Outcome name -> meaning (unit). Shares are fractions in [0, 1]."""


def lock_state(df: pd.DataFrame) -> np.ndarray:
    """Per quarter: 1 locked into US, 2 locked into CN, 0 contested (see module docstring)."""
    calm = df["gs_switch_rate"].to_numpy() < LOCK_SWITCH
    us = (df["gs_share_us_stack"].to_numpy() > LOCK_SHARE) & calm
    cn = (df["gs_share_cn_stack"].to_numpy() > LOCK_SHARE) & calm
    return np.where(us, 1, np.where(cn, 2, 0))


def _decimal_year(label: str) -> float:
    return int(label[:4]) + (int(label[-1]) - 1) / 4


def outcomes_from_frame(df: pd.DataFrame) -> dict[str, float]:
    """Scalar outcomes (see :data:`OUTCOMES`) of one run's quarterly frame."""
    rows = df.set_index("quarter")
    out: dict[str, float] = {}
    for m in KEY_METRICS:
        for y, q in QUARTERS.items():
            out[f"{m}_{y}"] = float(rows.at[q, m])
    out["us_chip_revenue_cn_cum"] = float(df["us_chip_revenue_cn"].sum())
    out["cn_dc_cancellations_cum"] = float(df["cn_dc_cancellations"].sum())
    horizon = df.index[df["quarter"] == HORIZON]
    state = lock_state(df.loc[: horizon[0]] if len(horizon) else df)
    final = int(state[-1])
    out["gs_locked_us"] = float(final == 1)
    out["gs_locked_cn"] = float(final == 2)
    out["gs_contested"] = float(final == 0)
    if final:
        differs = np.flatnonzero(state != final)
        start = int(differs[-1]) + 1 if len(differs) else 0
        out["lockin_year"] = _decimal_year(str(df["quarter"].iloc[start]))
    else:
        out["lockin_year"] = float("nan")
    return out


def simulate(params: dict[str, Any], seed: int) -> pd.DataFrame:
    """Quarterly frame of one run; ``params`` holds ``regime``, ``n_adopters`` and overrides."""
    from aiblocs.run import run

    kw = dict(params)
    regime = kw.pop("regime", "historical")
    n_adopters = kw.pop("n_adopters", None)
    return run(regime=regime, seed=int(seed), n_adopters=n_adopters, **kw)


def evaluate(params: dict[str, Any], seed: int) -> dict[str, float]:
    """Run the model once and return its scalar outcomes (see :data:`OUTCOMES`).

    Args:
        params: ``{"regime": ..., "n_adopters": ..., **overrides}`` (missing keys: defaults).
        seed: non-negative integer seed; the same seed gives bit-identical outcomes.
    """
    return outcomes_from_frame(simulate(params, seed))
