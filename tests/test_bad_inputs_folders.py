"""Results that cannot silently mix: edited inputs, look-alike names, foreign parts, two writers.

Each test replays one way a results folder used to end up holding mixed or wrong results (issue
17) and checks that it now ends in either the correct result or one clear line, with every file
already stored left as it was.
"""

import json
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from cli_checks import cli_error, snapshot

import aiblocs.calibration.calibrate as calibrate_mod
from aiblocs.cli import main
from aiblocs.compare.stats import MIN_SEEDS, size_warnings
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_results, run_experiment
from aiblocs.ensemble.store import Store

QUIET = ["--no-progress", "--no-figures", "--workers", "1"]
SMALL = ExperimentSpec(regimes=("open",), n_seeds=2, overrides={"n_adopters": 100})


def compare(*argv: str) -> list[str]:
    return ["compare", *argv, "--n-adopters", "100", *QUIET]


def test_an_edited_regime_file_cannot_mix_old_and_new_runs(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('name = "mine"\nenforcement = 0.6\n')
    spec = ExperimentSpec(regimes=(mine, "open"), n_seeds=3, overrides={"n_adopters": 100})
    out = tmp_path / "X"
    run_experiment(spec, out, LocalExecutor(1), progress=False, part_runs=1)
    reference = load_results(out)
    parts = sorted((out / "parts").glob("part-*.parquet"))
    parts[-1].unlink()  # as if killed before the last part was written
    mine.write_text('name = "mine"\nenforcement = 0.99\n')  # then the file is edited
    before = snapshot(out)
    argv = compare("--regimes", str(mine), "open", "--seeds", "3", "--out", str(out))
    line = cli_error(argv, capsys)
    assert f"results folder {out} holds a different experiment (inputs differ in regimes)" in line
    assert snapshot(out) == before
    mine.write_text('name = "mine"\nenforcement = 0.6\n')  # the original content resumes
    assert main(argv) == 0
    pd.testing.assert_frame_equal(load_results(out), reference, check_exact=True)


@pytest.mark.parametrize("names", [("a b", "a_b"), ("é", "è")])
def test_regime_files_whose_names_look_alike_keep_their_own_runs(tmp_path, capsys, names):
    paths = [tmp_path / f"{name}.toml" for name in names]
    paths[0].write_text("enforcement = 0.6\n")
    paths[1].write_text('export_stack_support = 0.9\nexport_stack_from = "2023Q1"\n')
    out = tmp_path / "Y"
    argv = compare("--regimes", *map(str, paths), "--seeds", "3", "--out", str(out))
    assert main(argv) == 0
    rows = load_results(out)
    per_run = rows.drop_duplicates("run_id")
    assert per_run.groupby("regime").size().to_dict() == {names[0]: 3, names[1]: 3}
    assert per_run.run_id.nunique() == 6
    last = rows[rows.quarter == rows.quarter.max()].groupby("regime")["gs_share_cn_stack"].mean()
    assert last[names[0]] != last[names[1]]  # two regimes, two results
    report = (out / "report.md").read_text()
    assert names[0] in report and names[1] in report


def test_calibration_refuses_a_target_redefined_under_the_same_name(tmp_path, capsys, monkeypatch):
    """A changed target definition is another experiment: no stale evaluation is resumed."""
    from aiblocs.calibration.targets import load_targets

    def one_evaluation_then_ctrl_c(targets, space, sim, budget, seed=0, progress=True):
        sim.evaluate([np.array([(d.lo + d.hi) / 2 for d in space])])
        raise KeyboardInterrupt

    monkeypatch.setattr(calibrate_mod, "calibrate", one_evaluation_then_ctrl_c)
    shipped = load_targets()[0]
    assert any(t.name == "lag_2023" for t in shipped)
    from importlib import resources

    text = (resources.files("aiblocs.calibration") / "targets.toml").read_text()
    targets = tmp_path / "targets.toml"
    targets.write_text(text)
    out = tmp_path / "C"
    argv = ["calibrate", "--budget", "8", "--seeds", "1", "--n-adopters", "100", "--workers",
            "1", "--targets", str(targets), "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 130  # one evaluation stored, then interrupted
    assert capsys.readouterr().err.strip() == "aiblocs: interrupted"
    assert Store.check_part(next((out / "parts").glob("part-*.parquet")))
    lag = text.index('name = "lag_2023"')
    edited = text[:lag] + text[lag:].replace("observed = 13.0", "observed = 12.0", 1)
    assert edited != text
    targets.write_text(edited)
    before = snapshot(out)
    line = cli_error(argv, capsys)
    assert f"results folder {out} holds a different experiment (inputs differ in targets)" in line
    assert snapshot(out) == before


def test_a_part_from_another_experiment_is_refused(tmp_path, capsys):
    for n in (200, 300):
        argv = compare("--regimes", "open", "--seeds", "2", "--out", str(tmp_path / str(n)))
        assert main([*argv[: -len(QUIET) - 2], "--n-adopters", str(n), *QUIET]) == 0
    capsys.readouterr()
    foreign = next((tmp_path / "200" / "parts").glob("part-*.parquet"))
    for own in (tmp_path / "300" / "parts").glob("part-*.parquet"):
        own.unlink()
    shutil.copy(foreign, tmp_path / "300" / "parts" / foreign.name)
    before = snapshot(tmp_path / "300")
    argv = compare("--regimes", "open", "--seeds", "2", "--out", str(tmp_path / "300"))
    line = cli_error([*argv[: -len(QUIET) - 2], "--n-adopters", "300", *QUIET], capsys)
    assert f"part {tmp_path / '300' / 'parts' / foreign.name} was written by another" in line
    assert snapshot(tmp_path / "300") == before


@pytest.mark.parametrize("extra", [[], ["--set", "end=2030Q1"], ["--set", "start=2030Q1"]])
def test_one_regime_and_other_horizons_report(tmp_path, capsys, extra):
    out = tmp_path / "r"
    assert main(compare("--regimes", "open", "--seeds", "2", *extra, "--out", str(out))) == 0
    report = (out / "report.md").read_text()
    assert "open" in report and (out / "summary.csv").exists()
    assert "Traceback" not in capsys.readouterr().err


def test_two_compares_on_one_folder(tmp_path, capsys):
    """The second is refused while the first writes; runs are stored once, sessions kept."""
    out = tmp_path / "Z"
    argv = compare("--regimes", "open", "containment", "--seeds", "6", "--out", str(out))
    argv[argv.index("100")] = "3000"  # the first takes seconds after its manifest appears
    code = "import sys; from aiblocs.cli import main; sys.exit(main())"
    first = subprocess.Popen([sys.executable, "-c", code, *argv], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (out / "manifest.json").exists() and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert first.poll() is None  # still writing (it holds the lock until its report is written)
    line = cli_error(argv, capsys)
    assert f"results folder {out} is being written by another aiblocs process" in line
    assert first.wait(timeout=300) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 1 and manifest["complete"] is True
    assert main(argv) == 0 and "(resuming: 12 stored)" in capsys.readouterr().out
    rows = load_results(out)
    assert len(rows) == 12 * 56 and rows.run_id.nunique() == 12  # each run stored once
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 2


def test_a_damaged_manifest_of_the_same_experiment_is_repaired(tmp_path):
    run_experiment(SMALL, tmp_path, LocalExecutor(1), progress=False)
    reference = load_results(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    cut = {k: manifest[k] for k in ("kind", "fingerprint")} | {"sessions": 5}
    (tmp_path / "manifest.json").write_text(json.dumps(cut))
    run_experiment(SMALL, tmp_path, LocalExecutor(1), progress=False)
    repaired = json.loads((tmp_path / "manifest.json").read_text())
    assert repaired["spec"] == manifest["spec"] and repaired["n_tasks"] == 2
    assert repaired["complete"] is True and len(repaired["sessions"]) == 1
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


def test_results_folders_of_another_kind_or_torn_are_refused(tmp_path):
    (tmp_path / "a" / "parts").mkdir(parents=True)
    (tmp_path / "a" / "parts" / "part-1-1.parquet").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"already holds files \(parts\) but no manifest\.json"):
        run_experiment(SMALL, tmp_path / "a", LocalExecutor(1), progress=False)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text('{"fingerprint": ')  # torn by hand
    with pytest.raises(ValueError, match=r"manifest\.json is unreadable"):
        run_experiment(SMALL, tmp_path / "b", LocalExecutor(1), progress=False)
    run_experiment(SMALL, tmp_path / "c", LocalExecutor(1), progress=False)
    other = ExperimentSpec(regimes=("open",), n_seeds=2, overrides={"n_adopters": 100}, root_seed=1)
    with pytest.raises(ValueError, match="holds a different experiment"):
        run_experiment(other, tmp_path / "c", LocalExecutor(1), progress=False)


def test_corrupted_part_detected_on_resume(tmp_path):
    """A flipped bit anywhere in a part is caught (page CRCs + content digest) or is harmless."""
    run_experiment(SMALL, tmp_path, LocalExecutor(1), progress=False)
    reference = load_results(tmp_path)
    (part,) = sorted((tmp_path / "parts").glob("part-*.parquet"))
    data = part.read_bytes()
    rng = np.random.default_rng(0)
    caught = 0
    for pos in rng.integers(0, len(data), size=40):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(0, 8))
        part.write_bytes(bytes(bad))
        if Store.check_part(part) is None:
            caught += 1
        else:  # a flip in unused footer bytes (e.g. statistics): the data must be unchanged
            pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)
    assert caught >= 20  # the rest hit footer statistics, which the data check shows unused
    part.write_bytes(data[: len(data) // 2])  # certainly damaged: deleted and redone on resume
    with pytest.warns(UserWarning, match="damaged part"):
        run_experiment(SMALL, tmp_path, LocalExecutor(1), progress=False)
    assert not part.exists()
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


def test_run_force_replaces_a_run_and_drops_its_stale_files(tmp_path, capsys):
    out = tmp_path / "run"
    base = ["run", "--n-adopters", "100", "--set", "bass_q=0.7", "--seed", "3", "--out", str(out)]
    assert main(base) == 0
    assert (out / "key_series.png").exists()
    line = cli_error([*base, "--no-plot"], capsys)
    assert "--out" in line and "add --force" in line
    assert main([*base, "--no-plot", "--force"]) == 0
    assert not (out / "key_series.png").exists()  # the old figure is gone with the old run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "run" and manifest["complete"] is True and manifest["seed"] == 3
    assert sorted(manifest["files"]) == ["quarterly.csv", "quarterly.parquet"]
    rows = pd.read_parquet(out / "quarterly.parquet")
    assert set(rows.columns[:5]) == {"run_id", "regime", "seed", "bass_q", "n_adopters"}
    assert (rows.regime == "historical").all() and (rows.seed == 3).all()
    assert rows.bass_q.iloc[0] == pytest.approx(0.7) and rows.run_id.nunique() == 1


def test_small_ensemble_warns_at_the_threshold():
    def outcomes(n):
        return pd.DataFrame({"arm": [0] * n, "x": np.arange(n)})

    assert size_warnings(outcomes(MIN_SEEDS)) == []
    (w,) = size_warnings(outcomes(MIN_SEEDS - 1))
    assert f"only {MIN_SEEDS - 1} seed(s) per arm" in w and "95% CIs" in w
