"""Sensitivity and discovery results are reusable: sample, outputs and every index as CSV, and a
report rebuilt from those files alone (synthetic results, no model runs)."""

import json

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as morris_analyze

from aiblocs.sensitivity import prim, results
from aiblocs.sensitivity.design import ANALYSED
from aiblocs.sensitivity.ranges import Range
from aiblocs.sensitivity.report import write_discover_report, write_sensitivity_report

RANGES = [Range("bass_q", 0.3, 0.6, "Bass q"), Range("enforcement", 0.3, 0.9, "stopped"),
          Range("induced_efficiency", 0.5, 1.5, "scarcity")]  # fmt: skip
NAMES = [r.name for r in RANGES]
META = {"command": "aiblocs sensitivity --method sobol ...", "eval_s": 1.0, "runtime_s": 1.0,
        "executor": "test", "n_points": 10, "seeds": 1, "n_runs": 20, "n_adopters": 300,
        "model": "abc", "morris_r": 2, "keep": 2, "sobol_n": 8, "n_points_sobol": 32}  # fmt: skip


@pytest.fixture(autouse=True)
def quick_figures(monkeypatch):
    """Figures as empty files: their looks and formats are tested in test_figures.py."""
    from aiblocs.sensitivity import report

    def stub(*args):
        path = args[-1] if str(args[-1]).endswith(".png") else args[-1] / "prim_boxes.png"
        path.write_bytes(b"png")

    for name in ("morris_figure", "sobol_figure", "prim_figures"):
        monkeypatch.setattr(report, name, stub)


def _points(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.uniform(0, 1, (n, len(NAMES))), columns=NAMES)
    Y = pd.DataFrame({o: X["bass_q"] * (i + 1) + rng.normal(0, 0.01, n)
                      for i, o in enumerate(ANALYSED)})  # fmt: skip
    return pd.concat([X, Y], axis=1)


def _morris(points: pd.DataFrame) -> pd.DataFrame:
    prob = {"num_vars": 3, "names": NAMES, "bounds": [[r.lo, r.hi] for r in RANGES]}
    rows = []
    for out in ANALYSED:
        res = morris_analyze.analyze(prob, points[NAMES].to_numpy(), points[out].to_numpy(),
                                     num_levels=4, seed=1)  # fmt: skip
        rows += [{"outcome": out, "param": p, "mu_star": res["mu_star"][j],
                  "mu_star_conf": res["mu_star_conf"][j], "mu": res["mu"][j],
                  "sigma": res["sigma"][j]} for j, p in enumerate(NAMES)]  # fmt: skip
    table = pd.DataFrame(rows)
    top = table.groupby("outcome")["mu_star"].transform("max")
    return table.assign(mu_star_norm=table["mu_star"] / top)


def test_sensitivity_results_are_written_as_csv_and_rebuild_the_report(tmp_path):
    from SALib.sample import morris as morris_sample

    prob = {"num_vars": 3, "names": NAMES, "bounds": [[r.lo, r.hi] for r in RANGES]}
    X = morris_sample.sample(prob, N=4, num_levels=4, seed=0)
    mpoints = _points(len(X), 0)
    mpoints[NAMES] = X
    morris = _morris(mpoints)
    keep = ["bass_q", "induced_efficiency"]
    spoints = _points(16, 1)[keep + list(ANALYSED)]
    sobol = pd.DataFrame([{"outcome": o, "param": p, "S1": 0.5, "S1_conf": 0.1, "ST": 0.6,
                           "ST_conf": 0.1} for o in ANALYSED for p in keep])  # fmt: skip
    path = write_sensitivity_report(tmp_path, RANGES, morris, keep, sobol, META,
                                    {"morris": mpoints, "sobol": spoints})  # fmt: skip
    text = path.read_text()
    mx, my = pd.read_csv(tmp_path / "morris_X.csv"), pd.read_csv(tmp_path / "morris_Y.csv")
    assert list(mx.columns) == NAMES and np.allclose(mx.to_numpy(), X)
    assert list(my.columns) == list(ANALYSED) and len(my) == len(X)
    mi = pd.read_csv(tmp_path / "morris_indices.csv")
    assert {"outcome", "param", "mu", "mu_star", "mu_star_conf", "sigma"} <= set(mi.columns)
    assert np.allclose(mi["mu_star"], morris["mu_star"])
    si = pd.read_csv(tmp_path / "sobol_indices.csv")
    assert {"S1", "S1_conf", "ST", "ST_conf", "conf_level"} <= set(si.columns)
    assert list(pd.read_csv(tmp_path / "sobol_X.csv").columns) == keep
    assert pd.read_csv(tmp_path / "ranges.csv")["parameter"].tolist() == NAMES
    assert json.loads((tmp_path / "meta.json").read_text())["survivors"] == keep
    assert "## Files" in text and "python -m aiblocs.sensitivity.results" in text
    for name in ("morris", "sobol"):
        (tmp_path / f"{name}.png").unlink()
    (tmp_path / "report.md").unlink()
    assert results.main([str(tmp_path)]) == 0  # rebuild from the CSV files alone
    assert (tmp_path / "report.md").read_text() == text
    assert (tmp_path / "sobol.png").stat().st_size > 0 and (tmp_path / "morris.png").exists()


def test_discover_results_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.uniform(0, 1, (300, 3)) * [0.3, 0.6, 1.0] + [0.3, 0.3, 0.5],
                     columns=NAMES)  # fmt: skip
    hit = (X["induced_efficiency"] > 1.1) & (X["bass_q"] < 0.45)
    Y = pd.DataFrame({"d_cn_lag_months_2030": np.where(hit, 0.1, 3.0),
                      "d_cn_domestic_chip_share_2030": 0.1,
                      "cn_lag_months_2030": np.where(hit, 0.2, 5.0)})  # fmt: skip
    y = hit.to_numpy(float)
    boxes, trajs = prim.cover(X.to_numpy(), y, NAMES)
    res = {"X": X, "Y": Y, "y": y, "boxes": boxes, "trajectories": trajs, "tol_months": 0.5,
           "strict_rate": 0.0, "domestic_rate": 1.0}  # fmt: skip
    text = write_discover_report(tmp_path, RANGES, res, META).read_text()
    boxes_csv = pd.read_csv(tmp_path / "prim_boxes.csv")
    assert {"box", "coverage", "density", "support", "n_points", "parameter", "lo", "hi"} <= set(
        boxes_csv.columns
    )
    assert boxes_csv["coverage"].iloc[0] == pytest.approx(boxes[0].coverage)
    assert set(boxes_csv["parameter"]) == set(boxes[0].restricted) | {
        n for b in boxes[1:] for n in b.restricted
    }
    traj = pd.read_csv(tmp_path / "prim_trajectories.csv")
    assert len(traj) == sum(len(t) for t in trajs) and traj["density"].between(0, 1).all()
    dy = pd.read_csv(tmp_path / "discover_Y.csv")
    assert dy["backfire"].tolist() == y.astype(int).tolist()
    loaded = results.load_discover(tmp_path)
    assert [x for b in loaded["boxes"] for n in b.restricted for x in b.limits[n]] == (
        pytest.approx([x for b in boxes for n in b.restricted for x in b.limits[n]])
    )
    (tmp_path / "report.md").unlink()
    results.rebuild(tmp_path)
    assert (tmp_path / "report.md").read_text() == text
    (tmp_path / "meta.json").unlink()
    with pytest.raises(ValueError, match="not a results folder"):
        results.rebuild(tmp_path)
