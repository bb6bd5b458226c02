"""The adopters' network: within-country clustering plus cross-border links, as a sparse matrix.

Units are sorted by country (then sector), so each country is a contiguous block. Each unit
observes ``degree`` others: half of its within-country links go to units near it in the block (a
ring lattice, giving local clustering by sector and region), the other half to random units of its
country; each link is redirected to a random unit anywhere with probability ``cross_border``. The
matrix is row-normalised so that ``A @ x`` is the neighbour mean of ``x``. Built once per run with
vectorised numpy (no per-unit loop).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def build_adjacency(
    block_start: np.ndarray,
    block_size: np.ndarray,
    degree: int,
    cross_border: float,
    rng: np.random.Generator,
) -> sp.csr_matrix:
    """Return the (n, n) row-normalised CSR adjacency.

    Args:
        block_start: (n,) first index of each unit's country block.
        block_size: (n,) size of each unit's country block.
        degree: links per unit.
        cross_border: probability that a link goes to a random unit of any country.
        rng: the run's generator.
    """
    n = len(block_start)
    if n == 0:
        return sp.csr_matrix((0, 0), dtype=np.float32)
    i = np.arange(n, dtype=np.int64)
    pos = i - block_start
    size = np.maximum(block_size, 1)
    half = max(1, degree // 2)
    # ring neighbours on both sides: +1..+floor(half/2), -1..-ceil(half/2) (degree 8: +1 +2 -1 -2)
    offsets = np.concatenate([np.arange(1, half // 2 + 1), -np.arange(1, half - half // 2 + 1)])
    ring = block_start[:, None] + (pos[:, None] + offsets[None, :]) % size[:, None]
    n_rand = degree - half
    rand = block_start[:, None] + (rng.random((n, n_rand)) * size[:, None]).astype(np.int64)
    cols = np.concatenate([ring, rand], axis=1)
    cross = rng.random(cols.shape) < cross_border
    cols = np.where(cross, rng.integers(0, n, cols.shape), cols)
    cols = np.where(cols == i[:, None], (cols + 1) % n, cols) if n > 1 else cols
    rows = np.repeat(i, degree)
    data = np.full(n * degree, 1.0 / degree, np.float32)
    a = sp.csr_matrix((data, (rows, cols.ravel())), shape=(n, n))
    a.sum_duplicates()
    return a
