"""The dashboard page (``solara run aiblocs/viz/app.py``; normally via ``aiblocs viz``).

Built from Mesa's SolaraViz pieces (``ModelController`` for Reset/Play/Step, ``ShowSteps``) with
our own controls, so each control can carry a unit and a tooltip. The model lives in a hook
inside ``Page``, so every browser session (Solara kernel) gets its own model.
"""

from __future__ import annotations

from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController, ShowSteps

from aiblocs.viz.components import EventsView, GridView, KpiPanel, SeriesView
from aiblocs.viz.controls import DEFAULT_PARAMS, LeverControls
from aiblocs.viz.levers import DashboardModel

TITLE = "aiblocs: export controls, AI diffusion and Global South lock-in"


@solara.component
def Page():  # noqa: N802 (Solara components are PascalCase)
    """One session: controls in the sidebar; KPIs, adopter grid, charts and event lists."""
    first = solara.use_memo(lambda: DashboardModel(**DEFAULT_PARAMS), [])
    model = solara.use_reactive(first)
    params = solara.use_reactive(dict(DEFAULT_PARAMS))
    play_interval = solara.use_reactive(150)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    error = solara.use_reactive("")

    def apply(new: dict[str, Any]) -> None:
        try:
            rebuilt = DashboardModel(**new)
        except ValueError as e:
            error.set(str(e))
            return
        error.set("")
        params.set(new)
        model.set(rebuilt)

    solara.Title("aiblocs dashboard")
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=params, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)  # fmt: skip
            with solara.Tooltip("milliseconds between quarters while playing"):
                solara.SliderInt("Play interval (ms)", value=play_interval, min=0, max=1000,
                                 step=50)  # fmt: skip
            with solara.Tooltip("quarters simulated per redraw (raise it if drawing is slow)"):
                solara.SliderInt("Render interval (quarters)", value=render_interval, min=1,
                                 max=16)  # fmt: skip
            ShowSteps(model.value)
        with solara.Card("Scenario (changes restart the run)"):
            LeverControls(params.value, apply)
            if error.value:
                solara.Error(error.value)
    with solara.Column():
        KpiPanel(model.value)
        with solara.Columns([5, 12]):
            GridView(model.value)
            SeriesView(model.value)
        EventsView(model.value)
