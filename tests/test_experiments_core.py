"""Ensembles and comparisons: spec, evaluate, statistics on synthetic data, the store (fast)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from aiblocs import OUTCOMES, evaluate, run
from aiblocs.compare import stats
from aiblocs.ensemble import ExperimentSpec, Store, grid, spawn_seeds
from aiblocs.model.outcomes import YEAR_SERIES, lock_state
from aiblocs.model.outcomes import outcome_values as outcomes_from_frame


def test_seeds_from_root_sequence_and_prefix_stable():
    a, b = spawn_seeds(0, 5), spawn_seeds(0, 8)
    assert a == b[:5] and len(set(b)) == 8
    assert spawn_seeds(1, 5) != a


def test_paired_design_same_seeds_across_regimes():
    spec = ExperimentSpec(
        regimes=("containment", "open"),
        n_seeds=4,
        overrides={"n_adopters": 500},
        designs=tuple(grid(edwc_optimism=[0.8, 2.0])),
    )
    runs = spec.runs()
    assert len(runs) == 2 * 2 * 4 and len({r.run_id for r in runs}) == len(runs)
    by_arm = {}
    for r in runs:
        by_arm.setdefault((r.regime, r.design), []).append(r.seed)
    assert all(s == spec.seeds() for s in by_arm.values())
    assert runs[0].values == {"n_adopters": 500, "edwc_optimism": 0.8}
    assert runs[0].scenario.regime.name == "containment" and runs[0].scenario.n_adopters == 500
    assert runs[0].scenario.params.edwc_optimism == 0.8


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"regimes": ("nope",)}, "unknown regime"),
        ({"n_seeds": 0}, r"seeds must be a whole number in \[1, 100,000\], got 0"),
        ({"overrides": {"n_adopters": -1}}, "n_adopters"),
        ({"reference": "open"}, "reference regime"),
        ({"overrides": {"bass_q": 99}}, "bass_q"),
        ({"overrides": {"no_such": 1}}, "unknown parameter"),
        ({"designs": ({"enforcement": 2.0},)}, "enforcement"),
    ],
)
def test_bad_spec_raises_before_running(kw, msg):
    base = {"regimes": ("containment",), "n_seeds": 2}
    with pytest.raises(ValueError, match=msg):
        ExperimentSpec(**{**base, **kw})


def test_evaluate_plain_function_and_documented_outcomes():
    out = evaluate(regime="open", seed=3, n_adopters=500)
    assert set(out) == set(OUTCOMES)
    assert all(isinstance(v, float) for v in out.values())
    again = evaluate("open", 3, n_adopters=500)
    assert pd.Series(out).equals(pd.Series(again))  # NaN-aware, exact
    frame = run("open", 3, n_adopters=500).set_index("quarter")
    last = frame.iloc[-1]  # the lock-in state at the horizon, from the definition
    calm = last["gs_switch_rate"] < 0.02
    us, cn = last["gs_share_us_stack"] > 0.8 and calm, last["gs_share_cn_stack"] > 0.8 and calm
    assert (out["gs_locked_us"], out["gs_locked_cn"]) == (float(us), float(cn))
    assert out["gs_contested"] == float(not (us or cn))
    assert out["adoption_gs_2030"] == frame.loc["2030Q4", "adoption_gs"]
    assert out["us_chip_revenue_cn_cum"] == pytest.approx(frame["us_chip_revenue_cn"].sum())


def _frame(share_us, switch):
    q = [f"{y}Q{k}" for y in range(2022, 2036) for k in range(1, 5)]
    n = len(q)
    df = pd.DataFrame(
        {
            "quarter": q,
            "gs_share_us_stack": share_us,
            "gs_share_cn_stack": 1 - np.asarray(share_us, float),
            "gs_switch_rate": switch,
        }
    )
    for col in ("us_chip_revenue_cn", "cn_dc_cancellations", "smuggled_chips", "tariff_revenue"):
        df[col] = 1.0
    for m in YEAR_SERIES:
        if m not in df:
            df[m] = np.arange(n, dtype=float)
    return df


def test_lock_in_definition_and_time():
    share = np.r_[np.full(20, 0.5), np.full(4, 0.9), np.full(4, 0.6), np.full(28, 0.85)]
    df = _frame(share, 0.01)
    assert list(lock_state(df)[18:26]) == [0, 0, 1, 1, 1, 1, 0, 0]
    out = outcomes_from_frame(df)
    assert out["gs_locked_us"] == 1.0 and out["gs_contested"] == 0.0
    assert out["lockin_year"] == 2029.0  # quarter index 28 = 2029Q1: the lasting lock-in
    out = outcomes_from_frame(_frame(share, 0.05))  # churn too high: contested
    assert out["gs_contested"] == 1.0 and math.isnan(out["lockin_year"])
    assert outcomes_from_frame(_frame(np.full(56, 0.1), 0.0))["gs_locked_cn"] == 1.0


def test_mean_ci_and_wilson_known_values():
    m, lo, hi = stats.mean_ci(np.array([1.0, 2.0, 3.0, 4.0]))
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3)
    assert m == 2.5 and lo == pytest.approx(2.5 - half) and hi == pytest.approx(2.5 + half)
    lo, hi = stats.wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert stats.wilson(0, 20)[0] == 0.0 and stats.wilson(20, 20)[1] == 1.0


def _synthetic_outcomes(n_seeds, effect, noise_seed=0):
    rng = np.random.default_rng(noise_seed)
    rows = []
    base = rng.normal(10, 3, n_seeds)  # seed effect shared by both regimes (paired design)
    for regime, shift in (("containment", 0.0), ("open", effect)):
        for i in range(n_seeds):
            row = dict.fromkeys(OUTCOMES, 0.0)
            row.update(run_id=f"{regime}{i}", regime=regime, design=0, seed_index=i, seed=i,
                       arm=int(regime == "open"))  # fmt: skip
            row["adoption_gs_2030"] = base[i] + shift + rng.normal(0, 0.1)
            locked = regime == "open" and i < n_seeds // 2
            row.update(
                gs_locked_cn=float(locked),
                gs_contested=float(not locked),
                lockin_year=2030.0 + i if locked else math.nan,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def test_paired_effects_and_lockin_on_synthetic_case():
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=40)
    labels = stats.arm_labels(spec)
    assert labels == {0: "containment", 1: "open"}
    out = _synthetic_outcomes(40, effect=1.0)
    eff = stats.paired_effects(out, spec, n_boot=500).set_index("outcome")
    row = eff.loc["adoption_gs_2030"]
    assert row.n == 40 and row.ci_lo < 1.0 < row.ci_hi and row.ci_hi - row.ci_lo < 0.1
    assert row.sign_frac == 1.0 and row.boot_lo < 1.0 < row.boot_hi
    # unpaired CI would be ~30x wider: the pairing removes the shared seed effect
    s = stats.summary(out, spec).set_index(["arm_label", "outcome"])
    s = s.loc[("open", "adoption_gs_2030")]
    assert s.ci_hi - s.ci_lo > 10 * (row.ci_hi - row.ci_lo)
    lk = stats.lockin(out, spec).set_index("arm_label")
    assert lk.loc["open", "p_cn"] == 0.5 and lk.loc["containment", "p_cn"] == 0.0
    assert (lk.loc["open", "p_cn_lo"], lk.loc["open", "p_cn_hi"]) == stats.wilson(20, 40)
    assert lk.loc["open", "median_lockin_year"] == 2039.5 and lk.loc["open", "n_locked"] == 20
    assert stats.size_warnings(out) == []
    assert "only 5 seed(s)" in stats.size_warnings(_synthetic_outcomes(5, 1.0))[0]


def test_store_refuses_other_inputs_and_drops_damaged_parts(tmp_path):
    ident = {"n_seeds": 2}
    with Store(tmp_path, "compare", ident, ["a", "b"], key="run_id") as store:
        store.write_manifest(new_session=True, start="t0")
    (tmp_path / "parts" / "part-00000000000000000001-1.parquet").write_bytes(b"PAR1 half")
    (tmp_path / "parts" / "part-x.parquet.tmp").write_bytes(b"junk")
    with pytest.warns(UserWarning, match="damaged part"), Store(tmp_path, "compare", ident):
        pass
    assert list((tmp_path / "parts").iterdir()) == []
    with pytest.raises(ValueError, match=r"different experiment \(inputs differ in n_seeds\)"):
        Store(tmp_path, "compare", {"n_seeds": 3}).open()
    with pytest.raises(ValueError, match="holds compare results, not calibration results"):
        Store(tmp_path, "calibration", ident).open()
    assert json.loads((tmp_path / "manifest.json").read_text())["identity"]["n_seeds"] == 2


def test_store_is_locked_while_open(tmp_path):
    with Store(tmp_path, "compare", {}), pytest.raises(ValueError, match="another aiblocs"):
        Store(tmp_path, "compare", {}).open()
    with Store(tmp_path, "compare", {}):  # released on close
        pass


def test_interaction_recovers_a_planted_difference_in_differences():
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=30,
                          designs=({}, {"export_stack_support": 0.5}))  # fmt: skip
    rng = np.random.default_rng(3)
    base = rng.normal(0, 1, 30)
    effect = {
        ("containment", 0): 0.0,
        ("containment", 1): 0.2,
        ("open", 0): 1.0,
        ("open", 1): 1.7,
    }  # design 1 adds 0.2 under containment and 0.7 under open
    rows = []
    for arm, label, d in spec.arms():
        for i in range(30):
            row = dict.fromkeys(OUTCOMES, 0.0)
            row.update(
                arm=arm,
                regime=label,
                design=d,
                seed_index=i,
                adoption_gs_2030=base[i] + effect[(label, d)] + rng.normal(0, 0.01),
            )
            rows.append(row)
    t = stats.interaction(pd.DataFrame(rows), spec).set_index("outcome")
    row = t.loc["adoption_gs_2030"]
    assert row.ci_lo < 0.5 < row.ci_hi and row.ci_hi - row.ci_lo < 0.05
    assert row.regimes == "open vs containment"
    assert stats.interaction(pd.DataFrame(rows), ExperimentSpec(("open",), 2)).empty
