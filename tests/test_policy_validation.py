"""``aiblocs validate-policy``: policy paths, the steps of the 2022-25 record, the table."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cli_checks import cli_error

from aiblocs import AIBlocsModel
from aiblocs.cli import main
from aiblocs.compare.policy_validation import JOINT, STEPS, path_flags, policy_path

N = 300


def flags(regime: str, **kw) -> dict[str, bool]:
    return path_flags(policy_path(AIBlocsModel(regime, rng=1, n_adopters=N, end="2026Q1", **kw)))


def test_the_historical_script_matches_every_step_and_no_controls_match_none():
    assert flags("historical") == {**{s.name: True for s in STEPS}, JOINT: True}
    none = flags("open")
    assert not any(none.values())
    # managed access loosens in 2025 but China never blocks: (b) without (c)
    managed = flags("managed_access")
    assert managed["tightened"] and managed["loosened_fee"] and not managed["cn_blocks_prev"]
    assert not managed[JOINT]


def test_policy_path_records_both_governments_every_quarter():
    m = AIBlocsModel("adaptive", rng=3, n_adopters=N, end="2025Q3")
    path = policy_path(m)
    quarters = [f"{y}Q{k}" for y in (2022, 2023, 2024, 2025) for k in (1, 2, 3, 4)]
    assert list(path["quarter"]) == quarters[:-1]
    last = path.iloc[-1]
    assert last["us_prev"] == m.us_gov.rules["prev"].status
    assert last["cn_compliant"] == m.cn_gov.stance["compliant"]
    assert last["enforcement"] == m.us_gov.enforcement and last["cn_subsidy"] == m.cn_gov.subsidy


def run_cli(tmp_path, *extra: str) -> int:
    return main(["validate-policy", "--seeds", "3", "--workers", "1", "--n-adopters", str(N),
                 "--end", "2026Q1", "--out", str(tmp_path), "--no-progress", *extra])  # fmt: skip


def test_validation_command_on_a_tiny_ensemble(tmp_path, capsys):
    out = tmp_path / "pv"
    assert run_cli(out) == 0
    table = pd.read_csv(out / "validation.csv")
    assert list(table["step"]) == [*(s.name for s in STEPS), JOINT]
    assert (table["runs"] == 3).all() and table["matched"].between(0, 3).all()
    assert (table["share"] == table["matched"] / 3).all()
    assert ((table["lo"] <= table["share"]) & (table["share"] <= table["hi"])).all()
    assert table.set_index("step").loc[JOINT, "matched"] <= table["matched"][:3].min()
    assert len(pd.read_csv(out / "first_quarters.csv")) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "policy-validation" and manifest["complete"]
    assert (
        "(a) US: frontier tier banned or licensed at 2023Q4" in (out / "validation.md").read_text()
    )
    capsys.readouterr()
    assert run_cli(out) == 0  # resumed: nothing to run, the same table
    assert pd.read_csv(out / "validation.csv").equals(table)
    # the scripted historical path matches all three steps on every seed
    hist = tmp_path / "hist"
    assert run_cli(hist, "--regime", "historical") == 0
    assert pd.read_csv(hist / "validation.csv").set_index("step").loc[JOINT, "share"] == 1.0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--end", "2025Q4"], "end = 2025Q4 is before 2026Q1"),
        (["--seeds", "0"], "--seeds must be a whole number"),
        (["--set", "end=2027Q1"], "end is given by both --end and --set"),
        (["--regime", "nowhere"], "unknown regime 'nowhere'"),
        (["--set", "us_term_sd=9"], "us_term_sd"),
    ],
)
def test_bad_validation_inputs_fail_with_one_line(tmp_path, capsys, extra, message):
    argv = ["validate-policy", "--seeds", "2", "--workers", "1", "--out", str(tmp_path / "x"),
            *extra]  # fmt: skip
    assert message in cli_error(argv, capsys)
    assert not (tmp_path / "x").exists()
