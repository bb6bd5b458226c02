"""Simulated method of moments: weighting, loss, sandwich standard errors, J test, identification.

Notation: ``o`` observed target values (K), ``m(theta)`` the mean over S common seeds of the
simulated statistics, ``d = m - o``. The loss is ``d' W d``.

* Step 1 weights: ``W1 = diag(1 / sigma_obs^2)``, sigma from each target's band.
* Step 2 weights: ``W2 = Omega^-1`` with ``Omega = diag(sigma_obs^2) + Sigma_sim / S`` (the
  simulated covariance of the statistics at the step-1 estimate) and a floor on the diagonal,
  ``Omega_kk >= (FLOOR * max(|o_k|, sigma_k))^2``, so that a moment whose variance is near zero
  can neither dominate the fit nor drop out of it.
* Sandwich: ``V = (G'WG)^-1 G'W Omega W G (G'WG)^-1`` with ``G = dm/dtheta`` by central finite
  differences on the same seeds.
* J statistic: ``J = d' Omega^-1 d``, chi-squared with K - P degrees of freedom under the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

FLOOR = 0.05


@dataclass
class Weights:
    """A weighting matrix and the moment covariance it came from."""

    W: np.ndarray
    omega: np.ndarray


def step1(sigma_obs: np.ndarray) -> Weights:
    """Inverse observed variances."""
    omega = np.diag(sigma_obs**2)
    return Weights(np.diag(1.0 / sigma_obs**2), omega)


def omega_at(sims: np.ndarray, observed: np.ndarray, sigma_obs: np.ndarray) -> np.ndarray:
    """Covariance of ``m - o``: observation variance plus simulation noise of an S-seed mean."""
    s = sims.shape[0]
    sim_cov = np.cov(sims, rowvar=False, ddof=1) / s if s > 1 else np.zeros((len(observed),) * 2)
    omega = np.diag(sigma_obs**2) + np.atleast_2d(sim_cov)
    floor = (FLOOR * np.maximum(np.abs(observed), sigma_obs)) ** 2
    idx = np.diag_indices_from(omega)
    omega[idx] = np.maximum(omega[idx], floor)
    return omega


def step2(sims: np.ndarray, observed: np.ndarray, sigma_obs: np.ndarray) -> Weights:
    """Efficient weights from the simulated covariance at the step-1 estimate (with the floor)."""
    omega = omega_at(sims, observed, sigma_obs)
    return Weights(np.linalg.inv(omega), omega)


def loss(sims: np.ndarray, observed: np.ndarray, W: np.ndarray) -> float:
    """``d' W d`` with ``d`` the seed-mean minus the observed values."""
    d = sims.mean(axis=0) - observed
    return float(d @ W @ d)


@dataclass
class Inference:
    """Standard errors, J test and identification diagnostics at the estimate."""

    se: np.ndarray
    cov: np.ndarray
    J: float
    df: int
    p_value: float
    rank: int
    condition: float
    singular_values: np.ndarray


def inference(
    G: np.ndarray,
    W: np.ndarray,
    omega: np.ndarray,
    d: np.ndarray,
    scale: np.ndarray,
    sigma_obs: np.ndarray,
) -> Inference:
    """Sandwich covariance, J statistic, and rank/condition of the scaled Jacobian.

    Args:
        G: (K, P) Jacobian of the mean statistics with respect to the parameters.
        W: (K, K) weighting matrix of the estimate.
        omega: (K, K) covariance of ``m - o``.
        d: (K,) deviations at the estimate.
        scale: (P,) parameter ranges, to make the Jacobian unit-free.
        sigma_obs: (K,) target sigmas, idem.
    """
    gwg = G.T @ W @ G
    bread = np.linalg.pinv(gwg)
    cov = bread @ G.T @ W @ omega @ W @ G @ bread
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    scaled = (G / sigma_obs[:, None]) * scale[None, :]
    sv = np.linalg.svd(scaled, compute_uv=False)
    rank = int((sv > 1e-6 * sv.max()).sum()) if sv.size and sv.max() > 0 else 0
    cond = float(sv.max() / sv.min()) if sv.size and sv.min() > 0 else float("inf")
    J = float(d @ np.linalg.solve(omega, d))
    df = G.shape[0] - G.shape[1]
    p = float(stats.chi2.sf(J, df)) if df > 0 else float("nan")
    return Inference(se, cov, J, df, p, rank, cond, sv)


def jacobian_points(
    theta: np.ndarray, lo: np.ndarray, hi: np.ndarray, rel_step: float = 0.05
) -> tuple[list[np.ndarray], np.ndarray]:
    """Points for central differences (one-sided at a bound) and the step of each parameter."""
    h = rel_step * (hi - lo)
    points = []
    steps = np.zeros(len(theta))
    for j in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[j] = min(hi[j], theta[j] + h[j])
        down[j] = max(lo[j], theta[j] - h[j])
        steps[j] = up[j] - down[j]
        points += [up, down]
    return points, steps


def jacobian(means: list[np.ndarray], steps: np.ndarray) -> np.ndarray:
    """Assemble ``G`` from the seed-mean statistics at the ``jacobian_points``."""
    cols = [(means[2 * j] - means[2 * j + 1]) / steps[j] for j in range(len(steps))]
    return np.column_stack(cols)


def truncated_normal_sample(
    theta: np.ndarray,
    cov: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw ``n`` parameter vectors from N(theta, cov) restricted to the box (rejection)."""
    out = []
    cov = cov + 1e-12 * np.eye(len(theta))
    for _ in range(200):
        draws = rng.multivariate_normal(theta, cov, size=4 * n, method="svd")
        ok = draws[((draws >= lo) & (draws <= hi)).all(axis=1)]
        out.extend(ok)
        if len(out) >= n:
            break
    if len(out) < n:  # the box cuts almost all the mass: clip the remainder to the box
        extra = np.clip(rng.multivariate_normal(theta, cov, size=n - len(out)), lo, hi)
        out.extend(extra)
    return np.array(out[:n])
