"""Ensemble statistics: means with 95% CIs, paired effects vs a reference, lock-in probabilities.

* Means: Student-t 95% confidence interval over seeds.
* Paired effects: for each seed, arm minus reference arm (same seed = common random numbers);
  95% CI from the *paired t* interval on the differences, optionally also a paired percentile
  bootstrap (resampling seeds); plus the fraction of seeds whose difference has the sign of the
  mean difference.
* Lock-in: probability over seeds that the GS is locked into the US stack, the Chinese stack, or
  contested at 2035Q4 (definition in :mod:`aiblocs.experiments.evaluate`), with Wilson score
  95% CIs, and the median lock-in year among locked runs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as st

from aiblocs.experiments.evaluate import OUTCOMES, outcomes_from_frame
from aiblocs.experiments.spec import ExperimentSpec, design_label

MIN_SEEDS = 10
Z95 = 1.959963984540054


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t CI of ``x`` (NaNs dropped; CI is NaN with fewer than 2 values)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, math.nan, math.nan
    half = float(st.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n`` (95% by default)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    lo = 0.0 if k == 0 else max(0.0, centre - half)  # exact bounds at the ends (no 1e-18)
    return lo, 1.0 if k == n else min(1.0, centre + half)


def bootstrap_ci(d: np.ndarray, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile 95% CI of the mean of ``d`` by resampling (deterministic given ``seed``)."""
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def arm_labels(spec: ExperimentSpec) -> dict[tuple[str, int], str]:
    """(regime, design) -> display label, in spec order."""
    single = len(spec.designs) == 1
    return {
        (r, di): r if single else f"{r} [{design_label(d)}]"
        for di, d in enumerate(spec.designs)
        for r in spec.regimes
    }


def outcome_table(tidy: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """One row per run: ids, ``arm`` label and every outcome of :data:`OUTCOMES`."""
    wide = tidy.pivot_table(
        index=["run_id", "quarter"], columns="metric", values="value", aggfunc="first", sort=True
    ).reset_index()
    ids = tidy.drop_duplicates("run_id").set_index("run_id")
    labels = arm_labels(spec)
    rows = []
    for run_id, frame in wide.groupby("run_id", sort=True):
        meta = ids.loc[run_id]
        row = {
            "run_id": run_id,
            "regime": meta["regime"],
            "design": int(meta["design"]),
            "seed_index": int(meta["seed_index"]),
            "seed": int(meta["seed"]),
        }
        row["arm"] = labels[(row["regime"], row["design"])]
        row.update(outcomes_from_frame(frame.reset_index(drop=True)))
        rows.append(row)
    return pd.DataFrame(rows)


def summary(outcomes: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per arm and outcome: n, mean, sd and 95% t CI."""
    rows = []
    for (regime, di), label in arm_labels(spec).items():
        sub = outcomes[(outcomes.regime == regime) & (outcomes.design == di)]
        for name in OUTCOMES:
            x = sub[name].to_numpy(dtype=float)
            m, lo, hi = mean_ci(x)
            rows.append(
                {
                    "arm": label,
                    "regime": regime,
                    "design": di,
                    "outcome": name,
                    "n": int((~np.isnan(x)).sum()),
                    "mean": m,
                    "sd": float(np.nanstd(x, ddof=1)) if (~np.isnan(x)).sum() > 1 else math.nan,
                    "ci_lo": lo,
                    "ci_hi": hi,
                }
            )
    return pd.DataFrame(rows)


def paired_effects(
    outcomes: pd.DataFrame, spec: ExperimentSpec, n_boot: int = 0, within_regime: bool = False
) -> pd.DataFrame:
    """Each arm minus its reference arm, paired by seed (common random numbers).

    By default the reference arm is (reference regime, first design) for every arm. With
    ``within_regime=True`` each design d > 0 is compared with design 0 of the *same* regime
    (the effect of the parameter change under that regime).

    Columns: arm, reference, outcome, n, mean_diff, ci_lo, ci_hi (paired t), sign_frac and, if
    ``n_boot > 0``, boot_lo / boot_hi (paired percentile bootstrap).
    """
    labels = arm_labels(spec)
    rows = []
    for key, label in labels.items():
        ref_key = (key[0], 0) if within_regime else (spec.reference, 0)
        if key == ref_key:
            continue
        arm, ref = (
            outcomes[(outcomes.regime == k[0]) & (outcomes.design == k[1])].set_index("seed_index")
            for k in (key, ref_key)
        )
        common = arm.index.intersection(ref.index).sort_values()
        for name in OUTCOMES:
            d = (arm.loc[common, name] - ref.loc[common, name]).to_numpy(dtype=float)
            d = d[~np.isnan(d)]
            m, lo, hi = mean_ci(d)
            sign = np.sign(m) if len(d) else math.nan
            row = {
                "arm": label,
                "reference": labels[ref_key],
                "outcome": name,
                "n": len(d),
                "mean_diff": m,
                "ci_lo": lo,
                "ci_hi": hi,
                "sign_frac": float(np.mean(np.sign(d) == sign)) if len(d) else math.nan,
            }
            if n_boot:
                row["boot_lo"], row["boot_hi"] = bootstrap_ci(d, n_boot)
            rows.append(row)
    return pd.DataFrame(rows)


def lockin(outcomes: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per arm: P(GS locked into US / CN / contested at 2035Q4) with Wilson 95% CIs."""
    rows = []
    for (regime, di), label in arm_labels(spec).items():
        sub = outcomes[(outcomes.regime == regime) & (outcomes.design == di)]
        n = len(sub)
        row = {"arm": label, "regime": regime, "design": di, "n": n}
        for state in ("us", "cn", "contested"):
            col = "gs_contested" if state == "contested" else f"gs_locked_{state}"
            k = int(sub[col].sum())
            row[f"p_{state}"] = k / n if n else math.nan
            row[f"p_{state}_lo"], row[f"p_{state}_hi"] = wilson(k, n)
        years = sub["lockin_year"].dropna()
        row["n_locked"] = len(years)
        row["median_lockin_year"] = float(years.median()) if len(years) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def size_warnings(outcomes: pd.DataFrame) -> list[str]:
    """Warnings for ensembles too small for the CIs reported."""
    n = outcomes.groupby(["regime", "design"]).size()
    if len(n) and n.min() < MIN_SEEDS:
        return [
            f"only {int(n.min())} seed(s) per arm: 95% CIs are wide and the t / Wilson "
            f"approximations are rough; use at least {MIN_SEEDS} (better 30+) seeds"
        ]
    return []
