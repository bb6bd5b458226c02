"""Bad input is rejected before any run, with the field and the allowed range named."""

import pytest

from aiblocs import AIBlocsModel, run
from aiblocs.cli import main
from aiblocs.model.regimes import load_regime_file


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"regime": "nope"}, "unknown regime 'nope'"),
        ({"n_adopters": -5}, "n_adopters"),
        ({"n_adopters": 0}, "n_adopters"),
        ({"share_us": 1.5}, "share_us"),
        ({"cross_border": -0.1}, "[0, 1]"),
        ({"enforcement": 1.2}, "enforcement"),
        ({"end": "2020Q1"}, "before 'start'"),
        ({"start": "2025Q5"}, "YYYYQn"),
        ({"bass_q": float("nan")}, "bass_q"),
        ({"bass_p": "high"}, "must be a number"),
        ({"no_such_param": 1}, "unknown parameter"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_input_rejected(kwargs, fragment):
    kw = {"regime": "historical", "n_adopters": 100, **kwargs}
    with pytest.raises(ValueError) as e:
        AIBlocsModel(**kw)
    assert fragment in str(e.value)


@pytest.mark.parametrize(
    "text, fragment",
    [
        (
            'name = "x"\n[[rule]]\ntier = "frontier"\nfrom = "2023Q1"\nstatus = "maybe"\n',
            "unknown status",
        ),
        (
            'name = "x"\n[[rule]]\ntier = "frontier"\nfrom = "2023Q1"\n'
            'status = "banned"\nfee = 0.2\n',
            "banned tier cannot",
        ),
        ('name = "x"\n[[rule]]\ntier = "gpu"\nfrom = "2023Q1"\n', "unknown tier"),
        ('name = "x"\n[[rule]]\ntier = "prev"\nfrom = "2023Q9"\n', "YYYYQn"),
        ('name = "x"\nenforcement = 2\n', "[0, 1]"),
        (
            'name = "x"\n[[rule]]\ntier = "prev"\nfrom = "2023Q1"\n[[rule]]\ntier = "prev"\n'
            'from = "2023Q1"\nstatus = "banned"\n',
            "same quarter",
        ),
        ('name = "x"\nthis is not toml', "not valid TOML"),
        ('name = "x"\ncolour = "red"\n', "unknown regime field"),
    ],
)
def test_malformed_regime_toml(tmp_path, text, fragment):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        load_regime_file(path)
    assert fragment in str(e.value)


def test_regime_toml_runs(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text(
        'name = "strict"\nenforcement = 0.9\n[[rule]]\ntier = "compliant"\n'
        'from = "2022Q4"\nstatus = "banned"\n'
    )
    df = run(str(path), seed=0, n_adopters=300)
    assert len(df) == 56


def test_memory_estimate_refuses_huge_runs(monkeypatch):
    import aiblocs.model.memory as model_mod

    monkeypatch.setattr(model_mod, "available_memory", lambda: 24 * 2**30)  # a 24 GiB machine
    with pytest.raises(ValueError, match="GiB"):
        AIBlocsModel("historical", n_adopters=49_000_000, network_degree=200)


def test_cli_bad_input_one_line(capsys):
    assert main(["run", "--regime", "nope", "--n-adopters", "10", "--no-plot"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown regime" in err[0]


def test_memory_estimate_counts_parallel_workers(tmp_path, capsys, monkeypatch):
    import aiblocs.model.memory as model_mod

    free = 8 * 2**30  # the same answer on any host: an 8 GiB machine
    monkeypatch.setattr(model_mod, "available_memory", lambda: free)
    BYTES_PER_ADOPTER = model_mod.BYTES_PER_ADOPTER
    n = int(0.6 * free / BYTES_PER_ADOPTER)  # fits once, not four times
    args = ["compare", "--regimes", "open", "--seeds", "1", "--n-adopters", str(n),
            "--workers", "4", "--out", str(tmp_path / "c")]  # fmt: skip
    assert main(args) == 2
    assert "x 4 workers" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_calibrate_warns_about_too_few_seeds(tmp_path, capsys):
    args = ["calibrate", "--budget", "8", "--seeds", "1", "--n-adopters", "200", "--workers", "1",
            "--out", str(tmp_path / "cal"), "--quiet"]  # fmt: skip
    assert main(args) == 0
    assert "seed(s) per parameter vector" in capsys.readouterr().out
