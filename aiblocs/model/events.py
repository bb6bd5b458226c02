"""The run's event log: random events and actors' decisions, one record each, in time order.

Every discrete thing that happens to the run is logged here with its quarter, kind, actor and
size: random events (breakthroughs, crackdowns, supply shocks, national deals) and decisions
(a government changing a tier's rule, China changing its stance). The log is what the dashboard
puts on its timeline and what the compare report compares between the arms of a pair.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

COLUMNS = ("quarter", "kind", "actor", "what", "size", "drawn")


@dataclass(frozen=True)
class Event:
    """One logged event or decision.

    Attributes:
        quarter: quarter label (``2025Q1``).
        kind: short kind (``breakthrough``, ``crackdown``, ``supply_shock``, ``deal``,
            ``us_rule``, ``cn_stance`` ...).
        actor: who it happened to or who decided (a lab, firm, country or government name).
        what: one line in words (``frontier: licensed, fee 25%``).
        size: its magnitude in the kind's unit (a log-efficiency jump, a share of capacity lost,
            a contract length in quarters; 0 if none).
        drawn: True if drawn at random in this run, False if pinned by the regime or scripted.
    """

    quarter: str
    kind: str
    actor: str
    what: str
    size: float = 0.0
    drawn: bool = True


def log(model, kind: str, actor: str, what: str, size: float = 0.0, drawn: bool = True) -> Event:
    """Append an event of this quarter to ``model.events`` and return it."""
    event = Event(model.quarter, kind, actor, what, float(size), drawn)
    model.events.append(event)
    return event


def events_frame(events: list[Event]) -> pd.DataFrame:
    """The log as a frame with :data:`COLUMNS` (empty frame with those columns if none)."""
    return pd.DataFrame([asdict(e) for e in events], columns=list(COLUMNS))
