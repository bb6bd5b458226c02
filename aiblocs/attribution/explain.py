"""Attribution: how much of a paired regime contrast each mechanism carries.

The contrast is ``Delta_i = y(A, seed i) - y(B, seed i)`` for an outcome ``y`` of the registry and
two regimes A and B, on common seeds. For every mechanism m the same pair runs again with
``mech_m`` off (:mod:`aiblocs.model.mechanisms`), giving ``Delta_i^-m``. Reported per mechanism:

* the contrast with m off, ``mean(Delta^-m)`` with its paired t 95% CI;
* what m explains, ``mean(Delta - Delta^-m)`` with its paired t 95% CI;
* its share of the headline contrast, ``mean(Delta - Delta^-m) / mean(Delta)``, with a 95%
  percentile bootstrap CI over seeds;
* the remainder ``1 - sum of shares``: the part no single switch explains (interactions; shares
  need not sum to one: two mechanisms that each suffice both "explain" everything).

Every run is one design of an :class:`~aiblocs.ensemble.spec.ExperimentSpec` (regimes A and B
crossed with "all on" and each switch off), so explain resumes, runs on the same executors and
refuses mixed inputs exactly as ``compare`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aiblocs.compare.stats import mean_ci
from aiblocs.ensemble.runner import run_experiment
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.ensemble.store import load_parts
from aiblocs.model.mechanisms import MECHANISMS
from aiblocs.model.outcomes import OUTCOMES

N_BOOT = 2000


@dataclass(frozen=True)
class Explanation:
    """The inputs of an attribution: two regimes, the outcomes, the mechanisms, the ensemble."""

    regimes: tuple[Any, Any]
    outcomes: tuple[str, ...]
    n_seeds: int
    mechanisms: tuple[str, ...] = tuple(MECHANISMS)
    overrides: dict[str, Any] | None = None
    seed_overrides: tuple[dict[str, Any], ...] = ()
    root_seed: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.outcomes) - set(OUTCOMES))
        if unknown or not self.outcomes:
            raise ValueError(
                f"--outcome: unknown outcome(s) {unknown or '(none given)'}; "
                "choose from the registry (aiblocs.model.outcomes.OUTCOMES)"
            )
        bad = sorted(set(self.mechanisms) - set(MECHANISMS))
        if bad or not self.mechanisms:
            raise ValueError(
                f"--mechanisms: unknown mechanism(s) {bad or '(none given)'}; "
                f"choose from {', '.join(MECHANISMS)}"
            )
        if len(self.regimes) != 2:
            raise ValueError(f"--regimes: give exactly two regimes, got {len(self.regimes)}")

    def spec(self) -> ExperimentSpec:
        """The ensemble: both regimes x (all on, each switch off) x common seeds."""
        designs = ({}, *({MECHANISMS[m].flag: False} for m in self.mechanisms))
        return ExperimentSpec(
            regimes=self.regimes,
            n_seeds=self.n_seeds,
            root_seed=self.root_seed,
            overrides=dict(self.overrides or {}),
            designs=designs,
            seed_overrides=self.seed_overrides,
        )


def run_explanation(expl: Explanation, folder: Path, executor: Any, progress: bool = True) -> None:
    """Run (or resume) every run of the attribution into ``folder``."""
    run_experiment(
        expl.spec(), folder, executor, kind="explain", reduce="outcomes", progress=progress
    )


def _boot_share(explained: np.ndarray, delta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of mean(explained) / mean(delta), resampling seeds."""
    idx = rng.integers(0, len(delta), size=(N_BOOT, len(delta)))
    den = delta[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, explained[idx].mean(axis=1) / den, np.nan)


def attribute(rows: pd.DataFrame, expl: Explanation) -> pd.DataFrame:
    """The attribution table from stored outcome rows (one block of rows per outcome).

    Columns: outcome, mechanism (``headline`` first, ``remainder`` last), mean, ci_lo, ci_hi
    (the contrast, or the contrast with the mechanism off), explained, explained_lo,
    explained_hi, share, share_lo, share_hi, n.
    """
    spec = expl.spec()
    a_label, b_label = spec.labels
    out = []
    for name in expl.outcomes:
        table = rows.pivot_table(index="seed_index", columns=["regime", "design"], values=name)
        delta = (table[(a_label, 0)] - table[(b_label, 0)]).to_numpy(float)
        m, lo, hi = mean_ci(delta)
        out.append(
            {
                "outcome": name,
                "mechanism": "headline",
                "mean": m,
                "ci_lo": lo,
                "ci_hi": hi,
                "n": len(delta),
            }
        )
        rng = np.random.default_rng(0)
        boot_sum = np.zeros(N_BOOT)
        for d, mech in enumerate(expl.mechanisms, start=1):
            off = (table[(a_label, d)] - table[(b_label, d)]).to_numpy(float)
            explained = delta - off
            om, olo, ohi = mean_ci(off)
            em, elo, ehi = mean_ci(explained)
            share = em / m if m else math.nan
            boot = _boot_share(explained, delta, np.random.default_rng(rng.integers(2**63)))
            boot_sum += np.nan_to_num(boot)
            slo, shi = _quantiles(boot)
            out.append(
                {
                    "outcome": name,
                    "mechanism": mech,
                    "mean": om,
                    "ci_lo": olo,
                    "ci_hi": ohi,
                    "explained": em,
                    "explained_lo": elo,
                    "explained_hi": ehi,
                    "share": share,
                    "share_lo": slo,
                    "share_hi": shi,
                    "n": len(off),
                }
            )
        total = sum(r["share"] for r in out if r["outcome"] == name and "share" in r)
        rlo, rhi = _quantiles(1 - boot_sum) if m else (math.nan, math.nan)
        out.append(
            {
                "outcome": name,
                "mechanism": "remainder",
                "share": 1 - total if m else math.nan,
                "share_lo": rlo,
                "share_hi": rhi,
                "n": len(delta),
            }
        )
    return pd.DataFrame(out)


def _quantiles(x: np.ndarray) -> tuple[float, float]:
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan, math.nan
    return float(np.quantile(x, 0.025)), float(np.quantile(x, 0.975))


def load_attribution(folder: Path, expl: Explanation) -> pd.DataFrame:
    """The attribution table of a finished ``explain`` folder."""
    return attribute(load_parts(folder, "run_id"), expl)
