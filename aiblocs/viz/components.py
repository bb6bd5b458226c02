"""Solara views of a running model: KPI panel, adopter grid and time-series charts.

Each view reads Mesa's ``update_counter`` so it re-renders after every (batch of) steps, and
draws with matplotlib to PNG (SVG is several times slower to encode).
"""

from __future__ import annotations

import solara
from mesa.visualization.utils import update_counter

from aiblocs.viz.figures import SeriesChart, grid_figure
from aiblocs.viz.levers import DashboardModel
from aiblocs.viz.series import KPIS, frame, grid_image, kpis

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


@solara.component
def SeriesView(model: DashboardModel):  # noqa: N802 (Solara components are PascalCase)
    """Time series of the main run, with the comparison run dashed."""
    update_counter.get()
    df = frame(model)
    other = frame(model.twin) if model.twin is not None else None
    name, other_name = _names(model)
    deps = [id(model), len(df), None if other is None else len(other)]
    chart = solara.use_memo(
        lambda: SeriesChart(model.p.start, model.n_steps, name, other_name), [id(model)]
    )
    fig = solara.use_memo(lambda: chart.update(df, other), deps)
    solara.FigureMatplotlib(fig, dependencies=deps, **PNG)
