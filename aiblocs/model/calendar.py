"""Quarter labels: ``"2025Q3"`` <-> an integer quarter index (year * 4 + quarter - 1)."""

from __future__ import annotations

import re

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_quarter(label: str) -> int:
    """Return the absolute quarter index of a label like ``"2025Q3"``.

    Raises:
        ValueError: if the label is malformed or outside 2000Q1-2100Q4.
    """
    m = _QUARTER.match(str(label).strip()) if isinstance(label, str) else None
    if not m:
        raise ValueError(f"quarter {label!r} is not of the form YYYYQn with n in 1-4 (e.g. 2025Q3)")
    year = int(m.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"quarter {label!r} is outside {FIRST_YEAR}Q1-{LAST_YEAR}Q4")
    return year * 4 + int(m.group(2)) - 1


def quarter_label(index: int) -> str:
    """Return the label of an absolute quarter index."""
    return f"{index // 4}Q{index % 4 + 1}"


FIRST_QUARTER, LAST_QUARTER = FIRST_YEAR * 4, LAST_YEAR * 4 + 3
"""Quarter indices of 2000Q1 and 2100Q4, the span a label may name."""


def decimal_year(label: str) -> float:
    """``2029Q1`` -> 2029.0, ``2029Q3`` -> 2029.5."""
    index = parse_quarter(label)
    return index // 4 + (index % 4) / 4


def year_ticks(start: str, n_quarters: int, every: int = 2) -> list[tuple[int, str]]:
    """(position, year label) of the first quarter of every ``every``-th year in a run.

    Positions count quarters from ``start``; the years shown are those divisible by ``every``.
    """
    q0 = parse_quarter(start)
    return [(i, str((q0 + i) // 4)) for i in range(n_quarters)
            if (q0 + i) % 4 == 0 and (q0 + i) // 4 % every == 0]  # fmt: skip
