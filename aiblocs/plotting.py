"""Plots of one run's key series (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

PANELS = (
    ("Adoption by region", {"adoption_us": "US", "adoption_cn": "China", "adoption_gs": "GS"}),
    ("Global South stacks", {"gs_share_us_stack": "US stack", "gs_share_cn_stack": "CN stack",
                             "gs_locked_in_us": "locked in US", "gs_locked_in_cn": "locked in CN"}),
    ("Capability lag of China (months)", {"cn_lag_months": "lag"}),
    ("China's chips", {"cn_domestic_chip_share": "domestic share",
                       "us_chip_revenue_cn_share": "China share of US chip revenue"}),
    ("EDWC hub utilisation", {"cn_dc_utilisation": "utilisation"}),
    ("Capability index", {"capability_us": "US", "capability_cn": "China"}),
)  # fmt: skip


def plot_run(df: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Draw the key series of one run on a 2x3 grid and save a PNG; return its path."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), sharex=True)
    x = range(len(df))
    ticks = [i for i, q in enumerate(df["quarter"]) if q.endswith("Q1") and int(q[:4]) % 2 == 0]
    for ax, (name, cols) in zip(axes.flat, PANELS, strict=True):
        for col, label in cols.items():
            ax.plot(x, df[col], label=label, lw=1.8, ls="--" if "locked" in col else "-")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.set_xticks(ticks, [df["quarter"].iloc[i][:4] for i in ticks])
        if len(cols) > 1:
            ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
