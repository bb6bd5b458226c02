"""Calibration: targets, SMM pieces on known answers, the twin experiment, CLI and resume."""

import json

import numpy as np
import pytest

from aiblocs.calibration import smm
from aiblocs.calibration.simulate import Simulator
from aiblocs.calibration.targets import Dimension, load_space, load_targets
from aiblocs.calibration.twin import run_twin
from aiblocs.cli import main
from aiblocs.ensemble.executors import LocalExecutor
from aiblocs.model.scenario import Scenario


def test_shipped_targets_and_space_load():
    targets, unmapped = load_targets()
    assert {t.set for t in targets} == {"fit", "holdout"}
    fit_last = max(t.end for t in targets if t.set == "fit")
    assert fit_last <= "2025Q2" < min(t.end for t in targets if t.set == "holdout")
    assert "smuggling" in unmapped
    assert len(load_space()) >= 5


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('[[target]]\nname = "a"\n', "missing field"),
        (
            '[[target]]\nname="a"\noutput="nope"\nstat="mean"\nstart="2023Q1"\nend="2023Q4"\n'
            'observed=1.0\nlo=0.0\nhi=2.0\nset="fit"\nsource="x"\n',
            "unknown output",
        ),
        (
            '[[target]]\nname="a"\noutput="adoption_cn"\nstat="mean"\nstart="2023Q4"\nend="2023Q1"\n'
            'observed=1.0\nlo=0.0\nhi=2.0\nset="fit"\nsource="x"\n',
            "start <= end",
        ),
        (
            '[[target]]\nname="a"\noutput="adoption_cn"\nstat="mean"\nstart="2023Q1"\nend="2023Q4"\n'
            'observed=3.0\nlo=0.0\nhi=2.0\nset="fit"\nsource="x"\n',
            "lo <= observed <= hi",
        ),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_targets_file(tmp_path, text, fragment):
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as e:
        load_targets(path)
    assert fragment in str(e.value)


def test_variance_floor_keeps_degenerate_moment():
    sims = np.array([[1.0, 5.0], [1.0, 7.0], [1.0, 6.0]])  # first moment has zero variance
    observed, sigma = np.array([1.0, 6.0]), np.array([1e-9, 1.0])
    w = smm.step2(sims, observed, sigma)
    assert np.isfinite(w.W).all()
    assert w.omega[0, 0] >= (smm.FLOOR * 1.0) ** 2  # floored, neither infinite weight nor zero
    assert w.W[0, 0] > 0


def test_sandwich_matches_ols_on_linear_moments():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(6, 2))
    omega = np.eye(6) * 0.25
    inf = smm.inference(G, np.eye(6), omega, np.zeros(6), np.ones(2), np.ones(6))
    expected = np.linalg.inv(G.T @ G) * 0.25
    assert np.allclose(inf.cov, expected)
    assert inf.rank == 2 and inf.df == 4 and inf.J == 0


def test_twin_recovers_known_parameters():
    targets, _ = load_targets()
    space = [
        Dimension("distillation", 0.0, 1.0, ""),  # induced efficiency idles without scarcity
        Dimension("cn_domestic_preference", 0.0, 5.0, ""),
    ]
    truth = np.array([0.4, 2.5])
    scn = Scenario.build("historical", n_adopters=400)
    sim = Simulator([d.name for d in space], targets, [11, 12], scn, LocalExecutor(1))
    res, inside = run_twin(targets, space, truth, sim, budget=32)
    assert inside.all(), (res.theta, res.inference.se)
    assert res.inference.rank == 2


def test_calibrate_cli_small_budget_and_resume(tmp_path, capsys):
    out = tmp_path / "cal"
    args = [
        "calibrate",
        "--budget",
        "8",
        "--seeds",
        "1",
        "--n-adopters",
        "300",
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(args) == 0
    first = json.loads((out / "calibration.json").read_text())
    for name in (
        "report.md",
        "fit_table.csv",
        "targets.png",
        "loss_trace.png",
        "marginals.png",
        "msm_sample.csv",
        "abc_sample.csv",
        "calibrated.toml",
        "manifest.json",
    ):
        assert (out / name).exists(), name
    parts = sorted((out / "parts").iterdir())
    assert main(args) == 0  # resume: everything cached, same answer, nothing re-run
    assert "resuming" in capsys.readouterr().out
    assert json.loads((out / "calibration.json").read_text())["estimate"] == first["estimate"]
    assert sorted((out / "parts").iterdir()) == parts
    with pytest.raises(ValueError, match="different experiment"):
        from aiblocs.cli import build_parser

        a = build_parser().parse_args([*args[:-3], "--seed", "5", "--out", str(out)])
        a.func(a)


def test_compare_over_calibrated_sample_pairs_parameter_vectors(tmp_path):
    from aiblocs.ensemble.spec import ExperimentSpec, calibrated_vectors

    sample = tmp_path / "sample.csv"
    sample.write_text("induced_efficiency,bass_q\n0.5,0.6\n1.5,1.2\n")
    rows = calibrated_vectors(str(sample))
    spec = ExperimentSpec(("containment", "open"), n_seeds=3, overrides={"n_adopters": 200},
                          seed_overrides=rows)  # fmt: skip
    runs = spec.runs()
    by_seed = {}
    for r in runs:  # every regime gets the same vector on the same seed index: still paired
        by_seed.setdefault(r.seed_index, set()).add(r.scenario.params.induced_efficiency)
    assert by_seed == {0: {0.5}, 1: {1.5}, 2: {0.5}}
    bad = tmp_path / "bad.csv"
    bad.write_text("not_a_param\n1\n")
    with pytest.raises(ValueError, match="not parameters"):
        calibrated_vectors(str(bad))
    out = tmp_path / "cmp"
    assert (
        main(
            [
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
                "--calibrated",
                str(sample),
                "--no-figures",
                "--no-progress",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "report.md").exists()
