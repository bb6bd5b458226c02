"""The two formulas every random event uses: a quarter's probability and a capped Pareto size.

An event with hazard ``rate`` per year (a Poisson rate) happens in a quarter with probability
``1 - exp(-rate / 4)``; given a uniform draw ``u`` from the event's keyed stream it happens iff
``u < that probability``. Sizes are inverse-transform draws from a uniform ``v`` of the same
stream, so an event's size does not depend on its hazard.
"""

from __future__ import annotations

import math


def quarter_probability(rate: float) -> float:
    """Probability that an event with Poisson hazard ``rate`` (1/year) happens in one quarter."""
    return 1.0 - math.exp(-max(rate, 0.0) / 4)


def pareto_size(v: float, scale: float, tail: float, cap: float) -> float:
    """Capped Pareto draw ``min(cap, scale * (1 - v) ** (-1 / tail))`` from a uniform ``v``."""
    return min(cap, scale * (1.0 - v) ** (-1.0 / tail))


def capped_pareto_mean(scale: float, tail: float, cap: float) -> float:
    """Mean of :func:`pareto_size` over ``v ~ U(0, 1)`` (``tail > 1``; ``cap >= scale``)."""
    if cap <= scale:
        return cap
    return scale * tail / (tail - 1) - scale**tail * cap ** (1 - tail) / (tail - 1)
