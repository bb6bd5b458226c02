"""Plausible ranges of the uncertain parameters (``ranges.toml``), validated, as a SALib problem."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from aiblocs.model.params import PARAM_FIELDS
from aiblocs.model.regimes import SHARE_FIELDS
from aiblocs.model.tomlfile import read_toml


@dataclass(frozen=True)
class Range:
    """Plausible range [lo, hi] of one uncertain parameter and the reasoning behind it."""

    name: str
    lo: float
    hi: float
    why: str


def _allowed(name: str) -> tuple[float | None, float | None]:
    """The field's allowed range: a Params field's metadata, or [0, 1] for regime shares."""
    if name in SHARE_FIELDS:
        return 0.0, 1.0
    meta = PARAM_FIELDS[name].metadata
    return meta["lo"], meta["hi"]


def load_ranges(path: str | Path | None = None) -> list[Range]:
    """Read and validate ``ranges.toml`` (default: the packaged file).

    Raises:
        ValueError: naming the file and entry: unknown name, duplicate, lo >= hi, missing
            reason, or a range outside the field's allowed range.
    """
    if path is None:
        where = "ranges.toml"
        with resources.as_file(resources.files("aiblocs.sensitivity") / where) as shipped:
            data = read_toml(shipped, "shipped")
    else:
        where = f"--ranges {path}"
        data = read_toml(path, "--ranges")
    unknown = sorted(set(data) - {"param"})
    rows = data.get("param", [])
    if unknown or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{where}: expected only [[param]] tables, found {unknown or 'param'}")
    if not rows:
        raise ValueError(f"{where}: no [[param]] entries")
    out: list[Range] = []
    for i, row in enumerate(rows):
        name = row.get("name")
        if name not in PARAM_FIELDS and name not in SHARE_FIELDS:
            raise ValueError(f"{where}: entry {i + 1} names unknown parameter {name!r}")
        lo, hi, why = row.get("lo"), row.get("hi"), row.get("why", "")
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in (lo, hi)):
            raise ValueError(f"{where}: '{name}' needs numeric lo and hi, got {lo!r}, {hi!r}")
        if not lo < hi:
            raise ValueError(f"{where}: '{name}' needs lo < hi, got [{lo}, {hi}]")
        if not str(why).strip():
            raise ValueError(f"{where}: '{name}' needs a 'why' (source or reasoning)")
        flo, fhi = _allowed(name)
        if (flo is not None and lo < flo) or (fhi is not None and hi > fhi):
            raise ValueError(
                f"{where}: range of '{name}' [{lo}, {hi}] is outside its allowed range "
                f"[{flo}, {fhi}]"
            )
        if any(r.name == name for r in out):
            raise ValueError(f"{where}: '{name}' is listed twice")
        out.append(Range(name, float(lo), float(hi), str(why)))
    return out


def problem(ranges: list[Range]) -> dict[str, Any]:
    """SALib problem dictionary for ``ranges``."""
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [[r.lo, r.hi] for r in ranges],
    }
