"""Model parameters: one typed, validated structure with units, bounds and sources.

Every field carries metadata (unit, allowed range, meaning, source) so that validation, the
documentation table in ``docs/ODD.md``, the dashboard tooltips and the sensitivity ranges all come
from one place. Facts rows cited as ``[n]`` are listed with their sources in
``aiblocs/model/data/SOURCES.md``. The fields are declared by theme in ``params_*.py`` (with
:func:`~aiblocs.model.parameter.param`); :class:`Params` combines them in this order.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from typing import Any

from aiblocs.model.calendar import parse_quarter
from aiblocs.model.parameter import coerce, param
from aiblocs.model.params_adoption import AdoptionParams
from aiblocs.model.params_capacity import CapacityParams
from aiblocs.model.params_chips import ChipParams
from aiblocs.model.params_deals import DealParams
from aiblocs.model.params_events import EventParams
from aiblocs.model.params_labs import LabParams
from aiblocs.model.params_policy import GovernmentParams, PolicyParams
from aiblocs.model.params_population import PopulationParams
from aiblocs.model.params_services import ServiceParams
from aiblocs.model.params_switches import SwitchParams

__all__ = [
    "PARAM_FIELDS",
    "Params",
    "calibrated_values",
    "coerce",
    "default_params",
    "make_params",
    "param",
    "param_table",
]


# Dataclass fields follow the reversed method resolution order: population first, switches last.
@dataclass(frozen=True)
class Params(
    SwitchParams,
    GovernmentParams,
    DealParams,
    EventParams,
    PolicyParams,
    ServiceParams,
    LabParams,
    CapacityParams,
    ChipParams,
    AdoptionParams,
    PopulationParams,
):
    """All numeric inputs of the model (regime rules live in :class:`Regime`).

    World tables (countries, sectors, firms, hubs) live in validated data files
    (:mod:`aiblocs.model.world`).
    """

    def __post_init__(self) -> None:
        for f in fields(self):  # numpy scalars and integral floats become plain int/float/bool
            object.__setattr__(self, f.name, coerce(f, getattr(self, f.name)))

    def replace(self, **kw: Any) -> Params:
        """Return a copy with fields overridden (validated)."""
        new = replace(self, **kw)
        new.validate()
        return new

    def validate(self) -> None:
        """Raise ``ValueError`` naming the fields if they are inconsistent with each other.

        Each field's type and range are checked on construction (:func:`coerce`); this adds the
        quarter labels and the rules that involve several fields.
        """
        for f in fields(self):
            if f.metadata["unit"] == "quarter":
                try:
                    parse_quarter(getattr(self, f.name))
                except (ValueError, TypeError) as e:
                    raise ValueError(f"parameter '{f.name}': {e}") from None
        if self.share_us + self.share_cn > 1:
            raise ValueError(
                f"parameters 'share_us' + 'share_cn' = {self.share_us + self.share_cn} "
                "must be <= 1 "
                "(the rest are Global South units)"
            )
        if parse_quarter(self.end) < parse_quarter(self.start):
            raise ValueError(f"parameter 'end' ({self.end}) is before 'start' ({self.start})")
        if parse_quarter(self.pooling_full) < parse_quarter(self.pooling_start):
            raise ValueError("parameter 'pooling_full' must not be before 'pooling_start'")
        if self.deal_years_min > self.deal_years_max:
            raise ValueError(
                f"parameter 'deal_years_min' ({self.deal_years_min}) must not exceed "
                f"'deal_years_max' ({self.deal_years_max})"
            )
        for name in ("edwc_launch", "pooling_start"):  # an event after the horizon never happens
            if parse_quarter(getattr(self, name)) > parse_quarter(self.end):
                raise ValueError(
                    f"parameter '{name}' ({getattr(self, name)}) is after 'end' ({self.end}); "
                    "it must lie within the simulated span"
                )


PARAM_FIELDS = {f.name: f for f in fields(Params)}


@functools.cache
def calibrated_values() -> dict[str, float]:
    """Values from ``aiblocs/model/data/calibrated.toml`` (empty if the file is absent)."""
    path = resources.files("aiblocs.model.data") / "calibrated.toml"
    if not path.is_file():
        return {}
    values = tomllib.loads(path.read_text()).get("params", {})
    unknown = sorted(set(values) - set(PARAM_FIELDS))
    if unknown:
        raise ValueError(f"calibrated.toml names unknown parameter(s) {unknown}")
    return values


def default_params() -> Params:
    """The model's defaults: the declared values, replaced by calibrated ones where they exist."""
    p = replace(Params(), **calibrated_values())
    p.validate()
    return p


def make_params(base: Params | None = None, **overrides: Any) -> Params:
    """Build validated parameters from ``base`` (calibrated defaults if None) and overrides."""
    unknown = sorted(set(overrides) - set(PARAM_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown}; see `aiblocs params` for the list of valid names"
        )
    p = replace(base or default_params(), **overrides)
    p.validate()
    return p


def param_table() -> list[dict[str, Any]]:
    """Rows (name, default, unit, range, meaning, source) for documentation and the CLI.

    ``default`` is the value the model uses (calibrated where ``calibrated.toml`` sets it).
    """
    cal = calibrated_values()
    return [
        {"name": f.name, "default": cal.get(f.name, f.default), **f.metadata,
         "source": f.metadata["source"] + (" (calibrated)" if f.name in cal else "")}
        for f in fields(Params)
    ]  # fmt: skip
