"""Scenario discovery: where in the plausible ranges does containment backfire? (PRIM)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aiblocs.sensitivity import prim
from aiblocs.sensitivity.design import Evaluation, run_points
from aiblocs.sensitivity.ranges import Range, problem


def backfire(Y: pd.DataFrame, tol_months: float = 0.5) -> pd.Series:
    """1 where containment backfires, else 0 (seed means over paired seeds).

    Backfire: containment leaves China's 2030 capability lag at most ``tol_months`` longer than
    managed access (it buys no delay) while raising China's 2030 domestic chip share.
    """
    buys_no_delay = Y["d_cn_lag_months_2030"] <= tol_months
    return (buys_no_delay & (Y["d_cn_domestic_chip_share_2030"] > 0)).astype(float)


def run_discover(
    ranges: list[Range], n: int, folder: Path, how: Evaluation, sample_seed: int = 0,
    tol_months: float = 0.5,
) -> dict[str, Any]:  # fmt: skip
    """Latin-hypercube sample of ``n`` points, outcomes, and PRIM boxes for :func:`backfire`."""
    from scipy.stats import qmc

    if isinstance(n, bool) or not isinstance(n, int) or not 20 <= n <= 200_000:
        raise ValueError(f"discover needs --n in [20, 200000] points, got {n!r}")
    if not 0 <= tol_months <= 60:
        raise ValueError(f"--tol-months must be in [0, 60], got {tol_months!r}")
    prob = problem(ranges)
    lo, hi = np.array(prob["bounds"]).T
    X = qmc.scale(qmc.LatinHypercube(d=len(lo), seed=sample_seed).random(n), lo, hi)
    Y = run_points(X, prob["names"], folder, "discover", how)
    y = backfire(Y, tol_months).to_numpy()
    boxes, trajs = prim.cover(X, y, prob["names"]) if 0 < y.sum() < len(y) else ([], [])
    return {
        "X": pd.DataFrame(X, columns=prob["names"]),
        "Y": Y,
        "y": y,
        "boxes": boxes,
        "trajectories": trajs,
        "tol_months": tol_months,
        "strict_rate": float((Y["d_cn_lag_months_2030"] < 0).mean()),
        "domestic_rate": float((Y["d_cn_domestic_chip_share_2030"] > 0).mean()),
    }
