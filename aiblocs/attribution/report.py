"""Tables and figures of attributions (``aiblocs explain``) and of lever checks (``levers``)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from aiblocs.model.mechanisms import MECHANISMS
from aiblocs.model.outcomes import OUTCOMES
from aiblocs.viz import style
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
    """Share of each outcome's contrast that each mechanism explains (bars, 95% bootstrap CI).

    Drawn in the package's figure style: mechanisms are rows named in the first column of
    panels, the remainder (1 - sum of shares) in black; PNG, SVG and PDF.
    """
    outcomes = list(dict.fromkeys(table["outcome"]))
    mechs = [m for m in dict.fromkeys(table["mechanism"]) if m != "headline"]
    ncols = min(3, len(outcomes))
    fig, axes = style.figure_grid(len(outcomes), ncols=ncols,
                                  panel=(max(2.5, 6.0 / ncols), 0.2 * len(mechs) + 1.7),
                                  sharey=True)  # fmt: skip
    y = np.arange(len(mechs))
    for k, (ax, name) in enumerate(zip(axes, outcomes, strict=True)):
        t = table[table["outcome"] == name].set_index("mechanism").reindex(mechs)
        share = t["share"].to_numpy(float)
        err = np.vstack(
            [share - t["share_lo"].to_numpy(float), t["share_hi"].to_numpy(float) - share]
        )
        colour = ["#000000" if m == "remainder" else style.PALETTE[0] for m in mechs]
        ax.barh(y, np.nan_to_num(share), xerr=np.clip(np.nan_to_num(err), 0, None), height=0.7,
                color=colour, capsize=1.5, error_kw={"lw": 0.7})  # fmt: skip
        ax.set_yticks(y, [m.replace("_", " ") for m in mechs])
        ax.tick_params(axis="y", labelleft=k % ncols == 0)
        ax.set_ylim(len(mechs) - 0.5, -0.5)  # first mechanism on top
        ax.axvline(0, color="k", lw=0.7)
        ax.axvline(1, color="k", lw=0.5, ls=":")
        head = table[(table["outcome"] == name) & (table["mechanism"] == "headline")].iloc[0]
        out = OUTCOMES[name]
        unit = "probability" if out.kind == "probability" else out.unit
        style.label(ax, f"{out.label}; contrast {_num(head['mean'])} ({unit})",
                    xlabel="share of the contrast explained")  # fmt: skip
    style.title(fig, "What each contrast rests on: mechanisms switched off one at a time",
                "bars: share of the contrast the mechanism explains; whiskers: 95% bootstrap CI; "
                "black: remainder (1 - sum of shares); dotted: the whole contrast")  # fmt: skip
    return style.save(fig, path)


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
