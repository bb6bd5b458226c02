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

from aiblocs.model.fastpath import (
    free_mask,
    grid_above,
    layout_for,
    split,
    table_columns,
    table_keys,
    tracked_counts,
    uniform_words,
    uniforms,
)
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
    if base_utility.shape[1] == 2:  # the model's case: the same numbers, column by column
        cols = (base_utility[:, 0], base_utility[:, 1], network_input[:, 0], network_input[:, 1])
        g = (None, None) if noise is None else (noise[:, 0], noise[:, 1])
        return choose_two(*cols, r, current, switching_cost, *g)
    u = base_utility + r * network_input
    if noise is not None:
        u = u + noise
    k = np.arange(1, u.shape[1] + 1)
    leaving = (current[:, None] > 0) & (k[None, :] != current[:, None])
    u = u - np.where(leaving, switching_cost[:, None], 0.0)
    return (np.argmax(u, axis=1) + 1).astype(np.int8)


def gumbel(uniforms: np.ndarray, scale: float) -> np.ndarray:
    """Gumbel utility shocks ``-log(-log(u)) * scale`` from uniforms (clipped off 0 and 1)."""
    return -np.log(-np.log(np.clip(uniforms, 1e-7, 1 - 1e-7))) * scale


def choose_two(
    base_us: np.ndarray,
    base_cn: np.ndarray,
    net_us: np.ndarray,
    net_cn: np.ndarray,
    r: float,
    current: np.ndarray,
    switching_cost: np.ndarray,
    noise_us: np.ndarray | None = None,
    noise_cn: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`choose_stack` for the two stacks, on (n,) columns (the adoption pass's hot path).

    Each utility is computed with the same operations as the K-stack rule, so the choice is the
    same to the last bit; a tie goes to the US stack (stack 1), as ``argmax`` does.
    """
    hit = np.where(current > 0, switching_cost, 0.0)
    u = []
    for base, net, noise, other in ((base_us, net_us, noise_us, 2), (base_cn, net_cn, noise_cn, 1)):
        x = base + r * net
        if noise is not None:
            x = x + noise
        u.append(x - np.where(current == other, hit, 0.0))  # leaving the other stack
    return np.where(u[1] > u[0], np.int8(2), np.int8(1))


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
    layout = layout_for(st.scratch, adjacency)
    words = uniform_words(rng, n)  # draw = (words >> 8) / 2**24, compared as integers
    if layout is None:  # generic path: sparse mat-vec and per-unit Bass hazard
        shares = neighbour_shares(adjacency, st.stack)
        prob = adoption_probability(p[c], q[c], shares[:, 0] + shares[:, 1], afford[c])
        new = ~adopted & ((words[:, 0] >> 8) < grid_above(prob))
    else:  # fast path, bit-identical: integer neighbour counts and a (cohort, column) table
        packed = tracked_counts(st.scratch, st.stack, layout)
        k = table_columns(layout)  # adopted neighbours (in link units) of each column
        table = adoption_probability(p[:, None], q[:, None], k[None, :] * layout.unit,
                                     afford[:, None])  # fmt: skip
        key = table_keys(st.scratch, c, layout, packed)
        new = ~adopted & ((words[:, 0] >> 8) < grid_above(table).ravel()[key])
    rate = np.asarray(review_rate, np.result_type(np.float32, review_rate))  # as draw < rate
    review = adopted & ((words[:, 1] >> 8) < grid_above(rate))
    if fixed is not None:
        free = free_mask(st.scratch, fixed)
        new &= free
        review &= free
    idx = np.flatnonzero(new | review)
    if len(idx):  # choosers: column by column (1-D gathers are several times faster)
        if layout is None:
            net = shares[:, 0][idx], shares[:, 1][idx]
        else:
            net = tuple((x * layout.unit).astype(layout.dtype) for x in split(packed[idx], layout))
        shocks = [gumbel(uniforms(words[:, j][idx]), noise_scale) for j in (2, 3)]
        current = st.stack[idx]
        cost = np.where(current > 0, cost_base + cost_growth * st.tenure[idx], 0.0)
        ci = c[idx]
        base = utility[:, 0][ci], utility[:, 1][ci]
        choice = choose_two(*base, *net, r, current, cost, *shocks)
        if mandate is not None:
            forced = mandate[ci]
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


def prepare_network(st: AdopterState, adjacency: sp.csr_matrix | None) -> None:
    """Build the fast path's tables for ``adjacency`` now (at model construction), not lazily.

    Optional: :func:`adoption_step` builds them on first use. Results do not depend on it.
    """
    layout = layout_for(st.scratch, adjacency)
    if layout is not None:
        table_keys(st.scratch, st.cohort, layout, tracked_counts(st.scratch, st.stack, layout))
