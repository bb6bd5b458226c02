"""PRIM (Friedman & Fisher 1999) for scenario discovery: boxes where an outcome is common.

A small implementation that needs nothing beyond numpy (EMA Workbench's ``Prim``, the optional
``ema`` extra, can be run on the same CSV sample for comparison). Only peeling is done, no
pasting, and every input dimension is continuous.

* **Peeling**: start from the box spanning the data. At each step, for every dimension try
  cutting off the ``alpha`` (0.05) lowest or highest fraction of the points still in the box and
  keep the single cut that leaves the highest *density* (share of cases of interest in the box).
  Stop when the next cut would leave less than ``min_support`` of all points in the box.
* **Trajectory**: every box along the way, with its *coverage* (share of all cases of interest
  that lie in the box), *density* and *support* (share of all points in the box): the
  coverage/density trade-off.
* **Box choice rule**: the box with the highest density among those with coverage >=
  ``min_coverage`` (0.5), ties broken by higher coverage; i.e. the most specific description
  that still explains at least half of the cases. Then restrictions that add less than
  ``PRUNE_TOL`` (0.05) density are lifted, weakest first (peeling also trims dimensions that do
  not matter when a cut happens to drop a few negatives).
* **Covering**: after a box is chosen, the points inside it are removed and peeling restarts on
  the rest, giving further boxes while they are at least ``lift`` times denser than the base
  rate. Coverage of later boxes is still relative to all cases of interest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ALPHA = 0.05
MIN_SUPPORT = 0.05
MIN_COVERAGE = 0.5
PRUNE_TOL = 0.05  # a restriction must add 5 points of density to stay


@dataclass(frozen=True)
class Box:
    """One box: limits per dimension [lo, hi] (inclusive) and its statistics (fractions)."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    support: float
    n_points: int
    restricted: tuple[str, ...] = ()
    # density of the box if the restriction on a dimension were lifted (same points otherwise)
    density_if_lifted: dict[str, float] = field(default_factory=dict)


def _inside(pts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((pts >= lo) & (pts <= hi), axis=1)


def _box(
    X: np.ndarray,
    y: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    names: list[str],
    full: tuple[np.ndarray, np.ndarray],
    n_total: int,
    pos_total: int,
) -> Box:
    inside = _inside(X, lo, hi)
    n_in = int(inside.sum())
    restricted = tuple(n for j, n in enumerate(names) if lo[j] > full[0][j] or hi[j] < full[1][j])
    return Box(
        limits={n: (float(lo[j]), float(hi[j])) for j, n in enumerate(names)},
        coverage=float(y[inside].sum() / pos_total) if pos_total else 0.0,
        density=float(y[inside].mean()) if n_in else 0.0,
        support=n_in / n_total,
        n_points=n_in,
        restricted=restricted,
    )


def peel(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    n_total: int | None = None,
    pos_total: int | None = None,
) -> list[Box]:
    """Peeling trajectory for points ``X`` (n x k) and 0/1 outcome ``y``; first box = all data.

    ``n_total``/``pos_total`` (default: this data) set the denominators of support and coverage,
    so that boxes found on a subset (covering) are measured against the whole sample.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    _check(X, y, names, alpha, min_support)
    n_total = len(y) if n_total is None else n_total
    pos_total = int(y.sum()) if pos_total is None else pos_total
    full = (X.min(axis=0), X.max(axis=0))
    lo, hi = full[0].copy(), full[1].copy()
    traj = [_box(X, y, lo, hi, names, full, n_total, pos_total)]
    inside = np.ones(len(y), dtype=bool)
    while True:
        best: tuple[float, int, int, int, float, np.ndarray] | None = None
        n_in = int(inside.sum())
        for j in range(X.shape[1]):
            xj = X[inside, j]
            for side, cut in ((0, np.quantile(xj, alpha)), (1, np.quantile(xj, 1 - alpha))):
                keep = inside & (X[:, j] >= cut if side == 0 else X[:, j] <= cut)
                n_keep = int(keep.sum())
                if n_keep in (0, n_in) or n_keep < min_support * n_total:
                    continue
                cand = (float(y[keep].mean()), n_keep, j, side, float(cut), keep)
                if best is None or cand[:2] > best[:2]:
                    best = cand
        if best is None:
            return traj
        _, _, j, side, cut, inside = best
        if side == 0:
            lo[j] = cut
        else:
            hi[j] = cut
        traj.append(_box(X, y, lo, hi, names, full, n_total, pos_total))


def _check(X: np.ndarray, y: np.ndarray, names: list[str], alpha: float, ms: float) -> None:
    if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[1] != len(names):
        raise ValueError(
            f"PRIM needs X of shape (n, {len(names)}) and y of length n, got {X.shape}, {y.shape}"
        )
    if X.shape[0] < 10:
        raise ValueError(f"PRIM needs at least 10 points, got {X.shape[0]}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("PRIM's outcome y must be 0/1 (case of interest or not)")
    if not 0 < alpha < 0.5:
        raise ValueError(f"PRIM alpha must be in (0, 0.5), got {alpha}")
    if not 0 < ms < 1:
        raise ValueError(f"PRIM min_support must be in (0, 1), got {ms}")


def choose(traj: list[Box], min_coverage: float = MIN_COVERAGE) -> Box:
    """The densest box with coverage >= ``min_coverage`` (ties: higher coverage); else the first."""
    ok = [b for b in traj if b.coverage >= min_coverage] or traj[:1]
    return max(ok, key=lambda b: (round(b.density, 12), b.coverage))


def simplify(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    box: Box,
    n_total: int,
    pos_total: int,
    tol: float = PRUNE_TOL,
) -> Box:
    """Drop restrictions whose lifting costs less than ``tol`` density, weakest first.

    Peeling often trims a dimension that does not matter (a cut that happened to remove a few
    negatives). The returned box records, for each remaining restriction, the density the box
    would have without it (``density_if_lifted``).
    """
    lo, hi = _limits(box, names)
    full = (X.min(axis=0), X.max(axis=0))
    while True:
        lifted = {}
        for j, n in enumerate(names):
            if lo[j] > full[0][j] or hi[j] < full[1][j]:
                lo2, hi2 = lo.copy(), hi.copy()
                lo2[j], hi2[j] = full[0][j], full[1][j]
                ins2 = _inside(X, lo2, hi2)
                lifted[n] = float(y[ins2].mean()) if ins2.any() else 0.0
        inside = _inside(X, lo, hi)
        dens = float(y[inside].mean()) if inside.any() else 0.0
        weakest = max(lifted, key=lambda n: lifted[n], default=None)
        if weakest is None or len(lifted) == 1 or dens - lifted[weakest] >= tol:
            break
        j = names.index(weakest)
        lo[j], hi[j] = full[0][j], full[1][j]
    out = _box(X, y, lo, hi, names, full, n_total, pos_total)
    return Box(**{**out.__dict__, "density_if_lifted": lifted})


def _limits(box: Box, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([box.limits[n][0] for n in names]),
        np.array([box.limits[n][1] for n in names]),
    )


def cover(
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    max_boxes: int = 3,
    lift: float = 1.5,
    alpha: float = ALPHA,
    min_support: float = MIN_SUPPORT,
    min_coverage: float = MIN_COVERAGE,
) -> tuple[list[Box], list[list[Box]]]:
    """Covering: up to ``max_boxes`` chosen boxes and the peeling trajectory of each."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    _check(X, y, names, alpha, min_support)
    base = float(y.mean())
    rest = np.ones(len(y), dtype=bool)
    boxes: list[Box] = []
    trajs: list[list[Box]] = []
    pos_total = int(y.sum())
    for _ in range(max_boxes):
        if y[rest].sum() < 5 or rest.sum() < 10:
            break
        traj = peel(X[rest], y[rest], names, alpha, min_support, len(y), pos_total)
        box = choose(traj, min_coverage)
        if not box.restricted or box.density < lift * base:
            break
        box = simplify(X[rest], y[rest], names, box, len(y), pos_total)
        boxes.append(box)
        trajs.append(traj)
        rest &= ~_inside(X, *_limits(box, names))
    return boxes, trajs
