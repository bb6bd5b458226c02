"""Where an outcome's spread comes from, and what common random numbers gain.

**Variance decomposition** (``aiblocs compare --calibrated --draws K --seeds S``): each arm runs
K calibrated parameter vectors theta_k on the same S seeds, so its runs form a K x S table
``y[k, s]``. Because the seeds are common to every vector the design is *crossed* (two-way random
effects without replication, ``y = mu + a_k + b_s + e_ks``), and the estimators are the
standard ANOVA ones:

* ``MS_param = S * sum_k (ybar_k. - ybar)^2 / (K - 1)``, expectation ``S s2_param + s2_int``;
* ``MS_seed = K * sum_s (ybar_.s - ybar)^2 / (S - 1)``, expectation ``K s2_seed + s2_int``;
* ``MS_int`` = the residual mean square, expectation ``s2_int``;
* ``s2_param = max(0, (MS_param - MS_int) / S)``, ``s2_seed = max(0, (MS_seed - MS_int) / K)``,
  ``s2_int = MS_int``.

By the law of total variance ``Var(y) = Var(E[y | theta]) + E[Var(y | theta)]``, where
``Var(E[y | theta]) = s2_param`` (parameter uncertainty) and ``E[Var(y | theta)] = s2_seed +
s2_int`` (events and choices: the seed's effect common to every vector plus the part that
depends on the vector). The one-way estimator ``(MSB - MSW) / S`` would be biased down by
``s2_seed / S`` here, because the vector means share the seeds. 95% intervals of the parameter
share come from the pigeonhole bootstrap (vectors and seeds resampled independently; McCullagh
2000, Bernoulli 6:285), which is conservative.

**Common-random-numbers gain**: for arm A and reference B paired by seed, the runs an unpaired
comparison needs for the standard error of ``mean(A) - mean(B)`` that the paired one reaches,
per paired run: ``gain = (Var A + Var B) / Var(A - B) = 1 / (1 - rho)`` for equal variances and
correlation rho; a percentile bootstrap over pairs gives its 95% interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from aiblocs.compare import stats
from aiblocs.compare.cells import ci_cell, fmt
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.model.outcomes import HEADLINE
from aiblocs.viz.tables import markdown_table

N_BOOT = 1000
GAIN_COLUMNS = ("var_arm", "var_ref", "var_diff", "rho", "gain", "gain_lo", "gain_hi")
"""Columns of :func:`crn_gain` beyond the arm, outcome and number of pairs."""


def components(y: np.ndarray) -> dict[str, np.ndarray]:
    """Two-way crossed random-effects variance components of ``y`` (``(..., K, S)`` arrays).

    Returns ``mean``, ``param``, ``seed``, ``interaction``, ``total`` (their sum) and
    ``param_share`` (``param / total``; NaN where the total is 0), each of shape ``y.shape[:-2]``.
    """
    y = np.asarray(y, dtype=float)
    k, s = y.shape[-2:]
    grand = y.mean(axis=(-2, -1), keepdims=True)
    rows = y.mean(axis=-1, keepdims=True)
    cols = y.mean(axis=-2, keepdims=True)
    ms_param = s * ((rows - grand) ** 2).sum(axis=(-2, -1)) / (k - 1)
    ms_seed = k * ((cols - grand) ** 2).sum(axis=(-2, -1)) / (s - 1)
    ms_int = ((y - rows - cols + grand) ** 2).sum(axis=(-2, -1)) / ((k - 1) * (s - 1))
    param = np.maximum(0.0, (ms_param - ms_int) / s)
    seed = np.maximum(0.0, (ms_seed - ms_int) / k)
    total = param + seed + ms_int
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, param / np.where(total > 0, total, 1.0), np.nan)
    return {
        "mean": grand[..., 0, 0],
        "param": param,
        "seed": seed,
        "interaction": ms_int,
        "total": total,
        "param_share": share,
    }


def share_ci(y: np.ndarray, n_boot: int = N_BOOT, seed: int = 0) -> tuple[float, float]:
    """Pigeonhole-bootstrap 95% interval of the parameter share of a K x S table."""
    k, s = y.shape
    rng = np.random.default_rng(seed)
    rk = rng.integers(0, k, size=(n_boot, k))
    cs = rng.integers(0, s, size=(n_boot, s))
    shares = components(y[rk[:, :, None], cs[:, None, :]])["param_share"]
    shares = shares[~np.isnan(shares)]
    if not len(shares):
        return math.nan, math.nan
    return float(np.quantile(shares, 0.025)), float(np.quantile(shares, 0.975))


def nested_table(outcomes: pd.DataFrame, spec: ExperimentSpec, arm: int, name: str) -> np.ndarray:
    """The K x S table of one outcome in one arm of a nested design (vectors with a NaN dropped)."""
    sub = outcomes[outcomes["arm"] == arm]
    y = np.full((spec.draws, spec.n_seeds), np.nan)
    idx = sub["seed_index"].to_numpy()
    y[idx // spec.n_seeds, idx % spec.n_seeds] = sub[name].to_numpy(float)
    return y[~np.isnan(y).any(axis=1)]


def decomposition(
    outcomes: pd.DataFrame,
    spec: ExperimentSpec,
    names: tuple[str, ...] = HEADLINE,
    n_boot: int = N_BOOT,
) -> pd.DataFrame:
    """Per arm and outcome: the variance components (module docstring) and the parameter share.

    Empty unless the spec is a nested design with at least 2 vectors and 2 seeds.
    """
    if spec.draws < 2 or spec.n_seeds < 2:
        return pd.DataFrame()
    titles, labels = stats.arm_titles(spec), stats.arm_labels(spec)
    rows = []
    for arm, _, _ in spec.arms():
        for name in names:
            y = nested_table(outcomes, spec, arm, name)
            row = {
                "arm": arm,
                "arm_label": labels[arm],
                "arm_title": titles[arm],
                "outcome": name,
                "draws": len(y),
                "seeds": spec.n_seeds,
            }
            if len(y) >= 2:
                c = {k: float(v) for k, v in components(y).items()}
                lo, hi = (
                    share_ci(y, n_boot) if not math.isnan(c["param_share"]) else (math.nan,) * 2
                )
                row.update(c, sd_total=math.sqrt(c["total"]), param_share_lo=lo, param_share_hi=hi)
            rows.append(row)
    return pd.DataFrame(rows)


def gain(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(Var a + Var b) / Var(a - b)`` along the last axis.

    inf where the difference is constant (its variance below 1e-12 of ``Var a + Var b``, i.e.
    rounding), NaN where neither arm varies.
    """
    va, vb = a.var(axis=-1, ddof=1), b.var(axis=-1, ddof=1)
    vd = (a - b).var(axis=-1, ddof=1)
    vd = np.where(vd <= 1e-12 * (va + vb), 0.0, vd)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(va + vb > 0, (va + vb) / vd, np.nan)


def crn_gain(
    outcomes: pd.DataFrame,
    spec: ExperimentSpec,
    names: tuple[str, ...] = HEADLINE,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """Per non-reference arm and outcome: the CRN gain estimated from the paired runs.

    Columns: n (pairs), var_arm, var_ref, var_diff, rho (correlation of the pairs), gain,
    gain_lo / gain_hi (percentile bootstrap over pairs, 95%).
    """
    titles, labels = stats.arm_titles(spec), stats.arm_labels(spec)
    rng = np.random.default_rng(seed)
    rows = []
    for arm, _, _ in spec.arms():
        ref = stats.reference_arm(spec, arm)
        if arm == ref:
            continue
        a = outcomes[outcomes["arm"] == arm].set_index("seed_index")
        b = outcomes[outcomes["arm"] == ref].set_index("seed_index")
        common = a.index.intersection(b.index).sort_values()
        for name in names:
            xa = a.loc[common, name].to_numpy(float)
            xb = b.loc[common, name].to_numpy(float)
            ok = ~(np.isnan(xa) | np.isnan(xb))
            xa, xb = xa[ok], xb[ok]
            row = {
                "arm": arm,
                "arm_label": labels[arm],
                "arm_title": titles[arm],
                "reference_title": titles[ref],
                "outcome": name,
                "n": len(xa),
                **dict.fromkeys(GAIN_COLUMNS, math.nan),  # too few pairs: left NaN
            }
            if len(xa) >= 3:
                va, vb = float(xa.var(ddof=1)), float(xb.var(ddof=1))
                rho = float(np.corrcoef(xa, xb)[0, 1]) if va > 0 and vb > 0 else math.nan
                idx = rng.integers(0, len(xa), size=(n_boot, len(xa)))
                boot = gain(xa[idx], xb[idx])
                boot = boot[~np.isnan(boot)]
                lo, hi = (
                    np.quantile(boot, [0.025, 0.975], method="inverted_cdf")
                    if len(boot)
                    else (math.nan, math.nan)
                )
                row.update(
                    var_arm=va,
                    var_ref=vb,
                    var_diff=float((xa - xb).var(ddof=1)),
                    rho=rho,
                    gain=float(gain(xa, xb)),
                    gain_lo=float(lo),
                    gain_hi=float(hi),
                )
            rows.append(row)
    return pd.DataFrame(rows)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with inf where only ``den`` is (rounding-)zero and NaN where both are."""
    den = np.where(den <= 1e-12 * num, 0.0, den)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num > 0, num / den, np.nan)


def measured_gain(
    crn: pd.DataFrame,
    crn_spec: ExperimentSpec,
    independent: pd.DataFrame,
    ind_spec: ExperimentSpec,
    names: tuple[str, ...] = HEADLINE,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """The CRN gain measured directly: an independent-seed ensemble against a common-seed one.

    ``measured = (Var_ind A + Var_ind B) / Var_crn(A - B)``: the variance of one unpaired
    difference over that of one paired difference, with a percentile bootstrap 95% interval
    (independent runs and pairs resampled). Beside it, the gain estimated from the common-seed
    ensemble alone (:func:`crn_gain`) with its interval.
    """
    est = crn_gain(crn, crn_spec, names, n_boot, seed).set_index(["arm", "outcome"])
    rng = np.random.default_rng(seed)
    rows = []
    for (arm, name), e in est.iterrows():
        ref = stats.reference_arm(crn_spec, arm)
        a = crn[crn["arm"] == arm].set_index("seed_index")[name]
        b = crn[crn["arm"] == ref].set_index("seed_index")[name]
        d = (a - b.reindex(a.index)).dropna().to_numpy(float)
        ia, ib = (independent.loc[independent["arm"] == x, name].dropna().to_numpy(float)
                  for x in (arm, stats.reference_arm(ind_spec, arm)))  # fmt: skip
        row = {"arm_title": e.arm_title, "reference_title": e.reference_title, "outcome": name,
               "n_crn": len(d), "n_independent": len(ia), "estimated_gain": e.get("gain"),
               "estimated_lo": e.get("gain_lo"), "estimated_hi": e.get("gain_hi")}  # fmt: skip
        if min(len(d), len(ia), len(ib)) >= 3:
            row["measured_gain"] = float(_ratio(ia.var(ddof=1) + ib.var(ddof=1), d.var(ddof=1)))
            boot = _ratio(
                ia[rng.integers(0, len(ia), (n_boot, len(ia)))].var(axis=1, ddof=1)
                + ib[rng.integers(0, len(ib), (n_boot, len(ib)))].var(axis=1, ddof=1),
                d[rng.integers(0, len(d), (n_boot, len(d)))].var(axis=1, ddof=1),
            )
            boot = boot[~np.isnan(boot)]
            if len(boot):
                lo, hi = np.quantile(boot, [0.025, 0.975], method="inverted_cdf")
                row["measured_lo"], row["measured_hi"] = float(lo), float(hi)
        rows.append(row)
    return pd.DataFrame(rows)


def gain_cell(g: float, lo: float = math.nan, hi: float = math.nan) -> str:
    """A gain as text: ``12.3 [8.1, 19]``, ``inf`` (the paired difference never varies)."""
    if g is None or (isinstance(g, float) and math.isnan(g)):
        return "n/a (no variation)"
    if math.isinf(g):
        return "inf (difference constant)"
    return (
        ci_cell(g, lo, hi) if math.isfinite(hi) or math.isnan(hi) else f"{fmt(g)} [{fmt(lo)}, inf]"
    )


def _saved(g: float) -> str:
    """Share of runs the pairing saves, ``1 - 1/gain``, as a percentage."""
    if g == math.inf:
        return "all"
    if not np.isfinite(g) or g <= 0:
        return ""
    saved = 100 * (1 - 1 / g)
    return f"{saved:.{2 if saved > 99.9 else 1 if saved > 99 else 0}f}%"


def crn_display(table: pd.DataFrame) -> pd.DataFrame:
    """CRN gains as text."""
    t = table[table["n"] >= 3] if len(table) else table
    return pd.DataFrame(
        {
            "outcome": t.outcome,
            "arm": t.arm_title,
            "pairs": t.n,
            "rho": [fmt(v, 3) for v in t.rho],
            "gain [95% CI]": [
                gain_cell(g, lo, hi) for g, lo, hi in zip(t.gain, t.gain_lo, t.gain_hi, strict=True)
            ],
            "paired runs save": [_saved(g) for g in t.gain],
        }
    )


def _part(part: float, total: float) -> str:
    return fmt(part / total) if total > 0 else "no variation"


def variance_display(table: pd.DataFrame) -> pd.DataFrame:
    """Variance components as text: SD, parameter share [CI] and the seed parts."""
    t = table[table["draws"] >= 2]
    shares = zip(t.param_share, t.param_share_lo, t.param_share_hi, t.total, strict=True)
    return pd.DataFrame(
        {
            "outcome": t.outcome,
            "arm": t.arm_title,
            "K x S": [f"{k} x {s}" for k, s in zip(t.draws, t.seeds, strict=True)],
            "SD": [fmt(math.sqrt(v)) for v in t.total],
            "from parameters [95% CI]": [
                ci_cell(a, b, c) if v > 0 else "no variation" for a, b, c, v in shares
            ],
            "from seeds: common": [_part(a, v) for a, v in zip(t.seed, t.total, strict=True)],
            "from seeds: by vector": [
                _part(a, v) for a, v in zip(t.interaction, t.total, strict=True)
            ],
        }
    )


def section(spec: ExperimentSpec, table: pd.DataFrame, crn: pd.DataFrame) -> list[str]:
    """Markdown lines of the report's variance decomposition and CRN-gain sections."""
    lines = ["## Where the spread comes from: seeds vs parameters", ""]
    if len(table) and (table["draws"] >= 2).any():
        lines += [
            f"Nested design: each arm runs {spec.draws} calibrated parameter vectors (the first "
            f"rows of the sample) on the same {spec.n_seeds} seeds each. Per arm and outcome, "
            "the variance over runs splits by the law of total variance into Var(E[y | "
            "parameters]) (from parameters) and E[Var(y | parameters)] (from seeds: events and "
            "choices), the latter into the seed's effect common to every vector and the part "
            "that depends on the vector. Estimators: two-way crossed random-effects ANOVA "
            "(vectors x common seeds), components floored at 0; the 95% CI of the parameter "
            "share is a pigeonhole bootstrap (vectors and seeds resampled), which is "
            "conservative. Shares are of the total variance; variance.csv holds the components.",
            "",
            markdown_table(variance_display(table)),
            "",
        ]
    elif spec.seed_overrides:
        lines += [
            "Each seed runs its own parameter vector, so the seeds' and the parameters' "
            "shares of the variance cannot be told apart. Run with `--calibrated --draws "
            "K` (K vectors x the same seeds each) to split them.",
            "",
        ]
    else:
        lines += [
            "Every run uses the same parameters: all of the spread over seeds comes from "
            "the seeds (events and choices). Run with `--calibrated --draws K` to compare "
            "it with parameter uncertainty.",
            "",
        ]
    if not len(crn):
        return lines
    lines += [
        "## What common random numbers gain",
        "",
        "Per outcome and arm, with its reference on the same seeds: gain = (Var arm + Var "
        "reference) / Var(arm - reference), the number of independent-seed runs per arm that "
        "give the standard error one paired run gives (1/(1 - rho) for equal variances); "
        "'paired runs save' = 1 - 1/gain of the runs. 95% CI: percentile bootstrap over pairs. "
        "inf: the difference is the same in every seed. crn_gain.csv holds the variances."
        + (
            " **These arms ran on independent seeds**: the pairs are unrelated and the gain "
            "should be near 1."
            if spec.independent_seeds
            else ""
        ),
        "",
        markdown_table(crn_display(crn)),
        "",
    ]
    return lines
