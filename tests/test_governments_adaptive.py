"""Governments that decide (ODD §7.7): each rule's direction, inertia, scripted mode, streams."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from modelkit import model_at

from aiblocs import AIBlocsModel, Scenario
from aiblocs.model import policy_cn, policy_us
from aiblocs.model.calendar import quarter_label
from aiblocs.model.inertia import ladder, smooth
from aiblocs.model.regimes import LEVEL, TIERS, TierRule, get_regime, regime_from_dict

N = 300
QUIET = {"us_review_prob": 1.0, "cn_review_prob": 1.0, "mech_policy_noise": False}
"""Every quarter a review, and no political noise: a decision follows its inputs alone."""


DECISIONS = {"us_rule", "us_enforcement", "cn_stance", "cn_mandate", "cn_subsidy"}


def us_after(view_changes: dict, rules: dict[str, str], pressure: float = 0.0,
             **kw) -> dict[str, str]:  # fmt: skip
    """The statuses an adaptive US sets in one review from ``rules``, with its view changed."""
    m = model_at("adaptive_us", "2023Q4", n=N, **{**QUIET, **kw})
    gov = m.us_gov
    gov.view = dataclasses.replace(gov.view, **view_changes)
    gov.rules = {t: TierRule(t, m.q, rules[t]) for t in TIERS}
    gov.pressure = pressure
    m.q += 1
    policy_us.decide(gov)
    return {t: gov.rules[t].status for t in TIERS}


def test_security_tightens_and_revenue_loosens():
    m = model_at("adaptive_us", "2023Q4", n=N, **QUIET)
    view, p = m.us_gov.view, m.p
    for t in TIERS:  # the drive falls with the lag, rises with uplift, falls with demand
        near, far = (policy_us.drive(dataclasses.replace(view, lag=lag), t, p) for lag in (1, 40))
        assert near >= far and (near > far or view.perf[t] <= view.perf_cn)
        rich = dataclasses.replace(view, demand={**view.demand, t: view.demand[t] + 50.0})
        assert policy_us.drive(rich, t, p) < policy_us.drive(view, t, p)
    free = dict.fromkeys(TIERS, "free")
    banned = dict.fromkeys(TIERS, "banned")
    assert us_after({"lag": 0.0, "perf_cn": 0.01}, free)["frontier"] == "banned"
    assert us_after({"lag": 200.0}, banned) == free  # no threat: every tier is freed
    flooded = {"demand": dict.fromkeys(TIERS, 1e4), "lag": 3.0}
    assert us_after(flooded, banned)["frontier"] != "banned"  # revenue at stake loosens
    assert us_after(flooded, banned, mech_us_revenue_motive=False)["frontier"] == "banned"


def test_lobbying_pressure_grows_with_forgone_revenue_and_a_closing_gap():
    p = model_at("adaptive_us", "2022Q2", n=N).p
    view = policy_us.USView(lag=3.0, perf={}, perf_cn=0.3, demand={}, cn_share=0.4, grey_share=0)
    push = 0.4 * 10.0 / p.loosening_revenue_scale * (1 - 3.0 / p.loosening_lag_scale)
    assert policy_us.lobbying(1.0, view, 10.0, p) == pytest.approx(1 - p.us_lobby_decay + push)
    wide = dataclasses.replace(view, lag=p.loosening_lag_scale + 1)
    assert policy_us.lobbying(1.0, wide, 10.0, p) == pytest.approx(1 - p.us_lobby_decay)
    # and pressure loosens: a banned tier is licensed or freed once the designers push hard
    threat = {"lag": 2.0, "perf_cn": 0.01}
    banned = dict.fromkeys(TIERS, "banned")
    assert us_after(threat, banned)["frontier"] == "banned"
    assert us_after(threat, banned, pressure=100.0)["frontier"] != "banned"


def test_a_loosened_tier_pays_a_fee_a_tightened_one_does_not():
    p = model_at("adaptive_us", "2022Q2", n=N).p
    banned, free = TierRule("prev", 0, "banned"), TierRule("prev", 0, "free")
    x = p.us_licence_threshold + 0.5 * (1 - p.us_licence_threshold)  # halfway to the ban line
    loose = policy_us.new_rule(banned, 5, LEVEL["licensed"], x, p)
    assert loose.fee == pytest.approx((p.us_fee_low + p.us_fee_high) / 2)
    assert loose.approval == pytest.approx((p.us_approval_low + p.us_approval_high) / 2)
    assert loose.cap == p.us_licence_cap and loose.start == 5
    assert policy_us.new_rule(free, 5, LEVEL["licensed"], x, p).fee == 0.0
    assert policy_us.new_rule(free, 5, LEVEL["banned"], 2.0, p).terms[1:4] == (1.0, 0.0, None)


def test_us_tightening_raises_chinas_drive_and_loosening_raises_it_more():
    m = model_at("adaptive", "2022Q2", n=N)
    p, gov = m.p, m.cn_gov
    free = {t: TierRule(t, 0) for t in TIERS}
    ban = {**free, "frontier": TierRule("frontier", 1, "banned")}
    capped = {**free, "compliant": TierRule("compliant", 1, perf_cap=0.3)}
    assert policy_cn.us_moves(free, ban) == (2, 0)
    assert policy_cn.us_moves(ban, free) == (0, 2)
    assert policy_cn.us_moves(free, capped) == (1, 0) and policy_cn.us_moves(capped, free) == (0, 1)
    gov.drive = 1.0
    policy_cn.update_drive(gov, free, ban)
    assert gov.drive == pytest.approx(1 - p.cn_drive_decay + 2 * p.cn_tightening_drive)
    gov.drive = 1.0
    policy_cn.update_drive(gov, ban, free)
    assert gov.drive == pytest.approx(1 - p.cn_drive_decay + 2 * p.cn_addiction_drive)


def cn_after(drive: float, ready: bool, **kw) -> tuple[dict[str, str], bool, float]:
    """Stance, mandate and subsidy an adaptive China sets in one review at this drive."""
    m = model_at("adaptive", "2023Q4", n=N, **{**QUIET, **kw})
    gov = m.cn_gov
    m.us_gov.rules = {t: TierRule(t, 0) for t in TIERS}  # everything on sale
    gov.drive, gov.subsidy, gov.mandate = drive, 0.0, False
    gov.stance = dict.fromkeys(TIERS, "allow")
    top = max(gov.view.perf_us.values())
    gov.view = dataclasses.replace(gov.view, perf_cn=top if ready else 1e-6,
                                   supply=1.0 if ready else 1e-6,
                                   ecosystem=1.0 if ready else 1e-6)  # fmt: skip
    m.q += 1
    policy_cn.decide(gov)
    return dict(gov.stance), gov.mandate, gov.subsidy


def test_readiness_and_motive_make_china_block():
    stance, mandate, subsidy = cn_after(2.5, ready=True)
    assert set(stance.values()) == {"block"} and mandate and subsidy > 0
    weak, _, _ = cn_after(2.5, ready=False)  # same motive, nothing to replace US chips with
    order = ["allow", "discourage", "block"]
    assert all(order.index(weak[t]) < order.index(stance[t]) for t in TIERS)
    calm, calm_mandate, calm_subsidy = cn_after(0.0, ready=True)
    assert set(calm.values()) == {"allow"} and not calm_mandate and calm_subsidy == 0.0
    # without the readiness gate the unready China acts on its full motive, as the ready one
    assert cn_after(2.5, ready=False, mech_cn_readiness=False)[0] == stance
    # the subsidy follows the drive from US moves, capped
    p = model_at("adaptive", "2022Q2", n=N).p
    assert subsidy == pytest.approx(min(p.cn_subsidy_max, p.cn_subsidy_gain * 2.5))
    assert cn_after(0.5, ready=True)[2] == pytest.approx(p.cn_subsidy_gain * 0.5)


def test_china_takes_no_stance_on_a_tier_the_us_bans():
    m = model_at("adaptive", "2023Q4", n=N, **QUIET)
    gov = m.cn_gov
    m.us_gov.rules = {t: TierRule(t, 0, "banned") for t in TIERS}
    gov.drive, before = 10.0, dict(gov.stance)
    m.q += 1
    policy_cn.decide(gov)
    assert gov.stance == before


def test_ladder_holds_inside_the_band_and_moves_across_it():
    th, band = (0.5, 1.0), 0.2
    assert [ladder(0, x, th, band) for x in (0.6, 0.71, 1.21)] == [0, 1, 2]
    assert [ladder(2, x, th, band) for x in (0.85, 0.79, 0.29)] == [2, 1, 0]
    for level in (0, 1, 2):  # a drive wavering within the band never changes the level
        rng = np.random.default_rng(level)
        x0 = th[max(0, level - 1)] if level else th[0]
        assert all(ladder(level, x0 + d, th, band) == level
                   for d in rng.uniform(-0.19, 0.19, 200))  # fmt: skip
    assert smooth(None, 3.0, 0.5) == 3.0 and smooth(1.0, 3.0, 0.25) == 1.5


def test_no_flip_flopping_when_inputs_sit_inside_the_band():
    m = model_at("adaptive_us", "2023Q4", n=N, **QUIET)
    gov, p = m.us_gov, m.p
    gov.rules = {t: TierRule(t, m.q, "licensed") for t in TIERS}
    x = policy_us.drive(gov.view, "prev", p)
    for q in range(24):  # prev's drive wavers around its licence threshold, inside the band
        wobble = 0.95 * p.us_band * math.sin(1.3 * q)
        gov.pressure = (x - p.us_licence_threshold - wobble) / p.us_lobby_weight
        m.q += 1
        policy_us.decide(gov)
        assert gov.rules["prev"].status == "licensed", q
    gov.pressure = (x - p.us_licence_threshold + 1.05 * p.us_band) / p.us_lobby_weight
    m.q += 1
    policy_us.decide(gov)
    assert gov.rules["prev"].status == "free"  # out of the band, it moves


SCRIPTED = ["historical", "managed_access_cn_block", "containment"]


@pytest.mark.parametrize("name", SCRIPTED)
def test_scripted_settings_are_the_regimes_dated_rules_every_quarter(name):
    reg = get_regime(name)
    m = AIBlocsModel(reg, rng=2, n_adopters=N, end="2027Q4")
    shown = []
    while m.running:
        m.step()
        q = m.q
        assert m.us_gov.rules == {t: reg.rule(t, q) for t in TIERS}
        assert m.cn_gov.stance == {t: reg.stance(t, q) for t in TIERS}
        assert m.cn_gov.mandate == reg.domestic_mandate(q)
        assert m.us_gov.enforcement == reg.enforcement and m.cn_gov.subsidy == 0.0
        assert m.us_gov.equipment_from == reg.equipment_controls_from
        shown.append(q)
    # every dated change is on the timeline, undrawn, in the quarter it starts
    logged = {(e.quarter, e.what) for e in m.events if e.kind == "us_rule"}
    tools = {(q, w) for q, w in logged if w == "fab-equipment controls"}
    assert tools == {(quarter_label(reg.equipment_controls_from), "fab-equipment controls")}
    logged -= tools
    assert all(not e.drawn for e in m.events if e.kind in DECISIONS)  # deals, events are drawn
    wanted = set()
    for t in TIERS:
        for q0, q1 in itertools.pairwise(shown):
            if reg.rule(t, q1).terms != reg.rule(t, q0).terms:
                wanted.add((quarter_label(q1), reg.rule(t, q1).describe()))
    assert logged == wanted and (name != "historical" or len(wanted) == 7)
    stances = [(e.quarter, e.what) for e in m.events if e.kind == "cn_stance"]
    if name == "historical":
        assert stances == [("2025Q3", "compliant: discourage"), ("2026Q1", "prev: block")]


def test_us_draws_are_keyed_by_quarter_not_by_regime():
    draws = {}
    for name in ("adaptive", "adaptive_us"):  # the same US, different Chinese governments
        m = AIBlocsModel(name, rng=5, n_adopters=N, end="2025Q3")
        draws[name] = []
        while m.running:
            m.step()
            draws[name].append(m.us_gov.draws)
    assert draws["adaptive"] == draws["adaptive_us"]
    g = m.stream("us_policy", m.q)
    assert draws["adaptive_us"][-1] == (g.random(), *g.standard_normal(len(TIERS)))
    # China's draws likewise: the same under the adaptive and the historical US
    cn = {}
    for name in ("adaptive", "adaptive_cn"):
        m = AIBlocsModel(name, rng=5, n_adopters=N, end="2025Q3")
        cn[name] = []
        while m.running:
            m.step()
            cn[name].append(m.cn_gov.draws)
    assert cn["adaptive"] == cn["adaptive_cn"] and len(set(cn["adaptive"])) == len(cn["adaptive"])


def test_adaptive_decisions_are_logged_as_drawn():
    m = AIBlocsModel("adaptive", rng=0, n_adopters=N, end="2026Q4")
    m.run_model()
    gov = [e for e in m.events if e.kind in DECISIONS]  # not deals, crackdowns, breakthroughs
    assert {e.actor for e in gov} <= {"US", "China"}
    kinds = {e.kind for e in gov}
    assert "us_rule" in kinds and all(e.drawn for e in gov)
    assert any(e.what.startswith("frontier: ") for e in m.events)


def test_bad_policy_modes_and_contradictions_are_refused():
    with pytest.raises(ValueError, match=r"'us_policy' = 'adaptiv' must be 'scripted'"):
        regime_from_dict({"name": "x", "us_policy": "adaptiv"})
    with pytest.raises(ValueError, match=r"'cn_policy' = 1 must be 'scripted'"):
        regime_from_dict({"name": "x", "cn_policy": 1})
    late = {"name": "late", "us_policy": "adaptive",
            "rule": [{"tier": "prev", "from": "2025Q4", "status": "banned"}]}  # fmt: skip
    with pytest.raises(ValueError, match=r"rule\[prev@2025Q4\]"):
        Scenario.build(regime_from_dict(late))
    assert Scenario.build(regime_from_dict(late), start="2026Q1").regime.us_policy == "adaptive"
    mandate = {"name": "m", "cn_policy": "adaptive", "domestic_mandate_from": "2025Q4"}
    with pytest.raises(ValueError, match="domestic_mandate_from = 2025Q4"):
        Scenario.build(regime_from_dict(mandate))
    # the scripted loosening override does not act on an adaptive US (its lobbying term does)
    m = model_at("adaptive_us", "2023Q4", n=N, loosening_pressure=10.0)
    assert not m.us_gov.loosened
    reg = get_regime("adaptive")
    assert regime_from_dict(reg.to_dict()) == reg
    assert "us_policy" not in get_regime("historical").to_dict()  # scripted is implied


def test_each_administration_draws_its_own_hawkishness():
    """A term's hawkishness is one standard-normal draw keyed by its inauguration: stable within
    the term, different across terms, and the same in another regime with the same seed."""

    m = AIBlocsModel("adaptive", rng=3, n_adopters=100)
    terms = [m.us_gov.hawkishness(q) for q in (8, 24, 40, 56)]
    assert terms[0] == m.us_gov.hawkishness(8)  # drawn once per term
    assert len(set(terms)) == 4  # distinct terms, distinct draws (ties have probability 0)
    other = AIBlocsModel("adaptive_us", rng=3, n_adopters=100)
    assert [other.us_gov.hawkishness(q) for q in (8, 24, 40, 56)] == terms


def test_adaptive_governments_smooth_their_view_with_the_last_one():
    """Each quarter's reading is smoothed with the view held so far, not started afresh; an
    adaptive US takes no scripted loosening pressure."""
    m = model_at("adaptive", "2024Q2", n=N, loosening_pressure=5.0, policy_smoothing=0.5)
    us, cn = m.us_gov, m.cn_gov
    assert us.adaptive and cn.adaptive and us.view is not None and cn.view is not None
    result, lag = m.chip_result, 6.0
    us_old, cn_old = us.view, cn.view
    us.observe(result, lag)
    cn.observe(result)
    assert us.view == policy_us.observe(m, result, lag, us_old)
    assert cn.view == policy_cn.observe(m, result, cn_old)
    assert us.view != policy_us.observe(m, result, lag, None)
    assert cn.view != policy_cn.observe(m, result, None)
    before = (us.pressure, us.loosened)
    us.update_pressure(1e3, 0.0)  # huge forgone revenue, no lag: a scripted US would loosen
    assert (us.pressure, us.loosened) == before
