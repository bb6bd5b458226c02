"""Known answers for the analysis code: Sobol on Ishigami, Morris on a linear function, paired
statistics on a planted effect, the regime tags of sensitivity outcomes, the calibrated vectors
of ``compare --calibrated``, and the calibration's moments and SMM algebra."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from aiblocs.calibration import smm
from aiblocs.calibration.simulate import Simulator, moments_task
from aiblocs.calibration.targets import Z90, Target, load_targets, moments
from aiblocs.cli import main
from aiblocs.compare import stats
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.ensemble.store import load_parts
from aiblocs.model.run import evaluate, run
from aiblocs.model.scenario import Scenario
from aiblocs.sensitivity import design
from aiblocs.sensitivity import methods as sa
from aiblocs.sensitivity.design import ANALYSED, Evaluation
from aiblocs.sensitivity.ranges import Range, problem

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


def test_sobol_sample_and_bootstrap_are_seeded_and_returned(monkeypatch, tmp_path):
    """The scrambled sample is the one evaluated and returned; ``sample_seed`` (default 0)
    sets it and ``sample_seed + 1`` the bootstrap, so a rerun repeats the CIs exactly."""
    from SALib.analyze import sobol as sobol_analyze

    seen = []

    def run_points(X, names, folder, kind, how):
        seen.append((X.copy(), list(names), kind))
        return fake_points(ishigami)(X, names, folder, kind, how)

    monkeypatch.setattr(sa, "run_points", run_points)
    how = Evaluation(seeds=1)
    table, sample = sa.run_sobol(ISHIGAMI_RANGES, 64, tmp_path, how, resamples=30)
    X, names, kind = seen[0]
    assert names == ["x1", "x2", "x3"] and kind == "sensitivity"
    np.testing.assert_array_equal(sample[names].to_numpy(), X)
    assert not (X == -PI).all(axis=1).any()  # scrambled: no point at the lower corner
    assert list(table.columns) == ["outcome", "param", "S1", "S1_conf", "ST", "ST_conf"]
    again, _ = sa.run_sobol(ISHIGAMI_RANGES, 64, tmp_path, how, sample_seed=0, resamples=30)
    pd.testing.assert_frame_equal(again, table)
    np.testing.assert_array_equal(seen[1][0], X)
    sa.run_sobol(ISHIGAMI_RANGES, 64, tmp_path, how, sample_seed=5, resamples=30)
    assert not np.array_equal(seen[2][0], X)
    prob = problem(ISHIGAMI_RANGES)
    out = next(iter(ANALYSED))
    y = sample[out].to_numpy()
    res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=30,
                                conf_level=0.95, seed=1)  # fmt: skip
    first = table[table["outcome"] == out]
    np.testing.assert_array_equal(first["S1_conf"], res["S1_conf"])
    np.testing.assert_array_equal(first["ST_conf"], res["ST_conf"])


@pytest.mark.parametrize("n", [8, 16, 65_536])
def test_sobol_sizes_accepted(n):
    sa.check_sobol_n(n)


@pytest.mark.parametrize("n", [4, 7, 9, 12, 131_072, 65_537, 8.0, True, "8"])
def test_sobol_sizes_refused(n):
    with pytest.raises(ValueError, match=r"power of two in \[8, 65536\], got"):
        sa.check_sobol_n(n)


@pytest.mark.parametrize(("r", "ok"), [(2, True), (10_000, True), (1, False), (10_001, False),
                                       (2.0, False), (True, False), (3, True)])  # fmt: skip
def test_morris_trajectories_in_range(r, ok):
    if ok:
        sa.check_morris_r(r)
    else:
        with pytest.raises(ValueError, match=r"in \[2, 10000\], got"):
            sa.check_morris_r(r)


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
    for (regime, si), one in rows.groupby(["regime", "seed_index"]):
        vec = vectors[si % 2]
        assert one["induced_efficiency"].iloc[0] == vec["induced_efficiency"]
        assert one["edwc_optimism"].iloc[0] == vec["edwc_optimism"]
        direct = evaluate(regime, seeds[si], n_adopters=150, **vec)
        got = stats.outcome_table(one, spec).iloc[0]
        assert got["cn_lag_months_2030"] == pytest.approx(direct["cn_lag_months_2030"], rel=1e-12)
        assert got["cn_dc_cancellations_cum"] == pytest.approx(
            direct["cn_dc_cancellations_cum"], rel=1e-12)  # fmt: skip


# --- calibration: moments of a run and the SMM algebra -------------------------------------


def moment_frame() -> pd.DataFrame:
    q = ["2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"]
    return pd.DataFrame({"quarter": q, "x": [1.0, 2.0, 4.0, 8.0, 16.0],
                         "us_cloud_compute": [3.0] * 5, "cn_cloud_compute": [1.0] * 5,
                         "cn_hub_compute": [0.0, 1.0, 2.0, 3.0, 4.0]})  # fmt: skip


def target(output="x", stat="mean", start="2023Q4", end="2024Q2", lo=1.0, hi=3.0) -> Target:
    return Target("t", output, stat, start, end, 2.0, lo, hi, "fit", "[1]")


@pytest.mark.parametrize(("stat", "value"), [("mean", 14 / 3), ("sum", 14.0), ("last", 8.0),
                                             ("growth", 4.0)])  # fmt: skip
def test_target_statistics_over_their_span(stat, value):
    assert target(stat=stat).value(moment_frame()) == pytest.approx(value)


def test_growth_from_zero_is_zero_and_derived_outputs():
    assert (
        target(output="cn_hub_compute", stat="growth", start="2023Q3").value(moment_frame()) == 0.0
    )
    share = target(output="us_compute_share", stat="last", end="2024Q1")
    assert share.value(moment_frame()) == pytest.approx(3.0 / 6.0)
    assert target(lo=1.0, hi=1.0 + 2 * Z90).sigma == pytest.approx(1.0)
    ts = [target(stat="sum"), target(stat="last")]
    np.testing.assert_allclose(moments(moment_frame(), ts), [14.0, 8.0])


def test_shipped_targets_reduce_a_run():
    targets, _ = load_targets()
    df = run("historical", 3, n_adopters=300)
    values = moments(df, targets)
    assert values.shape == (len(targets),) and np.isfinite(values).all()
    for t, v in zip(targets, values, strict=True):
        assert v == t.value(df)
    theta = {"bass_q": 0.5}
    scenario = Scenario.build("historical", n_adopters=300, **theta)
    row = moments_task(("k|0", "k", 0, scenario, 3, targets, theta))
    ids = ["task", "key", "seed_index", "seed", "regime", "param:bass_q"]
    assert list(row.columns) == [*ids, *(t.name for t in targets)]
    assert row.loc[0, "param:bass_q"] == 0.5 and row.loc[0, "seed"] == 3
    np.testing.assert_allclose(row[[t.name for t in targets]].iloc[0].to_numpy(float),
                               moments(run(scenario, 3), targets))  # fmt: skip


def test_weights_loss_and_the_variance_floor():
    sigma = np.array([0.5, 2.0])
    w1 = smm.step1(sigma)
    np.testing.assert_allclose(w1.W, np.diag([4.0, 0.25]))
    np.testing.assert_allclose(w1.omega, np.diag([0.25, 4.0]))
    sims = np.array([[1.0, 10.0], [3.0, 10.0]])  # seed-mean (2, 10); the second never varies
    observed = np.array([1.0, 100.0])
    assert smm.loss(sims, observed, w1.W) == pytest.approx(1.0 * 4.0 + 90.0**2 * 0.25)
    omega = smm.omega_at(sims, observed, sigma)
    sim_var = np.var([1.0, 3.0], ddof=1) / 2
    assert omega[0, 0] == pytest.approx(0.25 + sim_var)
    assert omega[1, 1] == pytest.approx((smm.FLOOR * 100.0) ** 2)  # floored: 4 < 25
    assert omega[0, 1] == 0.0
    np.testing.assert_allclose(smm.step2(sims, observed, sigma).W, np.linalg.inv(omega))
    one = smm.omega_at(sims[:1], observed, sigma)  # one seed: no simulated variance
    np.testing.assert_allclose(np.diag(one), [0.25, 25.0])


def test_jacobian_by_central_differences_held_at_the_bounds():
    theta, lo, hi = np.array([0.5, 0.99]), np.array([0.0, 0.0]), np.array([1.0, 1.0])
    points, steps = smm.jacobian_points(theta, lo, hi, rel_step=0.1)
    np.testing.assert_allclose(points, [[0.6, 0.99], [0.4, 0.99], [0.5, 1.0], [0.5, 0.89]])
    np.testing.assert_allclose(steps, [0.2, 0.11])

    def m(t):
        return np.array([2 * t[0] + t[1], 3 * t[1], t[0] * 5])

    G = smm.jacobian([m(p) for p in points], steps)
    np.testing.assert_allclose(G, [[2, 1], [0, 3], [5, 0]], atol=1e-12)


def test_inference_on_linear_moments():
    G = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    omega = np.diag([1.0, 4.0, 2.0])
    W = np.linalg.inv(omega)
    d = np.array([1.0, -2.0, 1.0])
    res = smm.inference(G, W, omega, d, np.array([1.0, 1.0]), np.sqrt(np.diag(omega)))
    cov = np.linalg.inv(G.T @ W @ G)  # efficient weights: the sandwich collapses
    np.testing.assert_allclose(res.cov, cov, rtol=1e-10)
    np.testing.assert_allclose(res.se, np.sqrt(np.diag(cov)), rtol=1e-10)
    assert res.df == 1
    j_stat = res.J
    assert j_stat == pytest.approx(2.5)
    assert res.p_value == pytest.approx(sps.chi2.sf(2.5, 1))
    assert res.rank == 2 and np.isfinite(res.condition) and res.condition >= 1
    flat = smm.inference(np.array([[1.0, 2.0], [2.0, 4.0]]), np.eye(2), np.eye(2), np.zeros(2),
                         np.ones(2), np.ones(2))  # fmt: skip
    assert flat.rank == 1 and flat.condition > 1e12 and np.isnan(flat.p_value)
    zero = smm.inference(np.zeros((2, 1)), np.eye(2), np.eye(2), np.ones(2), np.ones(1),
                         np.ones(2))  # fmt: skip
    assert zero.rank == 0 and zero.condition == float("inf") and zero.df == 1


def test_truncated_normal_sample_stays_in_the_box():
    rng = np.random.default_rng(0)
    theta, lo, hi = np.array([0.5, 0.0]), np.array([0.0, -1.0]), np.array([1.0, 1.0])
    draws = smm.truncated_normal_sample(theta, np.diag([0.01, 0.04]), lo, hi, 500, rng)
    assert draws.shape == (500, 2) and ((draws >= lo) & (draws <= hi)).all()
    np.testing.assert_allclose(draws.mean(axis=0), theta, atol=0.02)
    np.testing.assert_allclose(draws.std(axis=0), [0.1, 0.2], rtol=0.1)
    far = smm.truncated_normal_sample(np.array([5.0]), np.eye(1) * 1e-6, np.zeros(1), np.ones(1),
                                      3, rng)  # fmt: skip
    np.testing.assert_allclose(far, 1.0)  # no draw lands in the box: clipped to it


class Serial:
    """An executor that runs tasks in this process, in order."""

    name = "serial"

    def map_unordered(self, fn, items, *args):
        for item in items:
            yield fn(item, *args)


def test_simulator_evaluates_on_common_seeds_and_caches():
    targets = [t for t in load_targets()[0] if t.set == "fit"][:3]
    scn = Scenario.build("historical", n_adopters=200)
    sim = Simulator(["edwc_optimism"], targets, [11, 12], scn, Serial())
    a, b = sim.evaluate([np.array([1.0]), np.array([6.0])])
    assert a.shape == (2, 3) and not np.allclose(a, b)
    for i, seed in enumerate((11, 12)):
        df = run(scn.replace(edwc_optimism=6.0), seed)
        np.testing.assert_allclose(b[i], moments(df, targets))
    assert sim.computed == 2 and sim.calls == 2
    again = sim.evaluate([np.array([6.0 + 1e-13])])  # rounded to the same key: cached
    np.testing.assert_array_equal(again[0], b)
    assert sim.computed == 2 and sim.calls == 2
    assert sim.key(np.array([0.1 + 0.2])) == sim.key(np.array([0.3]))
