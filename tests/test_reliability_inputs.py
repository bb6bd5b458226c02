"""Bad-input catalogue: every case is refused before a run starts, naming the field and range.

Covers the Python API, regime TOML files, experiment specs, calibration target/space files and
the CLI (exit status 2 and one line on stderr, never a traceback), results folders written by
another experiment or damaged, and the memory limit. Complements tests/test_inputs.py,
test_experiments_core.py and test_calibration.py (cases there are not repeated here).
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aiblocs.model.memory as model_mod
from aiblocs import AIBlocsModel
from aiblocs.calibration.targets import load_space, load_targets
from aiblocs.cli import main
from aiblocs.compare.stats import MIN_SEEDS, size_warnings
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_results, run_experiment
from aiblocs.ensemble.store import Store
from aiblocs.model.regimes import load_regime_file

HUGE = {"n_adopters": 49_000_000, "network_degree": 200}  # ~700 GiB by the estimate

# --- Python API ---------------------------------------------------------------------------
API = [
    ({"n_adopters": 2.5}, "'n_adopters' must be a whole number"),
    ({"n_adopters": "100"}, "'n_adopters' must be a number in [1, 50000000.0]"),
    ({"network_degree": 0}, "'network_degree' = 0 is outside its allowed range [1, 200]"),
    ({"share_us": 0.7, "share_cn": 0.5}, "'share_us' + 'share_cn' = 1.2 must be <= 1"),
    ({"well_mixed": "yes"}, "'well_mixed' must be true or false"),
    ({"bass_q": float("inf")}, "'bass_q' = inf is outside its allowed range [0, 3]"),
    ({"depreciation": -0.1}, "'depreciation' = -0.1 is outside its allowed range [0, 0.5]"),
    ({"build_lag": 0}, "'build_lag' = 0 is outside its allowed range [1, 16]"),
    ({"cn_base_demand": 0.0}, "'cn_base_demand' = 0.0 is outside its allowed range [0.01, 1]"),
    ({"training_share": 0}, "'training_share' = 0 is outside its allowed range [0.01, 0.9]"),
    ({"pooling_full": "2024Q1"}, "'pooling_full' must not be before 'pooling_start'"),
    ({"edwc_launch": "2040Q1"}, "'edwc_launch' (2040Q1) is after 'end' (2035Q4)"),
    ({"seed": 1.5}, "use rng=1.5, not seed="),
    ({"rng": 1.5}, "rng (the seed) must be a non-negative integer"),
    ({"rng": -3}, "rng (the seed) must be a non-negative integer"),
    ({"export_stack_support": "0.5"}, "'export_stack_support' = '0.5' must be a number in [0, 1]"),
    ({"export_stack_from": 2025}, "'export_stack_from' = 2025 must be a quarter label"),
    ({"enforcement": float("nan")}, "'enforcement' = nan must be a number in [0, 1]"),
    ({"regime": "/no/such/regime.toml"}, "regime file /no/such/regime.toml does not exist"),
    (HUGE, "GiB but only"),
]


@pytest.mark.parametrize("kwargs, fragment", API)
def test_api_rejects(kwargs, fragment):
    kw = {"regime": "historical", "n_adopters": 100, **kwargs}
    with pytest.raises(ValueError) as e:
        AIBlocsModel(**kw)
    assert fragment in str(e.value)


# --- regime TOML files ----------------------------------------------------------------------
RULE = 'name = "x"\n[[rule]]\ntier = "prev"\nfrom = "2023Q1"\n'
STANCE = '[[stance]]\ntier = "prev"\nfrom = "2026Q1"\nstance = "{}"\n'
REGIME_TOML = [
    ('name = "x"\nrule = 5\n', "'rule' must be an array of tables"),
    (RULE + 'status = "licensed"\nfee = nan\n', ".fee' = nan must be a number in [0, 1]"),
    (RULE + 'status = "licensed"\napproval = 1.5\n', ".approval' = 1.5 must be a number in [0, 1]"),
    (RULE + "approval = 0.5\n", "approval < 1 needs status 'licensed'"),
    (RULE + 'perf_cap = "x"\n', "perf_cap = 'x' must be a number in (0, 10]"),
    (RULE + 'status = "licensed"\ncap = -1\n', "cap = -1 must be in [0, 10]"),
    (RULE + STANCE.format("allow") + STANCE.format("block"), "two stances for the same tier"),
    (RULE + STANCE.format("maybe"), "unknown stance 'maybe'"),
    ('name = "x"\n[[rule]]\ntier = "prev"\nstatus = "banned"\n', "needs 'tier' and 'from'"),
    ('name = "x"\n[[rule]]\ntier = "prev"\nfrom = "1999Q4"\n', "outside 2000Q1-2100Q4"),
]


@pytest.mark.parametrize("text, fragment", REGIME_TOML)
def test_regime_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        load_regime_file(path)
    assert fragment in str(e.value) and str(path) in str(e.value)


# --- experiment specs -----------------------------------------------------------------------
SPECS = [
    ({"regimes": ()}, "give at least one regime"),
    ({"regimes": ("open", "open")}, "regimes must be distinct"),
    ({"n_seeds": []}, "seeds must be a whole number"),
    ({"root_seed": -1}, "root_seed must be a whole number in [0,"),
    ({"designs": ({"seed": 3},)}, "['seed'] cannot be overridden"),
    ({"designs": ({"bass_q": 0.3}, {"bass_q": 0.3})}, "designs must be distinct"),
    ({"designs": ({"bass_q": 0.3}, {"bass_q": 3.5})}, "'bass_q' = 3.5 is outside"),
]


@pytest.mark.parametrize("kw, fragment", SPECS)
def test_experiment_spec_rejects(kw, fragment):
    base = {"regimes": ("open",), "n_seeds": 2, "overrides": {"n_adopters": 100}}
    with pytest.raises(ValueError) as e:
        ExperimentSpec(**{**base, **kw})
    assert fragment in str(e.value)


def test_experiment_memory_is_checked_before_any_run(tmp_path):
    spec = ExperimentSpec(("open",), 2, overrides={"n_adopters": HUGE["n_adopters"],
                                                   "network_degree": 200})  # fmt: skip
    with pytest.raises(ValueError, match="GiB but only"):
        run_experiment(spec, tmp_path / "x", LocalExecutor(1), progress=False)
    assert not (tmp_path / "x").exists()


# --- calibration targets and parameter space ------------------------------------------------
TARGET = (
    '[[target]]\nname="a"\noutput="adoption_cn"\nstat="{stat}"\nstart="{start}"\nend="{end}"\n'
    'observed={obs}\nlo=0.0\nhi=2.0\nset="{set}"\nsource="x"\n'
)


def target(**kw):
    return TARGET.format(**{"stat": "mean", "start": "2023Q1", "end": "2023Q4", "obs": 1.0,
                            "set": "fit", **kw})  # fmt: skip


TARGETS = [
    (target() + "weight = 2.0\n", "unknown field(s) ['weight']"),
    (target(stat="median"), "stat must be one of"),
    (target(set="train"), "set must be one of"),
    (target(obs="nan"), "'observed' must be a finite number, got nan"),
    (target(end="2036Q1"), "quarters must satisfy 2022Q1 <= start <= end <= 2035Q4"),
    (target() + target(), "duplicate target name"),
    ('cutoff = "2023Q2"\n' + target(), "set = 'fit' but its span ends 2023Q4, after the cut-off"),
    ("targets = 1\n" + target(), "unknown key(s) ['targets']"),
]


@pytest.mark.parametrize("text, fragment", TARGETS)
def test_targets_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "targets.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        load_targets(path)
    assert fragment in str(e.value)


SPACES = [
    ('[[param]]\nname = "bass_z"\nlo = 0\nhi = 1\n', "unknown parameter 'bass_z'"),
    ('[[param]]\nname = "bass_q"\nlo = 1\nhi = 1\n', "need numbers lo < hi"),
    ('[[param]]\nname = "bass_q"\nlo = 0\nhi = 9\n', "leaves the allowed range [0, 3]"),
    ('[[param]]\nname = "bass_q"\nlo = 0\nhi = 1\nhigh = 2\n', "unknown field(s) ['high']"),
]


@pytest.mark.parametrize("text, fragment", SPACES)
def test_space_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "space.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        load_space(path)
    assert fragment in str(e.value)


# --- command line: exit 2, one clear line, nothing run --------------------------------------
def cli_error(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("aiblocs: error:"), err
    return err[0]


CLI = [
    (["run", "--set", "enforcement=2"], "'enforcement' = 2 must be a number in [0, 1]"),
    (["run", "--set", "no_such=1"], "unknown parameter(s) ['no_such']"),
    (["run", "--set", "network_degree=200", "--n-adopters", "49000000"], "GiB but only"),
    (["compare", "--grid", "bass_q="], "needs at least one value"),
    (["compare", "--grid", "bass_q=0.1,99"], "'bass_q' = 99 is outside"),
    (["compare", "--set", "well_mixed=maybe"], "'well_mixed' must be true or false"),
    (["compare", "--bootstrap", "-1"], "--bootstrap must be in [0, 100000], got -1"),
    (["compare", "--set", "network_degree=200", "--n-adopters", "49000000"], "GiB but only"),
    (["calibrate", "--budget", "4"], "--budget must be in [8, 100,000], got 4"),
    (["calibrate", "--seeds", "0"], "--seeds must be in [1, 1,000], got 0"),
    (["calibrate", "--targets", "/no/such/targets.toml"], "does not exist"),
    (["run", "--out", "/dev/null/x"], "Not a directory: '/dev/null/x'"),
    (["calibrate", "--budget", "8", "--out", "/dev/null/x"], "Not a directory"),
]


@pytest.mark.parametrize("argv, fragment", CLI)
def test_cli_rejects_with_one_line(tmp_path, capsys, argv, fragment):
    out = tmp_path / "out"
    extra = {"run": ["--no-plot"], "compare": ["--regimes", "open", "--seeds", "2"]}
    if "--out" not in argv:
        argv = [*argv, "--out", str(out)]
    line = cli_error([*argv, *extra.get(argv[0], [])], capsys)
    assert fragment in line
    assert not out.exists()  # refused before anything was written or run


def test_cli_bad_regime_file_and_memory_limit_for_calibration(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nenforcement = "high"\n')
    line = cli_error(["run", "--regime", str(bad), "--no-plot", "--out", str(tmp_path)], capsys)
    assert str(bad) in line and "'enforcement' = 'high' must be a number in [0, 1]" in line
    monkeypatch.setattr(model_mod, "available_memory", lambda: 2**30)  # a 1 GiB machine
    argv = ["calibrate", "--budget", "8", "--n-adopters", "5000000", "--workers", "1", "--out",
            str(tmp_path / "c")]  # fmt: skip
    assert "needs about 2.8 GiB but only 1.0 GiB" in cli_error(argv, capsys)
    assert not (tmp_path / "c" / "parts").exists()


def test_console_script_exits_2_without_traceback(tmp_path):
    code = "import sys; from aiblocs.cli import main; sys.exit(main())"
    argv = ["run", "--set", "bass_q=9", "--no-plot", "--out", str(tmp_path)]
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "aiblocs: error: parameter 'bass_q' = 9 is outside its allowed range [0, 3] (1/year)"
    )
    argv = ["run", "--set", "bass_q"]  # argparse's own error: usage line + one message line
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "must look like name=value" in proc.stderr.splitlines()[-1]


# --- results folders: another experiment's, damaged, corrupted ------------------------------
SMALL = ExperimentSpec(regimes=("open",), n_seeds=2, overrides={"n_adopters": 100})


def test_results_folder_of_another_kind_is_refused(tmp_path):
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


# --- limits ---------------------------------------------------------------------------------
def test_memory_estimate_is_checked_before_allocating(monkeypatch):
    monkeypatch.setattr(model_mod, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError) as e:
        AIBlocsModel("historical", n_adopters=2_000_000)
    assert str(e.value) == (
        "n_adopters = 2000000 needs about 1.1 GiB but only 1.0 GiB is available; "
        "use fewer adopters or workers (about 1,431,655 adopters per run fit)"
    )
    AIBlocsModel("historical", n_adopters=1_000_000 // 8, rng=0)  # fits: builds fine
    monkeypatch.setattr(model_mod, "available_memory", lambda: None)  # unknown: no refusal
    model_mod.check_memory(49_000_000, 200)


def test_small_ensemble_warns_at_the_threshold():
    def outcomes(n):
        return pd.DataFrame({"arm": [0] * n, "x": np.arange(n)})

    assert size_warnings(outcomes(MIN_SEEDS)) == []
    (w,) = size_warnings(outcomes(MIN_SEEDS - 1))
    assert f"only {MIN_SEEDS - 1} seed(s) per arm" in w and "95% CIs" in w


def test_catalogue_size():
    n = len(API) + len(REGIME_TOML) + len(SPECS) + len(TARGETS) + len(SPACES) + len(CLI)
    assert n >= 30 + 20  # plus the folder, corruption, console and limit cases above
    assert Path(__file__).stat().st_size < 20_000
