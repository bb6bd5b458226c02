"""Random events follow their equations, keep their keyed draws across policies, and pinned
events happen exactly as a regime file says (ODD §7.4b)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from aiblocs import AIBlocsModel
from aiblocs.model.breakthroughs import apply_breakthroughs, hazard
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.hazards import capped_pareto_mean, pareto_size, quarter_probability
from aiblocs.model.pinned_events import EVENT_KINDS, EVENT_MODES
from aiblocs.model.regimes import get_regime, regime_from_dict
from aiblocs.model.run import run_tables
from aiblocs.model.shocks import (
    capacity_factor,
    crackdown_hazard,
    draw_shocks,
    price_factor,
    us_enforcement,
)

N = 300


def _model(regime="containment", seed=3, **kw) -> AIBlocsModel:
    return AIBlocsModel(regime, rng=seed, n_adopters=N, **kw)


def random_events(ev: pd.DataFrame) -> pd.DataFrame:
    """The random events of a log (not governments' decisions, deals or large adopters)."""
    return ev[ev["kind"].isin(list(EVENT_KINDS))]


def _regime(events="pinned", entries=(), base="containment"):
    data = get_regime(base).to_dict()
    return regime_from_dict({**data, "events": events, "event": list(entries)})


# --- the two formulas ---------------------------------------------------------------------------


def test_quarter_probability_is_the_poisson_hazard_of_a_quarter():
    assert quarter_probability(0.0) == 0.0
    assert quarter_probability(-1.0) == 0.0
    for rate in (0.1, 0.5, 2.0, 4.0):
        assert quarter_probability(rate) == pytest.approx(1 - math.exp(-rate / 4), rel=1e-12)
    # four quarters at rate r: P(none in a year) = exp(-r)
    assert (1 - quarter_probability(0.8)) ** 4 == pytest.approx(math.exp(-0.8), rel=1e-12)


def test_capped_pareto_sizes_match_their_analytic_mean_and_tail():
    v = np.random.default_rng(1).random(400_000)
    for scale, tail, cap in ((0.15, 2.0, 2.0), (0.1, 1.5, 5.0), (0.3, 3.0, 0.6)):
        sizes = np.array([pareto_size(x, scale, tail, cap) for x in v[:100_000]])
        assert sizes.min() >= scale and sizes.max() <= cap
        assert sizes.mean() == pytest.approx(capped_pareto_mean(scale, tail, cap), rel=0.02)
        x = min(cap, 2 * scale) * 0.999  # survival function below the cap: (scale / x) ** tail
        assert (sizes > x).mean() == pytest.approx((scale / x) ** tail, abs=0.01)
    assert capped_pareto_mean(0.5, 2.0, 0.4) == 0.4  # cap below the scale: every draw is the cap


# --- breakthroughs -------------------------------------------------------------------------------


def test_breakthrough_hazard_follows_its_equation():
    m = _model(breakthrough_rate=0.4, breakthrough_compute_elasticity=0.5, breakthrough_scarcity=3)
    compute, scarcity = {"US": 8e5, "CN": 1e5}, {"US": 0.9, "CN": 0.25}
    largest = max(compute[lab.bloc] * lab.weight for lab in m.labs)
    for lab in m.labs:
        rel = compute[lab.bloc] * lab.weight / largest
        expected = 0.4 * rel**0.5 * (1 + 3 * 0.25 if lab.bloc == "CN" else 1)  # US: no scarcity
        assert hazard(m, lab, compute, scarcity) == pytest.approx(expected, rel=1e-12)


def test_a_breakthrough_happens_iff_its_draw_is_below_the_hazard():
    """Over many quarters, each lab jumps iff u < 1 - exp(-rate/4), by the Pareto size of v."""
    m = _model(breakthrough_rate=1.5)
    compute, scarcity = {"US": 8e5, "CN": 1e5}, {"US": 0.0, "CN": 0.4}
    p, hits, misses = m.p, 0, 0
    for q in range(m.start_q, m.start_q + 120):
        m.q = q
        before = [lab.log_eff for lab in m.labs]
        n_events = len(m.events)
        apply_breakthroughs(m, compute, scarcity)
        for i, lab in enumerate(m.labs):
            u, v = m.stream("breakthrough", i, q).random(2)  # the same keyed draws again
            happens = u < quarter_probability(hazard(m, lab, compute, scarcity))
            jump = pareto_size(v, p.breakthrough_size_min, p.breakthrough_tail,
                               p.breakthrough_size_max) if happens else 0.0  # fmt: skip
            assert lab.log_eff - before[i] == pytest.approx(jump, abs=1e-12)
            hits, misses = hits + happens, misses + (not happens)
        new = m.events[n_events:]
        assert all(e.kind == "breakthrough" and e.drawn and e.quarter == m.quarter for e in new)
    assert hits > 20 and misses > 20  # both branches exercised


def test_breakthrough_draws_survive_a_policy_change():
    """Containment and managed access differ only in US rules: US labs' hazards do not depend on
    them (their compute share of the largest lab is their weight share), so their breakthroughs
    are the same, drawn from the same keyed streams."""
    a = run_tables("containment", 5, n_adopters=N).events
    b = run_tables("managed_access", 5, n_adopters=N).events
    us = {lab.name for lab in _model().labs if lab.bloc == "US"}

    def us_breakthroughs(ev: pd.DataFrame) -> pd.DataFrame:
        sel = ev[(ev.kind == "breakthrough") & ev.actor.isin(us)]
        return sel[["quarter", "actor", "size"]].reset_index(drop=True)

    assert len(us_breakthroughs(a)) > 0
    pd.testing.assert_frame_equal(us_breakthroughs(a), us_breakthroughs(b))


def test_an_open_weight_breakthrough_spills_over_to_other_labs():
    reg = _regime("pinned", [{"quarter": "2024Q1", "kind": "breakthrough",
                              "actor": "Qwen-like", "size": 1.5}])  # fmt: skip
    jumped, plain = _model(reg), _model(_regime("off"))
    for m in (jumped, plain):
        while m.q < parse_quarter("2024Q2"):
            m.step()
    for a, b in zip(jumped.labs, plain.labs, strict=True):
        if a.name != "Qwen-like":
            assert a.log_eff > b.log_eff, a.name  # spillover (open weights) and distillation


# --- crackdowns and supply shocks ----------------------------------------------------------------


def test_crackdown_hazard_follows_its_equation():
    m = _model(crackdown_rate=0.5, crackdown_smuggling_gain=2.0, crackdown_smuggling_ref=1e4)
    while m.q < parse_quarter("2023Q1"):  # the rules of 2022Q4 are in force
        m.step()
    assert crackdown_hazard(m, 0.0) == pytest.approx(0.5)
    assert crackdown_hazard(m, 1e4) == pytest.approx(0.5 * (1 + 2.0 * 0.5))
    assert crackdown_hazard(m, 3e4) == pytest.approx(0.5 * (1 + 2.0 * 0.75))
    free = _model("open")
    free.step()
    assert crackdown_hazard(free, 1e6) == 0.0  # nothing to enforce


def test_shocks_happen_iff_their_draws_are_below_the_hazards_and_then_decay():
    m = _model(crackdown_rate=2.0, fab_shock_rate=1.0, memory_shock_rate=1.5)
    while m.q < parse_quarter("2023Q1"):
        m.step()
    p, hits = m.p, {"crackdown": 0, "fab": 0, "memory": 0}
    m.m = {"smuggled_chips": 20_000.0}
    for q in range(m.q + 1, m.q + 81):
        m.q = q
        s0 = dataclasses.replace(m.shocks)
        draw_shocks(m)
        u = m.stream("crackdown", q).random()
        u_fab, u_mem = m.stream("supply", q).random(2)
        crack = u < quarter_probability(crackdown_hazard(m, 20_000.0))
        fab = u_fab < quarter_probability(p.fab_shock_rate)
        mem = u_mem < quarter_probability(p.memory_shock_rate)
        s = m.shocks
        assert s.crackdown == pytest.approx(s0.crackdown * p.crackdown_persistence
                                            + crack * p.crackdown_boost, abs=1e-12)  # fmt: skip
        assert s.fab_cut == pytest.approx(s0.fab_cut * p.fab_shock_persistence
                                          + fab * p.fab_shock_cut, abs=1e-12)  # fmt: skip
        assert s.memory_rise == pytest.approx(s0.memory_rise * p.memory_shock_persistence
                                              + mem * p.memory_shock_rise, abs=1e-12)  # fmt: skip
        hits = {"crackdown": hits["crackdown"] + crack, "fab": hits["fab"] + fab,
                "memory": hits["memory"] + mem}  # fmt: skip
    assert all(5 < n < 75 for n in hits.values()), hits
    assert us_enforcement(m) == pytest.approx(min(1, m.regime.enforcement + m.shocks.crackdown))
    assert capacity_factor(m) == pytest.approx(max(0.0, 1 - m.shocks.fab_cut))
    assert price_factor(m) == pytest.approx(1 + m.shocks.memory_rise)


def test_pinned_shocks_move_capacity_prices_and_detection():
    entries = [
        {"quarter": "2024Q1", "kind": "fab_shock", "actor": "CN", "size": 0.5},
        {"quarter": "2024Q1", "kind": "memory_shock", "actor": "world", "size": 0.4},
        {"quarter": "2024Q1", "kind": "crackdown", "actor": "US", "size": 0.3, "what": "raid"},
    ]
    shocked, plain = _model(_regime("pinned", entries)), _model(_regime("off"))
    for m in (shocked, plain):
        while m.q < parse_quarter("2024Q1"):
            m.step()
    cn = [(a, b) for a, b in zip(shocked.designers, plain.designers, strict=True)
          if a.bloc == "CN"]  # fmt: skip
    assert all(a.capacity == pytest.approx(0.5 * b.capacity, rel=1e-9) for a, b in cn)
    us_a = next(d for d in shocked.designers if d.bloc == "US")
    us_b = next(d for d in plain.designers if d.bloc == "US")
    assert us_a.price["frontier"] == pytest.approx(1.4 * us_b.price["frontier"], rel=1e-9)
    assert us_enforcement(shocked) == pytest.approx(min(1.0, shocked.regime.enforcement + 0.3))
    shocked.step()  # the next quarter: decayed
    assert shocked.shocks.fab_cut == pytest.approx(0.5 * shocked.p.fab_shock_persistence)
    kinds = [(e.kind, e.quarter, e.size, e.drawn) for e in shocked.events if e.kind in EVENT_KINDS]
    assert kinds == [("fab_shock", "2024Q1", 0.5, False), ("memory_shock", "2024Q1", 0.4, False),
                     ("crackdown", "2024Q1", 0.3, False)]  # fmt: skip
    assert next(e for e in shocked.events if e.kind == "crackdown").what.startswith("raid")


# --- pinned events and the events mode -----------------------------------------------------------


def test_historical_pins_deepseek_r1_and_draws_nothing():
    reg = get_regime("historical")
    assert reg.events == "pinned" and len(reg.pinned) == 1
    r1 = reg.pinned[0]
    assert (r1.kind, r1.actor, r1.quarter) == ("breakthrough", "DeepSeek-like",
                                               parse_quarter("2025Q1"))  # fmt: skip
    t = run_tables("historical", 2, n_adopters=N)
    ev = t.events
    assert list(ev.columns) == ["quarter", "kind", "actor", "what", "size", "drawn"]
    r1_rows = ev[ev.kind == "breakthrough"]
    assert len(r1_rows) == 1 and not r1_rows["drawn"].any()
    assert r1_rows.iloc[0][["quarter", "actor", "size"]].tolist() == ["2025Q1", "DeepSeek-like",
                                                                      r1.size]  # fmt: skip
    assert "DeepSeek-R1" in r1_rows.iloc[0]["what"]
    # everything before 2025Q1 is as without events; the lag falls in the quarter of the jump
    off = run_tables("historical", 2, n_adopters=N, events="off")
    assert random_events(off.events).empty
    before = t.frame["quarter"] < "2025Q1"
    pd.testing.assert_frame_equal(t.frame[before], off.frame[before], check_exact=True)
    at = t.frame["quarter"] == "2025Q1"
    assert t.frame.loc[at, "cn_lag_months"].item() < off.frame.loc[at, "cn_lag_months"].item() - 1


def test_a_pinned_breakthrough_adds_exactly_its_size_in_its_quarter():
    reg = _regime("pinned", [{"quarter": "2023Q2", "kind": "breakthrough",
                              "actor": "Kimi-like", "size": 0.8}])  # fmt: skip
    m = _model(reg)
    compute, scarcity = {"US": 8e5, "CN": 1e5}, {"US": 0.0, "CN": 0.0}
    for label, jump in (("2023Q1", 0.0), ("2023Q2", 0.8), ("2023Q3", 0.0)):
        m.q = parse_quarter(label)
        before = {lab.name: lab.log_eff for lab in m.labs}
        apply_breakthroughs(m, compute, scarcity)
        for lab in m.labs:
            expected = jump if lab.name == "Kimi-like" else 0.0
            assert lab.log_eff - before[lab.name] == pytest.approx(expected, abs=1e-15)
    assert [(e.quarter, e.actor, e.size, e.drawn) for e in m.events] == [
        ("2023Q2", "Kimi-like", 0.8, False)
    ]


@pytest.mark.parametrize("mode", EVENT_MODES)
def test_the_events_mode_selects_drawn_and_pinned_events(mode):
    entry = {"quarter": "2023Q2", "kind": "breakthrough", "actor": "Kimi-like", "size": 0.8}
    ev = random_events(
        run_tables(_regime(mode, [entry]), 4, n_adopters=N, breakthrough_rate=1.0).events
    )
    pinned, drawn = ev[~ev["drawn"]], ev[ev["drawn"]]
    assert len(pinned) == (mode in ("pinned", "pinned_and_drawn"))
    assert (len(drawn) > 0) == (mode in ("drawn", "pinned_and_drawn"))
    if mode == "off":
        assert ev.empty


def test_regimes_round_trip_their_events():
    reg = get_regime("historical")
    assert regime_from_dict(reg.to_dict()) == reg
    assert reg.with_overrides(events="off").events == "off"
    assert get_regime("containment").events == "drawn"  # the default of the other presets


BAD = [
    ({"quarter": "2025Q5", "kind": "breakthrough", "actor": "Qwen-like", "size": 0.5},
     r"event #1\.quarter: quarter '2025Q5'"),
    ({"quarter": "2025Q1", "kind": "meteor", "actor": "Qwen-like", "size": 0.5},
     r"event #1\.kind = 'meteor' must be one of breakthrough, crackdown"),
    ({"quarter": "2025Q1", "kind": "breakthrough", "actor": "Mistral", "size": 0.5},
     r"event #1\.actor = 'Mistral': a breakthrough happens to one of OpenAI-like"),
    ({"quarter": "2025Q1", "kind": "crackdown", "actor": "CN", "size": 0.5},
     r"event #1\.actor = 'CN': a crackdown happens to one of US"),
    ({"quarter": "2025Q1", "kind": "breakthrough", "actor": "Qwen-like", "size": -0.5},
     r"event #1\.size = -0\.5 must be a number in \(0, 10\]"),
    ({"quarter": "2025Q1", "kind": "fab_shock", "actor": "CN", "size": 1.5},
     r"event #1\.size = 1\.5 must be a number in \(0, 1\]"),
    ({"quarter": "2025Q1", "kind": "breakthrough", "actor": "Qwen-like", "size": "big"},
     r"event #1\.size = 'big' must be a number"),
    ({"quarter": "2025Q1", "kind": "breakthrough", "size": 0.5},
     r"event #1 needs 'quarter', 'kind', 'actor' and 'size'.*missing \['actor'\]"),
    ({"quarter": "2025Q1", "kind": "breakthrough", "actor": "Qwen-like", "size": 0.5, "when": 1},
     r"unknown \['when'\]"),
]  # fmt: skip


@pytest.mark.parametrize(("entry", "message"), BAD)
def test_bad_event_entries_are_rejected_with_clear_errors(entry, message):
    with pytest.raises(ValueError, match=message):
        _regime("pinned", [entry])


def test_bad_events_fields_are_rejected_with_clear_errors():
    entry = {"quarter": "2025Q1", "kind": "breakthrough", "actor": "Qwen-like", "size": 0.5}
    with pytest.raises(ValueError, match=r"event #2: two breakthrough events for Qwen-like"):
        _regime("pinned", [entry, entry])
    with pytest.raises(ValueError, match=r"regime field 'events' = 'some' must be one of drawn"):
        _regime("some", [])
    with pytest.raises(ValueError, match=r"regime field 'event' must be an array of tables"):
        regime_from_dict({**get_regime("open").to_dict(), "event": {"quarter": "2025Q1"}})
    with pytest.raises(ValueError, match=r"regime field 'events' = 'never'"):
        run_tables("historical", 0, n_adopters=N, events="never")


def test_the_historical_policy_lines_are_logged_as_dated():
    """The scripted regime's lines, each logged once in the quarter it takes effect, by its
    actor, with its level as size and not as a drawn event (regimes/historical.toml)."""
    m = AIBlocsModel("historical", rng=0, n_adopters=300)
    for _ in range(20):  # to 2026Q4
        m.step()
    policy = ("us_rule", "us_enforcement", "cn_stance", "cn_mandate")
    got = [(e.quarter, e.kind, e.actor, e.what, e.size, e.drawn) for e in m.events
           if e.kind in policy]  # fmt: skip
    assert got == [
        ("2022Q4", "us_rule", "US", "frontier: banned", 2.0, False),
        ("2022Q4", "us_rule", "US", "prev: banned", 2.0, False),
        ("2022Q4", "us_rule", "US", "compliant: free, perf cap 0.6 H100e", 0.0, False),
        ("2022Q4", "us_rule", "US", "fab-equipment controls", 1.0, False),
        ("2023Q4", "us_rule", "US", "compliant: free, perf cap 0.3 H100e", 0.0, False),
        ("2025Q2", "us_rule", "US", "compliant: banned", 2.0, False),
        ("2025Q3", "us_rule", "US",
         "compliant: licensed, approval 90%, fee 15%, perf cap 0.3 H100e", 1.0, False),
        ("2025Q3", "cn_stance", "China", "compliant: discourage", 1.0, False),
        ("2025Q4", "us_rule", "US", "prev: licensed, approval 80%, fee 25%, cap 0.5", 1.0, False),
        ("2025Q4", "cn_mandate", "China", "state-funded hubs buy domestic chips", 1.0, False),
        ("2026Q1", "cn_stance", "China", "prev: block", 2.0, False),
    ]  # fmt: skip


def test_an_adaptive_us_logs_each_change_of_enforcement_as_drawn():
    m = AIBlocsModel("adaptive_us", rng=1, n_adopters=300, us_review_prob=1.0)
    m.run_model()
    logged = [e for e in m.events if e.kind == "us_enforcement"]
    assert len(logged) >= 3
    for before, e in zip([None, *logged], logged, strict=False):
        assert (e.actor, e.drawn, e.what) == ("US", True, f"enforcement effort {e.size:.2f}")
        assert before is None or (e.quarter > before.quarter and e.size != before.size)
    assert logged[-1].size == m.us_gov.enforcement
