"""The parameter-field helper: one declaration carries the unit, range, meaning and source.

:func:`param` declares a field of one of the themed parameter groups (``params_*.py``) that
:class:`aiblocs.model.params.Params` combines; :func:`coerce` turns a value into the field's
plain Python type and checks its range.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import Field, field
from typing import Any

import numpy as np


def param(
    default: Any, unit: str, lo: float | None, hi: float | None, doc: str, source: str
) -> Any:
    """Declare a parameter field with its unit, allowed range [lo, hi], meaning and source."""
    meta = {"unit": unit, "lo": lo, "hi": hi, "doc": doc, "source": source}
    return field(default=default, metadata=meta)


def coerce(f: Field, v: Any) -> Any:
    """``v`` as the plain Python type of field ``f`` (numpy scalars accepted), range-checked.

    An integer field takes an integral float (``500.0`` -> ``500``) but refuses ``2.5``; a flag
    takes true/false or 0/1. Raises ``ValueError`` naming the field and its allowed range.
    """
    lo, hi, unit = f.metadata["lo"], f.metadata["hi"], f.metadata["unit"]
    if unit == "quarter":
        return str(v) if isinstance(v, str) else v  # numpy str -> str; the format is validated
    is_bool = isinstance(v, bool | np.bool_)
    if unit == "flag":
        if is_bool or (isinstance(v, numbers.Real) and v in (0, 1)):
            return bool(v)
        raise ValueError(f"parameter '{f.name}' must be true or false, got {v!r}")
    if is_bool or not isinstance(v, numbers.Real):
        raise ValueError(f"parameter '{f.name}' must be a number in [{lo}, {hi}] {unit}, got {v!r}")
    x = float(v)
    if not math.isfinite(x) or (lo is not None and x < lo) or (hi is not None and x > hi):
        shown = v.item() if hasattr(v, "item") else v  # numpy scalar -> its plain value
        raise ValueError(
            f"parameter '{f.name}' = {shown!r} is outside its allowed range [{lo}, {hi}] ({unit})"
        )
    if f.type == "int":
        if not x.is_integer():
            raise ValueError(f"parameter '{f.name}' must be a whole number, got {v!r}")
        return int(x)
    return x
