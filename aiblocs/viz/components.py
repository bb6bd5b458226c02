"""Solara views of a running model: KPI panel, adopter grid, time-series charts and event lists.

Each view reads Mesa's ``update_counter`` so it re-renders after every (batch of) steps, and
draws with matplotlib to PNG (SVG is several times slower to encode).
"""

from __future__ import annotations

import solara
from mesa.visualization.utils import update_counter

from aiblocs.model.events import Event
from aiblocs.model.model import AIBlocsModel
from aiblocs.viz.figures import SeriesChart, grid_figure
from aiblocs.viz.levers import DashboardModel
from aiblocs.viz.series import (
    KPIS,
    event_line,
    event_positions,
    frame,
    grid_image,
    kpis,
    run_events,
)
from aiblocs.viz.style import event_colour

PNG = {"format": "png", "dpi": 72}


def _names(model: DashboardModel) -> tuple[str, str]:
    """The run's regime and the comparison run's (if any) in words (their ``label``)."""
    twin = model.twin.regime.title if model.twin is not None else ""
    return model.regime.title, twin


@solara.component
def KpiPanel(model: DashboardModel):  # noqa: N802 (Solara components are PascalCase)
    """Current quarter and headline numbers (comparison run in brackets)."""
    update_counter.get()
    now = kpis(model)
    twin = kpis(model.twin) if model.twin is not None else None
    name, other = _names(model)
    subtitle = f"regime {name}" + (f" vs {other} (in brackets)" if twin else "")
    card = solara.Card(f"Quarter: {now['quarter']}", subtitle=subtitle)
    with card, solara.Row(style={"flex-wrap": "wrap", "gap": "18px"}):
        for key, (label, unit, _) in KPIS.items():
            extra = f" ({twin[key]})" if twin else ""
            with solara.Column(gap="0px", style={"min-width": "150px"}):
                solara.Text(label, style={"font-size": "0.8em", "color": "#555"})
                solara.Text(f"{now[key]}{extra}", classes=[f"kpi-{key}"],
                            style={"font-size": "1.3em", "font-weight": "bold"})  # fmt: skip
                solara.Text(unit, style={"font-size": "0.7em", "color": "#777"})


@solara.component
def GridView(model: DashboardModel):  # noqa: N802 (Solara components are PascalCase)
    """Adopter units by country, coloured by stack, darker when locked in."""
    update_counter.get()
    deps = [id(model), model.q]

    def build():
        image, labels = grid_image(model)
        return grid_figure(image, labels, f"Adopters, {kpis(model)['quarter']}")

    fig = solara.use_memo(build, deps)
    solara.FigureMatplotlib(fig, dependencies=deps, **PNG)


def _marks(model: AIBlocsModel | None) -> tuple[list[float], list[str]] | None:
    """A run's events as chart markers: (x positions, kinds); None without a run."""
    if model is None:
        return None
    events = run_events(model)
    return list(event_positions(model, events)), [e.kind for e in events]


@solara.component
def SeriesView(model: DashboardModel):  # noqa: N802 (Solara components are PascalCase)
    """Time series of the main run, with the comparison run dashed, and both runs' events."""
    update_counter.get()
    df = frame(model)
    other = frame(model.twin) if model.twin is not None else None
    marks, other_marks = _marks(model), _marks(model.twin)
    name, other_name = _names(model)
    deps = [id(model), len(df), None if other is None else len(other), len(marks[0]),
            None if other_marks is None else len(other_marks[0])]  # fmt: skip
    chart = solara.use_memo(
        lambda: SeriesChart(model.p.start, model.n_steps, name, other_name), [id(model)]
    )
    fig = solara.use_memo(lambda: chart.update(df, other, marks, other_marks), deps)
    solara.FigureMatplotlib(fig, dependencies=deps, **PNG)


@solara.component
def EventList(events: list[Event], title: str, pane: str):  # noqa: N802 (Solara components are PascalCase)
    """One run's events and decisions, newest first, each with its kind's colour."""
    scroll = {"max-height": "220px", "overflow-y": "auto"}
    # one with-statement enters the card before it builds the column, so the rows sit inside it
    with (
        solara.Card(title, subtitle=f"{len(events)} so far", classes=[f"events-{pane}"]),
        solara.Column(gap="2px", style=scroll),
    ):
        if not events:
            solara.Text("no events yet", style={"font-size": "0.8em", "color": "#777"})
        for e in reversed(events):
            style = {"font-size": "0.8em", "color": event_colour(e.kind)}
            solara.Text(f"\u25bc {event_line(e)}", classes=["event-row", f"event-{e.kind}"],
                        style=style)  # fmt: skip


@solara.component
def EventsView(model: DashboardModel):  # noqa: N802 (Solara components are PascalCase)
    """The runs' event logs side by side: the main run, and the comparison run if any.

    The lists are passed as values, so a pane re-renders exactly when its run logs an event.
    """
    update_counter.get()
    name, other_name = _names(model)
    if model.twin is None:
        EventList(run_events(model), f"Events: {name}", "main")
        return
    with solara.Columns([1, 1]):
        EventList(run_events(model), f"Events: {name}", "main")
        EventList(run_events(model.twin), f"Events: {other_name}", "twin")
