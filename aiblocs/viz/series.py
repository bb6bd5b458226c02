"""Read a running model safely: quarterly frame, event log, adopter grid image, headline numbers.

A play loop may append to the DataCollector while a render reads it, so reporter lists can
differ in length for a moment; :func:`frame` trims every column to the shortest one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aiblocs.model.adoption import locked
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.events import Event
from aiblocs.model.model import AIBlocsModel
from aiblocs.model.outcomes import KPI_SERIES, SERIES

MAX_CELLS = 2_000  # adopter cells drawn at most (units are subsampled evenly beyond this)
GRID_WIDTH = 50  # cells per row of a country block
# colours (RGB 0-1): none, US open, US locked, CN open, CN locked, separator; the stacks' colours
# are the figure style's (Okabe-Ito blue and vermillion), light while a unit can still switch
PALETTE = np.array([
    [0.90, 0.90, 0.90],
    [0.62, 0.78, 0.90],
    [0.00, 0.45, 0.70],
    [0.95, 0.71, 0.56],
    [0.84, 0.37, 0.00],
    [1.00, 1.00, 1.00],
])  # fmt: skip
LEGEND = ("no AI", "US stack", "US, locked in", "CN stack", "CN, locked in")
KPIS: dict[str, tuple[str, str, str]] = {  # series -> (label, unit, format), from the registry
    name: (SERIES[name].label, SERIES[name].unit,
           "{:.1%}" if SERIES[name].kind == "share" else "{:.2f}")
    for name in KPI_SERIES
}  # fmt: skip


def frame(model: AIBlocsModel) -> pd.DataFrame:
    """Quarterly reporters collected so far, one row per quarter (safe during a play loop)."""
    cols = {k: list(v) for k, v in list(model.datacollector.model_vars.items())}
    n = min((len(v) for v in cols.values()), default=0)
    return pd.DataFrame({k: v[:n] for k, v in cols.items()})


def run_events(model: AIBlocsModel) -> list[Event]:
    """The run's logged events and decisions so far, in time order (a copy, safe while playing)."""
    return list(model.events)


def event_positions(model: AIBlocsModel, events: list[Event]) -> np.ndarray:
    """Each event's position on the charts' x axis (quarters since the run's first quarter)."""
    return np.array([parse_quarter(e.quarter) - model.start_q for e in events], float)


def event_line(e: Event) -> str:
    """One event in words: ``2027Q1  breakthrough  Qwen-like: ... (random)``.

    Events drawn at random in this run say so; pinned events and decisions do not.
    """
    origin = " (random)" if e.drawn else ""
    return f"{e.quarter}  {e.kind}  {e.actor}: {e.what}{origin}"


def grid_image(
    model: AIBlocsModel, width: int = GRID_WIDTH, max_cells: int = MAX_CELLS
) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """Adopter units as an RGB image: one block of rows per country, one cell per unit.

    Returns:
        (image of shape (rows, width, 3) in [0, 1], [(row centre, country name)] for labels).
    """
    st = model.adopters
    stack, tenure, cohort = st.stack.copy(), st.tenure.copy(), st.cohort.copy()
    n = min(len(stack), len(tenure), len(cohort))
    keep = np.arange(n) if n <= max_cells else np.linspace(0, n - 1, max_cells).astype(np.int64)
    stack, tenure, cohort = stack[keep], tenure[keep], cohort[keep]
    code = np.where(stack == 0, 0, 2 * stack.astype(np.int64) - 1 + locked(stack, tenure, model.p))
    order = list(dict.fromkeys(c.country for c in model.cohorts))  # countries in model order
    index = {name: i for i, name in enumerate(order)}
    country = np.array([index[c.country] for c in model.cohorts], np.int64)[cohort]
    rows, labels, top = [], [], 0
    for i, name in enumerate(order):
        sel = code[country == i]
        if len(sel) == 0:
            continue
        h = -(-len(sel) // width)
        block = np.full(h * width, 5, np.int64)
        block[: len(sel)] = sel
        rows.append(block.reshape(h, width))
        labels.append((top + (h - 1) / 2, name))
        rows.append(np.full((1, width), 5, np.int64))
        top += h + 1
    grid = np.vstack(rows) if rows else np.full((1, width), 5, np.int64)
    return PALETTE[grid], labels


def kpis(model: AIBlocsModel) -> dict[str, str]:
    """Headline numbers of the latest quarter as display strings (``"-"`` before any step)."""
    m = model.m
    out = {"quarter": str(m.get("quarter", "not started"))}
    for key, (_, _, fmt) in KPIS.items():
        out[key] = fmt.format(m[key]) if key in m else "-"
    return out
