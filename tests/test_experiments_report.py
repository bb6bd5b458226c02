"""Experiments: report files, the ``aiblocs compare`` CLI and the example scripts (tiny sizes)."""

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from aiblocs.cli import main
from aiblocs.model.outcomes import HEADLINE

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_compare_cli_writes_report_and_resumes(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = [
        "compare",
        "--regimes",
        "containment",
        "managed_access",
        "open",
        "--seeds",
        "3",
        "--n-adopters",
        "500",
        "--workers",
        "1",
        "--out",
        str(out),
        "--bootstrap",
        "200",
        "--no-progress",
        "--set",
        "edwc_optimism=1.5",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "gs_share_cn_stack_2035" in text and "P(cn)" in text and "warning: only 3 seed" in text
    for name in (
        "report.md",
        "summary.csv",
        "paired_effects.csv",
        "lockin.csv",
        "outcomes.csv",
        "fan_charts.png",
        "lockin.png",
        "forest.png",
        "manifest.json",
        "country_lockin.csv",
        "country_shares.csv",
        "country_effects.csv",
        "country_outcomes.csv",
        "country_lockin.png",
        "crn_gain.csv",
        "event_diffs.csv",
    ):
        assert (out / name).stat().st_size > 0, name
    report = (out / "report.md").read_text()
    assert "paired t" in report and "Wilson" in report and "Warning" in report
    for heading in (
        "## Lock-in country by country",
        "## Events that differ",
        "## Where the spread comes from",
        "## What common random numbers gain",
    ):
        assert heading in report, heading  # fmt: skip
    assert "all of the spread over seeds comes from the seeds" in report
    assert len(pd.read_csv(out / "country_lockin.csv")) == 3 * 8  # arms x GS countries
    assert set(pd.read_csv(out / "crn_gain.csv").arm_label) == {"managed_access", "open"}
    eff = pd.read_csv(out / "paired_effects.csv")
    assert set(eff.arm_label) == {"managed_access", "open"} and "boot_lo" in eff
    assert len(pd.read_csv(out / "lockin.csv")) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["spec"]["overrides"] == {"edwc_optimism": 1.5, "n_adopters": 500}
    assert len(manifest["seeds"]) == 3
    assert manifest["param_defaults"]["n_adopters"] == 20_000
    parts = sorted((out / "parts").iterdir())
    assert main(argv) == 0  # resume: nothing new
    assert sorted((out / "parts").iterdir()) == parts
    argv[argv.index("--seeds") + 1] = "4"
    assert main(argv) == 2  # a different spec into the same folder is refused
    assert "different experiment" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, msg",
    [
        (["--regimes", "nope"], "unknown regime"),
        (["--seeds", "0"], "seeds must be a whole number"),
        (["--workers", "0"], "workers"),
        (["--reference", "open"], "reference regime"),
        (["--set", "bass_q"], "name=value"),
        (["--scheduler", "tcp://x:1", "--dask-local", "2"], "not both"),
        (["--draws", "2"], "--draws needs --calibrated"),
        (["--calibrated", "--draws", "0"], "--draws must be a whole number in [1, 200]"),
    ],
)
def test_compare_cli_bad_input(tmp_path, capsys, args, msg):
    argv = [
        "compare",
        "--regimes",
        "containment",
        "--seeds",
        "2",
        "--n-adopters",
        "500",
        "--out",
        str(tmp_path / "x"),
        *args,
    ]
    if args[0] == "--regimes":
        argv = ["compare", "--seeds", "2", "--out", str(tmp_path / "x"), *args]
    assert main(argv) == 2
    assert msg in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", ["compare_regimes", "edwc_glut", "export_stack_lockin"])
def test_examples_run_tiny(tmp_path, capsys, name):
    rep = _load(name).main(out=tmp_path / name, seeds=2, n_adopters=500, workers=1, progress=False)
    assert (tmp_path / name / "report.md").exists() and len(rep.lockin) >= 2
    printed = capsys.readouterr().out
    assert "[95% CI]" in printed  # every printed effect comes with its interval
    assert "Containment" in printed or "Managed access" in printed  # arms in words
    if name == "edwc_glut":
        assert all((tmp_path / name / f"edwc_glut{s}").exists() for s in (".png", ".svg", ".pdf"))


@pytest.mark.parametrize("horizon", ["end=2030Q4", "start=2030Q1"])
def test_compare_with_another_horizon_reports(tmp_path, capsys, horizon):
    """The horizon comes from the data: outcomes the runs do not reach are left out."""
    out = tmp_path / "h"
    argv = [
        "compare",
        "--regimes",
        "containment",
        "open",
        "--seeds",
        "2",
        "--n-adopters",
        "200",
        "--workers",
        "1",
        "--no-progress",
        "--no-figures",
        "--set",
        horizon,
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    report = (out / "report.md").read_text()
    last = "2030Q4" if horizon.startswith("end") else "2035Q4"
    assert f"lock-in at the horizon ({last})" in report
    summary = pd.read_csv(out / "summary.csv")
    reached = summary[summary["n"] > 0]["outcome"]
    if horizon.startswith("end"):
        assert "gs_share_cn_stack_2035" not in set(reached) and "adoption_gs_2030" in set(reached)
    else:
        assert "adoption_gs_2027" not in set(reached) and "gs_share_cn_stack_2035" in set(reached)


def test_compare_nested_design_reports_the_variance_split(tmp_path, capsys):
    """--calibrated --draws K: K vectors x the same seeds; the report splits the variance."""
    out = tmp_path / "nested"
    argv = ["compare", "--regimes", "containment", "managed_access", "--seeds", "2",
            "--calibrated", "--draws", "2", "--n-adopters", "300", "--workers", "1",
            "--no-progress", "--no-figures", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "2 parameter vectors x 2 seeds" in capsys.readouterr().out
    report = (out / "report.md").read_text()
    assert "nested design: 2 calibrated parameter vectors" in report
    assert "two-way crossed random-effects ANOVA" in report
    table = pd.read_csv(out / "variance.csv")
    assert len(table) == 2 * len(HEADLINE) and set(table.draws) == {2} and set(table.seeds) == {2}
    ok = table.dropna(subset=["param_share"])
    assert len(ok) and ((ok.param_share >= 0) & (ok.param_share <= 1)).all()
    parts = ok[["param", "seed", "interaction"]].sum(axis=1)
    assert (abs(parts - ok.total) <= 1e-9 * ok.total.abs().clip(lower=1)).all()
    outcomes = pd.read_csv(out / "outcomes.csv")
    assert sorted(outcomes.seed_index.unique()) == [0, 1, 2, 3]
    assert outcomes.groupby("seed_index").seed.first().tolist()[:2] == (
        outcomes.groupby("seed_index").seed.first().tolist()[2:])  # fmt: skip
