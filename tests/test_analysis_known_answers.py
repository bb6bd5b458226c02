"""Known answers for the analysis code: Sobol on Ishigami, Morris on a linear function, paired
statistics on a planted effect, the regime tags of sensitivity outcomes and the calibrated
vectors of ``compare --calibrated``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aiblocs.cli import main
from aiblocs.compare import stats
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.ensemble.store import load_parts
from aiblocs.model.run import evaluate
from aiblocs.sensitivity import design
from aiblocs.sensitivity import methods as sa
from aiblocs.sensitivity.design import ANALYSED, Evaluation
from aiblocs.sensitivity.ranges import Range

PI = math.pi
ISHIGAMI_RANGES = [Range(f"x{i}", -PI, PI, "Ishigami") for i in (1, 2, 3)]


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first- and total-order Sobol indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def fake_points(fn):
    """A ``run_points`` that evaluates ``fn(X)`` for every analysed outcome, scaled per outcome."""

    def run_points(X, names, folder, kind, how):
        y = fn(X)
        return pd.DataFrame({out: (k + 1) * y for k, out in enumerate(ANALYSED)})

    return run_points


def test_sobol_recovers_the_ishigami_indices(monkeypatch, tmp_path):
    monkeypatch.setattr(sa, "run_points", fake_points(ishigami))
    table, sample = sa.run_sobol(ISHIGAMI_RANGES, 4096, tmp_path, Evaluation(seeds=1),
                                 resamples=200)  # fmt: skip
    s1, st = ishigami_indices()
    assert len(sample) == 4096 * (3 + 2)
    for out in ANALYSED:  # scaling the outcome does not change its indices
        rows = table[table["outcome"] == out].set_index("param").loc[["x1", "x2", "x3"]]
        np.testing.assert_allclose(rows["S1"], s1, atol=0.03)
        np.testing.assert_allclose(rows["ST"], st, atol=0.03)
        assert (rows["S1_conf"] < 0.1).all()


def test_sobol_skips_a_constant_outcome(monkeypatch, tmp_path):
    def run_points(X, names, folder, kind, how):
        y = ishigami(X)
        return pd.DataFrame({out: (y if k else np.zeros(len(X))) for k, out in enumerate(ANALYSED)})

    monkeypatch.setattr(sa, "run_points", run_points)
    table, _ = sa.run_sobol(ISHIGAMI_RANGES, 64, tmp_path, Evaluation(seeds=1), resamples=20)
    assert set(table["outcome"]) == set(list(ANALYSED)[1:])


def test_morris_recovers_linear_effects(monkeypatch, tmp_path):
    ranges = [Range("a", 0, 2, "x"), Range("b", -1, 1, "x"), Range("c", 10, 11, "x")]
    coef = np.array([3.0, -0.5, 0.0])
    monkeypatch.setattr(sa, "run_points", fake_points(lambda X: X @ coef))
    table, sample = sa.run_morris(ranges, 10, tmp_path, Evaluation(seeds=1))
    assert len(sample) == 10 * (3 + 1)
    for k, out in enumerate(ANALYSED):
        rows = table[table["outcome"] == out].set_index("param").loc[["a", "b", "c"]]
        widths = np.array([2.0, 2.0, 1.0])
        # elementary effects per unit of the normalised range: coefficient x range width
        np.testing.assert_allclose(rows["mu_star"], (k + 1) * np.abs(coef) * widths, rtol=1e-9)
        np.testing.assert_allclose(rows["mu"], (k + 1) * coef * widths, rtol=1e-9)
        np.testing.assert_allclose(rows["sigma"], 0.0, atol=1e-9)
        np.testing.assert_allclose(rows["mu_star_norm"], [1.0, 1 / 6, 0.0], atol=1e-12)
    assert sa.survivors(table, keep=1) == ["a"]
    assert sa.survivors(table, keep=5, threshold=0.1) == ["a", "b"]


def planted(n_seeds=40, effect=2.5, noise=1.0, seed=0):
    """Outcome rows of a two-regime spec: arm 1 = arm 0 + ``effect`` + small paired noise."""
    spec = ExperimentSpec(("containment", "open"), n_seeds=n_seeds, overrides={"n_adopters": 50})
    rng = np.random.default_rng(seed)
    base = rng.normal(10, 5, n_seeds)  # large seed-to-seed spread, shared by both arms
    rows = []
    for arm, _, _ in spec.arms():
        shift = effect if arm == 1 else 0.0
        for s in range(n_seeds):
            values = {o: base[s] + shift + rng.normal(0, noise * 0.01) for o in stats.OUTCOMES}
            values |= {"gs_locked_us": float(arm == 1 and s % 4 == 0), "gs_locked_cn": 0.0}
            values |= {"gs_contested": 1 - values["gs_locked_us"], "lockin_year": math.nan}
            rows.append({"run_id": f"{arm}-{s}", "arm": arm, "seed_index": s, **values})
    return spec, pd.DataFrame(rows), base


def test_paired_effects_recover_a_planted_effect():
    spec, rows, base = planted()
    eff = stats.paired_effects(rows, spec, n_boot=500)
    one = eff[eff["outcome"] == "adoption_gs_2030"].iloc[0]
    assert one["reference"] == "containment" and one["n"] == 40
    assert one["mean_diff"] == pytest.approx(2.5, abs=0.01)
    assert one["ci_lo"] < 2.5 < one["ci_hi"] and one["ci_hi"] - one["ci_lo"] < 0.02
    assert one["boot_lo"] < 2.5 < one["boot_hi"] and one["sign_frac"] == 1.0
    summ = stats.summary(rows, spec)
    s0 = summ[(summ["arm"] == 0) & (summ["outcome"] == "adoption_gs_2030")].iloc[0]
    assert s0["mean"] == pytest.approx(base.mean(), abs=0.01) and s0["n"] == 40
    assert s0["sd"] == pytest.approx(base.std(ddof=1), rel=0.01)
    # unpaired, the seed spread (sd 5) would swamp the same effect: the CI is ~100x wider
    assert s0["ci_hi"] - s0["ci_lo"] > 50 * (one["ci_hi"] - one["ci_lo"])
    lock = stats.lockin(rows, spec).set_index("arm")
    assert lock.loc[1, "p_us"] == 0.25 and lock.loc[0, "p_us"] == 0.0
    assert lock.loc[1, "p_us_lo"] < 0.25 < lock.loc[1, "p_us_hi"]


def test_paired_effects_pair_by_seed_not_by_row_order():
    spec, rows, _ = planted(n_seeds=12)
    shuffled = rows.sample(frac=1.0, random_state=3)
    a = stats.paired_effects(rows, spec).set_index("outcome")
    b = stats.paired_effects(shuffled, spec).set_index("outcome")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["adoption_gs_2030", "ci_hi"] - a.loc["adoption_gs_2030", "ci_lo"] < 0.05


def test_sensitivity_differences_are_containment_minus_managed_access(monkeypatch, tmp_path):
    """Regime tags: a d_ outcome is containment minus managed access, row-aligned with X."""
    level = {"containment": 10.0, "managed_access": 3.0}

    def fake_run(spec, folder, executor, kind, reduce, progress):
        fake_run.spec = spec

    def fake_load(folder, key):
        spec = fake_run.spec
        out = []
        for r in spec.runs():
            x = spec.designs[r.design]["edwc_optimism"]
            y = level[r.regime] * x + r.seed_index
            out.append({"design": r.design, "regime": r.regime, **dict.fromkeys(design.KEY, y)})
        return pd.DataFrame(out)

    monkeypatch.setattr(design, "run_experiment", fake_run)
    monkeypatch.setattr(design, "load_parts", fake_load)
    X = np.array([[2.0], [1.0], [2.0]])
    table = design.run_points(X, ["edwc_optimism"], tmp_path, "sensitivity", Evaluation(seeds=3))
    assert fake_run.spec.labels == ("containment", "managed_access")
    for k in design.KEY:
        np.testing.assert_allclose(table[k], [21.0, 11.0, 21.0])  # containment level + mean seed
        np.testing.assert_allclose(table[f"d_{k}"], [14.0, 7.0, 14.0])
    assert len(fake_run.spec.designs) == 2  # a repeated point runs once


def test_compare_calibrated_runs_each_seed_on_its_vector(tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text("induced_efficiency,edwc_optimism\n0.2,0.5\n1.8,7.0\n")
    out = tmp_path / "cmp"
    argv = ["compare", "--regimes", "containment", "open", "--seeds", "3", "--n-adopters", "150",
            "--workers", "1", "--calibrated", str(sample), "--no-figures", "--no-progress",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    rows = load_parts(out, "run_id")
    vectors = [{"induced_efficiency": 0.2, "edwc_optimism": 0.5},
               {"induced_efficiency": 1.8, "edwc_optimism": 7.0}]  # fmt: skip
    spec = ExperimentSpec(("containment", "open"), n_seeds=3)
    seeds = spec.seeds()
    for (regime, si), run in rows.groupby(["regime", "seed_index"]):
        vec = vectors[si % 2]
        assert run["induced_efficiency"].iloc[0] == vec["induced_efficiency"]
        assert run["edwc_optimism"].iloc[0] == vec["edwc_optimism"]
        direct = evaluate(regime, seeds[si], n_adopters=150, **vec)
        got = stats.outcome_table(run, spec).iloc[0]
        assert got["cn_lag_months_2030"] == pytest.approx(direct["cn_lag_months_2030"], rel=1e-12)
        assert got["cn_dc_cancellations_cum"] == pytest.approx(
            direct["cn_dc_cancellations_cum"], rel=1e-12)  # fmt: skip
