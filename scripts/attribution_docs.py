"""Refresh the generated parts of docs/attribution.md and docs/levers.md from command outputs.

Usage: python scripts/attribution_docs.py [EXPLAIN_DIR] [LEVERS_DIR] [CALIBRATED_EXPLAIN_DIR]
(defaults: results/explain, results/levers, results/explain_cal; run by `make attribution`).

Each document keeps its hand-written findings; the part between
``<!-- generated: ... -->`` and ``<!-- end generated -->`` is replaced by the command's report,
and the figure and CSV tables are copied into docs/attribution/.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pandas as pd

from aiblocs.viz.tables import markdown_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def splice(doc: Path, marker: str, body: str) -> None:
    """Replace the generated block named ``marker`` in ``doc`` by ``body``."""
    text = doc.read_text()
    pattern = re.compile(rf"(<!-- generated: {re.escape(marker)} -->\n).*?(<!-- end generated -->)",
                         re.S)  # fmt: skip
    new, n = pattern.subn(lambda m: m.group(1) + body.strip() + "\n" + m.group(2), text)
    if n != 1:
        raise SystemExit(f"{doc}: marker '{marker}' not found exactly once")
    doc.write_text(new)


def robustness(default: pd.DataFrame, calibrated: pd.DataFrame) -> str:
    """Contrast and the two largest shares, at the defaults and over the calibrated sample."""
    rows = []
    for name in dict.fromkeys(default["outcome"]):
        row = {"outcome": name}
        for tag, t in (("defaults", default), ("calibrated", calibrated)):
            t = t[t["outcome"] == name].set_index("mechanism")
            row[f"contrast ({tag})"] = f"{t.loc['headline', 'mean']:.3g}"
            top = t.drop(["headline", "remainder"])["share"].abs().nlargest(2).index
            row[f"largest shares ({tag})"] = ", ".join(f"{m} {t.loc[m, 'share']:.2f}" for m in top)
        rows.append(row)
    return markdown_table(pd.DataFrame(rows))


def main(explain: Path, levers: Path, calibrated: Path) -> None:
    out = DOCS / "attribution"
    out.mkdir(exist_ok=True)
    for name in ("attribution.csv", "attribution.png", "attribution.svg"):
        shutil.copy(explain / name, out / name)
    shutil.copy(levers / "levers.csv", out / "levers.csv")
    body = (explain / "explain.md").read_text().split("\n", 1)[1]  # drop the title
    body = body.replace("](attribution.png)", "](attribution/attribution.png)")
    splice(DOCS / "attribution.md", "aiblocs explain", body)
    splice(
        DOCS / "levers.md", "aiblocs levers", (levers / "levers.md").read_text().split("\n", 1)[1]
    )
    if (calibrated / "attribution.csv").exists():
        shutil.copy(calibrated / "attribution.csv", out / "calibrated.csv")
        default, cal = (pd.read_csv(d / "attribution.csv") for d in (explain, calibrated))
        splice(DOCS / "attribution.md", "aiblocs explain --calibrated", robustness(default, cal))
    print(f"updated {DOCS / 'attribution.md'}, {DOCS / 'levers.md'} and {out}")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:3]]
    defaults = [ROOT / "results" / d for d in ("explain", "levers", "explain_cal")]
    main(*(args + defaults[len(args) :]))
