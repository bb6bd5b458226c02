"""``aiblocs compare --spec``: TOML spec files, a results folder's manifest, the shipped examples.

A spec file describes the same experiment as the options it replaces (the same folder resumes
under either); a results folder's manifest re-runs as is, to identical results; every spec in
examples/experiments/ loads, names known outcomes and runs (shrunk to a smoke-test size).
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from aiblocs.cli import main
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_results, run_experiment
from aiblocs.ensemble.specfile import load_spec_file
from aiblocs.model.outcomes import OUTCOMES

EXAMPLES = sorted((Path(__file__).parents[1] / "examples" / "experiments").glob("*.toml"))
QUIET = ["--no-progress", "--no-figures", "--workers", "1"]


def test_the_headline_experiments_are_shipped_as_specs():
    assert {p.stem for p in EXAMPLES} >= {"regimes", "edwc_optimism", "export_stack"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_spec_loads_and_runs_shrunk(tmp_path, path):
    loaded = load_spec_file(path)
    assert loaded.description and set(loaded.outcomes) <= set(OUTCOMES)
    data = loaded.spec.to_dict()
    assert data["overrides"]["n_adopters"] >= 5000 and data["n_seeds"] >= 10
    small = ExperimentSpec.from_dict(
        {**data, "n_seeds": 2, "overrides": {**data["overrides"], "n_adopters": 100}}
    )
    store = run_experiment(small, tmp_path, LocalExecutor(1), progress=False)
    assert store.complete and len(small.runs()) == len(small.labels) * len(small.designs) * 2


def test_spec_file_equals_the_options_and_its_manifest_reruns_as_is(tmp_path, capsys):
    (tmp_path / "regimes").mkdir()
    (tmp_path / "regimes" / "strict.toml").write_text('name = "strict"\nenforcement = 0.95\n')
    spec = tmp_path / "experiment.toml"
    spec.write_text(
        'description = "a small test"\n'
        'regimes = ["regimes/strict.toml", "open"]  # relative to this file\n'
        "seeds = 2\nn_adopters = 100\n"
        'outcomes = ["gs_share_cn_stack_2035"]\n'
        "[overrides]\nenforcement = 0.7\n[grid]\nbass_q = [0.3, 0.5]\n"
    )
    out = tmp_path / "A"
    assert main(["compare", "--spec", str(spec), "--out", str(out), *QUIET]) == 0
    text = capsys.readouterr().out
    assert "8 runs (2 regimes x 2 designs x 2 seeds, 100 adopters)" in text
    assert "gs_share_cn_stack_2035" in text and "cn_lag_months_2030" not in text.split("\n\n")[0]
    # the same experiment given as options resumes the folder: nothing is run again
    options = ["compare", "--regimes", str(tmp_path / "regimes" / "strict.toml"), "open",
               "--seeds", "2", "--n-adopters", "100", "--set", "enforcement=0.7",
               "--grid", "bass_q=0.3,0.5", "--out", str(out), *QUIET]  # fmt: skip
    assert main(options) == 0 and "(resuming: 8 stored)" in capsys.readouterr().out
    # the folder's own manifest re-runs as is, elsewhere, to identical results
    again = tmp_path / "B"
    argv = ["compare", "--spec", str(out / "manifest.json"), "--out", str(again), *QUIET]
    assert main(argv) == 0
    pd.testing.assert_frame_equal(load_results(again), load_results(out), check_exact=True)
    a, b = (json.loads((f / "manifest.json").read_text()) for f in (out, again))
    assert a["fingerprint"] == b["fingerprint"] and a["spec"] == b["spec"]


def test_outcomes_option_selects_the_summary(tmp_path, capsys):
    argv = ["compare", "--regimes", "open", "--seeds", "2", "--n-adopters", "100",
            "--outcomes", "cn_lag_months_2030", "--out", str(tmp_path), *QUIET]  # fmt: skip
    assert main(argv) == 0
    summary = capsys.readouterr().out.split("\n\n")[0]
    assert "cn_lag_months_2030" in summary and "gs_share_cn_stack_2035" not in summary
