"""The adoption pass's fast path: integer neighbour counts and raw uniform draws (speed only).

The row-normalised adjacency built by :mod:`aiblocs.model.network` has weights that are multiples
of a power of two (1/8 at degree 8), so every neighbour share is an exact float32 number and can
be computed from integer neighbour counts: one cache-friendly gather per link instead of a float
mat-vec, and after the first quarter only the links of the units that changed stack are
revisited. The uniforms are read as the 32-bit integers numpy turns into float32 draws, and
compared with probabilities on the same 2**-24 grid. Everything here gives the same numbers, to
the last bit, as the generic path in :func:`aiblocs.model.adoption.adoption_step` (tested in
tests/test_adoption_fastpath.py); any adjacency or generator it cannot represent falls back.
All caches live in the adopter state's ``scratch`` dict and are checked by identity.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

GRID = 2**24  # float32 uniforms are k / 2**24, k = (32-bit word) >> 8
# Bit generators whose float32 draws are the low then the high half of each 64-bit output.
RAW64 = (np.random.Philox, np.random.PCG64, np.random.SFC64)


@dataclass
class DyadicLayout:
    """Adjacency as a padded (width, n) table of neighbour indices (links repeated by weight).

    Attributes:
        source: the adjacency this layout was derived from (identity-checked on reuse).
        cols: (width, n) intp neighbour indices; padding points at the sentinel index n.
        width: maximal number of (repeated) links per row.
        unit: weight of one link (a power of two), so share = count * unit exactly.
        dtype: dtype of ``adjacency @ float32`` (float32 for a float32 adjacency).
        in_ptr: (n + 1,) offsets into ``in_rows`` per unit (the transpose, CSC-style).
        in_rows: the units that observe each unit, repeated by link weight.
    """

    source: object
    cols: np.ndarray
    width: int
    unit: float
    dtype: np.dtype
    in_ptr: np.ndarray
    in_rows: np.ndarray

    @property
    def shift(self) -> int:
        """Bits per stack in a packed count ``US + CN << shift``: 4 up to 15 links, else 8."""
        return 4 if self.width <= 15 else 8


def build_layout(a: sp.csr_matrix) -> DyadicLayout | None:
    """The layout of a float32 CSR adjacency with dyadic weights, or None if it has none."""
    if a.dtype != np.float32 or a.nnz == 0 or not a.has_canonical_format:
        return None
    data = a.data.astype(np.float64)
    unit = float(data.min())
    if unit <= 0 or np.frexp(unit)[0] != 0.5:  # not a power of two
        return None
    mult = data / unit
    if not np.array_equal(mult, np.round(mult)) or mult.max() > 255:
        return None
    n = a.shape[0]
    mult = mult.astype(np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(a.indptr))
    per_row = np.bincount(rows, weights=mult, minlength=n).astype(np.int64)
    width = int(per_row.max())
    if width > 255:
        return None
    rep_rows = np.repeat(rows, mult)
    del rows, data
    row_start = np.concatenate([[0], np.cumsum(per_row)[:-1]])
    slot = np.arange(len(rep_rows)) - row_start[rep_rows]
    cols = np.full((width, n), n, np.intp)  # intp indices gather ~3x faster than int32
    cols[slot, rep_rows] = np.repeat(a.indices, mult)
    del rep_rows, slot, mult  # (peak memory: a million units build within BYTES_PER_ADOPTER)
    t = a.tocsc()  # in-links: column j lists the units that observe j (linear-time transpose)
    t_mult = np.rint(t.data / np.float32(unit)).astype(np.int32)  # exact: small dyadic ratios
    in_rows = np.repeat(t.indices, t_mult)  # int32: only a few are gathered per quarter
    in_ptr = np.concatenate([[0], np.cumsum(t_mult, dtype=np.int64)])[t.indptr]
    dtype = np.result_type(a.dtype, np.float32)
    return DyadicLayout(a, cols, width, unit, dtype, in_ptr, in_rows)


def layout_for(scratch: dict, adjacency: sp.csr_matrix | None) -> DyadicLayout | None:
    """The cached layout of ``adjacency``, or None if the generic path must be used."""
    if adjacency is None or not sp.issparse(adjacency) or adjacency.format != "csr":
        return None
    cached = scratch.get("layout")
    if cached is None or cached[0] is not adjacency:
        cached = scratch["layout"] = (adjacency, build_layout(adjacency))
    return cached[1]


def neighbour_counts(stack: np.ndarray, layout: DyadicLayout) -> np.ndarray:
    """Packed (n,) neighbour counts ``US + CN << layout.shift`` (in link units), in full."""
    n, shift = len(stack), layout.shift
    small = np.uint8 if shift == 4 else np.uint16
    code = np.zeros(n + 1, small)  # 1 per US neighbour, 2**shift per Chinese one; sentinel 0
    code[:n] = np.array([0, 1, 1 << shift], small)[stack]
    total = np.zeros(n, small)
    for row in layout.cols:
        total += code[row]
    return total


def tracked_counts(scratch: dict, stack: np.ndarray, layout: DyadicLayout) -> np.ndarray:
    """:func:`neighbour_counts` of ``stack`` (int32), updated from the units that changed stack.

    Keeps the counts and the stacks they were counted on; each call adds, for every unit whose
    stack differs from then, its change of code to the units that observe it (the transpose
    links). Integer arithmetic: the result equals a full recount exactly, whoever changed the
    stacks (adoption, large adopters, tests). Recounts in full when many units changed.
    """
    memo = scratch.get("counts")
    if memo is not None and memo[0] is layout:
        _, total, seen = memo
        changed = np.flatnonzero(stack != seen)
        if len(changed) > len(seen) // 8:
            memo = None
        elif len(changed):
            code = np.array([0, 1, 1 << layout.shift], np.int32)
            now = stack[changed]
            delta = code[now] - code[seen[changed]]
            lo = layout.in_ptr[changed]
            lens = layout.in_ptr[changed + 1] - lo
            ends = np.cumsum(lens)
            pos = np.arange(ends[-1]) + np.repeat(lo - (ends - lens), lens)
            np.add.at(total, layout.in_rows[pos], np.repeat(delta, lens))
            seen[changed] = now
    else:
        memo = None
    if memo is None:
        total = neighbour_counts(stack, layout).astype(np.int32)
        memo = scratch["counts"] = (layout, total, stack.copy())
    return memo[1]


def table_columns(layout: DyadicLayout) -> np.ndarray:
    """Adopted-neighbour count (link units) of each column of the (cohort, column) hazard table.

    With 4-bit packing (width <= 15) a column per packed value ``US + 16 * CN`` (256 columns:
    the packed counts index the table directly; values that cannot occur are clipped); with
    8-bit packing a column per count 0..width.
    """
    if layout.width <= 15:
        j = np.arange(256)
        return np.minimum((j & 15) + (j >> 4), layout.width).astype(layout.dtype)
    return np.arange(layout.width + 1).astype(layout.dtype)


def table_keys(scratch: dict, cohort: np.ndarray, layout: DyadicLayout, packed: np.ndarray):
    """(n,) intp index of each unit's cell in the ravelled (cohort, column) hazard table."""
    columns = len(table_columns(layout))
    cached = scratch.get("cohort_rows")
    if cached is None or cached[0] is not layout or cached[1] is not cohort:
        rows = cohort.astype(np.intp) * np.intp(columns)  # intp: numpy's fastest gather
        cached = scratch["cohort_rows"] = (layout, cohort, rows)
    if columns > layout.width + 1:  # 4-bit packing: a column per packed value
        return cached[2] + packed
    us, cn = split(packed, layout)
    return cached[2] + (us + cn)


def split(packed: np.ndarray, layout: DyadicLayout) -> tuple[np.ndarray, np.ndarray]:
    """(US, CN) neighbour counts (link units) from packed counts ``US + CN << layout.shift``."""
    return packed & ((1 << layout.shift) - 1), packed >> layout.shift


def free_mask(scratch: dict, fixed: np.ndarray) -> np.ndarray:
    """``~fixed``, cached while the same read-only mask is passed (large adopters' units)."""
    cached = scratch.get("free")
    if cached is None or cached[0] is not fixed or fixed.flags.writeable:
        cached = scratch["free"] = (fixed, ~fixed)
    return cached[1]


def uniform_words(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 4) uint32 words ``w`` of ``rng.random((n, 4), float32)``: draw = ``(w >> 8) / 2**24``.

    Read raw from a 64-bit generator where that is the same stream (about twice as fast as
    making floats); otherwise the floats are drawn and turned back into words (exact).
    """
    bg = rng.bit_generator
    if sys.byteorder == "little" and type(bg) in RAW64 and not bg.state["has_uint32"]:
        return bg.random_raw(2 * n).view(np.uint32).reshape(n, 4)
    draw = rng.random((n, 4), dtype=np.float32)
    return (draw * np.float32(GRID)).astype(np.uint32) << np.uint32(8)


def grid_above(x: np.ndarray) -> np.ndarray:
    """uint32 ``K = ceil(x * 2**24)`` within [0, 2**24], so that ``k / 2**24 < x`` iff ``k < K``.

    ``x`` of any float type (float32 to float64 is exact); NaN is never exceeded, as in
    ``draw < NaN``.
    """
    x = np.nan_to_num(np.asarray(x, np.float64), nan=0.0)  # float32 -> float64 is exact
    return np.ceil(np.clip(x, 0.0, 1.0) * GRID).astype(np.uint32)


def uniforms(words: np.ndarray) -> np.ndarray:
    """The float32 draws of :func:`uniform_words` (for the few units that need them)."""
    return (words >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / GRID)
