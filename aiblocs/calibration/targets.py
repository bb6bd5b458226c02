"""Calibration targets and the parameter space, loaded from package data and validated.

A target maps a dated fact to a statistic of the model's quarterly frame: the mean, sum or last
value of an output over a span of quarters. Outputs are DataCollector columns or the derived
quantities in :data:`DERIVED`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.model.calendar import parse_quarter
from aiblocs.model.outcomes import SERIES
from aiblocs.model.params import PARAM_FIELDS, Params
from aiblocs.model.tomlfile import read_toml

Z90 = 1.645  # a band [lo, hi] is read as a 90% interval: sigma = (hi - lo) / (2 * Z90)
STATS = ("mean", "sum", "last", "growth")
SETS = ("fit", "holdout")


def _us_compute_share(df: pd.DataFrame) -> pd.Series:
    total = df["us_cloud_compute"] + df["cn_cloud_compute"] + df["cn_hub_compute"]
    return df["us_cloud_compute"] / total


def _cn_us_price_ratio(df: pd.DataFrame) -> pd.Series:
    return df["cn_price"] / df["us_price"]


DERIVED = {"us_compute_share": _us_compute_share, "cn_us_price_ratio": _cn_us_price_ratio}
"""Derived outputs: name -> function of the quarterly frame (US share of US+China compute; the
Chinese stack's service price over the US one)."""


@dataclass(frozen=True)
class Target:
    """One dated fact and how the model's frame is reduced to compare with it."""

    name: str
    output: str
    stat: str
    start: str
    end: str
    observed: float
    lo: float
    hi: float
    set: str
    source: str

    @property
    def sigma(self) -> float:
        """Standard deviation implied by the band."""
        return (self.hi - self.lo) / (2 * Z90)

    def value(self, df: pd.DataFrame) -> float:
        """The model's statistic for this target from one run's quarterly frame."""
        series = DERIVED[self.output](df) if self.output in DERIVED else df[self.output]
        span = series[(df["quarter"] >= self.start) & (df["quarter"] <= self.end)]
        if self.stat == "sum":
            return float(span.sum())
        if self.stat == "last":
            return float(span.iloc[-1])
        if self.stat == "growth":
            return float(span.iloc[-1] / span.iloc[0]) if span.iloc[0] > 0 else 0.0
        return float(span.mean())


@dataclass(frozen=True)
class Dimension:
    """A calibrated parameter and its search range."""

    name: str
    lo: float
    hi: float
    why: str


def _read(path: str | Path | None, default: str, option: str) -> dict:
    """The TOML table of ``path`` (the shipped ``default`` if None); errors name ``option``."""
    if path is None:
        with resources.as_file(resources.files("aiblocs.calibration") / default) as shipped:
            return read_toml(shipped, "shipped file")
    return read_toml(path, option)


def _tables(data: dict, key: str, allowed: set[str], where: str) -> list[dict]:
    """The ``[[key]]`` tables of a file, refusing unknown top-level keys and non-tables."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"{where}: '{key}' must be an array of tables ([[{key}]] blocks)")
    return rows


def _load(path: str | Path | None, option: str, default: str, parse):
    """Read a file and ``parse`` its table; a ValueError names the option and the file."""
    data = _read(path, default, option)
    try:
        return parse(data)
    except ValueError as e:
        where = f"{option} {path}" if path is not None else f"shipped {default}"
        raise ValueError(f"{where}: {e}") from None


def load_targets(path: str | Path | None = None) -> tuple[list[Target], dict[str, str]]:
    """Targets and the unmapped-facts notes, validated (option, file and field named)."""
    return _load(path, "--targets", "targets.toml", _parse_targets)


def _parse_targets(data: dict) -> tuple[list[Target], dict[str, str]]:
    params = Params()
    first, last = parse_quarter(params.start), parse_quarter(params.end)
    targets, names = [], set()
    rows = _tables(data, "target", {"cutoff", "target", "unmapped"}, "targets")
    for i, row in enumerate(rows):
        where = f"target #{i + 1} ({row.get('name', '?')})"
        missing = set(Target.__dataclass_fields__) - set(row)
        if missing:
            raise ValueError(f"{where}: missing field(s) {sorted(missing)}")
        extra = set(row) - set(Target.__dataclass_fields__)
        if extra:
            raise ValueError(f"{where}: unknown field(s) {sorted(extra)}")
        t = Target(**{k: row[k] for k in Target.__dataclass_fields__})
        targets.append(t)
        if t.name in names:
            raise ValueError(f"{where}: duplicate target name")
        names.add(t.name)
        if t.output not in SERIES and t.output not in DERIVED:
            raise ValueError(f"{where}: unknown output {t.output!r}")
        if t.stat not in STATS:
            raise ValueError(f"{where}: stat must be one of {STATS}, got {t.stat!r}")
        if t.set not in SETS:
            raise ValueError(f"{where}: set must be one of {SETS}, got {t.set!r}")
        try:
            qs, qe = parse_quarter(t.start), parse_quarter(t.end)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
        if not first <= qs <= qe <= last:
            raise ValueError(f"{where}: quarters must satisfy {params.start} <= start <= end "
                             f"<= {params.end}, got {t.start}..{t.end}")  # fmt: skip
        for f in ("observed", "lo", "hi"):
            v = getattr(t, f)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"{where}: '{f}' must be a finite number, got {v!r}")
        if not t.lo <= t.observed <= t.hi or t.hi <= t.lo:
            raise ValueError(f"{where}: need lo < hi and lo <= observed <= hi")
    if not any(t.set == "fit" for t in targets):
        raise ValueError("targets: no target has set = 'fit'")
    cutoff = data.get("cutoff", params.end)
    try:
        parse_quarter(cutoff)
    except ValueError as e:
        raise ValueError(f"targets cutoff: {e}") from None
    for t in targets:
        if (t.set == "fit") != (t.end <= cutoff):
            side = "after" if t.set == "fit" else "by"
            raise ValueError(f"target {t.name}: set = {t.set!r} but its span ends {t.end}, "
                             f"{side} the cut-off {cutoff}")  # fmt: skip
    return targets, dict(data.get("unmapped", {}))


def load_space(path: str | Path | None = None) -> list[Dimension]:
    """Calibrated parameters and ranges, validated against the parameter bounds."""
    return _load(path, "--space", "space.toml", _parse_space)


def _parse_space(data: dict) -> list[Dimension]:
    dims = []
    for i, row in enumerate(_tables(data, "param", {"param"}, "space")):
        name = row.get("name")
        extra = sorted(set(row) - {"name", "lo", "hi", "why"})
        if extra:
            raise ValueError(f"space param #{i + 1}: unknown field(s) {extra}")
        if name not in PARAM_FIELDS:
            raise ValueError(f"space param #{i + 1}: unknown parameter {name!r}")
        meta = PARAM_FIELDS[name].metadata
        lo, hi = row.get("lo"), row.get("hi")
        if not (isinstance(lo, int | float) and isinstance(hi, int | float) and lo < hi):
            raise ValueError(f"space param '{name}': need numbers lo < hi, got {lo!r}, {hi!r}")
        if (meta["lo"] is not None and lo < meta["lo"]) or (
            meta["hi"] is not None and hi > meta["hi"]
        ):
            raise ValueError(f"space param '{name}': [{lo}, {hi}] leaves the allowed range "
                             f"[{meta['lo']}, {meta['hi']}]")  # fmt: skip
        dims.append(Dimension(name, float(lo), float(hi), row.get("why", "")))
    if not dims:
        raise ValueError("space: no [[param]] entries")
    return dims


def moments(df: pd.DataFrame, targets: list[Target]) -> np.ndarray:
    """Vector of the model's statistics for ``targets`` from one run's frame."""
    return np.array([t.value(df) for t in targets])
