"""Table cells of the reports: numbers and intervals as text."""

from __future__ import annotations

import math


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt(x: float, digits: int = 3, kind: str = "") -> str:
    """Number for a table cell: years as years (``2031.2``), else ``digits`` significant digits.

    Values of 1,000 and more are written out in full (``12,345``), never as ``1.23e+04``;
    ``''`` for NaN.
    """
    if _missing(x):
        return ""
    if kind == "year":
        return f"{x:.1f}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def ci_cell(m: float, lo: float, hi: float, kind: str = "") -> str:
    """``mean [lo, hi]`` (the mean alone when there is no interval)."""
    if _missing(lo) or _missing(hi):
        return fmt(m, kind=kind)
    return f"{fmt(m, kind=kind)} [{fmt(lo, kind=kind)}, {fmt(hi, kind=kind)}]"
