"""Vectorised adoption, stack choice and switching over all adopter units (the hot path).

Adopters are rows of numpy arrays (:class:`AdopterState`). One call of :func:`adoption_step` per
quarter does, for every unit at once: the Bass-type adoption hazard ``(p + q * s_nbr) * a``, the
logit stack choice of new adopters, and the review/switching decision of adopters whose switching
cost grows with tenure. :func:`choose_stack` is the pure choice rule; tests drive it one arrival at
a time to recover Arthur's (1989) lock-in probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

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

    @classmethod
    def empty(cls, cohort: np.ndarray) -> AdopterState:
        """All units start as non-adopters."""
        n = len(cohort)
        return cls(cohort.astype(np.int32), np.zeros(n, np.int8), np.zeros(n, np.float32))

    def switching_cost(self, base: float, growth: float) -> np.ndarray:
        """Switching cost (utility units) of each adopted unit; 0 for non-adopters."""
        return np.where(self.stack > 0, base + growth * self.tenure, 0.0).astype(np.float32)


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
    """
    n = len(st.stack)
    c = st.cohort
    shares = neighbour_shares(adjacency, st.stack)
    adopted = st.stack > 0
    draw = rng.random((n, 4), dtype=np.float32)
    prob = adoption_probability(p[c], q[c], shares[:, 0] + shares[:, 1], afford[c])
    new = ~adopted & (draw[:, 0] < prob)
    review = adopted & (draw[:, 1] < review_rate)
    idx = np.flatnonzero(new | review)
    if len(idx):
        gumbel = -np.log(-np.log(np.clip(draw[idx, 2:], 1e-7, 1 - 1e-7))) * noise_scale
        current = st.stack[idx]
        cost = np.where(current > 0, cost_base + cost_growth * st.tenure[idx], 0.0)
        choice = choose_stack(utility[c[idx]], shares[idx], r, current, cost, gumbel)
        moved = (current > 0) & (choice != current)
        st.stack[idx] = choice
    else:
        moved = np.zeros(0, bool)
    switched = np.zeros(n, bool)
    switched[idx[moved]] = True
    st.tenure += adopted  # everyone already on a stack gains a quarter of integration depth
    st.tenure[new | switched] = 0.0
    return StepResult(new_adopters=new, switched=switched)
