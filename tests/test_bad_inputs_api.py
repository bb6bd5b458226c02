"""Bad-input catalogue, Python side: every case is refused before a run, naming the field.

The Python API (``AIBlocsModel``, ``run``), regime TOML files, experiment specs and spec files,
calibration target and space files, sensitivity ranges. Each case names the field (or the file)
its message must carry. The command line's cases are in test_bad_inputs_cli.py, results folders'
in test_bad_inputs_folders.py. Complements tests/test_inputs.py, test_experiments_core.py and
test_calibration.py (cases there are not repeated here).
"""

import pytest

import aiblocs.model.memory as model_mod
from aiblocs import AIBlocsModel, run
from aiblocs.calibration.targets import load_space, load_targets
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, run_experiment
from aiblocs.ensemble.specfile import load_spec_file
from aiblocs.model.regimes import load_regime_file
from aiblocs.model.scenario import Scenario
from aiblocs.sensitivity.ranges import load_ranges

HUGE = {"n_adopters": 49_000_000, "network_degree": 200}  # ~700 GiB by the estimate
BINARY = bytes(range(256)) * 4  # not UTF-8

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
    ({"params": {"bass_q": 0.3}}, "'params' is not a parameter: give parameters by name"),
    ({"regime": "open", "enforcement": True}, "'enforcement' = True must be a number in [0, 1]"),
    ({"network_degree": 8.5}, "'network_degree' must be a whole number"),
    ({"start": "2030Q1", "end": "2029Q4"}, "'end' (2029Q4) is before 'start' (2030Q1)"),
]


@pytest.mark.parametrize("kwargs, fragment", API)
def test_api_rejects(kwargs, fragment):
    kw = {"regime": "historical", "n_adopters": 100, **kwargs}
    with pytest.raises(ValueError) as e:
        AIBlocsModel(**kw)
    assert fragment in str(e.value)


def test_integral_floats_and_a_read_only_model():
    """n_adopters=100.0 is 100 adopters; a built model's inputs cannot be reassigned mid-run."""
    model = AIBlocsModel("historical", n_adopters=100.0, network_degree=8.0, rng=0)
    assert model.p.n_adopters == 100 and model.p.network_degree == 8
    model.step()
    before = model.p
    for name, value in (("p", before.replace(bass_q=2.0)), ("regime", None),
                        ("scenario", Scenario.build("open"))):  # fmt: skip
        with pytest.raises(AttributeError):
            setattr(model, name, value)
    with pytest.raises(AttributeError):  # a frozen dataclass: no field can be set either
        model.p.bass_q = 2.0
    assert model.p is before and model.regime.name == "historical"
    with pytest.raises(ValueError, match="'params' is not a parameter"):
        run("open", params={"bass_q": 0.3}, n_adopters=100)
    with pytest.raises(ValueError, match="'rng' is not a parameter"):
        Scenario.build("open", rng=3)


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
    ("name = 5\n", "'name' = 5 must be a non-empty string"),
    ('name = ""\n', "'name' = '' must be a non-empty string"),
    ('name = "a\\nb"\n', "at most 64 printable characters"),
    ('name = "x"\ndescription = 3\n', "'description' = 3 must be a string"),
    ('name = "x"\nname = "y"\n', "is not valid TOML: Cannot overwrite a value"),
    (BINARY, "is not UTF-8 text"),
]


@pytest.mark.parametrize("text, fragment", REGIME_TOML)
def test_regime_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "bad.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError) as e:
        load_regime_file(path)
    assert fragment in str(e.value) and f"regime file {path}" in str(e.value)


# --- experiment specs -----------------------------------------------------------------------
SPECS = [
    ({"regimes": ()}, "give at least one regime"),
    ({"regimes": ("open", "open")}, "regimes must be distinct"),
    ({"n_seeds": []}, "seeds must be a whole number"),
    ({"n_seeds": 10**9}, "seeds must be a whole number in [1, 100,000]"),
    ({"root_seed": -1}, "root_seed must be a whole number in [0,"),
    ({"designs": ({"seed": 3},)}, "['seed'] cannot be overridden"),
    ({"designs": ({"bass_q": 0.3}, {"bass_q": 0.3})}, "designs must be distinct"),
    ({"designs": ({"bass_q": 0.3}, {"bass_q": 3.5})}, "'bass_q' = 3.5 is outside"),
    ({"overrides": {"bass_q": 0.3}, "designs": ({"bass_q": 0.4},)}, "['bass_q'] set both"),
    ({"reference": "nope"}, "reference regime 'nope' is not among the regimes"),
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


# --- spec files (compare --spec) ------------------------------------------------------------
SPEC_FILES = [
    ('regimes = ["open"]\nseeds = 2\ncolour = 1\n', "unknown field(s) ['colour']"),
    ("seeds = 2\n", "a spec needs 'regimes' and 'seeds'"),
    ("regimes = []\nseeds = 2\n", "'regimes' must be a non-empty array"),
    ("regimes = [5]\nseeds = 2\n", "regimes[0] = 5 must be a preset name"),
    ('regimes = ["open"]\nseeds = 0\n', "seeds must be a whole number in [1, 100,000]"),
    ('regimes = ["open"]\nseeds = 2\ngrid = {bass_q = []}\n', "grid 'bass_q' must be a non-empty"),
    ('regimes = ["open"]\nseeds = 2\ngrid = {bass_q = [0.1, 0.1]}\n', "lists a value twice"),
    ('regimes = ["open"]\nseeds = 2\noutcomes = ["nope"]\n', "unknown outcome(s) ['nope']"),
    ('regimes = ["open"]\nseeds = 2\ncalibrated = 3\n', "'calibrated' must be 'shipped'"),
    ('regimes = ["open"]\nseeds = 2\nn_adopters = 9\n[overrides]\nn_adopters = 8\n', "both"),
    (
        'regimes = ["open"]\nseeds = 2\ngrid = {bass_q = [0.2]}\n[[design]]\nbass_q = 0.1\n',
        "either as [grid] or as [[design]]",
    ),
    ('regimes = ["mine.toml"]\nseeds = 2\n', "mine.toml does not exist"),
    ("regimes = [{name = 5}]\nseeds = 2\n", "regimes[0]: regime field 'name' = 5"),
]


@pytest.mark.parametrize("text, fragment", SPEC_FILES)
def test_spec_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        load_spec_file(path)
    assert fragment in str(e.value) and str(e.value).startswith(f"--spec {path}")


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
    (target().replace('name="a"', 'name="a"\nname="b"'), "Cannot overwrite a value"),
    (BINARY, "is not UTF-8 text"),
]


@pytest.mark.parametrize("text, fragment", TARGETS)
def test_targets_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "targets.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError) as e:
        load_targets(path)
    assert fragment in str(e.value) and str(e.value).startswith(f"--targets {path}")


SPACES = [
    ('[[param]]\nname = "bass_z"\nlo = 0\nhi = 1\n', "unknown parameter 'bass_z'"),
    ('[[param]]\nname = "bass_q"\nlo = 1\nhi = 1\n', "need numbers lo < hi"),
    ('[[param]]\nname = "bass_q"\nlo = 0\nhi = 9\n', "leaves the allowed range [0, 3]"),
    ('[[param]]\nname = "bass_q"\nlo = 0\nhi = 1\nhigh = 2\n', "unknown field(s) ['high']"),
    ("param = 5\n", "'param' must be an array of tables"),
    ('[[param]]\nname = "bass_q"\nname = "bass_p"\n', "Cannot overwrite a value"),
    (BINARY, "is not UTF-8 text"),
]


@pytest.mark.parametrize("text, fragment", SPACES)
def test_space_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "space.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError) as e:
        load_space(path)
    assert fragment in str(e.value) and str(e.value).startswith(f"--space {path}")


RANGES = [
    ("param = 5\n", "expected only [[param]] tables"),
    ('[[param]]\nname = "bass_q"\nlo = 0.1\nhi = 0.2\nwhy = "x"\nlo = 0.3\n', "Cannot overwrite"),
    (BINARY, "is not UTF-8 text"),
    ('[[param]]\nname = "bass_q"\nlo = 0.1\nhi = 0.2\n', "'bass_q' needs a 'why'"),
]


@pytest.mark.parametrize("text, fragment", RANGES)
def test_ranges_file_rejects(tmp_path, text, fragment):
    path = tmp_path / "ranges.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError) as e:
        load_ranges(path)
    assert fragment in str(e.value) and str(e.value).startswith(f"--ranges {path}")


def test_a_folder_or_a_missing_file_is_named(tmp_path):
    for load, option in ((load_space, "--space"), (load_targets, "--targets"),
                         (load_ranges, "--ranges"), (load_regime_file, "regime file")):  # fmt: skip
        with pytest.raises(ValueError, match=f"^{option} {tmp_path} is not a file$"):
            load(tmp_path)
        with pytest.raises(ValueError, match=f"^{option} {tmp_path / 'no.toml'} does not exist$"):
            load(tmp_path / "no.toml")
