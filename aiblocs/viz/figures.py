"""Matplotlib figure builders for the dashboard (object API, no pyplot state, thread-safe).

Each builder takes the quarterly frame of the main run and, optionally, of a comparison run
(drawn dashed) and returns a :class:`matplotlib.figure.Figure`. The time series carry the runs'
logged events and decisions as markers along the top of every panel, coloured by kind (filled
for the main run, hollow for the comparison run). They use the package's one style
(:mod:`aiblocs.viz.style`: palette, type sizes, units on the axes, legends outside the data) but
fixed margins, because constrained layout costs more than the dashboard's redraw budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from aiblocs.model.calendar import year_ticks
from aiblocs.model.outcomes import SERIES
from aiblocs.viz import style
from aiblocs.viz.series import LEGEND, PALETTE

# panel title and the series drawn in it (labels and units from the outcome registry)
PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Adoption by region", ("adoption_us", "adoption_cn", "adoption_gs")),
    ("Global South stacks and lock-in", ("gs_share_us_stack", "gs_share_cn_stack",
                                         "gs_locked_in_us", "gs_locked_in_cn")),
    ("Global South: value of AI, rents paid abroad", ("gs_value_added", "gs_rents_us",
                                                         "gs_rents_cn", "gs_net_gain")),
    ("China's lag behind the US frontier", ("cn_lag_months",)),
    ("China's chips and data centres", ("cn_domestic_chip_share", "cn_domestic_compute_share",
                                        "cn_dc_utilisation")),
    ("US chip revenue from China", ("us_chip_revenue_cn",)),
)  # fmt: skip
PANEL_UNITS = (
    "share of the region's adopter units",
    "share of adopted GS units",
    "USD bn per quarter",
    "months",
    "share (of chips delivered; of installed compute; of hub compute)",
    "USD bn per quarter",
)
"""The y-axis unit of each panel of :data:`PANELS`."""
EVENT_ROWS = (0.96, 0.89)
"""Height of the event markers of the main and the comparison run (share of a panel's height)."""


class SeriesChart:
    """Six time-series panels kept alive between renders; :meth:`update` only moves the lines.

    Re-using the figure skips rebuilding axes and ticks, which is about half of the redraw time.
    """

    def __init__(self, start: str, n_quarters: int, name: str = "", other_name: str = "") -> None:
        """Build empty panels for ``n_quarters`` quarters from quarter label ``start``.

        ``name`` and ``other_name`` (the regimes in words) tag the lines when a comparison run
        is drawn; each panel's legend, titled with the panel's subject, sits above its data.
        """
        ticks = year_ticks(start, n_quarters, every=2 if n_quarters > 16 else 1)
        self.fig = Figure(figsize=(12, 8))  # fixed margins: constrained layout is slow
        self.fig.subplots_adjust(left=0.06, right=0.99, top=0.82, bottom=0.06, wspace=0.3,
                                 hspace=0.55)  # fmt: skip
        self.axes = list(self.fig.subplots(2, 3, sharex=True).flat)
        self.lines: list[tuple[str, bool, Line2D]] = []  # (reporter, is comparison run, line)
        self.marks: list[tuple[bool, PathCollection]] = []  # (is comparison run, event markers)
        self.event_legend: Legend | None = None
        self.event_kinds: list[str] = []
        self.names = (name, other_name)
        for ax, (title, cols), unit in zip(self.axes, PANELS, PANEL_UNITS, strict=True):
            style.style_axes(ax)
            for col, colour in zip(cols, style.PALETTE, strict=False):
                (line,) = ax.plot([], [], color=colour, lw=1.8, label=SERIES[col].label)
                self.lines.append((col, False, line))
                if other_name:
                    (line,) = ax.plot([], [], color=colour, lw=1.5, ls="--")
                    self.lines.append((col, True, line))
            for is_other in (False, True) if other_name else (False,):
                marks = ax.scatter([], [], marker="v", s=26, linewidths=1.0, zorder=5,
                                   clip_on=False, transform=ax.get_xaxis_transform())  # fmt: skip
                self.marks.append((is_other, marks))
            ax.set_ylabel(style.wrap(unit, 28), fontsize=style.FONT["label"])
            ax.set_xlim(0, max(n_quarters - 1, 1))
            ax.set_xticks([i for i, _ in ticks], [y for _, y in ticks])
            ax.legend(title=title, loc="lower left", bbox_to_anchor=(0.0, 1.01),
                      borderaxespad=0.0, frameon=False, fontsize=style.FONT["note"],
                      title_fontproperties={"size": style.FONT["title"], "weight": "bold"},
                      alignment="left", handlelength=1.5)  # fmt: skip
        for ax in self.axes[3:]:
            ax.set_xlabel("year", fontsize=style.FONT["label"])
        if other_name:  # one key for the two runs, above the panels
            key = [Line2D([], [], color="k", lw=1.8), Line2D([], [], color="k", lw=1.5, ls="--")]
            self.fig.legend(key, [f"{name} (solid)", f"{other_name} (dashed)"],
                            loc="upper center", ncol=2, frameon=False,
                            fontsize=style.FONT["legend"])  # fmt: skip

    def update(
        self,
        df: pd.DataFrame,
        other: pd.DataFrame | None = None,
        events: tuple[Sequence[float], Sequence[str]] | None = None,
        other_events: tuple[Sequence[float], Sequence[str]] | None = None,
    ) -> Figure:
        """Show the series of ``df`` (and ``other``, dashed) and the runs' events; return it.

        ``events`` and ``other_events`` are (x positions in quarters from the start, kinds).
        """
        for col, is_other, line in self.lines:
            data = other if is_other else df
            if data is not None and col in data:
                line.set_data(np.arange(len(data)), data[col].to_numpy(float))
        for ax in self.axes:
            ax.relim()
            ax.autoscale_view(scalex=False)
        runs = {False: events or ((), ()), True: other_events or ((), ())}
        for is_other, marks in self.marks:
            x, kinds = runs[is_other]
            xy = np.column_stack([np.asarray(x, float), np.full(len(x), EVENT_ROWS[is_other])])
            marks.set_offsets(xy.reshape(-1, 2))
            colours = [style.event_colour(k) for k in kinds]
            marks.set_edgecolors(colours)
            marks.set_facecolors("none" if is_other else colours)
        self._event_legend([*runs[False][1], *runs[True][1]])
        return self.fig

    def _event_legend(self, kinds: list[str]) -> None:
        """One key of the event kinds shown so far, at the top right (rebuilt when they change)."""
        kinds = style.event_kinds(kinds)
        if kinds == self.event_kinds:
            return
        if self.event_legend is not None:
            self.event_legend.remove()
        self.event_kinds = kinds
        self.event_legend = None
        if not kinds:
            return
        handles = [Line2D([], [], ls="", marker="v", color=style.event_colour(k)) for k in kinds]
        name, other = self.names
        title = "events" + (f" (filled: {name}; hollow: {other})" if other else "")
        self.event_legend = self.fig.legend(
            handles, kinds, loc="upper right", ncol=min(4, len(kinds)), frameon=False,
            fontsize=style.FONT["note"], title=title, title_fontsize=style.FONT["note"],
            handletextpad=0.2, columnspacing=0.8)  # fmt: skip


def series_figure(
    df: pd.DataFrame,
    other: pd.DataFrame | None = None,
    name: str = "",
    other_name: str = "",
    start: str = "2022Q1",
    n_quarters: int = 56,
    events: tuple[Sequence[float], Sequence[str]] | None = None,
    other_events: tuple[Sequence[float], Sequence[str]] | None = None,
) -> Figure:
    """Six time-series panels; ``other`` (a comparison run) is overlaid with dashed lines.

    ``events`` and ``other_events`` (x positions, kinds) mark the runs' events on every panel.
    """
    chart = SeriesChart(start, n_quarters, name, other_name if other is not None else "")
    return chart.update(df, other, events, other_events)


def grid_figure(image: np.ndarray, labels: list[tuple[float, str]], title: str = "") -> Figure:
    """The adopter grid image with country labels and a colour legend."""
    fig = Figure(figsize=(5.5, 6.5))
    fig.subplots_adjust(left=0.17, right=0.98, top=0.95, bottom=0.13)
    ax = fig.subplots()
    ax.imshow(image, aspect="auto", interpolation="nearest")
    ax.set_yticks([y for y, _ in labels], [n for _, n in labels], fontsize=style.FONT["tick"])
    ax.set_xticks([])
    ax.set_xlabel("adopter units (one cell each, rows by country)", fontsize=style.FONT["label"])
    ax.set_title(title, fontsize=style.FONT["title"])
    handles = [Patch(color=PALETTE[i], label=lab) for i, lab in enumerate(LEGEND)]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=style.FONT["legend"],
               frameon=False)  # fmt: skip
    return fig
