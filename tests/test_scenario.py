"""The one run input: Scenario routing and validation, numpy-typed values, Mesa interop."""

from __future__ import annotations

import pickle

import mesa
import numpy as np
import pandas as pd
import pytest

from aiblocs import AIBlocsModel, Scenario, evaluate, run
from aiblocs.model.params import default_params
from aiblocs.model.regimes import REGIME_FIELDS


def test_build_routes_overrides_and_validates_once():
    s = Scenario.build("containment", n_adopters=500, enforcement=0.9, bass_q=0.7)
    assert (s.n_adopters, s.regime.enforcement, s.params.bass_q) == (500, 0.9, 0.7)
    assert s.horizon == ("2022Q1", "2035Q4")
    assert s.changed() == {"n_adopters": 500, "bass_q": 0.7}
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['bogus'\]"):
        Scenario.build("open", bogus=1)
    assert set(REGIME_FIELDS) <= {
        "enforcement",
        "export_stack_support",
        "export_stack_from",
        "equipment_controls_from",
        "domestic_mandate_from",
        "events",
    }


def test_scenario_is_immutable_hashable_and_round_trips():
    s = Scenario.build("managed_access", n_adopters=300)
    with pytest.raises(AttributeError, match="immutable"):
        s.params = default_params()
    t = s.replace(bass_q=0.6)
    assert t != s and s.replace() is s and t.params.bass_q == 0.6
    assert Scenario.from_record(s.to_record()) == s
    assert pickle.loads(pickle.dumps(s)) == s and hash(pickle.loads(pickle.dumps(s))) == hash(s)
    assert s.fingerprint() == Scenario.build("managed_access", n_adopters=300).fingerprint()
    assert s.fingerprint() != t.fingerprint()


def test_model_takes_a_scenario_and_mesas_rng_keyword():
    s = Scenario.build("open", n_adopters=300)
    m = AIBlocsModel(s, rng=7)
    assert m.scenario == s and m.seed == 7 and m.p is s.params and m.regime is s.regime
    with pytest.raises(AttributeError):
        m.p = default_params()  # a mid-run change cannot be half-applied
    fresh = AIBlocsModel(s)  # rng=None: fresh entropy, recorded so the run can be repeated
    again = AIBlocsModel(s, rng=fresh.seed)
    for model in (fresh, again):
        model.run_model()
    a, b = (x.datacollector.get_model_vars_dataframe() for x in (fresh, again))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    seq = np.random.SeedSequence(7)
    ss = AIBlocsModel(s, rng=seq)
    ss.run_model()
    m.run_model()
    pd.testing.assert_frame_equal(
        ss.datacollector.get_model_vars_dataframe(),
        m.datacollector.get_model_vars_dataframe(),
        check_exact=True,
    )


def test_numpy_scalars_from_samplers_are_accepted():
    """EMA Workbench and np.arange sweeps hand numpy scalars; integral floats are whole numbers."""
    kw = {
        "n_adopters": np.int64(300),
        "build_lag": np.int32(3),
        "network_degree": np.float64(8.0),
        "bass_q": np.float32(0.5),
        "enforcement": np.float32(0.75),
        "well_mixed": np.bool_(False),
        "end": np.str_("2030Q4"),
    }
    s = Scenario.build("containment", **kw)
    assert type(s.params.n_adopters) is int and type(s.params.network_degree) is int
    assert type(s.params.bass_q) is float and type(s.regime.enforcement) is float
    assert s.params.well_mixed is False and s.params.end == "2030Q4"
    out = evaluate("containment", np.uint32(3), **kw)
    assert out == evaluate("containment", 3, **{k: np.asarray(v).item() for k, v in kw.items()})
    with pytest.raises(ValueError, match=r"'n_adopters' must be a whole number, got 500\.5"):
        AIBlocsModel(n_adopters=500.5)
    assert AIBlocsModel(n_adopters=500.0).p.n_adopters == 500


def test_mesa_batch_run_with_default_arguments():
    res = mesa.batch_run(
        AIBlocsModel,
        parameters={"regime": ["open", "containment"], "n_adopters": 200},
        display_progress=False,
    )
    # one row per run and GS country (the agent-type reporters of the per-country measurements)
    assert len({r["RunId"] for r in res}) == 2 and {r["regime"] for r in res} == {
        "open",
        "containment",
    }
    assert all(0 <= r["gs_share_cn_stack"] <= 1 for r in res)
    res = mesa.batch_run(
        AIBlocsModel,
        parameters={"n_adopters": np.arange(200, 301, 100)},
        rng=[5],
        display_progress=False,
    )
    first = {r["RunId"]: r for r in reversed(res)}  # each run's first row
    assert [first[i]["n_adopters"] for i in sorted(first)] == [200, 300]
    frame = run("historical", 5, n_adopters=300)
    assert first[1]["gs_share_cn_stack"] == frame["gs_share_cn_stack"].iloc[-1]


def test_run_accepts_a_scenario_and_a_horizon_from_the_data():
    df = run(Scenario.build("open", n_adopters=200, end="2030Q4"), 2)
    assert df["quarter"].iloc[-1] == "2030Q4" and len(df) == 36
    out = evaluate(Scenario.build("open", n_adopters=200, end="2030Q4"), 2)
    assert np.isnan(out["adoption_gs_2035"]) and not np.isnan(out["adoption_gs_2030"])
    assert out["adoption_gs_2030"] == df["adoption_gs"].iloc[-1]  # the horizon is 2030Q4
    last = df.iloc[-1]
    locked = max(last["gs_share_us_stack"], last["gs_share_cn_stack"]) > 0.8
    assert out["gs_contested"] == float(not (locked and last["gs_switch_rate"] < 0.02))
