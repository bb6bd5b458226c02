"""Helpers for the submodel tests: a small model advanced to a quarter, stub sites."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import aiblocs.model.model as model_mod
from aiblocs import AIBlocsModel
from aiblocs.model import chips

# Values that keep every factor of an equation visible: none is 0 or 1, so a mutant that
# multiplies instead of dividing, or drops a factor, changes the result.
DISTINCT = {
    "us_frontier_perf0": 1.3,
    "markup_frontier": 1.1,
    "markup_domestic": 0.9,
    "cn_yield0": 0.2,
    "capability_per_decade": 1.2,
    "mixed_fleet_cost": 0.15,
}


def model_at(regime: str = "historical", quarter: str = "2024Q1", n: int = 300, seed: int = 1,
             **kw: Any) -> AIBlocsModel:  # fmt: skip
    """A model with ``n`` adopters that has just finished ``quarter``."""
    m = AIBlocsModel(regime, rng=seed, n_adopters=n, **kw)
    while m.quarter < quarter:
        m.step()
    assert m.quarter == quarter
    return m


def site(compute: float, east: bool = True) -> SimpleNamespace:
    """A stub cloud or hub with a fixed effective compute (H100e)."""
    return SimpleNamespace(total_compute=compute, east=east, utilisation=-1.0, served=-1.0)


def feasible(kw: dict[str, Any]) -> dict[str, Any]:
    """Repair a draw of the parameter box so it meets Params' rules across fields (in place)."""
    if kw["share_us"] + kw["share_cn"] > 1:
        kw["share_cn"] = 1.0 - kw["share_us"]
    if kw["deal_years_min"] > kw["deal_years_max"]:
        kw["deal_years_min"], kw["deal_years_max"] = kw["deal_years_max"], kw["deal_years_min"]
    return kw


@contextmanager
def spied(m: AIBlocsModel) -> Iterator[dict]:
    """Record each quarter's budgets, chip-market result and adoption result."""
    seen: dict = {}
    clear, step = chips.clear, model_mod.adoption_step

    def spy_clear(model, budgets, carry, rng):
        seen["budgets"], seen["carry"] = dict(budgets), dict(carry)
        seen["res"] = clear(model, budgets, carry, rng)
        return seen["res"]

    def spy_step(*a, **kw):
        seen["flows"] = step(*a, **kw)
        return seen["flows"]

    with mock.patch.object(chips, "clear", spy_clear), \
            mock.patch.object(model_mod, "adoption_step", spy_step):  # fmt: skip
        yield seen
