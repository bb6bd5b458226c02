"""One figure style for every figure of the package: palette, panel grids, labels, saving.

compare, calibration, sensitivity, the examples and the dashboard draw with these helpers, so
every figure has the same colour-blind-safe palette (Okabe-Ito), line styles that tell arms
apart without colour, axis labels with units, type sized for print at the figure's own size
(about 7-8 inches wide, 7.5-10 pt), legends outside the data, and the same files: PNG at
:data:`DPI` plus vector SVG and PDF with fonts kept as text.

Figures are built with the object API (``matplotlib.figure.Figure``): no pyplot state, so the
style never changes a user's matplotlib session or backend.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Okabe-Ito colours, distinguishable under the common colour-vision deficiencies (the yellow,
faint on white, comes seventh)."""
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
"""Line styles cycled with the colours, so arms stay apart in greyscale print."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
STACK_COLOURS = {"US": "#0072B2", "CN": "#D55E00", "contested": "#999999"}
EVENT_COLOURS = {
    "breakthrough": "#009E73",
    "crackdown": "#CC79A7",
    "fab_shock": "#E69F00",
    "memory_shock": "#56B4E9",
    "us_rule": "#0072B2",
    "cn_stance": "#D55E00",
    "deal": "#000000",
}
"""Colour of each kind of logged event (``model.events``); other kinds: :func:`event_colour`."""
_OTHER_EVENT_COLOURS = ("#7F7F7F", "#8C564B", "#BCBD22", "#17BECF", "#9467BD", "#F0E442")
FONT = {"tick": 7.5, "label": 8.0, "title": 8.5, "legend": 8.0, "suptitle": 10.0, "note": 7.0}
"""Type sizes in points at the figure's saved size."""
WIDTH = 7.5
"""Default figure width in inches (a two-column page width): print at 100% for the sizes above."""
DPI = 200
FORMATS = (".png", ".svg", ".pdf")
_SAVE_RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "svg.hashsalt": "aiblocs"}
_NO_DATE = {".png": None, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}


def colours(labels: list[str]) -> dict[str, str]:
    """A palette colour per label, in order (cycling after eight)."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def arm_styles(labels: list[str]) -> dict[str, dict[str, Any]]:
    """Per label: ``color``, ``ls`` (line style) and ``marker``, so arms differ in more than hue."""
    return {
        label: {
            "color": PALETTE[i % len(PALETTE)],
            "ls": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)],
        }
        for i, label in enumerate(labels)
    }


def event_colour(kind: str) -> str:
    """The colour of an event kind: fixed for known kinds, a stable pick for any other kind."""
    if kind in EVENT_COLOURS:
        return EVENT_COLOURS[kind]
    return _OTHER_EVENT_COLOURS[sum(map(ord, kind)) % len(_OTHER_EVENT_COLOURS)]


def event_kinds(kinds: Iterable[str]) -> list[str]:
    """Distinct event kinds in legend order: the known kinds first, then the others by name."""
    seen = set(kinds)
    known = [k for k in EVENT_COLOURS if k in seen]
    return known + sorted(seen - set(EVENT_COLOURS))


def wrap(text: str, width: int = 22) -> str:
    """``text`` broken into lines of at most ``width`` characters (tick and legend labels)."""
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def number(v: float, _pos: object = None) -> str:
    """A tick label: large values with a suffix (``15M``, ``2.5k``, ``1.2bn``), never ``1e7``."""
    for threshold, divisor, suffix in ((1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(v) >= threshold:
            return f"{v / divisor:g}{suffix}"
    return f"{v:g}"


def style_axes(ax: Axes, grid: bool = True) -> Axes:
    """Tick sizes, y tick labels without offsets, a light grid behind the data, no top/right."""
    ax.tick_params(labelsize=FONT["tick"])
    ax.yaxis.set_major_formatter(FuncFormatter(number))
    if grid:
        ax.grid(alpha=0.3, lw=0.5)
        ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def figure(width: float = WIDTH, height: float = 3.5) -> Figure:
    """An empty figure of ``width`` x ``height`` inches with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def figure_grid(
    n: int, ncols: int = 3, panel: tuple[float, float] = (2.5, 2.0), **kw: Any
) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels on a grid of ``ncols`` columns; unused cells are hidden.

    Args:
        n: number of panels.
        ncols: panels per row (fewer if ``n`` is smaller).
        panel: size of one panel in inches (width, height).
        **kw: passed to ``Figure.subplots`` (e.g. ``sharex=True``).

    Returns:
        (figure, list of the ``n`` axes in reading order).
    """
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = figure(panel[0] * ncols, panel[1] * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, [style_axes(ax) for ax in flat[:n]]


def label(ax: Axes, title: str = "", xlabel: str = "", ylabel: str = "", wrap_at: int = 28) -> Axes:
    """Panel title (wrapped at ``wrap_at`` characters) and axis labels at the style's sizes."""
    if title:
        ax.set_title(wrap(title, wrap_at), fontsize=FONT["title"])
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=FONT["label"])
    if ylabel:
        ax.set_ylabel(wrap(ylabel, 30), fontsize=FONT["label"])
    return ax


def year_axis(ax: Axes, xlabel: str = "year") -> Axes:
    """Whole years as x ticks (decimal-year data) and an x label."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.set_xlabel(xlabel, fontsize=FONT["label"])
    return ax


def band(ax: Axes, x: Any, lo: Any, hi: Any, color: str, ls: Any = "-", alpha: float = 0.1) -> None:
    """A shaded band with outlined edges in ``color`` and ``ls``: overlapping bands stay apart."""
    ax.fill_between(x, lo, hi, color=color, alpha=alpha, linewidth=0)
    for edge in (lo, hi):
        ax.plot(x, edge, color=color, ls=ls, lw=0.6, alpha=0.8)


def legend_below(fig: Figure, handles: list, labels: list[str], ncol: int | None = None) -> None:
    """One legend for the whole figure, under the panels (outside every axes)."""
    if not handles:
        return
    ncol = ncol or min(4, len(labels))
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False,
               fontsize=FONT["legend"])  # fmt: skip


def legend_right(ax: Axes, **kw: Any) -> None:
    """The axes' legend to the right of its data area."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False,
              fontsize=FONT["legend"], **kw)  # fmt: skip


def title(fig: Figure, text: str, note: str = "") -> None:
    """Figure title, with an optional smaller note (method, interval) on a second line."""
    width = max(30, int(fig.get_figwidth() * 12))  # characters that fit at the title's size
    lines = [wrap(text, width)] + ([wrap(note, width)] if note else [])
    fig.suptitle("\n".join(lines), fontsize=FONT["suptitle"])


def save(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` as PNG (``path``) with vector SVG and PDF beside it; return the PNG path.

    Files carry no creation date and SVG ids are salted with a constant, so the same figure
    gives the same bytes (generated figures under ``docs/`` only change when the data do).
    """
    path = Path(path).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    with mpl.rc_context(_SAVE_RC):
        for suffix in FORMATS:
            fig.savefig(path.with_suffix(suffix), dpi=DPI, metadata=_NO_DATE[suffix],
                        bbox_inches="tight", pad_inches=0.04)  # fmt: skip
    return path
