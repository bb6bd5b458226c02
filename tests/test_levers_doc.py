"""The lever table in docs/ is current with levers.toml, and every sign holds or is explained."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aiblocs.attribution.levers import load_levers, verdict

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_lever_table_is_current_and_every_sign_holds_or_is_explained():
    table = pd.read_csv(DOCS / "attribution" / "levers.csv")
    levers = {lv.name: lv for lv in load_levers()}
    pairs = {(lv.name, o) for lv in levers.values() for o in lv.expect}
    assert set(zip(table["lever"], table["outcome"], strict=True)) == pairs, (
        "docs/attribution/levers.csv is out of date: run make attribution"
    )
    assert len(levers) >= 15
    for r in table.itertuples():
        assert r.expected == levers[r.lever].expect[r.outcome]
        assert r.holds == verdict(r.expected, r.ci_lo, r.ci_hi)  # the verdict follows the CI
        if r.holds != "holds":
            assert r.outcome in levers[r.lever].note, (
                f"{r.lever} -> {r.outcome} {r.holds}: add the explanation found in the code"
            )
    assert (table["holds"] == "holds").sum() >= len(table) // 2
    text = (DOCS / "levers.md").read_text()
    assert all(f"| {name} |" in text for name in levers)
