"""Path dependence in the compare report: known answers on synthetic tables (no model runs).

Per-country lock-in (a planted probability and year), the variance decomposition of a crossed
design with known components, the CRN gain of pairs with a known correlation, the gain measured
against independent seeds, and the events that differ between the arms of a pair.
"""

import math

import numpy as np
import pandas as pd
import pytest

from aiblocs.compare import countries, events, stats, variance
from aiblocs.ensemble import ExperimentSpec
from aiblocs.ensemble.tasks import ID_COLUMNS
from aiblocs.model.calendar import decimal_year, quarter_label, year_ticks
from aiblocs.model.outcomes import (
    HEADLINE,
    OUTCOMES,
    SERIES,
    country_lockin,
    lasting_lock,
    lock_state,
    lock_states,
    outcome_values,
)

QUARTERS = [quarter_label(2022 * 4 + i) for i in range(56)]


def _country_rows(run_id, arm, seed_index, country, share_cn, switch=0.0):
    """One run's rows of one country: ``share_cn`` per quarter (the rest on the US stack)."""
    share_cn = np.asarray(share_cn, float)
    return pd.DataFrame({"run_id": run_id, "arm": arm, "seed_index": seed_index,
                         "quarter": QUARTERS, "country": country, "adoption": 0.5,
                         "share_us": 1 - share_cn, "share_cn": share_cn,
                         "switch_rate": switch})  # fmt: skip


def test_country_lock_rule_is_the_gs_rule():
    """The per-country state is the GS's lock_state applied to the country's columns."""
    rng = np.random.default_rng(1)
    share_cn = rng.choice([0.1, 0.5, 0.85, 0.95], size=56)
    switch = rng.choice([0.0, 0.01, 0.05], size=56)
    rows = _country_rows("r", 0, 0, "X", share_cn, switch)
    gs = pd.DataFrame({"quarter": QUARTERS, "gs_share_us_stack": 1 - share_cn,
                       "gs_share_cn_stack": share_cn, "gs_switch_rate": switch})  # fmt: skip
    state = lock_state(gs)
    got = country_lockin(rows).iloc[0]
    assert got.state == state[-1]
    if state[-1]:
        start = np.flatnonzero(state != state[-1])
        first = int(start[-1]) + 1 if len(start) else 0
        assert got.lockin_year == decimal_year(QUARTERS[first])


def test_planted_country_lockin_probability_and_timing():
    """Seeds locked into CN from a planted quarter, others contested: exact p, Wilson, years."""
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=40)
    rng = np.random.default_rng(7)
    frames, planted = [], {}
    for run in spec.runs():
        p = 0.25 if run.arm == 0 else 0.6
        start = int(rng.integers(20, 50))
        locked = rng.uniform() < p
        share = np.where(np.arange(56) >= start, 0.9, 0.5) if locked else np.full(56, 0.5)
        share[start - 3] = 0.9 if locked else 0.5  # an earlier spell that does not last
        frames.append(_country_rows(run.run_id, run.arm, run.seed_index, "Kenya", share))
        frames.append(_country_rows(run.run_id, run.arm, run.seed_index, "Gulf", np.zeros(56)))
        planted[run.run_id] = (locked, decimal_year(QUARTERS[start]))
    per_run = countries.country_runs(pd.concat(frames, ignore_index=True))
    assert len(per_run) == 2 * len(spec.runs())
    table = countries.lockin_table(per_run, spec).set_index(["arm", "country"])
    for arm in (0, 1):
        ids = [r.run_id for r in spec.runs() if r.arm == arm]
        k = sum(planted[i][0] for i in ids)
        row = table.loc[(arm, "Kenya")]
        assert row.p_cn == k / 40 and row.p_us == 0 and row.p_contested == 1 - k / 40
        assert (row.p_cn_lo, row.p_cn_hi) == stats.wilson(k, 40)
        years = [planted[i][1] for i in ids if planted[i][0]]
        assert row.n_locked == k and row.year_median == pytest.approx(np.median(years))
        assert row.year_q10 == pytest.approx(np.quantile(years, 0.1))
        assert table.loc[(arm, "Gulf")].p_us == 1.0  # all on the US stack from the start
        assert table.loc[(arm, "Gulf")].year_median == 2022.0
    shares = countries.share_table(per_run, spec).set_index(["arm", "country"])
    assert shares.loc[(0, "Gulf"), "q90"] == 0.0
    eff = countries.effects_table(per_run, spec).set_index(["country", "value"])
    kenya = per_run[per_run.country == "Kenya"].pivot(index="seed_index", columns="arm",
                                                      values="share_cn")  # fmt: skip
    assert eff.loc[("Kenya", "share_cn"), "mean_diff"] == pytest.approx(
        (kenya[1] - kenya[0]).mean()
    )
    assert eff.loc[("Kenya", "locked_cn"), "ci_method"] == "Newcombe paired"
    text = "\n".join(countries.section(table.reset_index(), shares.reset_index(), eff.reset_index(),
                                       True, "2035Q4"))  # fmt: skip
    assert "Kenya" in text and "country_lockin.png" in text


def test_variance_components_of_a_crossed_design_with_known_parts():
    """y = a_k + b_s + e_ks: the estimators recover Var a, Var b, Var e (and not the one-way
    bias: the common seeds' effect cancels between the vectors' means)."""
    rng = np.random.default_rng(0)
    k, s = 300, 200
    sd_a, sd_b, sd_e = 2.0, 1.5, 0.5
    y = rng.normal(0, sd_a, (k, 1)) + rng.normal(0, sd_b, (1, s)) + rng.normal(0, sd_e, (k, s))
    c = variance.components(y)
    assert c["param"] == pytest.approx(sd_a**2, rel=0.2)
    assert c["seed"] == pytest.approx(sd_b**2, rel=0.25)
    assert c["interaction"] == pytest.approx(sd_e**2, rel=0.05)
    truth = sd_a**2 / (sd_a**2 + sd_b**2 + sd_e**2)
    assert c["param_share"] == pytest.approx(truth, abs=0.08)
    lo, hi = variance.share_ci(y[:30, :20], n_boot=400)
    assert 0 <= lo < truth < hi <= 1
    # seeds only: the parameter share is (floored) near 0; parameters only: near 1
    assert variance.components(np.tile(rng.normal(0, 1, (1, 50)), (20, 1)))["param_share"] == 0
    assert variance.components(np.tile(rng.normal(0, 1, (20, 1)), (1, 50)))["param_share"] == 1
    assert math.isnan(variance.components(np.ones((4, 5)))["param_share"])


def _nested_spec(k, s):
    vectors = tuple({"bass_q": 0.5 + 0.01 * i} for i in range(k))
    return ExperimentSpec(regimes=("containment", "open"), n_seeds=s, seed_overrides=vectors,
                          draws=k)  # fmt: skip


def test_nested_design_layout_and_decomposition_table():
    spec = _nested_spec(4, 3)
    runs = [r for r in spec.runs() if r.arm == 0]
    assert len(runs) == 12 and spec.n_units == 12
    assert [r.draw for r in runs] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert [r.seed for r in runs] == spec.seeds() * 4  # the same seeds for every vector
    assert [r.values["bass_q"] for r in runs[::3]] == [0.5, 0.51, 0.52, 0.53]
    assert ExperimentSpec.from_dict(spec.to_dict()).runs() == spec.runs()
    rng = np.random.default_rng(2)
    y = rng.normal(0, 1, (2, 4, 3)) + np.arange(4)[None, :, None]
    rows = [{"arm": r.arm, "seed_index": r.seed_index,
             **dict.fromkeys(OUTCOMES, 0.0),
             "adoption_gs_2030": y[r.arm, r.seed_index // 3, r.seed_index % 3]}
            for r in spec.runs()]  # fmt: skip
    table = variance.decomposition(pd.DataFrame(rows), spec, n_boot=50)
    assert len(table) == 2 * len(HEADLINE)
    row = table.set_index(["arm", "outcome"]).loc[(1, "adoption_gs_2030")]
    # against a direct two-way ANOVA of the same numbers
    m = y[1]
    ms_a = 3 * ((m.mean(1) - m.mean()) ** 2).sum() / 3
    resid = m - m.mean(1, keepdims=True) - m.mean(0, keepdims=True) + m.mean()
    ms_e = (resid**2).sum() / 6
    assert row.param == pytest.approx(max(0, (ms_a - ms_e) / 3)) and row.interaction == ms_e
    flat = table.set_index(["arm", "outcome"]).loc[(0, "gs_locked_cn")]
    assert flat.total == 0 and math.isnan(flat.param_share)
    text = "\n".join(variance.section(spec, table, pd.DataFrame()))
    assert "4 calibrated parameter vectors" in text and "no variation" in text
    assert variance.decomposition(pd.DataFrame(rows), ExperimentSpec(("open",), 3)).empty


def test_crn_gain_of_pairs_with_known_correlation():
    rng = np.random.default_rng(5)
    for rho in (0.0, 0.5, 0.9, 0.95):
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=20_000)
        assert variance.gain(z[:, 0], z[:, 1]) == pytest.approx(1 / (1 - rho), rel=0.06)
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=400)
    z = rng.multivariate_normal([0, 0.3], [[1, 0.9], [0.9, 1]], size=400)
    rows = [{"arm": r.arm, "seed_index": r.seed_index, **dict.fromkeys(OUTCOMES, 0.0),
             "adoption_gs_2030": z[r.seed_index, r.arm],
             "cn_lag_months_2030": 5.0 + z[r.seed_index, 0] + 0.5 * r.arm}
            for r in spec.runs()]  # fmt: skip
    out = pd.DataFrame(rows)
    table = variance.crn_gain(out, spec, n_boot=500).set_index("outcome")
    row = table.loc["adoption_gs_2030"]
    assert row.n == 400 and row.rho == pytest.approx(0.9, abs=0.03)
    assert row.gain_lo < 10 < row.gain_hi and row.gain == pytest.approx(10, rel=0.25)
    assert table.loc["cn_lag_months_2030", "gain"] == math.inf  # a constant difference
    assert math.isnan(table.loc["gs_locked_cn", "gain"])  # no variation at all
    shown = variance.crn_display(table.reset_index()).set_index("outcome")
    assert shown.loc["cn_lag_months_2030", "paired runs save"] == "all"
    assert shown.loc["gs_locked_cn", "gain [95% CI]"] == "n/a (no variation)"
    # measured directly: an independent-seed ensemble of the same arms
    ind_spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=400,
                              independent_seeds=True)  # fmt: skip
    w = rng.normal(0, 1, (400, 2)) + np.array([0, 0.3])
    ind = pd.DataFrame([{"arm": r.arm, "seed_index": r.seed_index,
                         **dict.fromkeys(OUTCOMES, 0.0), "adoption_gs_2030": w[r.seed_index, r.arm]}
                        for r in ind_spec.runs()])  # fmt: skip
    measured = variance.measured_gain(out, spec, ind, ind_spec, ("adoption_gs_2030",)).iloc[0]
    assert measured.measured_gain == pytest.approx(10, rel=0.3)
    assert measured.estimated_gain == pytest.approx(row.gain)


def test_independent_seeds_differ_by_arm_and_from_the_common_seeds():
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=5, independent_seeds=True)
    common = ExperimentSpec(regimes=("containment", "open"), n_seeds=5).seeds()
    a, b = spec.seeds(0), spec.seeds(1)
    assert len(set(a) | set(b) | set(common)) == 15
    assert [r.seed for r in spec.runs() if r.arm == 1] == b
    assert spec.to_dict()["independent_seeds"] is True
    assert "independent_seeds" not in ExperimentSpec(("open",), 2).to_dict()  # old specs as is
    with pytest.raises(ValueError, match="draws need calibrated"):
        ExperimentSpec(regimes=("open",), n_seeds=2, draws=3)
    with pytest.raises(ValueError, match=r"draws must be a whole number in \[0, 2\]"):
        ExperimentSpec(regimes=("open",), n_seeds=2, seed_overrides=({}, {}), draws=3)


def _log(rows):
    cols = ["run_id", "arm", "seed_index", "quarter", "kind", "actor", "what", "size", "drawn"]
    return pd.DataFrame([(f"r{a}{s}", a, s, q, k, act, f"{k} {act}", 1.0, True)
                         for a, s, q, k, act in rows], columns=cols)  # fmt: skip


def test_events_that_differ_between_the_arms_of_a_pair():
    spec = ExperimentSpec(regimes=("containment", "open", "managed_access"), n_seeds=3)
    log = _log([
        (0, 0, "2025Q1", "breakthrough", "lab_cn"), (1, 0, "2025Q1", "breakthrough", "lab_cn"),
        (0, 0, "2026Q1", "deal", "Kenya"),  # only in the reference
        (1, 1, "2027Q2", "deal", "Kenya"), (1, 1, "2027Q2", "deal", "Kenya"),  # twice in open
        (0, 1, "2027Q2", "deal", "Kenya"),  # once in the reference: one unmatched
        (1, 2, "2030Q3", "crackdown", "grey"),
        (2, 0, "2025Q1", "breakthrough", "lab_cn"),
    ])  # fmt: skip
    diffs = events.differences(log, spec)
    opened = diffs[diffs.arm == 1]
    assert sorted(zip(opened.seed_index, opened.only_in, opened.kind, strict=True)) == [
        (0, "reference", "deal"), (1, "arm", "deal"), (2, "arm", "crackdown")]  # fmt: skip
    assert opened.loc[opened.only_in == "reference", "what"].iloc[0] == "deal Kenya"
    managed = diffs[diffs.arm == 2]
    assert sorted(zip(managed.seed_index, managed.kind, strict=True)) == [(0, "deal"), (1, "deal")]
    table = events.summary(log, diffs, spec).set_index(["arm", "kind"])
    assert table.loc[(1, "deal")].tolist()[2:] == [2, 2, 1, 1, 2, 3]
    assert table.loc[(1, "breakthrough"), "only_arm"] == 0
    text = "\n".join(events.section(log, diffs, events.summary(log, diffs, spec)))
    assert "crackdown" in text and "Examples" in text
    empty = log.iloc[:0]
    assert events.differences(empty, spec).empty and events.summary(empty, events.differences(
        empty, spec), spec).empty  # fmt: skip
    assert "No run logged an event" in "\n".join(events.section(empty, empty, empty))


def test_every_outcome_reduces_the_series_its_name_says():
    """The registry on a planted frame: ``{series}_{year}`` reads the series at that year's
    Q4, ``*_cum`` sums it, and the lock outcomes read the GS's lasting lock-in (locked into the
    Chinese stack from 2031Q2 to the 2035Q4 horizon)."""
    quarters = [quarter_label(2025 * 4 + i) for i in range(44)]  # 2025Q1-2035Q4
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"quarter": quarters}
                         | {s: rng.random(44) for s in SERIES if s != "quarter"})  # fmt: skip
    lock_from = quarters.index("2031Q2")
    frame["gs_share_cn_stack"] = np.where(np.arange(44) >= lock_from, 0.9, 0.5)
    frame["gs_share_us_stack"] = 1 - frame["gs_share_cn_stack"]
    frame["gs_switch_rate"] = 0.01
    kinds = {}
    for name, o in OUTCOMES.items():
        kinds[o.at.split(":")[0] if ":" in o.at else o.at if o.at == "sum" else "year"] = 1
        if o.at == "sum":
            assert name == f"{o.series}_cum" and o.unit in SERIES[o.series].unit
            assert o.value(frame) == pytest.approx(frame[o.series].sum(), rel=1e-12)
        elif not o.at.startswith("lock:"):
            series, year = name.rsplit("_", 1)
            s = SERIES[series]
            assert (o.series, o.at, o.unit) == (series, f"{year}Q4", s.unit)
            assert o.label.startswith(s.label) and o.kind == ("share" if s.kind == "share"
                                                              else "level")  # fmt: skip
            assert o.value(frame) == frame.loc[frame.quarter == o.at, series].item()
    assert set(kinds) == {"sum", "lock", "year"}
    locks = {"gs_locked_us": 0.0, "gs_locked_cn": 1.0, "gs_locked_any": 1.0, "gs_contested": 0.0}
    assert {n: OUTCOMES[n].value(frame) for n in locks} == locks
    assert OUTCOMES["lockin_year"].value(frame) == decimal_year("2031Q2") == 2031.25
    assert math.isnan(OUTCOMES["adoption_gs_2030"].value(frame.iloc[:20]))  # run ends 2029Q4


def test_lock_rule_at_its_thresholds():
    """Locked means share strictly above LOCK_SHARE (0.8) and switching strictly below
    LOCK_SWITCH (0.02); 1 = US, 2 = China, 0 = contested."""
    got = lock_states([0.8, 0.81, 0.81, 0.0, 0.1, 0, 1], [0.2, 0.19, 0.19, 0.8, 0.81, 1, 0],
                      [0.0, 0.0199, 0.02, 0.0, 0.0, 0, 0])  # fmt: skip
    assert got.tolist() == [0, 1, 0, 0, 2, 2, 1]
    assert lasting_lock(np.array([], int)) == (0, None)
    assert lasting_lock(np.array([0, 2, 1, 1])) == (1, 2)


@pytest.mark.parametrize(("share_us", "state"), [(0.9, "us"), (0.5, "none"), (0.1, "cn")])
def test_each_lock_outcome_reads_the_horizon_state(share_us, state):
    quarters = [quarter_label(2030 * 4 + i) for i in range(8)]
    frame = pd.DataFrame({"quarter": quarters, "gs_share_us_stack": share_us,
                          "gs_share_cn_stack": 1 - share_us, "gs_switch_rate": 0.0})  # fmt: skip
    frame.index = range(100, 108)  # positions, not labels, are read
    got = outcome_values(frame, ("gs_locked_us", "gs_locked_cn", "gs_locked_any", "gs_contested",
                                 "lockin_year"))  # fmt: skip
    assert got["gs_locked_us"] == float(state == "us") and got["gs_locked_cn"] == (state == "cn")
    assert got["gs_locked_any"] == float(state != "none") == 1 - got["gs_contested"]
    assert got["lockin_year"] == 2030.0 if state != "none" else math.isnan(got["lockin_year"])


def test_country_lockin_keeps_first_appearance_order_and_time_order_within_a_run():
    """Rows interleaved by quarter (as a store writes them), countries not in alphabetical
    order, one with a single quarter: each group is read in its own time order."""
    rows = []
    for i, q in enumerate(QUARTERS):
        for country, cn in (("Kenya", 0.9 if i >= 30 else 0.1),
                            ("Brazil", 0.1 if i >= 50 else 0.5)):  # fmt: skip
            rows.append({"quarter": q, "country": country, "share_cn": cn, "share_us": 1 - cn,
                         "switch_rate": 0.0})  # fmt: skip
    rows.append({"quarter": QUARTERS[0], "country": "Aruba", "share_cn": 0.95, "share_us": 0.05,
                 "switch_rate": 0.0})  # fmt: skip
    got = country_lockin(pd.DataFrame(rows))
    assert got.country.tolist() == ["Kenya", "Brazil", "Aruba"]
    assert got.state.tolist() == [2, 1, 2]
    assert got.lockin_year.tolist() == [decimal_year(QUARTERS[30]), decimal_year(QUARTERS[50]),
                                        decimal_year(QUARTERS[0])]  # fmt: skip
    assert country_lockin(pd.DataFrame(rows[:0], columns=list(rows[0]))).empty


def test_outcome_table_reduces_each_run_and_names_its_arm():
    spec = ExperimentSpec(regimes=("containment", "open"), n_seeds=2)
    quarters = [quarter_label(2025 * 4 + i) for i in range(44)]
    rng = np.random.default_rng(5)
    frames = []
    for run_id, (arm, regime, si) in enumerate([(1, "open", 1), (0, "containment", 0),
                                                 (1, "open", 0)]):  # fmt: skip
        ids = {"run_id": run_id, "arm": arm, "regime": regime, "design": "paired",
               "seed_index": si, "seed": 100 + si, "provenance": 7.0}  # fmt: skip
        series = {s: rng.random(44) for s in SERIES if s != "quarter"}
        frames.append(pd.DataFrame(ids | {"quarter": quarters} | series))
    table = stats.outcome_table(pd.concat(frames[::-1], ignore_index=True), spec)
    assert table.run_id.tolist() == [0, 1, 2]
    assert list(table.columns[: len(ID_COLUMNS) + 2]) == [*ID_COLUMNS, "arm_label", "arm_title"]
    labels, titles = stats.arm_labels(spec), stats.arm_titles(spec)
    for _, row in table.iterrows():
        assert (row.arm_label, row.arm_title) == (labels[row.arm], titles[row.arm])
        assert row.provenance == 7.0 and row.regime == frames[row.run_id].regime[0]
        want = outcome_values(frames[row.run_id])
        assert row[list(want)].astype(float).tolist() == pytest.approx(list(want.values()),
                                                                       nan_ok=True)  # fmt: skip
    one_per_run = table.drop(columns=["arm_label", "arm_title"]).iloc[[2, 0, 1]]
    pd.testing.assert_frame_equal(stats.outcome_table(one_per_run, spec), table)


def test_year_ticks_mark_the_first_quarter_of_every_other_year():
    assert year_ticks("2022Q3", 12) == [(6, "2024")]
    assert year_ticks("2022Q1", 13) == [(0, "2022"), (8, "2024")]  # 2025 is odd
    assert year_ticks("2023Q2", 20, every=1) == [(3, "2024"), (7, "2025"), (11, "2026"),
                                                 (15, "2027"), (19, "2028")]  # fmt: skip
    assert year_ticks("2021Q4", 1) == [] and year_ticks("2024Q1", 0) == []
