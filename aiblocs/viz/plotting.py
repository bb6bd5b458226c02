"""The key series of one run as a figure file (the dashboard's panels, no display needed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aiblocs.viz.figures import series_figure
from aiblocs.viz.style import FONT, save


def plot_run(df: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Draw the dashboard's six panels for one run's frame; save PNG, SVG and PDF; return the PNG.

    ``title`` (e.g. the regime in words and the seed) heads the figure.
    """
    fig = series_figure(df, start=str(df["quarter"].iloc[0]), n_quarters=len(df))
    if title:
        fig.suptitle(title, fontsize=FONT["suptitle"])
    return save(fig, path)
