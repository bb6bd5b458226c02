"""Global sensitivity of the model: Morris screening and Sobol indices (SALib).

Each method draws its sample over the plausible ranges (:mod:`aiblocs.sensitivity.ranges`) and
evaluates it with :func:`aiblocs.sensitivity.design.run_points` (both regimes, common seeds,
resumable); the analysed outcomes are :data:`aiblocs.sensitivity.design.ANALYSED`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.sensitivity.design import ANALYSED, Evaluation, run_points
from aiblocs.sensitivity.ranges import Range, problem

MAX_POINTS = 200_000


def check_morris_r(r: int) -> None:
    """Raise ValueError unless ``r`` is a valid number of Morris trajectories (2 to 10,000)."""
    if isinstance(r, bool) or not isinstance(r, int) or not 2 <= r <= 10_000:
        raise ValueError(f"Morris needs --n (trajectories) in [2, 10000], got {r!r}")


def check_sobol_n(n: int) -> None:
    """Raise ValueError unless ``n`` is a valid Sobol base sample size (power of two, 8-65536)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 8 or n & (n - 1) or n > 65_536:
        raise ValueError(f"Sobol needs --n a power of two in [8, 65536], got {n!r}")


def run_morris(
    ranges: list[Range], r: int, folder: Path, how: Evaluation, sample_seed: int = 0,
    levels: int = 4,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Morris screening with ``r`` trajectories: (table of mu*, mu* CI, mu, sigma; outcomes)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    check_morris_r(r)
    prob = problem(ranges)
    X = morris_sample.sample(prob, N=r, num_levels=levels, seed=sample_seed)
    Y = run_points(X, prob["names"], folder, "sensitivity", how)
    rows = []
    for out in ANALYSED:
        res = morris_analyze.analyze(
            prob, X, Y[out].to_numpy(), num_levels=levels, seed=sample_seed
        )
        for j, name in enumerate(prob["names"]):
            rows.append(
                {
                    "outcome": out,
                    "param": name,
                    "mu_star": float(res["mu_star"][j]),
                    "mu_star_conf": float(res["mu_star_conf"][j]),
                    "mu": float(res["mu"][j]),
                    "sigma": float(res["sigma"][j]),
                }
            )
    table = pd.DataFrame(rows)
    top = table.groupby("outcome")["mu_star"].transform("max")
    table["mu_star_norm"] = np.where(top > 0, table["mu_star"] / top.where(top > 0, 1), 0.0)
    return table, pd.concat([pd.DataFrame(X, columns=prob["names"]), Y], axis=1)


def survivors(morris: pd.DataFrame, keep: int = 6, threshold: float = 0.1) -> list[str]:
    """Screening survivors: the ``keep`` parameters with the highest normalised mu*.

    Normalised mu* = mu* / largest mu* of that outcome; a parameter's score is its maximum over
    outcomes (ties broken by its mean), and it must reach ``threshold`` to survive.
    """
    g = morris.groupby("param")["mu_star_norm"]
    score = pd.DataFrame({"max": g.max(), "mean": g.mean()})
    score = score[score["max"] >= threshold].sort_values(["max", "mean"], ascending=False)
    return list(score.index[:keep])


def run_sobol(
    ranges: list[Range], n: int, folder: Path, how: Evaluation, sample_seed: int = 0,
    resamples: int = 1000,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Sobol first- and total-order indices (95% bootstrap CIs) with base sample size ``n``."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_sobol_n(n)
    prob = problem(ranges)
    X = sobol_sample.sample(prob, n, calc_second_order=False, scramble=True, seed=sample_seed)
    Y = run_points(X, prob["names"], folder, "sensitivity", how)
    rows = []
    for out in ANALYSED:
        y = Y[out].to_numpy()
        if np.ptp(y) == 0:
            continue  # constant outcome: no variance to decompose
        # seed + 1: SALib treats seed 0 as "unseeded" (global RNG) for the bootstrap
        res = sobol_analyze.analyze(
            prob,
            y,
            calc_second_order=False,
            num_resamples=resamples,
            conf_level=0.95,
            seed=sample_seed + 1,
        )
        for j, name in enumerate(prob["names"]):
            rows.append(
                {
                    "outcome": out,
                    "param": name,
                    "S1": float(res["S1"][j]),
                    "S1_conf": float(res["S1_conf"][j]),
                    "ST": float(res["ST"][j]),
                    "ST_conf": float(res["ST_conf"][j]),
                }
            )
    return pd.DataFrame(rows), pd.concat([pd.DataFrame(X, columns=prob["names"]), Y], axis=1)
