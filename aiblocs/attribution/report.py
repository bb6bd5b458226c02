"""Tables and figures of attributions (``aiblocs explain``) and of lever checks (``levers``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.model.mechanisms import MECHANISMS
from aiblocs.model.outcomes import OUTCOMES
from aiblocs.viz.style import PALETTE, figure_grid, save
from aiblocs.viz.tables import markdown_table


def _num(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}g}"


def _ci(m: float, lo: float, hi: float) -> str:
    if not math.isfinite(m):
        return "n/a"
    return _num(m) if not math.isfinite(lo) else f"{_num(m)} [{_num(lo)}, {_num(hi)}]"


def attribution_markdown(table: pd.DataFrame, outcome: str) -> str:
    """One outcome's attribution as a Markdown table (shares sorted by size)."""
    t = table[table["outcome"] == outcome]
    head = t[t["mechanism"] == "headline"].iloc[0]
    rest = t[~t["mechanism"].isin(["headline", "remainder"])]
    rest = rest.reindex(rest["share"].abs().sort_values(ascending=False).index)
    rows = [
        {
            "mechanism": "**headline contrast**",
            "contrast [95% CI]": _ci(head["mean"], head["ci_lo"], head["ci_hi"]),
            "explained [95% CI]": "",
            "share [95% CI]": "1",
        }
    ]
    for r in rest.itertuples():
        if r.explained == 0 and r.explained_lo == 0 and r.explained_hi == 0:
            rows.append(
                {
                    "mechanism": f"{r.mechanism} off",
                    "contrast [95% CI]": "unchanged",
                    "explained [95% CI]": "0 (idle: identical runs)",
                    "share [95% CI]": "0",
                }
            )
            continue
        rows.append(
            {
                "mechanism": f"{r.mechanism} off",
                "contrast [95% CI]": _ci(r.mean, r.ci_lo, r.ci_hi),
                "explained [95% CI]": _ci(r.explained, r.explained_lo, r.explained_hi),
                "share [95% CI]": _ci(r.share, r.share_lo, r.share_hi),
            }
        )
    rem = t[t["mechanism"] == "remainder"].iloc[0]
    rows.append(
        {
            "mechanism": "remainder (1 - sum of shares)",
            "contrast [95% CI]": "",
            "explained [95% CI]": "",
            "share [95% CI]": _ci(rem["share"], rem["share_lo"], rem["share_hi"]),
        }
    )
    return markdown_table(pd.DataFrame(rows))


def attribution_figure(table: pd.DataFrame, path: Path) -> Path:
    """Share of each outcome's contrast that each mechanism explains (bars, 95% bootstrap CI)."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    n_mech = table["mechanism"].nunique() - 2
    fig, axes = figure_grid(
        len(outcomes), ncols=min(3, len(outcomes)), panel=(4.6, 0.32 * n_mech + 1.6)
    )
    for ax, name in zip(axes, outcomes, strict=True):
        t = table[(table["outcome"] == name) & (table["mechanism"] != "headline")]
        t = t.iloc[::-1]
        y = np.arange(len(t))
        share = t["share"].to_numpy(float)
        err = np.vstack(
            [share - t["share_lo"].to_numpy(float), t["share_hi"].to_numpy(float) - share]
        )
        colour = [PALETTE[7] if m == "remainder" else PALETTE[0] for m in t["mechanism"]]
        ax.barh(
            y,
            np.nan_to_num(share),
            xerr=np.clip(np.nan_to_num(err), 0, None),
            color=colour,
            capsize=2,
        )
        ax.set_yticks(y, [m.replace("_", " ") for m in t["mechanism"]], fontsize=7)
        ax.axvline(0, color="k", lw=0.8)
        ax.axvline(1, color="k", lw=0.5, ls=":")
        head = table[(table["outcome"] == name) & (table["mechanism"] == "headline")].iloc[0]
        ax.set_title(
            f"{OUTCOMES[name].label}\ncontrast {_num(head['mean'])} ({OUTCOMES[name].unit})",
            fontsize=8,
        )
        ax.set_xlabel("share of the contrast explained (switch off)", fontsize=8)
    fig.tight_layout()
    return save(fig, path)


def levers_markdown(table: pd.DataFrame) -> str:
    """The lever table: expected sign, measured paired effect with CI, whether it holds."""
    rows = []
    for r in table.itertuples():
        rows.append(
            {
                "lever": r.lever,
                "change": r.change,
                "regime": r.regime,
                "outcome": r.outcome,
                "expected": r.expected,
                "effect [95% CI]": _ci(r.mean, r.ci_lo, r.ci_hi),
                "holds": r.holds,
                "why expected / what the code shows": r.note,
            }
        )
    return markdown_table(pd.DataFrame(rows))


def mechanism_list() -> str:
    """Markdown bullet list of the switches: name, what it is, what off means."""
    return "\n".join(f"- `{m.name}`: {m.label}; off: {m.off}." for m in MECHANISMS.values())
