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
