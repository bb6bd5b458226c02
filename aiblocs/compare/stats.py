"""Ensemble statistics: means with 95% CIs, paired effects vs a reference, lock-in probabilities.

* Means: Student-t 95% confidence interval over seeds.
* Paired effects: for each seed, arm minus reference arm (same seed = common random numbers);
  95% CI from the *paired t* interval on the differences, optionally also a paired percentile
  bootstrap (resampling seeds); plus the fraction of seeds whose difference has the sign of the
  mean difference.
* Lock-in: probability over seeds that the GS is locked into the US stack, the Chinese stack, or
  contested at the horizon (definition in :mod:`aiblocs.model.outcomes`), with Wilson score
  95% CIs, and the median lock-in year among locked runs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as st

from aiblocs.ensemble.spec import ExperimentSpec, design_label
from aiblocs.ensemble.tasks import ID_COLUMNS
from aiblocs.model.outcomes import OUTCOMES, outcome_values

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


def arm_labels(spec: ExperimentSpec) -> dict[int, str]:
    """Arm index -> display label (the regime's, plus the design when there are several)."""
    single = len(spec.designs) == 1
    return {
        arm: label if single else f"{label} [{design_label(spec.designs[d])}]"
        for arm, label, d in spec.arms()
    }


def reference_arm(spec: ExperimentSpec, arm: int, within_regime: bool = False) -> int:
    """The arm that ``arm`` is compared with.

    The reference regime's first design, or (``within_regime``) the same regime's first design.
    """
    arms = {(label, d): a for a, label, d in spec.arms()}
    _, label, _ = spec.arms()[arm]
    return arms[(label, 0)] if within_regime else arms[(spec.reference, 0)]


def outcome_table(rows: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """One row per run: ids, provenance columns, ``arm_label`` and every outcome.

    ``rows`` are a store's rows: quarterly frames (one row per run and quarter) or outcome rows
    (one per run), as :mod:`aiblocs.ensemble.tasks` writes them.
    """
    labels = arm_labels(spec)
    if "quarter" in rows:
        cols = list(rows.columns)
        head = cols[: cols.index("quarter")]  # ids and provenance come before the series
        out = []
        for _, frame in rows.groupby("run_id", sort=True):
            out.append({**frame.iloc[0][head].to_dict(), **outcome_values(frame)})
        table = pd.DataFrame(out)
    else:
        table = rows.sort_values("run_id", kind="stable").reset_index(drop=True)
    table.insert(len(ID_COLUMNS), "arm_label", table["arm"].map(labels))
    return table


def _arm_rows(outcomes: pd.DataFrame, arm: int) -> pd.DataFrame:
    return outcomes[outcomes["arm"] == arm]


def summary(outcomes: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per arm and outcome: n, mean, sd and 95% t CI."""
    rows = []
    for arm, label, di in spec.arms():
        sub = _arm_rows(outcomes, arm)
        for name in OUTCOMES:
            x = sub[name].to_numpy(dtype=float)
            m, lo, hi = mean_ci(x)
            n = int((~np.isnan(x)).sum())
            rows.append(
                {
                    "arm": arm,
                    "arm_label": arm_labels(spec)[arm],
                    "regime": label,
                    "design": di,
                    "outcome": name,
                    "n": n,
                    "mean": m,
                    "sd": float(np.nanstd(x, ddof=1)) if n > 1 else math.nan,
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
    for arm, _, _ in spec.arms():
        ref = reference_arm(spec, arm, within_regime)
        if arm == ref:
            continue
        a = _arm_rows(outcomes, arm).set_index("seed_index")
        b = _arm_rows(outcomes, ref).set_index("seed_index")
        common = a.index.intersection(b.index).sort_values()
        for name in OUTCOMES:
            d = (a.loc[common, name] - b.loc[common, name]).to_numpy(dtype=float)
            d = d[~np.isnan(d)]
            m, lo, hi = mean_ci(d)
            sign = np.sign(m) if len(d) else math.nan
            row = {
                "arm": arm,
                "arm_label": labels[arm],
                "reference": labels[ref],
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
    """Per arm: P(GS locked into US / CN / contested at the horizon) with Wilson 95% CIs."""
    rows = []
    for arm, label, di in spec.arms():
        sub = _arm_rows(outcomes, arm)
        n = len(sub)
        row = {
            "arm": arm,
            "arm_label": arm_labels(spec)[arm],
            "regime": label,
            "design": di,
            "n": n,
        }
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
    n = outcomes.groupby("arm").size()
    if len(n) and n.min() < MIN_SEEDS:
        return [
            f"only {int(n.min())} seed(s) per arm: 95% CIs are wide and the t / Wilson "
            f"approximations are rough; use at least {MIN_SEEDS} (better 30+) seeds"
        ]
    return []


def interaction(outcomes: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """The 2 x 2 interaction of two regimes and two designs, paired by seed.

    For regimes A (the reference) and B and designs 0 and 1, per seed
    ``(y[B,1] - y[B,0]) - (y[A,1] - y[A,0])``: how much more design 1 moves the outcome under B
    than under A (a difference in differences), with the paired t 95% CI. Empty unless the spec
    is exactly 2 regimes x 2 designs.
    """
    if len(spec.regimes) != 2 or len(spec.designs) != 2:
        return pd.DataFrame()
    arms = {(label, d): arm for arm, label, d in spec.arms()}
    a = spec.reference
    b = next(label for label in spec.labels if label != a)
    frames = {k: _arm_rows(outcomes, v).set_index("seed_index") for k, v in arms.items()}
    common = sorted(set.intersection(*(set(f.index) for f in frames.values())))
    rows = []
    for name in OUTCOMES:
        y = {k: f.loc[common, name].to_numpy(float) for k, f in frames.items()}
        d = (y[(b, 1)] - y[(b, 0)]) - (y[(a, 1)] - y[(a, 0)])
        d = d[~np.isnan(d)]
        m, lo, hi = mean_ci(d)
        rows.append({"outcome": name, "regimes": f"{b} vs {a}",
                     "designs": f"{design_label(spec.designs[1])} vs "
                     f"{design_label(spec.designs[0])}", "n": len(d), "interaction": m,
                     "ci_lo": lo, "ci_hi": hi})  # fmt: skip
    return pd.DataFrame(rows)
