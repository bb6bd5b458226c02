"""Lever checks: does each lever move the outcomes the way economics or the seed expects?

A lever (``levers.toml``) is a change from a low to a high setting under a base regime: a
parameter or regime field (``set``), the fee or cap of every licensed tier (``rule``), or a
switch from one regime to another (``regime``). Both settings run on common seeds; the measured
effect on each named outcome is the paired difference high - low with its paired t 95% CI. It
*holds* when the CI lies on the expected side of zero (or, for an expected 0, contains zero),
*fails* when it lies on the other side, and is *unclear* otherwise. A lever whose sign fails stays
in the table with the explanation found in the code (``note``).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from aiblocs.compare.stats import mean_ci
from aiblocs.ensemble.runner import run_experiment
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.ensemble.store import load_parts
from aiblocs.model.outcomes import OUTCOMES
from aiblocs.model.params import PARAM_FIELDS
from aiblocs.model.regimes import REGIME_FIELDS, Regime, get_regime
from aiblocs.viz.levers import lever_regime

KINDS = ("set", "rule", "regime")
SIGNS = {"+": 1, "-": -1, "0": 0}


@dataclass(frozen=True)
class Lever:
    """A low -> high change under a base regime and the signs it should have on outcomes."""

    name: str
    kind: str
    regime: str
    low: Any
    high: Any
    expect: dict[str, str]
    why: str
    target: str = ""  # the field (kind 'set') or 'fee'/'cap' (kind 'rule')
    note: dict[str, str] = field(default_factory=dict)  # outcome -> what the code shows

    def change(self) -> str:
        """The change in words, e.g. ``enforcement 0.3 -> 0.9``."""
        what = self.target or "regime"
        return f"{what} {self.low} -> {self.high}"

    def spec(self, n_seeds: int, overrides: dict[str, Any], root_seed: int = 0) -> ExperimentSpec:
        """The paired experiment: low and high settings on common seeds."""
        if self.kind == "set":
            return ExperimentSpec(
                regimes=(self.regime,),
                n_seeds=n_seeds,
                root_seed=root_seed,
                overrides=overrides,
                designs=({self.target: self.low}, {self.target: self.high}),
            )
        low, high = (self._regime(v) for v in (self.low, self.high))
        return ExperimentSpec(
            regimes=(low, high), n_seeds=n_seeds, root_seed=root_seed, overrides=overrides
        )

    def _regime(self, value: Any) -> Regime:
        if self.kind == "regime":
            return get_regime(value)
        reg = lever_regime(self.regime, **{self.target: value})
        return dataclasses.replace(reg, name=f"{self.regime} [{self.target}={value}]")


def load_levers(path: str | Path | None = None) -> list[Lever]:
    """Read and validate ``levers.toml`` (default: the packaged file)."""
    if path is None:
        text, where = (resources.files("aiblocs.attribution") / "levers.toml").read_text(), "levers"
    else:
        where = str(path)
        try:
            text = Path(path).read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"--levers {where}: cannot read it ({e})") from None
    try:
        rows = tomllib.loads(text).get("lever", [])
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{where} is not valid TOML: {e}") from None
    out = []
    for i, row in enumerate(rows):
        name = row.get("name", f"#{i + 1}")
        unknown = sorted(
            set(row) - {"name", "kind", "regime", "set", "low", "high", "expect", "why", "note"}
        )
        if unknown:
            raise ValueError(f"{where}: lever {name}: unknown field(s) {unknown}")
        kind = row.get("kind")
        if kind not in KINDS:
            raise ValueError(f"{where}: lever {name}: kind must be one of {KINDS}, got {kind!r}")
        target = row.get("set", "")
        if kind == "set" and target not in PARAM_FIELDS and target not in REGIME_FIELDS:
            raise ValueError(f"{where}: lever {name}: 'set' names unknown field {target!r}")
        if kind == "rule" and target not in ("fee", "cap"):
            raise ValueError(f"{where}: lever {name}: a rule lever sets 'fee' or 'cap'")
        expect = row.get("expect", {})
        bad = {k: v for k, v in expect.items() if k not in OUTCOMES or v not in SIGNS}
        if not expect or bad:
            raise ValueError(
                f"{where}: lever {name}: 'expect' maps registry outcomes to '+', "
                f"'-' or '0'; bad entries {bad}"
            )
        if not str(row.get("why", "")).strip():
            raise ValueError(f"{where}: lever {name}: give 'why' (the economics or the source)")
        out.append(
            Lever(
                name,
                kind,
                row.get("regime", ""),
                row.get("low"),
                row.get("high"),
                dict(expect),
                row["why"],
                target,
                dict(row.get("note", {})),
            )
        )
    if len({lv.name for lv in out}) != len(out):
        raise ValueError(f"{where}: lever names must be distinct")
    return out


def run_levers(
    levers: list[Lever],
    folder: Path,
    n_seeds: int,
    overrides: dict[str, Any],
    executor: Any,
    progress: bool = True,
) -> None:
    """Run (or resume) every lever's paired experiment, one store per lever."""
    for lv in levers:
        run_experiment(
            lv.spec(n_seeds, overrides),
            Path(folder) / lv.name,
            executor,
            kind="levers",
            reduce="outcomes",
            progress=progress,
        )


def verdict(expected: str, lo: float, hi: float) -> str:
    """``holds``, ``fails`` or ``unclear`` for a CI [lo, hi] and an expected sign."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "unclear"
    sign = SIGNS[expected]
    if sign == 0:
        return "holds" if lo <= 0 <= hi else "fails"
    if (lo > 0 and sign > 0) or (hi < 0 and sign < 0):
        return "holds"
    if (lo > 0 and sign < 0) or (hi < 0 and sign > 0):
        return "fails"
    return "unclear"


def lever_table(
    levers: list[Lever], folder: Path, n_seeds: int, overrides: dict[str, Any]
) -> pd.DataFrame:
    """One row per (lever, outcome): expected sign, paired effect high - low, CI, verdict."""
    out = []
    for lv in levers:
        rows = load_parts(Path(folder) / lv.name, "run_id")
        col = "design" if lv.kind == "set" else "arm"
        wide = rows.pivot_table(index="seed_index", columns=col, values=list(lv.expect))
        for name, sign in lv.expect.items():
            d = (wide[(name, 1)] - wide[(name, 0)]).to_numpy(float)
            m, lo, hi = mean_ci(d)
            if len(d) and (d == 0).all():
                lo = hi = 0.0
            out.append(
                {
                    "lever": lv.name,
                    "change": lv.change(),
                    "regime": lv.regime,
                    "outcome": name,
                    "expected": sign,
                    "mean": m,
                    "ci_lo": lo,
                    "ci_hi": hi,
                    "n": len(d),
                    "holds": verdict(sign, lo, hi),
                    "note": lv.note.get(name, lv.why),
                }
            )
    return pd.DataFrame(out)
