"""Transient shocks: US enforcement crackdowns, Chinese fab shocks and memory (HBM) shortages.

Each quarter, after policy and before the chip market, every shock's effect decays by its
persistence and new shocks are drawn from their keyed streams (always the same number of draws,
so the draws never depend on policy):

* **Crackdown** (``stream("crackdown", q)``: ``u``). Hazard (1/year)
  ``crackdown_rate * (1 + crackdown_smuggling_gain * S / (S + crackdown_smuggling_ref))``,
  ``S`` the chips smuggled last quarter, while a US rule bans or licenses some tier (0 when
  every tier is free: nothing to enforce). A crackdown adds ``crackdown_boost`` to the US
  enforcement effort; the added effort decays by ``crackdown_persistence`` a quarter.
  Effective enforcement ``min(1, enforcement + boost)`` (:func:`us_enforcement`) sets grey-market
  detection and the rental leak (:mod:`aiblocs.model.grey`).
* **Fab shock** (``stream("supply", q)``: ``u_fab``). Hazard ``fab_shock_rate``; it cuts
  ``fab_shock_cut`` of Chinese domestic chip capacity, decaying by ``fab_shock_persistence``
  (:func:`capacity_factor`, read by ``ChipDesigner.set_offers``).
* **Memory shock** (same stream: ``u_mem``). Hazard ``memory_shock_rate``; every accelerator's
  price rises by ``memory_shock_rise``, decaying by ``memory_shock_persistence``
  (:func:`price_factor`).

A shock happens iff its uniform draw is below ``1 - exp(-rate / 4)``. Pinned shocks (the
regime's ``[[event]]`` entries) add their own size in their quarter.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model import events
from aiblocs.model.hazards import quarter_probability
from aiblocs.model.mechanisms import on
from aiblocs.model.pinned_events import draws, pins


@dataclass
class ShockState:
    """What the transient shocks add this quarter.

    Attributes:
        crackdown: enforcement effort added by crackdowns (share, before the cap at 1).
        fab_cut: share of Chinese domestic chip capacity lost (capped at 1 where used).
        memory_rise: rise of every chip price, as a share.
    """

    crackdown: float = 0.0
    fab_cut: float = 0.0
    memory_rise: float = 0.0


def crackdown_hazard(model, smuggled: float) -> float:
    """Crackdown hazard (1/year) given ``smuggled`` chips last quarter; 0 without US controls."""
    p = model.p
    if all(r.status == "free" for r in model.us_gov.rules.values()):
        return 0.0  # nothing to enforce
    pull = smuggled / (smuggled + p.crackdown_smuggling_ref) if smuggled > 0 else 0.0
    return on(p, "crackdowns", p.crackdown_rate) * (1 + p.crackdown_smuggling_gain * pull)


def draw_shocks(model) -> None:
    """Decay last quarter's shocks, then add this quarter's drawn and pinned ones."""
    p, q, s, mode = model.p, model.q, model.shocks, model.regime.events
    s.crackdown *= p.crackdown_persistence
    s.fab_cut *= p.fab_shock_persistence
    s.memory_rise *= p.memory_shock_persistence
    if draws(mode):
        u = model.stream("crackdown", q).random()
        if u < quarter_probability(crackdown_hazard(model, model.m.get("smuggled_chips", 0.0))):
            _crackdown(model, p.crackdown_boost, True)
        u_fab, u_mem = model.stream("supply", q).random(2)
        if u_fab < quarter_probability(on(p, "supply_shocks", p.fab_shock_rate)):
            _fab(model, p.fab_shock_cut, True)
        if u_mem < quarter_probability(on(p, "supply_shocks", p.memory_shock_rate)):
            _memory(model, p.memory_shock_rise, True)
    if pins(mode):
        apply = {"crackdown": _crackdown, "fab_shock": _fab, "memory_shock": _memory}
        for e in model.regime.pinned:
            if e.quarter == q and e.kind in apply:
                apply[e.kind](model, e.size, False, e.what)


def _crackdown(model, size: float, drawn: bool, what: str = "") -> None:
    model.shocks.crackdown += size
    events.log(model, "crackdown", "US", f"{what or 'enforcement crackdown'}: enforcement "
               f"effort +{size:.2f}", size, drawn)  # fmt: skip


def _fab(model, size: float, drawn: bool, what: str = "") -> None:
    model.shocks.fab_cut += size
    events.log(model, "fab_shock", "CN", f"{what or 'fab shock'}: domestic chip capacity "
               f"-{size:.0%}", size, drawn)  # fmt: skip


def _memory(model, size: float, drawn: bool, what: str = "") -> None:
    model.shocks.memory_rise += size
    events.log(model, "memory_shock", "world", f"{what or 'memory (HBM) shortage'}: chip "
               f"prices +{size:.0%}", size, drawn)  # fmt: skip


def us_enforcement(model) -> float:
    """US enforcement effort this quarter: the regime's plus crackdowns', at most 1."""
    return min(1.0, model.us_gov.enforcement + model.shocks.crackdown)


def capacity_factor(model) -> float:
    """Share of Chinese domestic chip capacity left after fab shocks."""
    return max(0.0, 1.0 - model.shocks.fab_cut)


def price_factor(model) -> float:
    """Multiple of every chip price from memory shortages."""
    return 1.0 + model.shocks.memory_rise
