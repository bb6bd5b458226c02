"""SALib directly on aiblocs: Morris screening of the packaged plausible ranges, one regime.

    python examples/salib_morris.py

``problem(load_ranges())`` is a SALib problem (names, bounds) of every uncertain parameter;
``aiblocs.evaluate`` runs one point. ``aiblocs sensitivity`` does the same with both regimes,
common seeds, a process pool, resumable storage and a report; this script shows the bare API.
"""

from __future__ import annotations

import sys

import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

import aiblocs
from aiblocs.sensitivity import load_ranges, problem

OUTCOME = "gs_share_cn_stack_2035"


def main(
    trajectories: int = 6, n_adopters: int = 1_000, regime: str = "containment", seed: int = 0
):
    """Morris mu*, mu and sigma of :data:`OUTCOME` under ``regime`` (one seed per point)."""
    prob = problem(load_ranges())
    X = morris_sample.sample(prob, N=trajectories, num_levels=4, seed=seed)
    y = []
    for x in X:  # one model run per sample row; parameters by name
        point = dict(zip(prob["names"], x, strict=True))
        y.append(aiblocs.evaluate(regime, seed, n_adopters=n_adopters, **point)[OUTCOME])
    res = morris_analyze.analyze(prob, X, pd.Series(y).to_numpy(), num_levels=4, seed=seed)
    table = pd.DataFrame(
        {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "mu": res["mu"],
         "sigma": res["sigma"]},
        index=pd.Index(prob["names"], name="parameter"),
    )  # fmt: skip
    return table.sort_values("mu_star", ascending=False)


if __name__ == "__main__":
    print(f"Morris screening of {OUTCOME} ({len(load_ranges())} parameters):")
    print(main(*map(int, sys.argv[1:2])).to_string(float_format=lambda v: f"{v:.3g}"))
