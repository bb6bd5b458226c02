"""Sidebar controls: regime, seed, size, comparison and the levers, each with unit and tooltip.

Every change calls ``on_change(new_params)``; the page rebuilds the session's model from them
(the run restarts at the first quarter). Regime levers show the preset's value until touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from aiblocs.model.regimes import get_regime, preset_names
from aiblocs.viz.levers import (
    DEFAULT_ADOPTERS,
    LEVERS,
    NO_COMPARE,
    PARAM_LEVERS,
    STANCE_CHOICES,
    STANCE_LEVER,
    preset_value,
)

DEFAULT_PARAMS: dict[str, Any] = {
    "regime": "historical",
    "seed": 0,
    "n_adopters": DEFAULT_ADOPTERS,
    "compare": NO_COMPARE,
}
ADOPTERS_RANGE = (200, 100_000, 200)  # min, max, step (units)


@solara.component
def Tip(text: str, children: list | None = None):  # noqa: N802 (Solara components are PascalCase)
    """Wrap children in a hover tooltip (a Column, since not every widget takes one)."""
    with solara.Tooltip(text):
        solara.Column(gap="0px", children=children or [])


@solara.component
def LeverControls(params: dict[str, Any], on_change: Callable[[dict[str, Any]], None]):  # noqa: N802 (Solara components are PascalCase)
    """Inputs for every model setting; ``params`` holds the current values."""
    base = solara.use_memo(lambda: get_regime(params["regime"]), [params["regime"]])

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: on_change({**params, name: value})

    presets = preset_names()
    with Tip("export-control regime preset (see `aiblocs regimes`); changing it restarts"):
        solara.Select("Regime", value=params["regime"], values=presets, on_value=setter("regime"))
    with Tip("second regime run in lockstep on the same seed and levers; drawn dashed"):
        solara.Select("Compare with", value=params["compare"], values=[NO_COMPARE, *presets],
                      on_value=setter("compare"))  # fmt: skip
    with Tip("seed of the model's random streams (same seed -> identical run)"):
        solara.InputInt("Seed", value=params["seed"], on_value=setter("seed"))
    lo, hi, step = ADOPTERS_RANGE
    with Tip("number of adopter units (firms/agencies) drawn on the grid"):
        solara.Text(f"Adopters: {params['n_adopters']} units", style={"font-size": "0.85em"})
        solara.SliderInt("", value=params["n_adopters"], min=lo, max=hi, step=step,
                         on_value=setter("n_adopters"))  # fmt: skip
    for name, lv in LEVERS.items():
        value = params.get(name)
        shown = preset_value(base, name) if value is None else value
        origin = "" if name in PARAM_LEVERS or value is not None else " (preset)"
        with Tip(f"{lv.doc} [{lv.unit}, {lv.lo:g}-{lv.hi:g}]"):
            solara.Text(f"{lv.label}: {shown:g} {lv.unit}{origin}", style={"font-size": "0.85em"})
            solara.SliderFloat("", value=shown, min=lv.lo, max=lv.hi, step=lv.step,
                               on_value=setter(name))  # fmt: skip
    with Tip(STANCE_LEVER.doc):
        solara.Select(STANCE_LEVER.label, value=params.get("cn_prev_stance") or "preset",
                      values=list(STANCE_CHOICES), on_value=setter("cn_prev_stance"))  # fmt: skip

    def clear() -> None:
        on_change({k: params[k] for k in DEFAULT_PARAMS})

    solara.Button("Back to preset levers", on_click=clear, text=True, color="primary")
