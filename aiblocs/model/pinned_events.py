"""Pinned events: realised events a regime file fixes, and which events a run has at all.

A regime's ``events`` field says where the run's events come from:

* ``"drawn"`` (default): random events only (breakthroughs, crackdowns, supply shocks, drawn
  from their keyed streams); the file's ``[[event]]`` entries are kept but do not happen.
* ``"pinned"``: only the ``[[event]]`` entries happen, at their quarter and with their size.
* ``"pinned_and_drawn"``: both.
* ``"off"``: no events.

So ``events = "off"`` or ``"drawn"`` can be set on a regime with pinned entries (``--set
events=off``) without editing its list. Each ``[[event]]`` table has ``quarter``, ``kind``,
``actor``, ``size`` and optionally ``what`` (its name in words)::

    [[event]]
    quarter = "2025Q1"
    kind = "breakthrough"
    actor = "DeepSeek-like"
    size = 0.6
    what = "DeepSeek-R1"

An entry whose quarter lies outside a run's span does not happen in that run.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

from aiblocs.model.calendar import parse_quarter, quarter_label
from aiblocs.model.world import load_world

EVENT_MODES = ("drawn", "pinned", "pinned_and_drawn", "off")
# kind -> (unit of size, lowest excluded, highest allowed, fixed actor or None for a lab name)
EVENT_KINDS: dict[str, tuple[str, float, float, str | None]] = {
    "breakthrough": ("jump in the lab's log efficiency", 0.0, 10.0, None),
    "crackdown": ("enforcement effort added", 0.0, 1.0, "US"),
    "fab_shock": ("share of Chinese domestic chip capacity lost", 0.0, 1.0, "CN"),
    "memory_shock": ("rise of chip prices, as a share", 0.0, 5.0, "world"),
}
KEYS = ("quarter", "kind", "actor", "size", "what")


@dataclass(frozen=True)
class PinnedEvent:
    """One realised event a regime fixes (``quarter`` is a quarter index)."""

    quarter: int
    kind: str
    actor: str
    size: float
    what: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The entry shaped like its ``[[event]]`` table (quarter as a label)."""
        out = {"quarter": quarter_label(self.quarter), "kind": self.kind, "actor": self.actor,
               "size": self.size}  # fmt: skip
        return {**out, "what": self.what} if self.what else out


def draws(mode: str) -> bool:
    """Whether a run in events mode ``mode`` draws random events."""
    return mode in ("drawn", "pinned_and_drawn")


def pins(mode: str) -> bool:
    """Whether a run in events mode ``mode`` applies the regime's pinned events."""
    return mode in ("pinned", "pinned_and_drawn")


def check_mode(value: Any) -> str:
    """The events mode, or ValueError naming the field and its allowed values."""
    if value not in EVENT_MODES:
        raise ValueError(
            f"regime field 'events' = {value!r} must be one of {', '.join(EVENT_MODES)}"
        )
    return value


def lab_names() -> tuple[str, ...]:
    """Names of the model labs (``firms.toml``), the actors of breakthroughs."""
    return tuple(lab.name for lab in load_world().labs)


def check_event(e: PinnedEvent, where: str) -> None:
    """Raise ValueError naming ``where`` and the field if a pinned event is malformed."""
    if e.kind not in EVENT_KINDS:
        raise ValueError(f"{where}.kind = {e.kind!r} must be one of {', '.join(EVENT_KINDS)}")
    unit, lo, hi, actor = EVENT_KINDS[e.kind]
    actors = lab_names() if actor is None else (actor,)
    if e.actor not in actors:
        raise ValueError(
            f"{where}.actor = {e.actor!r}: a {e.kind} happens to one of {', '.join(actors)}"
        )
    ok = isinstance(e.size, numbers.Real) and not isinstance(e.size, bool) and lo < e.size <= hi
    if not ok:
        raise ValueError(f"{where}.size = {e.size!r} must be a number in ({lo:g}, {hi:g}] ({unit})")
    if not isinstance(e.what, str) or len(e.what) > 80 or not e.what.isprintable():
        raise ValueError(f"{where}.what = {e.what!r} must be one line of at most 80 characters")


def check_events(events: tuple[PinnedEvent, ...]) -> None:
    """Check every pinned event, and that no two share a quarter, kind and actor."""
    seen: set[tuple[int, str, str]] = set()
    for i, e in enumerate(events):
        where = f"event #{i + 1}"
        check_event(e, where)
        key = (e.quarter, e.kind, e.actor)
        if key in seen:
            raise ValueError(
                f"{where}: two {e.kind} events for {e.actor} in {quarter_label(e.quarter)}; "
                "give one entry with their combined size"
            )
        seen.add(key)


def parse_events(items: Any) -> tuple[PinnedEvent, ...]:
    """Build and check pinned events from the ``[[event]]`` tables of a regime file."""
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise ValueError("regime field 'event' must be an array of tables ([[event]] blocks)")
    out = []
    for i, item in enumerate(items):
        where = f"event #{i + 1}"
        extra = sorted(set(item) - set(KEYS))
        missing = [k for k in KEYS[:4] if k not in item]
        if extra or missing:
            raise ValueError(
                f"{where} needs 'quarter', 'kind', 'actor' and 'size' (and may have 'what'); "
                f"missing {missing}, unknown {extra}"
            )
        try:
            quarter = parse_quarter(item["quarter"])
        except (ValueError, TypeError) as e:
            raise ValueError(f"{where}.quarter: {e}") from None
        size = item["size"]
        if isinstance(size, numbers.Real) and not isinstance(size, bool):
            size = float(size)
        out.append(PinnedEvent(quarter, item["kind"], item["actor"], size, item.get("what", "")))
    events = tuple(out)
    check_events(events)
    return events
