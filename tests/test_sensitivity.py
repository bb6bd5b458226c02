"""Sensitivity analysis (Morris/Sobol), PRIM scenario discovery and their CLI."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from aiblocs.cli.sensitivity import register
from aiblocs.ensemble.executors import LocalExecutor
from aiblocs.model.params import PARAM_FIELDS
from aiblocs.sensitivity import discover, prim
from aiblocs.sensitivity import methods as sa
from aiblocs.sensitivity.design import KEY, Evaluation, run_points
from aiblocs.sensitivity.ranges import load_ranges


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="aiblocs")
    sub = parser.add_subparsers(dest="cmd", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


# --- ranges ---------------------------------------------------------------------------------


def test_packaged_ranges_are_valid_and_inside_field_bounds():
    ranges = load_ranges()
    assert 16 <= len(ranges) <= 24  # a Sobol design stays affordable
    for r in ranges:
        assert r.lo < r.hi and r.why
        if r.name in PARAM_FIELDS:
            meta = PARAM_FIELDS[r.name].metadata
            assert meta["lo"] <= r.lo and r.hi <= meta["hi"]
    assert "enforcement" in {r.name for r in ranges}


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('name = "nope"\nlo = 0\nhi = 1\nwhy = "x"', "unknown parameter 'nope'"),
        ('name = "bass_q"\nlo = 0.5\nhi = 9.0\nwhy = "x"', r"outside its allowed range \[0, 3\]"),
        ('name = "bass_q"\nlo = 1.0\nhi = 0.5\nwhy = "x"', "lo < hi"),
        ('name = "bass_q"\nlo = 0.2\nhi = 0.5', "needs a 'why'"),
        ('name = "enforcement"\nlo = 0.2\nhi = 1.5\nwhy = "x"', "outside its allowed range"),
        ('name = "bass_q"\nlo = "a"\nhi = 0.5\nwhy = "x"', "numeric lo and hi"),
    ],
)
def test_bad_ranges_raise_clear_errors(tmp_path, body, match):
    path = tmp_path / "r.toml"
    path.write_text(f"[[param]]\n{body}\n")
    with pytest.raises(ValueError, match=match):
        load_ranges(path)


def test_duplicate_range_refused(tmp_path):
    path = tmp_path / "r.toml"
    entry = '[[param]]\nname = "bass_q"\nlo = 0.2\nhi = 0.5\nwhy = "x"\n'
    path.write_text(entry + entry)
    with pytest.raises(ValueError, match="listed twice"):
        load_ranges(path)


# --- PRIM -----------------------------------------------------------------------------------


def _synthetic(n: int = 800, noise: float = 0.03):
    rng = np.random.default_rng(1)
    X = rng.random((n, 4))
    y = ((X[:, 0] > 0.7) & (X[:, 2] < 0.4)).astype(float)
    flip = rng.random(n) < noise
    return X, np.where(flip, 1 - y, y)


def test_prim_finds_the_planted_box():
    X, y = _synthetic()
    boxes, trajs = prim.cover(X, y, ["a", "b", "c", "d"])
    box = boxes[0]
    assert {"a", "c"} <= set(box.restricted)
    drop = {n: box.density - box.density_if_lifted[n] for n in box.restricted}
    assert (
        min(drop["a"], drop["c"])
        > 0.3
        > max([v for n, v in drop.items() if n not in "ac"], default=0)
    )
    assert 0.68 <= box.limits["a"][0] <= 0.85  # densest box covering >= 50%: may trim inside
    assert 0.25 <= box.limits["c"][1] <= 0.42
    assert box.density > 0.9 and box.coverage >= 0.5
    supports = [b.support for b in trajs[0]]
    assert supports[0] == 1.0 and all(np.diff(supports) < 0)
    assert min(supports) >= prim.MIN_SUPPORT
    assert all(box.density_if_lifted[n] < box.density for n in box.restricted)


def test_prim_choice_rule_and_validation():
    X, y = _synthetic()
    traj = prim.peel(X, y, list("abcd"))
    chosen = prim.choose(traj, min_coverage=0.5)
    assert chosen.coverage >= 0.5
    assert all(b.density <= chosen.density for b in traj if b.coverage >= 0.5)
    with pytest.raises(ValueError, match="0/1"):
        prim.peel(X, y * 2, list("abcd"))
    with pytest.raises(ValueError, match="shape"):
        prim.peel(X, y, list("abc"))
    with pytest.raises(ValueError, match="alpha"):
        prim.peel(X, y, list("abcd"), alpha=0.7)


# --- evaluation of a sample (resumable) ------------------------------------------------------


def test_points_resume_and_refuse_other_samples(tmp_path):
    X = np.array([[0.2, 0.5], [1.5, 0.5], [0.2, 0.5]])  # a repeated point runs once
    names = ["induced_efficiency", "enforcement"]
    args = (tmp_path, "sensitivity", Evaluation(1, {"n_adopters": 60}, LocalExecutor(1), False))
    Y = run_points(X, names, *args)
    assert list(Y.columns) == [*KEY, *[f"d_{k}" for k in KEY]]
    pd.testing.assert_frame_equal(Y.iloc[[0]], Y.iloc[[2]].set_axis([0]))
    parts = sorted((tmp_path / "parts").iterdir())
    (parts[-1]).unlink()  # a lost part: its runs are redone, the rest is kept
    Y2 = run_points(X, names, *args)
    pd.testing.assert_frame_equal(Y, Y2)
    with pytest.raises(ValueError, match="different experiment"):
        run_points(X + 0.1, names, *args)


def test_survivors_and_backfire_definitions():
    morris = pd.DataFrame(
        {
            "outcome": ["o1"] * 3 + ["o2"] * 3,
            "param": ["a", "b", "c"] * 2,
            "mu_star_norm": [1.0, 0.05, 0.3, 0.02, 1.0, 0.01],
        }
    )
    assert sa.survivors(morris, keep=2) == ["b", "a"]  # tie on max, b has the higher mean
    assert sa.survivors(morris, keep=5, threshold=0.5) == ["b", "a"]
    assert sa.survivors(morris, keep=5) == ["b", "a", "c"]
    Y = pd.DataFrame({"d_cn_lag_months_2030": [-1.0, 0.4, 2.0, 0.0],
                      "d_cn_domestic_chip_share_2030": [0.1, 0.2, 0.3, 0.0]})  # fmt: skip
    assert list(discover.backfire(Y)) == [1.0, 1.0, 0.0, 0.0]


# --- end to end (real model, tiny budget) ---------------------------------------------------


SMALL_RANGES = """
[[param]]
name = "induced_efficiency"
lo = 0.0
hi = 2.0
why = "test"
[[param]]
name = "open_weight_spillover"
lo = 0.1
hi = 0.6
why = "test"
[[param]]
name = "enforcement"
lo = 0.3
hi = 0.9
why = "test"
[[param]]
name = "cn_domestic_preference"
lo = 0.0
hi = 5.0
why = "test"
"""


def test_sensitivity_and_discover_commands_end_to_end(tmp_path, capsys):
    out = tmp_path / "sa"
    ranges = tmp_path / "ranges.toml"
    ranges.write_text(SMALL_RANGES)
    base = ["--seeds", "1", "--n-adopters", "300", "--workers", "1", "--no-progress",
            "--ranges", str(ranges)]  # fmt: skip
    assert _cli(["sensitivity", "--method", "sobol", "--n", "8", "--screen-n", "2",
                 "--keep", "2", "--out", str(out), *base]) == 0  # fmt: skip
    text = (out / "report.md").read_text()
    assert "## Morris screening" in text and "## Sobol indices" in text
    assert "base N = 8" in text and "Command: `aiblocs sensitivity --method sobol" in text
    assert (out / "morris.png").stat().st_size > 0 and (out / "sobol.png").stat().st_size > 0
    manifest = json.loads((out / "sobol" / "manifest.json").read_text())
    assert manifest["tasks_done"] == manifest["n_tasks"] == 8 * (2 + 2) * 2  # x 2 regimes
    parts = sorted((out / "sobol" / "parts").iterdir())
    # a re-run resumes (no new evaluations); another design in the same folder is refused
    assert _cli(["sensitivity", "--method", "sobol", "--n", "8", "--screen-n", "2",
                 "--keep", "2", "--out", str(out), *base]) == 0  # fmt: skip
    assert sorted((out / "sobol" / "parts").iterdir()) == parts
    with pytest.raises(ValueError, match="different experiment"):
        _cli(["sensitivity", "--method", "morris", "--n", "3", "--out", str(out), *base])
    disc = tmp_path / "disc"
    assert _cli(["discover", "--n", "20", "--out", str(disc), *base]) == 0
    text = (disc / "report.md").read_text()
    assert "Containment backfires" in text and "Base rate" in text
    assert "backfire rate" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["sensitivity", "--method", "sobol", "--n", "10"], "power of two"),
        (["sensitivity", "--method", "morris", "--n", "1"], r"trajectories\) in \[2, 10000\]"),
        (["sensitivity", "--seeds", "0"], r"--seeds must be in \[1, 1000\]"),
        (["sensitivity", "--n-adopters", "0"], "'n_adopters' = 0 is outside"),
        (["sensitivity", "--keep", "0"], r"--keep must be in \[1, 100\]"),
        (["discover", "--n", "5"], r"--n in \[20, 200000\]"),
        (["discover", "--tol-months", "-1"], "--tol-months"),
    ],
)
def test_bad_cli_input_raises_value_error(tmp_path, argv, match):
    with pytest.raises(ValueError, match=match):
        _cli([*argv, "--out", str(tmp_path / "x"), "--workers", "1", "--no-progress"])
