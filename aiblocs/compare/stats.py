"""Ensemble statistics: means with 95% CIs, paired effects vs a reference, lock-in probabilities.

The 95% interval of each outcome follows its kind (:data:`aiblocs.model.outcomes.OUTCOMES`), so
an interval never leaves the range the quantity can take:

* Means: Student-t interval over seeds; for shares (values in [0, 1]) the t interval on the logit
  scale (delta method, :func:`share_ci`), for probabilities (0/1 per run) the Wilson score
  interval (:func:`wilson`); for sums of non-negative flows (revenue, cancelled projects) the t
  interval intersected with [0, inf), which the mean cannot leave.
* Paired effects: for each seed, arm minus reference arm (same seed = common random numbers);
  the *paired t* interval on the differences (for shares intersected with [-1, 1], which the
  difference of two shares cannot leave), for probabilities Newcombe's score interval for paired
  proportions (:func:`newcombe_paired`); optionally also a paired percentile bootstrap
  (resampling seeds); plus the fraction of seeds whose difference has the sign of the mean
  difference (NaN, shown "n/a", when the mean difference is exactly 0).
* Lock-in: probability over seeds that the GS is locked into the US stack, the Chinese stack, or
  contested at the horizon (definition in :mod:`aiblocs.model.outcomes`), with Wilson score
  95% CIs, and the median lock-in year among locked runs.

Each table has ``arm_label`` (the regime's name, plus the design: an identifier) and
``arm_title`` (the regime's ``label`` in words: what reports and figures show).
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


def share_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and CI of shares in [0, 1]: a t interval on the logit scale (delta method).

    The interval is ``expit(logit(m) +- t * se / (m (1 - m)))``, so it stays inside (0, 1) and
    is asymmetric near the ends; a mean of exactly 0 or 1 (every seed at the bound) has the
    interval [m, m]. Values outside [0, 1] fall back to :func:`mean_ci`.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) and (x.min() < 0 or x.max() > 1):
        return mean_ci(x, level)
    m, lo, hi = mean_ci(x, level)
    if math.isnan(lo) or m <= 0 or m >= 1:  # one value, or all at the bound (then lo = hi = m)
        return m, lo, hi
    half = (hi - m) / (m * (1 - m))  # t * se on the logit scale
    centre = math.log(m / (1 - m))
    return m, 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))


def newcombe_paired(a: np.ndarray, b: np.ndarray, z: float = Z95) -> tuple[float, float, float]:
    """Difference of two paired proportions, ``mean(a) - mean(b)``, with Newcombe's CI.

    ``a`` and ``b`` are 0/1 outcomes of the same seeds. Newcombe (1998, Stat. Med. 17:2635,
    method 10): Wilson intervals of both proportions combined with the phi correlation of the
    pairs; the interval stays inside [-1, 1] and is defined when every difference is 0.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = len(a)
    if n == 0:
        return math.nan, math.nan, math.nan
    both = float(np.sum((a == 1) & (b == 1)))
    only_a = float(np.sum((a == 1) & (b == 0)))
    only_b = float(np.sum((a == 0) & (b == 1)))
    neither = n - both - only_a - only_b
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    l1, u1 = wilson(int(both + only_a), n, z)
    l2, u2 = wilson(int(both + only_b), n, z)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    phi = (both * neither - only_a * only_b) / math.sqrt(margins) if margins > 0 else 0.0
    d = p1 - p2
    lo = d - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    hi = d + math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return d, max(-1.0, lo), min(1.0, hi)


def interval(x: np.ndarray, kind: str) -> tuple[float, float, float, str]:
    """Mean, 95% CI and the method's name for the values of one outcome of ``kind``."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if kind == "probability" and len(x) and np.isin(x, (0.0, 1.0)).all():
        lo, hi = wilson(int(x.sum()), len(x))
        return float(x.mean()), lo, hi, "Wilson"
    if kind == "share" and len(x) and x.min() >= 0 and x.max() <= 1:
        return (*share_ci(x), "logit t")
    m, lo, hi = mean_ci(x)
    if kind == "sum" and len(x) and x.min() >= 0 and lo < 0:  # counts and revenues: >= 0
        return m, 0.0, hi, "t, bounded at 0"
    return m, lo, hi, "t"


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


def regime_titles(spec: ExperimentSpec) -> dict[str, str]:
    """Regime name -> the regime in words (its ``label``, see :attr:`Regime.title`).

    Two regimes whose words coincide (``a b`` and ``a_b``) keep their names in brackets, so
    every column of a report stays one regime's.
    """
    titles: dict[str, str] = {}
    for run in spec.runs():
        titles.setdefault(run.regime, run.scenario.regime.title)
    clash = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    return {n: f"{t} ({n})" if t in clash else t for n, t in titles.items()}


def arm_titles(spec: ExperimentSpec) -> dict[int, str]:
    """Arm index -> the arm in words: the regime's ``label`` (plus the design if there are several).

    Reports and figures show these; ``arm_labels`` are the identifiers kept in the CSV tables.
    """
    titles = regime_titles(spec)
    single = len(spec.designs) == 1
    return {
        arm: titles[name] if single else f"{titles[name]} [{design_label(spec.designs[d])}]"
        for arm, name, d in spec.arms()
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
    table.insert(len(ID_COLUMNS) + 1, "arm_title", table["arm"].map(arm_titles(spec)))
    return table


def _arm_rows(outcomes: pd.DataFrame, arm: int) -> pd.DataFrame:
    return outcomes[outcomes["arm"] == arm]


def summary(outcomes: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per arm and outcome: n, mean, sd, 95% CI and its method (module docstring)."""
    rows = []
    labels, titles = arm_labels(spec), arm_titles(spec)
    for arm, label, di in spec.arms():
        sub = _arm_rows(outcomes, arm)
        for name, outcome in OUTCOMES.items():
            x = sub[name].to_numpy(dtype=float)
            m, lo, hi, method = interval(x, outcome.kind)
            n = int((~np.isnan(x)).sum())
            rows.append(
                {
                    "arm": arm,
                    "arm_label": labels[arm],
                    "arm_title": titles[arm],
                    "regime": label,
                    "design": di,
                    "outcome": name,
                    "n": n,
                    "mean": m,
                    "sd": float(np.nanstd(x, ddof=1)) if n > 1 else math.nan,
                    "ci_lo": lo,
                    "ci_hi": hi,
                    "ci_method": method,
                }
            )
    return pd.DataFrame(rows)


def difference(a: np.ndarray, b: np.ndarray, kind: str) -> tuple[float, float, float, str]:
    """Mean of ``a - b`` (paired) with a 95% CI by the outcome's kind, and the method's name."""
    if kind == "probability" and len(a) and np.isin(np.r_[a, b], (0.0, 1.0)).all():
        return (*newcombe_paired(a, b), "Newcombe paired")
    m, lo, hi = mean_ci(a - b)
    if kind == "share" and len(a) and min(a.min(), b.min()) >= 0 and max(a.max(), b.max()) <= 1:
        return m, max(-1.0, lo), min(1.0, hi), "paired t"  # shares differ by at most 1
    return m, lo, hi, "paired t"


def paired_effects(
    outcomes: pd.DataFrame, spec: ExperimentSpec, n_boot: int = 0, within_regime: bool = False
) -> pd.DataFrame:
    """Each arm minus its reference arm, paired by seed (common random numbers).

    By default the reference arm is (reference regime, first design) for every arm. With
    ``within_regime=True`` each design d > 0 is compared with design 0 of the *same* regime
    (the effect of the parameter change under that regime).

    Columns: arm, arm_label, arm_title, reference, reference_title, outcome, n, mean_diff, ci_lo,
    ci_hi, ci_method (module docstring), sign_frac (NaN when the mean difference is 0) and, if
    ``n_boot > 0``, boot_lo / boot_hi (paired percentile bootstrap).
    """
    labels, titles = arm_labels(spec), arm_titles(spec)
    rows = []
    for arm, _, _ in spec.arms():
        ref = reference_arm(spec, arm, within_regime)
        if arm == ref:
            continue
        a = _arm_rows(outcomes, arm).set_index("seed_index")
        b = _arm_rows(outcomes, ref).set_index("seed_index")
        common = a.index.intersection(b.index).sort_values()
        for name, outcome in OUTCOMES.items():
            xa = a.loc[common, name].to_numpy(dtype=float)
            xb = b.loc[common, name].to_numpy(dtype=float)
            ok = ~(np.isnan(xa) | np.isnan(xb))
            m, lo, hi, method = difference(xa[ok], xb[ok], outcome.kind)
            d = xa[ok] - xb[ok]
            signed = len(d) > 0 and m != 0 and not math.isnan(m)
            row = {
                "arm": arm,
                "arm_label": labels[arm],
                "arm_title": titles[arm],
                "reference": labels[ref],
                "reference_title": titles[ref],
                "outcome": name,
                "n": len(d),
                "mean_diff": m,
                "ci_lo": lo,
                "ci_hi": hi,
                "ci_method": method,
                "sign_frac": float(np.mean(np.sign(d) == np.sign(m))) if signed else math.nan,
            }
            if n_boot:
                row["boot_lo"], row["boot_hi"] = bootstrap_ci(d, n_boot)
            rows.append(row)
    return pd.DataFrame(rows)


def state_probabilities(runs: pd.DataFrame, columns: dict[str, str]) -> dict[str, float]:
    """P(state) over ``runs`` (a 0/1 column per state) with Wilson 95% CIs.

    Keys ``p_<state>``, ``p_<state>_lo``, ``p_<state>_hi``; NaN probabilities without runs.
    """
    n, out = len(runs), {}
    for state, col in columns.items():
        k = int(runs[col].sum())
        out[f"p_{state}"] = k / n if n else math.nan
        out[f"p_{state}_lo"], out[f"p_{state}_hi"] = wilson(k, n)
    return out


def lockin(outcomes: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per arm: P(GS locked into US / CN / contested at the horizon) with Wilson 95% CIs."""
    rows = []
    labels, titles = arm_labels(spec), arm_titles(spec)
    for arm, label, di in spec.arms():
        sub = _arm_rows(outcomes, arm)
        n = len(sub)
        row = {
            "arm": arm,
            "arm_label": labels[arm],
            "arm_title": titles[arm],
            "regime": label,
            "design": di,
            "n": n,
        }
        row |= state_probabilities(sub, {"us": "gs_locked_us", "cn": "gs_locked_cn",
                                         "contested": "gs_contested"})  # fmt: skip
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
    titles = regime_titles(spec)
    frames = {k: _arm_rows(outcomes, v).set_index("seed_index") for k, v in arms.items()}
    common = sorted(set.intersection(*(set(f.index) for f in frames.values())))
    rows = []
    for name in OUTCOMES:
        y = {k: f.loc[common, name].to_numpy(float) for k, f in frames.items()}
        d = (y[(b, 1)] - y[(b, 0)]) - (y[(a, 1)] - y[(a, 0)])
        d = d[~np.isnan(d)]
        m, lo, hi = mean_ci(d)
        rows.append({"outcome": name, "regimes": f"{b} vs {a}",
                     "regimes_title": f"{titles[b]} vs {titles[a]}",
                     "designs": f"{design_label(spec.designs[1])} vs "
                     f"{design_label(spec.designs[0])}", "n": len(d), "interaction": m,
                     "ci_lo": lo, "ci_hi": hi})  # fmt: skip
    return pd.DataFrame(rows)
