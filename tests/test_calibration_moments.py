"""Known answers for the calibration's moments and SMM algebra (fast; no calibration run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aiblocs.calibration import smm
from aiblocs.calibration.simulate import Simulator, moments_task
from aiblocs.calibration.targets import Z90, Target, load_targets, moments
from aiblocs.model.run import run
from aiblocs.model.scenario import Scenario


def frame() -> pd.DataFrame:
    q = ["2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3"]
    return pd.DataFrame({"quarter": q, "x": [1.0, 2.0, 4.0, 8.0, 16.0],
                         "us_cloud_compute": [3.0] * 5, "cn_cloud_compute": [1.0] * 5,
                         "cn_hub_compute": [0.0, 1.0, 2.0, 3.0, 4.0]})  # fmt: skip


def target(output="x", stat="mean", start="2023Q4", end="2024Q2", lo=1.0, hi=3.0) -> Target:
    return Target("t", output, stat, start, end, 2.0, lo, hi, "fit", "[1]")


@pytest.mark.parametrize(("stat", "value"), [("mean", 14 / 3), ("sum", 14.0), ("last", 8.0),
                                             ("growth", 4.0)])  # fmt: skip
def test_target_statistics_over_their_span(stat, value):
    assert target(stat=stat).value(frame()) == pytest.approx(value)


def test_growth_from_zero_is_zero_and_derived_outputs():
    assert target(output="cn_hub_compute", stat="growth", start="2023Q3").value(frame()) == 0.0
    share = target(output="us_compute_share", stat="last", end="2024Q1")
    assert share.value(frame()) == pytest.approx(3.0 / 6.0)
    assert target(lo=1.0, hi=1.0 + 2 * Z90).sigma == pytest.approx(1.0)
    ts = [target(stat="sum"), target(stat="last")]
    np.testing.assert_allclose(moments(frame(), ts), [14.0, 8.0])


def test_shipped_targets_reduce_a_run():
    targets, _ = load_targets()
    df = run("historical", 3, n_adopters=300)
    values = moments(df, targets)
    assert values.shape == (len(targets),) and np.isfinite(values).all()
    for t, v in zip(targets, values, strict=True):
        assert v == t.value(df)
    row = moments_task(("k|0", "k", 0, Scenario.build("historical", n_adopters=300), 3, targets))
    assert list(row.columns) == ["task", "key", "seed_index", *(t.name for t in targets)]
    np.testing.assert_allclose(row.iloc[0, 3:].to_numpy(float), values)


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


def test_jacobian_by_central_differences_clipped_at_the_bounds():
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
    assert res.p_value == pytest.approx(stats.chi2.sf(2.5, 1))
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
