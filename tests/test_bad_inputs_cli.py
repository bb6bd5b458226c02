"""Bad-input catalogue, command line: one line naming the option or file, nothing stored changed.

Every case runs ``aiblocs`` in-process against folders that already hold results of each kind
(a compare, a run, a calibration, a sensitivity analysis, a scenario discovery): it must exit
with status 2 and one ``aiblocs: error:`` line that names the option or file at fault, and every
stored file must be byte-identical, with the same modification time, afterwards. The console
script (a real process) is checked once for the absence of a traceback.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_checks import cli_error, snapshot

import aiblocs.model.memory as model_mod
from aiblocs.cli import main
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, run_experiment
from aiblocs.ensemble.folders import claim, locked
from aiblocs.ensemble.store import Store

BASE = {  # options every case of a command gets unless it gives them itself
    "explain": [["--n-adopters", "100"], ["--seeds", "2"], ["--no-progress"]],
    "levers": [["--n-adopters", "100"], ["--seeds", "2"], ["--no-progress"]],
    "compare": [["--regimes", "open"], ["--seeds", "2"], ["--n-adopters", "100"],
                ["--no-progress"], ["--no-figures"]],
    "run": [["--no-plot"]],
}  # fmt: skip


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Folders holding results of every kind, and input files (all must stay unchanged)."""
    root = tmp_path_factory.mktemp("stored")
    spec = ExperimentSpec(regimes=("open",), n_seeds=2, overrides={"n_adopters": 100})
    run_experiment(spec, root / "compare", LocalExecutor(1), progress=False)
    assert main(["run", "--n-adopters", "100", "--no-plot", "--out", str(root / "run")]) == 0
    with Store(root / "calibration", "calibration", {"targets": []}) as store:
        store.write_manifest(new_session=True, start="then")
    (root / "calibration" / "report.md").write_text("a calibration report\n")
    with Store(root / "explain", "explain", {"regimes": []}) as store:
        store.write_manifest(new_session=True, start="then")
    for kind, name in (("sensitivity-analysis", "sensitivity"), ("scenario-discovery", "discover"),
                       ("lever-checks", "levers")):  # fmt: skip
        with locked(root / name):
            claim(root / name, kind)
        (root / name / "report.md").write_text(f"a {kind} report\n")
    for name, text in (("null", "null"), ("list", "[]"), ("nokind", '{"n_runs": 3}')):
        (root / f"manifest_{name}").mkdir()
        (root / f"manifest_{name}" / "manifest.json").write_text(text)
    inputs = root / "inputs"
    inputs.mkdir()
    files = {
        "bin.toml": bytes(range(256)),
        "dup.toml": b'[[param]]\nname = "bass_q"\nname = "bass_p"\nlo = 0\nhi = 1\n',
        "param5.toml": b"param = 5\n",
        "name5.toml": b"name = 5\n",
        "cal_nadopters.csv": b"n_adopters,bass_q\n100,0.3\n",
        "cal_string.csv": b"bass_q\nhigh\n",
        "spec_unknown.toml": b'regimes = ["open"]\nseeds = 2\nseed = 1\n',
        "spec_ok.toml": b'regimes = ["open"]\nseeds = 2\nn_adopters = 100\n',
        "list.json": b"[]",
    }
    for name, data in files.items():
        (inputs / name).write_bytes(data)
    (inputs / "folder.toml").mkdir()
    return root


# (argv, what the line must name, fragment). {x} is a stored folder or an input file.
CLI = [
    # run
    (["run", "--set", "enforcement=2"], "'enforcement'", "must be a number in [0, 1]"),
    (["run", "--set", "no_such=1"], "['no_such']", "unknown parameter(s)"),
    (["run", "--set", "seed=3"], "'seed'", "give it as --seed"),
    (["run", "--set", "regime=open"], "'regime'", "(--regime, --regimes)"),
    (["run", "--set", "params=x"], "'params'", "give parameters by name"),
    (["run", "--set", "rng=1"], "'rng'", "not part of a scenario"),
    (["run", "--set", "bass_q"], "--set", "must look like name=value"),
    (["run", "--set", "bass_q=0.1", "--set", "bass_q=0.2"], "--set", "gives 'bass_q' twice"),
    (["run", "--set", "n_adopters=50", "--n-adopters", "60"], "--n-adopters", "give it once"),
    (["run", "--set", "network_degree=200", "--n-adopters", "49000000"], "n_adopters", "GiB but"),
    (["run", "--set", "end=2021Q4"], "'end'", "is before 'start'"),
    (["run", "--seed", "-1"], "--seed", "must be a whole number in [0, 2^63)"),
    (["run", "--regime", "{inputs}/bin.toml"], "{inputs}/bin.toml", "is not UTF-8 text"),
    (["run", "--regime", "{inputs}/dup.toml"], "{inputs}/dup.toml", "is not valid TOML"),
    (["run", "--regime", "{inputs}/name5.toml"], "{inputs}/name5.toml", "'name' = 5"),
    (["run", "--regime", "{inputs}/folder.toml"], "{inputs}/folder.toml", "is not a file"),
    (["run", "--out", ""], "--out", "must name a results folder"),
    (["run", "--out", "."], "--out", "is the current directory"),
    (["run", "--out", "{inputs}/list.json"], "--out", "is a file, not a folder"),
    (["run", "--out", "/dev/null/x"], "/dev/null/x", "Not a directory"),
    (["run", "--out", "{run}"], "--force", "already holds a run"),
    (["run", "--out", "{compare}", "--force"], "{compare}", "holds compare results, not run"),
    (["run", "--out", "{inputs}", "--force"], "{inputs}", "but no manifest.json"),
    # compare
    (["compare", "--seeds", "1000000000"], "--seeds", "must be a whole number in [1, 100,000]"),
    (["compare", "--seeds", "0"], "--seeds", "must be a whole number in [1, 100,000]"),
    (["compare", "--root-seed", "-1"], "--root-seed", "a whole number in [0, 2^63)"),
    (["compare", "--bootstrap", "-1"], "--bootstrap", "must be in [0, 100000]"),
    (["compare", "--bootstrap", "1000000000"], "--bootstrap", "must be in [0, 100000]"),
    (["compare", "--bootstrap", "60000", "--seeds", "1000"], "--bootstrap", "0.8 GiB"),
    (["compare", "--grid", "bass_q="], "--grid", "needs at least one value"),
    (["compare", "--grid", "bass_q=0.1,99"], "'bass_q'", "= 99 is outside"),
    (["compare", "--grid", "bass_q=0.1", "--grid", "bass_q=0.2"], "--grid", "'bass_q' twice"),
    (["compare", "--grid", "bass_q=0.1,0.1"], "--grid", "lists a value twice"),
    (["compare", "--set", "bass_q=0.3", "--grid", "bass_q=0.1,0.2"], "--grid", "both --set"),
    (["compare", "--set", "well_mixed=maybe"], "'well_mixed'", "must be true or false"),
    (["compare", "--set", "seed=3"], "'seed'", "cannot be overridden"),
    (["compare", "--workers", "0"], "--workers", "must be a whole number in [1,"),
    (["compare", "--workers", "100000"], "--workers", "usable cores"),
    (["compare", "--dask-local", "0"], "--dask-local", "must be a whole number in [1,"),
    (["compare", "--dask-local", "100000"], "--dask-local", "usable cores"),
    (["compare", "--workers", "2", "--dask-local", "2"], "--workers", "drop it or --dask-local"),
    (["compare", "--scheduler", "tcp://x:1", "--dask-local", "2"], "--dask-local", "not both"),
    (["compare", "--scheduler", ""], "--scheduler", "like tcp://host:8786, got ''"),
    (["compare", "--scheduler", "localhost"], "--scheduler", "got 'localhost'"),
    (["compare", "--scheduler", "udp://h:1"], "--scheduler", "got 'udp://h:1'"),
    (["compare", "--calibrated", "{inputs}/cal_nadopters.csv"], "cal_nadopters.csv", "n_adopters"),
    (["compare", "--calibrated", "{inputs}/cal_string.csv"], "cal_string.csv", "'bass_q'"),
    (["compare", "--calibrated", "{inputs}/bin.toml"], "--calibrated", "cannot read a sample"),
    (["compare", "--regimes", "open", "{inputs}/bin.toml"], "{inputs}/bin.toml", "not UTF-8"),
    (["compare", "--regimes", "{inputs}/name5.toml"], "{inputs}/name5.toml", "'name' = 5"),
    (["compare", "--reference", "nope"], "'nope'", "is not among the regimes"),
    (["compare", "--outcomes", "nope"], "--outcomes", "unknown outcome(s) ['nope']"),
    (["compare", "--spec", "{inputs}/spec_unknown.toml"], "spec_unknown.toml", "['seed']"),
    (["compare", "--spec", "{inputs}/bin.toml"], "--spec {inputs}/bin.toml", "not UTF-8"),
    (["compare", "--spec", "{inputs}/spec_ok.toml", "--seeds", "3"], "--spec", "drop --seeds"),
    (["compare", "--spec", "{run}/manifest.json"], "--spec", "manifest of run results"),
    (["compare", "--spec", "{inputs}/list.json"], "--spec", "must hold an experiment spec"),
    (["compare", "--out", "{calibration}"], "{calibration}", "holds calibration results"),
    (["compare", "--out", "{sensitivity}"], "{sensitivity}", "holds sensitivity-analysis"),
    (["compare", "--out", "{run}"], "{run}", "holds run results, not compare results"),
    (["compare", "--out", "{manifest_null}"], "{manifest_null}", "not an aiblocs manifest"),
    (["compare", "--out", "{manifest_list}"], "{manifest_list}", "not an aiblocs manifest"),
    (["compare", "--out", "{manifest_nokind}"], "{manifest_nokind}", "not an aiblocs manifest"),
    (["compare", "--out", "{inputs}"], "{inputs}", "but no manifest.json"),
    (["compare", "--out", ""], "--out", "must name a results folder"),
    (["compare", "--seeds", "3"], "{compare}", "holds a different experiment (inputs differ"),
    # calibrate
    (["calibrate", "--budget", "4"], "--budget", "must be in [8, 100,000], got 4"),
    (["calibrate", "--budget", "1000000000"], "--budget", "must be in [8, 100,000]"),
    (["calibrate", "--seeds", "0"], "--seeds", "must be in [1, 1,000], got 0"),
    (["calibrate", "--seeds", "100000"], "--seeds", "must be in [1, 1,000]"),
    (["calibrate", "--seed", "-1"], "--seed", "must be in [0, 2147483647]"),
    (["calibrate", "--seed", "4294967296"], "--seed", "must be in [0, 2147483647]"),
    (["calibrate", "--n-adopters", "0"], "'n_adopters'", "outside its allowed range"),
    (["calibrate", "--targets", "/no/such/targets.toml"], "--targets", "does not exist"),
    (["calibrate", "--targets", "{inputs}/bin.toml"], "--targets {inputs}/bin.toml", "UTF-8"),
    (["calibrate", "--targets", "{inputs}/dup.toml"], "--targets {inputs}/dup.toml", "twice?"),
    (["calibrate", "--targets", "{inputs}/param5.toml"], "--targets", "unknown key(s)"),
    (["calibrate", "--space", "{inputs}/bin.toml"], "--space {inputs}/bin.toml", "UTF-8"),
    (["calibrate", "--space", "{inputs}/dup.toml"], "--space {inputs}/dup.toml", "twice?"),
    (["calibrate", "--space", "{inputs}/param5.toml"], "--space", "array of tables"),
    (["calibrate", "--space", "{inputs}/folder.toml"], "--space", "is not a file"),
    (["calibrate", "--workers", "0"], "--workers", "must be a whole number in [1,"),
    (["calibrate", "--out", "{compare}"], "{compare}", "holds compare results"),
    (["calibrate", "--budget", "8", "--out", "/dev/null/x"], "/dev/null/x", "Not a directory"),
    # sensitivity and discover
    (["sensitivity", "--n", "1000000000"], "--n", "in [2, 10000]"),
    (["sensitivity", "--method", "sobol", "--n", "1000000000"], "--n", "a power of two"),
    (["sensitivity", "--method", "sobol", "--n", "65536"], "--n 65536", "more than the limit"),
    (["sensitivity", "--n", "10000", "--seeds", "1000"], "--seeds 1000", "more than the limit"),
    (["sensitivity", "--seeds", "1000000000"], "--seeds", "must be in [1, 1000]"),
    (["sensitivity", "--sample-seed", "-1"], "--sample-seed", "must be in [0, 2147483647]"),
    (["sensitivity", "--method", "sobol", "--screen-n", "1"], "--screen-n", "[2, 10000]"),
    (["sensitivity", "--keep", "0"], "--keep", "must be in [1, 100]"),
    (["sensitivity", "--ranges", "{inputs}/param5.toml"], "--ranges", "only [[param]] tables"),
    (["sensitivity", "--ranges", "{inputs}/bin.toml"], "--ranges {inputs}/bin.toml", "UTF-8"),
    (["sensitivity", "--ranges", "{inputs}/dup.toml"], "--ranges {inputs}/dup.toml", "twice?"),
    (["sensitivity", "--out", "{discover}"], "{discover}", "holds scenario-discovery results"),
    (["discover", "--out", "{sensitivity}"], "{sensitivity}", "holds sensitivity-analysis"),
    (["discover", "--out", "{compare}"], "{compare}", "holds compare results"),
    (["discover", "--n", "1000000000"], "--n", "in [20, 200000]"),
    (["discover", "--n", "200000", "--seeds", "10"], "--seeds 10", "more than the limit"),
    (["discover", "--tol-months", "nan"], "--tol-months", "must be in [0, 60]"),
    (["discover", "--sample-seed", "99999999999"], "--sample-seed", "[0, 2147483647]"),
    # explain and levers
    (["explain", "--seeds", "0"], "--seeds", "must be a whole number in [1, 100,000]"),
    (["explain", "--root-seed", "-1"], "--root-seed", "a whole number in [0, 2^63)"),
    (["explain", "--outcome", "nope"], "--outcome", "unknown outcome(s) ['nope']"),
    (["explain", "--mechanisms", "nope"], "--mechanisms", "unknown mechanism(s) ['nope']"),
    (["explain", "--regimes", "open", "{inputs}/bin.toml"], "{inputs}/bin.toml", "not UTF-8"),
    (["explain", "--out", "{compare}"], "{compare}", "holds compare results, not explain"),
    (["levers", "--levers", "{inputs}/bin.toml"], "--levers {inputs}/bin.toml", "not UTF-8"),
    (["levers", "--levers", "{inputs}/param5.toml"], "--levers", "expected [[lever]] tables"),
    (["levers", "--only", "nope"], "--only", "unknown lever(s) ['nope']"),
    (["levers", "--seeds", "0"], "--seeds", "must be a whole number in [1, 100,000]"),
    (["levers", "--out", "{explain}"], "{explain}", "holds explain results, not lever-checks"),
    # dashboard
    (["viz", "--host", ""], "--host", "must name an interface"),
    (["viz", "--host", " 127.0.0.1"], "--host", "must name an interface"),
    (["viz", "--port", "0"], "--port", "must be a whole number in [1, 65535]"),
    (["viz", "--port", "70000"], "--port", "must be a whole number in [1, 65535]"),
]


def expand(text: str, root: Path) -> str:
    return text.format(**{p.name: str(p) for p in root.iterdir()})


@pytest.mark.parametrize("argv, named, fragment", CLI)
def test_cli_rejects_with_one_line_and_keeps_every_stored_file(
    stored, tmp_path, monkeypatch, capsys, argv, named, fragment
):
    monkeypatch.chdir(tmp_path)  # a stray write would land here
    argv = [expand(a, stored) for a in argv]
    command = argv[0]
    if "--out" not in argv and command != "viz":
        argv += ["--out", str(stored / {"calibrate": "calibration"}.get(command, command))]
    if "--spec" not in argv:
        argv += [a for option in BASE.get(command, []) if option[0] not in argv for a in option]
    before = snapshot(stored)
    line = cli_error(argv, capsys)
    assert expand(named, stored) in line and fragment in line, line
    assert snapshot(stored) == before  # nothing stored was touched, not even rewritten
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_regime_file_and_memory_limit_for_calibration(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nenforcement = "high"\n')
    argv = ["run", "--regime", str(bad), "--no-plot", "--out", str(tmp_path / "r")]
    line = cli_error(argv, capsys)
    assert str(bad) in line and "'enforcement' = 'high' must be a number in [0, 1]" in line
    monkeypatch.setattr(model_mod, "available_memory", lambda: 2**30)  # a 1 GiB machine
    argv = ["calibrate", "--budget", "8", "--n-adopters", "5000000", "--workers", "1", "--out",
            str(tmp_path / "c")]  # fmt: skip
    assert "needs about 2.8 GiB but only 1.0 GiB" in cli_error(argv, capsys)
    assert not (tmp_path / "c").exists() and not (tmp_path / "r").exists()


def test_console_script_exits_2_without_traceback(tmp_path):
    code = "import sys; from aiblocs.cli import main; sys.exit(main())"
    argv = ["run", "--set", "bass_q=9", "--no-plot", "--out", str(tmp_path / "r")]
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "aiblocs: error: parameter 'bass_q' = 9 is outside its allowed range [0, 3] (1/year)"
    )
    assert not (tmp_path / "r").exists()


def test_stored_folders_fixture_holds_what_the_cases_assume(stored):
    """The cases above are only meaningful if each folder holds what its name says."""
    kinds = {p.name: json.loads((p / "manifest.json").read_text()).get("kind")
             for p in stored.iterdir() if (p / "manifest.json").exists()
             and not p.name.startswith("manifest_")}  # fmt: skip
    assert kinds == {
        "compare": "compare",
        "run": "run",
        "calibration": "calibration",
        "sensitivity": "sensitivity-analysis",
        "discover": "scenario-discovery",
        "explain": "explain",
        "levers": "lever-checks",
    }
    assert list((stored / "compare" / "parts").glob("part-*.parquet"))
    assert (stored / "run" / "quarterly.parquet").exists()
