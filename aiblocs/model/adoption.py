"""Vectorised adoption, stack choice and switching over all adopter units (the hot path).

Adopters are rows of numpy arrays (:class:`AdopterState`). One call of :func:`adoption_step` per
quarter does, for every unit at once: the Bass-type adoption hazard ``(p + q * s_nbr) * a``, the
logit stack choice of new adopters, and the review/switching decision of adopters whose switching
cost grows with tenure. :func:`choose_stack` is the pure choice rule; tests drive it one arrival at
a time to recover Arthur's (1989) lock-in probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from aiblocs.model.mechanisms import on

NONE, US, CN = 0, 1, 2
STACKS = ("none", "us", "cn")


@dataclass
class AdopterState:
    """Struct of arrays: one row per adopter unit.

    Attributes:
        cohort: cohort index (country x sector) of each unit, int32.
        stack: 0 none, 1 US stack, 2 Chinese stack, int8.
        tenure: quarters on the current stack, float32.
    """

    cohort: np.ndarray
    stack: np.ndarray
    tenure: np.ndarray
    scratch: dict = field(default_factory=dict, repr=False, compare=False)  # reused buffers

    @classmethod
    def empty(cls, cohort: np.ndarray) -> AdopterState:
        """All units start as non-adopters."""
        n = len(cohort)
        return cls(cohort.astype(np.int32), np.zeros(n, np.int8), np.zeros(n, np.float32))


def locked(stack: np.ndarray, tenure: np.ndarray, p) -> np.ndarray:
    """Units locked in: on a stack, with a switching cost that has reached the threshold.

    Switching cost = ``switch_cost_base + switch_cost_growth * tenure`` (utility); locked when it
    is at least ``lock_in_threshold``. ``p`` is the run's :class:`Params`.
    """
    base = on(p, "switching_costs", p.switch_cost_base)
    cost = base + on(p, "switching_costs", p.switch_cost_growth) * tenure
    return (stack > 0) & (cost >= p.lock_in_threshold)


def adoption_probability(
    p: np.ndarray, q: np.ndarray, s_nbr: np.ndarray, a: np.ndarray
) -> np.ndarray:
    """Per-step adoption probability ``min(1, (p + q * s_nbr) * a)`` (discrete Bass hazard)."""
    return np.minimum(1.0, (p + q * s_nbr) * a)


def choose_stack(
    base_utility: np.ndarray,
    network_input: np.ndarray,
    r: float,
    current: np.ndarray,
    switching_cost: np.ndarray,
    noise: np.ndarray | None = None,
) -> np.ndarray:
    """Pick each chooser's stack (1..K) by maximal utility.

    ``U_k = base_k + r * network_input_k + noise_k - switching_cost * [k != current]``; the
    switching cost applies only to units that already hold a stack (``current > 0``). With Gumbel
    noise this is a multinomial logit; with ``noise=None`` it is Arthur's deterministic rule.

    Args:
        base_utility: (n, K) stack utilities before network effects.
        network_input: (n, K) network-effect input (neighbour shares, or adopter counts).
        r: strength of increasing returns.
        current: (n,) current stack, 0 for new adopters.
        switching_cost: (n,) cost of leaving the current stack.
        noise: optional (n, K) idiosyncratic utility shocks.

    Returns:
        (n,) int8 array of chosen stacks, 1..K.
    """
    u = base_utility + r * network_input
    if noise is not None:
        u = u + noise
    if u.shape[1] == 2:  # the model's case, same numbers in fewer passes (the hot path)
        hit = np.where(current > 0, switching_cost, 0.0)
        u = u.astype(np.result_type(u, hit), copy=False)  # as the generic subtraction
        u[:, 0] -= np.where(current == 2, hit, 0.0)
        u[:, 1] -= np.where(current == 1, hit, 0.0)
        return np.where(u[:, 1] > u[:, 0], np.int8(2), np.int8(1))  # a tie goes to stack 1
    k = np.arange(1, u.shape[1] + 1)
    leaving = (current[:, None] > 0) & (k[None, :] != current[:, None])
    u = u - np.where(leaving, switching_cost[:, None], 0.0)
    return (np.argmax(u, axis=1) + 1).astype(np.int8)


def neighbour_shares(adjacency: sp.csr_matrix | None, stack: np.ndarray) -> np.ndarray:
    """(n, 2) share of each unit's neighbours on the US and Chinese stacks.

    ``adjacency`` is row-normalised; ``None`` means well mixed (population shares).
    """
    onehot = np.empty((len(stack), 2), np.float32)
    onehot[:, 0] = stack == US
    onehot[:, 1] = stack == CN
    if adjacency is None:
        return np.broadcast_to(onehot.mean(axis=0), onehot.shape)
    return adjacency @ onehot


@dataclass
class StepResult:
    """Per-quarter flows of one adoption pass."""

    new_adopters: np.ndarray  # bool mask
    switched: np.ndarray  # bool mask


def adoption_step(
    st: AdopterState,
    adjacency: sp.csr_matrix | None,
    utility: np.ndarray,
    afford: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
    r: float,
    noise_scale: float,
    review_rate: float,
    cost_base: float,
    cost_growth: float,
    rng: np.random.Generator,
    mandate: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
) -> StepResult:
    """Advance every adopter unit by one quarter, in place.

    Cohort-level inputs (index = cohort) are gathered onto units by their cohort index.

    Args:
        st: adopter arrays, updated in place.
        adjacency: row-normalised sparse adjacency, or None for a well-mixed population.
        utility: (C, 2) base utility of the US and Chinese stacks per cohort.
        afford: (C,) affordability/usefulness ``a`` in [0, 1] per cohort.
        p: (C,) innovation coefficient per step.
        q: (C,) imitation coefficient per step.
        r: network-effect strength (utility per neighbour share).
        noise_scale: Gumbel scale of the logit.
        review_rate: probability per step that an adopter reviews its stack.
        cost_base: switching cost at tenure 0.
        cost_growth: switching-cost growth per quarter of tenure.
        rng: the run's generator (fixed number of draws per step: common random numbers).
        mandate: optional (C,) int8 stack imposed on each cohort's choosers (new adopters and
            reviewers), 0 for a free choice: a national deal's procurement mandate.
        fixed: optional (n,) bool mask of units that neither adopt nor review here (large
            adopters' units, moved as blocks by :mod:`aiblocs.model.large_adopters`).
    """
    n = len(st.stack)
    c = st.cohort
    adopted = st.stack > 0
    layout = _dyadic_layout(st, adjacency)
    draw = _draw(st, rng, n)
    if layout is None:  # generic path: sparse mat-vec and per-unit Bass hazard
        shares = neighbour_shares(adjacency, st.stack)
        prob = adoption_probability(p[c], q[c], shares[:, 0] + shares[:, 1], afford[c])
        new = ~adopted & (draw[:, 0] < prob)
    else:  # fast path, bit-identical: integer neighbour counts and a (cohort, count) table
        packed, shift = _tracked_counts(st, layout)
        k = _table_columns(layout)  # adopted neighbours (in link units) of each column
        table = adoption_probability(p[:, None], q[:, None], k[None, :] * layout.unit,
                                     afford[:, None])  # fmt: skip
        key = _cohort_rows(st, layout, len(k))  # intp: numpy's fastest fancy-index path
        if len(k) > layout.width + 1:  # 4-bit packing: a column per packed value
            key = key + packed
        else:
            key = key + ((packed & ((1 << shift) - 1)) + (packed >> shift))
        new = ~adopted & (draw[:, 0] < table.ravel()[key])
    review = adopted & (draw[:, 1] < review_rate)
    if fixed is not None:
        free = _free(st, fixed)
        new &= free
        review &= free
    idx = np.flatnonzero(new | review)
    if len(idx):
        if layout is None:
            shares_idx = shares[idx]
        else:
            shares_idx = np.empty((len(idx), 2), layout.dtype)
            sel = packed[idx]
            shares_idx[:, 0] = (sel & ((1 << shift) - 1)) * layout.unit
            shares_idx[:, 1] = (sel >> shift) * layout.unit
        gumbel = -np.log(-np.log(np.clip(draw[idx, 2:], 1e-7, 1 - 1e-7))) * noise_scale
        current = st.stack[idx]
        cost = np.where(current > 0, cost_base + cost_growth * st.tenure[idx], 0.0)
        choice = choose_stack(utility[c[idx]], shares_idx, r, current, cost, gumbel)
        if mandate is not None:
            forced = mandate[c[idx]]
            choice = np.where(forced > 0, forced, choice).astype(np.int8)
        moved = (current > 0) & (choice != current)
        st.stack[idx] = choice
    else:
        moved = np.zeros(0, bool)
    switched = np.zeros(n, bool)
    switched[idx[moved]] = True
    st.tenure += adopted  # everyone already on a stack gains a quarter of integration depth
    if len(idx):  # new adopters and switchers start at tenure 0
        st.tenure[idx[(current == 0) | moved]] = 0.0
    return StepResult(new_adopters=new, switched=switched)


# ---------------------------------------------------------------- fast path (performance only)
# The row-normalised adjacency built by network.py has weights that are multiples of a power of
# two (1/8 at degree 8), so every neighbour share is an exact float32 number and can be computed
# from integer neighbour counts: one cache-friendly int8 gather per link instead of a float
# mat-vec. Any other adjacency falls back to the generic path; both give bit-identical results.


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


def _build_layout(a: sp.csr_matrix) -> DyadicLayout | None:
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
    rep_cols = np.repeat(a.indices.astype(np.intp), mult)
    row_start = np.concatenate([[0], np.cumsum(per_row)[:-1]])
    slot = np.arange(len(rep_rows)) - row_start[rep_rows]
    cols = np.full((width, n), n, np.intp)  # intp indices gather ~3x faster than int32
    cols[slot, rep_rows] = rep_cols
    t = a.tocsc()  # in-links: column j lists the units that observe j (linear-time transpose)
    t_mult = np.rint(t.data.astype(np.float64) / unit).astype(np.int64)
    in_rows = np.repeat(t.indices.astype(np.intp), t_mult)
    in_ptr = np.concatenate([[0], np.cumsum(t_mult)]).astype(np.intp)[t.indptr]
    dtype = np.result_type(a.dtype, np.float32)
    return DyadicLayout(a, cols, width, unit, dtype, in_ptr, in_rows)


def prepare_network(st: AdopterState, adjacency: sp.csr_matrix | None) -> None:
    """Build the fast path's tables for ``adjacency`` now (at model construction), not lazily.

    Optional: :func:`adoption_step` builds them on first use. Results do not depend on it.
    """
    layout = _dyadic_layout(st, adjacency)
    if layout is not None:
        _tracked_counts(st, layout)
        _cohort_rows(st, layout, len(_table_columns(layout)))


def _dyadic_layout(st: AdopterState, adjacency: sp.csr_matrix | None) -> DyadicLayout | None:
    """The cached fast-path layout of ``adjacency``, or None if the generic path must be used."""
    if adjacency is None or not sp.issparse(adjacency) or adjacency.format != "csr":
        return None
    cached = st.scratch.get("layout")
    if cached is None or cached[0] is not adjacency:
        layout = _build_layout(adjacency)
        cached = (adjacency, layout)
        st.scratch["layout"] = cached
    return cached[1]


def _free(st: AdopterState, fixed: np.ndarray) -> np.ndarray:
    """``~fixed``, cached while the same read-only mask is passed (large adopters' units)."""
    cached = st.scratch.get("free")
    if cached is None or cached[0] is not fixed or fixed.flags.writeable:
        cached = st.scratch["free"] = (fixed, ~fixed)
    return cached[1]


def _draw(st: AdopterState, rng: np.random.Generator, n: int) -> np.ndarray:
    """``rng.random((n, 4), float32)`` into a reused buffer (same stream, no page faults)."""
    buf = st.scratch.get("draw")
    if buf is None or buf.shape != (n, 4):
        buf = st.scratch["draw"] = np.empty((n, 4), np.float32)
    rng.random(dtype=np.float32, out=buf)
    return buf


def _table_columns(layout: DyadicLayout) -> np.ndarray:
    """Adopted-neighbour count (link units) of each column of the (cohort, column) hazard table.

    With 4-bit packing (width <= 15) a column per packed value ``US + 16 * CN`` (256 columns:
    the packed counts index the table directly; values that cannot occur are clipped); with
    8-bit packing a column per count 0..width.
    """
    if layout.width <= 15:
        j = np.arange(256)
        return np.minimum((j & 15) + (j >> 4), layout.width).astype(layout.dtype)
    return np.arange(layout.width + 1).astype(layout.dtype)


def _cohort_rows(st: AdopterState, layout: DyadicLayout, columns: int) -> np.ndarray:
    """(n,) intp row offsets ``cohort * columns`` into the (cohort, column) table, cached."""
    cached = st.scratch.get("cohort_rows")
    if cached is None or cached[0] is not layout or cached[1] is not st.cohort:
        rows = st.cohort.astype(np.intp) * np.intp(columns)
        cached = st.scratch["cohort_rows"] = (layout, st.cohort, columns, rows)
    return cached[3]


def _tracked_counts(st: AdopterState, layout: DyadicLayout) -> tuple[np.ndarray, int]:
    """:func:`_neighbour_counts` of ``st.stack``, updated from the units that changed stack.

    Keeps the counts and the stacks they were counted on; each call adds, for every unit whose
    stack differs from then, its change of code to the units that observe it (the transpose
    links). Integer arithmetic: the result equals a full recount exactly, whoever changed the
    stacks (adoption, large adopters, tests). Recounts in full when many units changed.
    """
    shift = 4 if layout.width <= 15 else 8
    memo = st.scratch.get("counts")
    if memo is None or memo[0] is not layout:
        memo = None
    else:
        _, total, seen = memo
        changed = np.flatnonzero(st.stack != seen)
        if len(changed) > len(seen) // 8:
            memo = None
        elif len(changed):
            code = np.array([0, 1, 1 << shift], np.int32)
            now = st.stack[changed]
            delta = code[now] - code[seen[changed]]
            lo = layout.in_ptr[changed]
            lens = layout.in_ptr[changed + 1] - lo
            ends = np.cumsum(lens)
            pos = np.arange(ends[-1]) + np.repeat(lo - (ends - lens), lens)
            np.add.at(total, layout.in_rows[pos], np.repeat(delta, lens))
            seen[changed] = now
    if memo is None:
        total = _neighbour_counts(st.stack, layout)[0].astype(np.int32)
        memo = st.scratch["counts"] = (layout, total, st.stack.copy())
    return memo[1], shift


def _neighbour_counts(stack: np.ndarray, layout: DyadicLayout) -> tuple[np.ndarray, int]:
    """Packed (n,) neighbour counts: ``US + CN << shift`` (in link units), and ``shift``."""
    n = len(stack)
    shift = 4 if layout.width <= 15 else 8
    small = np.uint8 if shift == 4 else np.uint16
    code = np.zeros(n + 1, small)  # 1 per US neighbour, 2**shift per Chinese one; sentinel 0
    code[:n] = np.array([0, 1, 1 << shift], small)[stack]
    total = np.zeros(n, small)
    for row in layout.cols:
        total += code[row]
    return total, shift
