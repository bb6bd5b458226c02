"""Scenario: the one validated input of a run (parameters, regime, adopters, horizon).

A :class:`Scenario` is built and validated once, from a regime (preset name, TOML path or
:class:`Regime`) and overrides; :func:`aiblocs.run`, :class:`AIBlocsModel`, every ensemble
command and the dashboard take it. Overrides are routed by name: the names the regimes module
declares in :data:`REGIME_FIELDS` change the regime, every other name must be a :class:`Params`
field (``n_adopters``, ``start`` and ``end`` included). The random seed is not part of a
scenario: the same scenario runs on many seeds.

It subclasses Mesa's ``Scenario`` so that ``model.scenario`` is this object, but unlike Mesa's
it is immutable and carries no ``rng`` (the model takes Mesa's ``rng`` keyword instead).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario

from aiblocs.model.calendar import parse_quarter, quarter_label
from aiblocs.model.params import PARAM_FIELDS, Params, default_params, make_params
from aiblocs.model.regimes import REGIME_FIELDS, Regime, get_regime, regime_from_dict

RESERVED = {
    "seed": "the seed is not part of a scenario (give it as --seed, rng= or run(..., seed=))",
    "rng": "the seed is not part of a scenario (give it as --seed, rng= or run(..., seed=))",
    "regime": "give the regime as the first argument (--regime, --regimes)",
    "params": "give parameters by name (bass_q=0.3, --set bass_q=0.3), not as a mapping",
}
"""Names a caller may mistake for overrides, and what to do instead."""


def check_policy_modes(params: Params, reg: Regime) -> None:
    """Refuse dated lines after the first quarter on a side whose policy is adaptive.

    An adaptive government takes the lines in force at ``start`` as its starting settings and
    decides from then on; a later dated line would be silently ignored, so it is an error.
    """
    start = parse_quarter(params.start)
    later: list[str] = []
    if reg.us_policy == "adaptive":
        later += [f"rule[{r.tier}@{quarter_label(r.start)}]" for r in reg.rules if r.start > start]
    if reg.cn_policy == "adaptive":
        later += [f"stance[{s.tier}@{quarter_label(s.start)}]" for s in reg.stances
                  if s.start > start]  # fmt: skip
        if reg.domestic_mandate_from is not None and reg.domestic_mandate_from > start:
            later.append(f"domestic_mandate_from = {quarter_label(reg.domestic_mandate_from)}")
    if later:
        raise ValueError(
            f"regime '{reg.name}' has an adaptive government, which takes the dated lines in "
            f"force at the first quarter ({quarter_label(start)}) as its starting settings and "
            f"decides after that; these start later: {', '.join(later)} (drop them, or make "
            "that side 'scripted')"
        )


class Scenario(MesaScenario):
    """Immutable, validated run input: ``params`` (a :class:`Params`) and ``regime``."""

    __slots__ = ()

    def __init__(self, params: Params, regime: Regime) -> None:
        if not isinstance(params, Params) or not isinstance(regime, Regime):
            raise TypeError(
                "Scenario(params, regime) takes a Params and a Regime; "
                "use Scenario.build(regime, **overrides)"
            )
        check_policy_modes(params, regime)
        object.__setattr__(self, "_building", True)
        super().__init__(rng=None, params=params, regime=regime)
        del self.__dict__["_building"]

    # --- construction -----------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        regime: str | Path | Regime = "historical",
        params: Params | None = None,
        /,
        **overrides: Any,
    ) -> Scenario:
        """Validate ``overrides`` (regime fields or parameters) on ``regime`` and ``params``.

        Args:
            regime: preset name, path to a regime TOML file, or a :class:`Regime`.
            params: base parameters (the calibrated defaults if None).
            **overrides: regime fields (see ``REGIME_FIELDS``) or :class:`Params` fields; numpy
                scalars are accepted wherever a Python number is.

        Raises:
            ValueError: naming the field and its allowed range, before anything runs.
        """
        for name, use in RESERVED.items():
            if name in overrides:
                raise ValueError(f"'{name}' is not a parameter: {use}")
        unknown = sorted(set(overrides) - set(PARAM_FIELDS) - set(REGIME_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown}; see `aiblocs params` for parameters and "
                f"`aiblocs regimes` for regime fields ({', '.join(REGIME_FIELDS)})"
            )
        reg_over = {k: v for k, v in overrides.items() if k in REGIME_FIELDS}
        par_over = {k: v for k, v in overrides.items() if k not in REGIME_FIELDS}
        p = make_params(params, **par_over)
        reg = get_regime(regime)
        if reg_over:
            reg = reg.with_overrides(**reg_over)
        return cls(p, reg)

    def replace(self, **overrides: Any) -> Scenario:
        """A new scenario with more overrides on this one (validated)."""
        return Scenario.build(self.regime, self.params, **overrides) if overrides else self

    # --- immutability, equality, pickling -----------------------------------------------------
    def __setattr__(self, name: str, value: object) -> None:
        if name == "model" or "_building" in self.__dict__:  # Mesa attaches the model
            object.__setattr__(self, name, value)
            return
        raise AttributeError(f"a Scenario is immutable: use .replace({name}=...) for a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Scenario is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.params == other.params and self.regime == other.regime

    def __hash__(self) -> int:
        return hash((self.params, self.regime))

    def __reduce__(self) -> tuple:
        return (Scenario, (self.params, self.regime))  # never pickles an attached model

    def __repr__(self) -> str:
        changed = self.changed()
        extra = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"Scenario(regime={self.regime.name!r}{', ' + extra if extra else ''})"

    # --- reading ------------------------------------------------------------------------------
    params: Params
    regime: Regime

    @property
    def n_adopters(self) -> int:
        """Number of adopter units."""
        return self.params.n_adopters

    @property
    def horizon(self) -> tuple[str, str]:
        """First and last simulated quarter."""
        return self.params.start, self.params.end

    def changed(self) -> dict[str, Any]:
        """Parameters whose value differs from the model's (calibrated) defaults."""
        base = default_params()
        return {
            f.name: getattr(self.params, f.name)
            for f in fields(Params)
            if getattr(self.params, f.name) != getattr(base, f.name)
        }

    def to_record(self) -> dict[str, Any]:
        """JSON-ready content: every parameter and the regime as its TOML-shaped mapping."""
        return {
            "params": {f.name: getattr(self.params, f.name) for f in fields(Params)},
            "regime": self.regime.to_dict(),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Scenario:
        """Inverse of :meth:`to_record` (validated)."""
        return cls(make_params(Params(), **record["params"]), regime_from_dict(record["regime"]))

    def fingerprint(self) -> str:
        """Hash of the content (not of names or paths): equal scenarios, equal fingerprints."""
        text = json.dumps(self.to_record(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
