"""One figure style for every figure of the package: palette, panel grids, saving.

compare, calibration, sensitivity, the examples and the dashboard draw with these helpers, so
figures share a colour-blind-safe palette (Okabe-Ito), readable type and the same file formats.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
"""Okabe-Ito colours, distinguishable under the common colour-vision deficiencies."""
STACK_COLOURS = {"US": "#0072B2", "CN": "#D55E00", "contested": "#7F7F7F"}
DPI = 200
FORMATS = (".png", ".svg")


def colours(labels: list[str]) -> dict[str, str]:
    """A palette colour per label, in order (cycling after eight)."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def figure_grid(
    n: int, ncols: int = 3, panel: tuple[float, float] = (3.6, 2.8)
) -> tuple[Figure, list]:
    """A figure with ``n`` panels on a grid of ``ncols`` columns; unused cells are hidden.

    Returns:
        (figure, list of the ``n`` axes in reading order).
    """
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False
    )
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    for ax in flat[:n]:
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    return fig, flat[:n]


def save(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` as PNG and as SVG beside it (``path`` names the PNG); close it."""
    path = Path(path)
    for suffix in FORMATS:
        fig.savefig(path.with_suffix(suffix), dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path
