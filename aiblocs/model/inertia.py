"""Inertia of governments' decisions: a hysteresis ladder, and smoothed readings of their inputs.

A government that sets a discrete level (a US tier's status, China's stance on a tier, the
domestic mandate) from a continuous drive moves up to level k only once the drive passes the k-th
threshold plus a band, and comes back down only once it falls below that threshold minus the band.
Inside the band the level stays, so a drive that wavers around a threshold does not make policy
flip every quarter.
"""

from __future__ import annotations

from collections.abc import Sequence


def ladder(level: int, x: float, thresholds: Sequence[float], band: float) -> int:
    """The level that drive ``x`` sets, starting from ``level`` (0 = below every threshold).

    Args:
        level: the level in force (0 .. len(thresholds)).
        x: the drive, in the thresholds' unit.
        thresholds: increasing thresholds; level k needs ``x >= thresholds[k - 1]``.
        band: half-width of the hysteresis band around each threshold (>= 0).
    """
    up = sum(x >= t + band for t in thresholds)  # the level the drive clearly reaches
    down = sum(x >= t - band for t in thresholds)  # the highest level the drive still holds
    if up > level:
        return up
    if down < level:
        return down
    return level


def smooth(old: float | None, new: float, weight: float) -> float:
    """Exponential smoothing: ``old + weight * (new - old)`` (``new`` if there is no ``old``)."""
    return new if old is None else old + weight * (new - old)
