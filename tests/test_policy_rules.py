"""Known-answer checks of the adaptive US and Chinese decision rules (ODD §7.7).

Each function of ``policy_us`` and ``policy_cn`` is fed small hand-built inputs (stand-in
designers, sites, chip-market results, views and governments) and its output is compared with
the value the documented formula gives, worked out here by hand: the smoothed readings and their
zero-denominator guards, uplift, threat, the term calendar, the licence terms, the readiness
measures, the motive, the US moves, and one full review by each government (scores, ladders,
enforcement and subsidy steps, with their thresholds hit exactly).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from aiblocs.model import policy_cn, policy_us
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.params import default_params
from aiblocs.model.regimes import LEVEL, TIERS, TierRule

P = default_params()


class FakeStream:
    """A stream with fixed draws: ``random()`` gives ``review``, normals come from ``eps``."""

    def __init__(self, review: float, eps: list[float]):
        self.review, self.eps = review, eps

    def random(self) -> float:
        return self.review

    def standard_normal(self, n: int) -> np.ndarray:
        return np.array(self.eps[:n], dtype=float)


# --- US: observe -----------------------------------------------------------------------------


def us_model(p=P):
    us = SimpleNamespace(bloc="US", perf={"frontier": 2.0, "prev": 1.0, "compliant": 0.5})
    small = SimpleNamespace(bloc="CN", weight=0.3, perf={"domestic": 0.9})
    lead = SimpleNamespace(bloc="CN", weight=0.7, perf={"domestic": 0.4})
    return SimpleNamespace(p=p, designers=[small, us, lead])


def us_result(total=10.0, cn=2.0, forgone=1.0, legal=(3.0, 1.0), grey=1.0):
    return SimpleNamespace(
        us_revenue_cn_by_tier={"frontier": 2.0, "prev": 1.0},
        forgone_cn_by_tier={"prev": 3.0, "compliant": 0.5},
        us_revenue_cn_forgone=forgone,
        us_revenue_total=total,
        us_revenue_cn=cn,
        units={"CN": {"US": legal[0], "CN": 9.0}, "CN_state": {"US": legal[1], "CN": 9.0}},
        smuggled_units=grey,
    )


def test_us_observe_reads_demand_share_and_grey_share():
    view = policy_us.observe(us_model(), us_result(), 7.0, None)
    # demand = sales + denied demand per tier, a tier missing from a dict counting 0
    assert view.demand == pytest.approx({"frontier": 2.0, "prev": 4.0, "compliant": 0.5})
    # share = (CN revenue + forgone) / (total revenue + forgone) = 3 / 11
    assert view.cn_share == pytest.approx(3.0 / 11.0)
    # grey share = smuggled / (smuggled + legal US units in China) = 1 / 5
    assert view.grey_share == pytest.approx(0.2)
    assert view.lag == 7.0 and view.perf_cn == 0.4  # the heaviest Chinese designer's chip
    assert view.perf == {"frontier": 2.0, "prev": 1.0, "compliant": 0.5}


def test_us_observe_small_denominators_below_one():
    res = us_result(total=0.4, cn=0.1, forgone=0.2, legal=(0.2, 0.1), grey=0.3)
    view = policy_us.observe(us_model(), res, 7.0, None)
    assert view.cn_share == pytest.approx(0.3 / 0.6)
    assert view.grey_share == pytest.approx(0.3 / 0.6)
    # more legal than grey units: the share is still grey / (grey + legal)
    res = us_result(legal=(3.0, 1.0), grey=0.5)
    assert policy_us.observe(us_model(), res, 7.0, None).grey_share == pytest.approx(0.5 / 4.5)


def test_us_observe_guards_no_revenue_and_no_chips():
    res = us_result(total=0.0, cn=0.0, forgone=0.0, legal=(0.0, 0.0), grey=0.0)
    view = policy_us.observe(us_model(), res, 7.0, None)
    assert view.cn_share == 0.0
    assert view.grey_share == 0.0


def test_us_observe_smooths_with_the_old_view():
    p = P.replace(policy_smoothing=0.25)
    old = policy_us.USView(lag=1.0, perf={}, perf_cn=0.1,
                           demand={"frontier": 6.0, "prev": 0.0, "compliant": 4.5},
                           cn_share=0.5, grey_share=0.6)  # fmt: skip
    view = policy_us.observe(us_model(p), us_result(), 7.0, old)
    # old + 0.25 * (new - old)
    assert view.demand == pytest.approx({"frontier": 5.0, "prev": 1.0, "compliant": 3.5})
    assert view.cn_share == pytest.approx(0.5 + 0.25 * (3.0 / 11.0 - 0.5))
    assert view.grey_share == pytest.approx(0.6 + 0.25 * (0.2 - 0.6))


# --- US: threat, uplift, drive, term_start, new_rule ----------------------------------------


def test_threat_is_exp_of_minus_lag_over_scale():
    assert policy_us.threat(0.5, P) == pytest.approx(math.exp(-0.5 / 12.0))
    assert policy_us.threat(0.0, P) == 1.0
    assert policy_us.threat(-3.0, P) == 1.0  # a lead counts as no lag
    assert policy_us.threat(12.0, P) == pytest.approx(math.exp(-1.0))


def test_uplift_known_values_and_zero_performance_guard():
    assert policy_us.uplift(1.0, 0.3) == pytest.approx(0.7)
    assert policy_us.uplift(2.0, 0.5) == pytest.approx(0.75)
    assert policy_us.uplift(0.5, 0.8) == 0.0  # China's chip already better
    assert policy_us.uplift(0.0, 0.3) == 0.0  # no performance: nothing to protect


def test_drive_divides_demand_by_the_revenue_scale():
    p = P.replace(us_revenue_scale=2.0)
    view = policy_us.USView(lag=6.0, perf={"frontier": 2.0}, perf_cn=0.5,
                            demand={"frontier": 3.0}, cn_share=0.0, grey_share=0.0)  # fmt: skip
    expected = 6.0 * math.exp(-6.0 / 12.0) * 0.75 - 1.0 * math.log(1 + 3.0 / 2.0)
    assert policy_us.drive(view, "frontier", p) == pytest.approx(expected)


def test_term_start_is_the_last_inauguration():
    first = parse_quarter("2021Q1")
    for q, start in [
        (first, first),
        (first + 15, first),
        (first + 16, first + 16),
        (first + 17, first + 16),
        (first + 40, first + 32),
        (first - 1, first - 16),
    ]:
        got = policy_us.term_start(q, P)
        assert got == start and isinstance(got, int)


def test_new_rule_ban_or_free_keeps_tier_and_cap_and_starts_now():
    old = TierRule("prev", 0, "licensed", approval=0.5, fee=0.2, cap=0.5, perf_cap=0.7)
    assert policy_us.new_rule(old, 5, LEVEL["banned"], 2.0, P) == TierRule(
        "prev", 5, "banned", perf_cap=0.7)  # fmt: skip
    assert policy_us.new_rule(old, 6, LEVEL["free"], -1.0, P) == TierRule(
        "prev", 6, "free", perf_cap=0.7)  # fmt: skip


def test_new_rule_licence_terms_stop_at_the_ban_line():
    old = TierRule("frontier", 0, "banned", perf_cap=0.7)
    far = policy_us.new_rule(old, 7, LEVEL["licensed"], 2.0, P)  # beyond the ban line: pos = 1
    assert far == TierRule("frontier", 7, "licensed", approval=0.8, fee=0.25, cap=0.5, perf_cap=0.7)
    near = policy_us.new_rule(old, 7, LEVEL["licensed"], 0.6, P)  # pos = 0.1 / 0.5 = 0.2
    assert near.approval == pytest.approx(0.9 - 0.1 * 0.2)
    assert near.fee == pytest.approx(0.15 + 0.1 * 0.2)
    assert near.status == "licensed" and near.perf_cap == 0.7 and near.start == 7


# --- US: decide ------------------------------------------------------------------------------


def us_gov(review=0.1, eps=(0.5, -2.0, 1.5), enforcement=0.3, regime_enf=0.3, p=P, **view_kw):
    view = {"lag": 6.0, "perf": {"frontier": 2.0, "prev": 1.0, "compliant": 0.5}, "perf_cn": 0.5,
            "demand": {"frontier": 1.0, "prev": 0.0, "compliant": 3.0}, "cn_share": 0.3,
            "grey_share": 0.4, **view_kw}  # fmt: skip
    q = parse_quarter("2023Q2")
    model = SimpleNamespace(p=p, q=q, stream=lambda *a: FakeStream(review, list(eps)))
    calls = []
    return SimpleNamespace(
        model=model, view=policy_us.USView(**view), pressure=0.5, drives={}, draws=None,
        hawkishness=lambda start: calls.append(start) or 0.4, calls=calls,
        rules={"frontier": TierRule("frontier", 0, "free"), "prev": TierRule("prev", 0, "free"),
               "compliant": TierRule("compliant", 0, "banned", perf_cap=0.3)},
        regime=SimpleNamespace(enforcement=regime_enf), enforcement=enforcement,
    )  # fmt: skip


def test_us_review_drives_statuses_and_enforcement_known_answer():
    gov = us_gov()
    policy_us.decide(gov)
    q = gov.model.q
    thr = math.exp(-6.0 / 12.0)
    hawk, lobby = 0.5 * 0.4, 1.0 * 0.5  # term sd * hawkishness, lobby weight * pressure
    x = {
        "frontier": 6 * thr * 0.75 - math.log(2.0) - lobby + hawk + 0.2 * 0.5,
        "prev": 6 * thr * 0.5 - 0.0 - lobby + hawk + 0.2 * -2.0,
        "compliant": 0.0 - math.log(4.0) - lobby + hawk + 0.2 * 1.5,
    }
    assert gov.drives == pytest.approx(x)
    assert gov.calls == [parse_quarter("2021Q1")]  # hawkishness of the 2021 administration
    assert 1.2 <= x["frontier"] < 2.2  # past the ban line + band: banned
    assert gov.rules["frontier"] == TierRule("frontier", q, "banned")
    assert 0.7 <= x["prev"] < 1.2  # past the licence line + band only: licensed, no fee
    pos = min(1.0, (x["prev"] - 0.5) / 0.5)
    assert gov.rules["prev"] == TierRule("prev", q, "licensed", approval=0.9 - 0.1 * pos,
                                         fee=0.0, cap=0.5)  # fmt: skip
    assert x["compliant"] < 0.3  # below the licence line - band: freed
    assert gov.rules["compliant"] == TierRule("compliant", q, "free", perf_cap=0.3)
    # enforcement moves to e0 + gain * threat * grey share
    assert gov.enforcement == pytest.approx(0.3 + 0.5 * thr * 0.4)
    assert gov.draws == (0.1, 0.5, -2.0, 1.5)


def test_us_enforcement_target_is_capped_at_one():
    gov = us_gov(regime_enf=0.9)
    policy_us.decide(gov)
    assert 0.9 + 0.5 * math.exp(-0.5) * 0.4 > 1.0 and gov.enforcement == 1.0


def test_us_no_review_when_the_draw_equals_the_review_probability():
    gov = us_gov(review=0.5)
    policy_us.decide(gov)
    assert gov.drives == {} and gov.enforcement == 0.3
    assert gov.rules["frontier"].status == "free" and gov.rules["compliant"].status == "banned"


def test_us_enforcement_moves_only_by_at_least_a_step():
    small = us_gov(enforcement=0.3 + 0.5 * math.exp(-0.5) * 0.4 - 0.01)  # 0.01 < step 0.05
    before = small.enforcement
    policy_us.decide(small)
    assert small.enforcement == before
    p = P.replace(us_enforcement_step=0.25)
    exact = us_gov(enforcement=0.25, regime_enf=0.5, grey_share=0.0, p=p)  # |0.5 - 0.25| = step
    policy_us.decide(exact)
    assert exact.enforcement == 0.5


# --- China: observe --------------------------------------------------------------------------


def cn_model(sites_us=(1.0, 0.5), sites_cn=(2.0, 0.5), p=P):
    a = SimpleNamespace(bloc="CN", weight=0.25, capacity=2.0, perf={"domestic": 0.5},
                        ecosystem=0.8)  # fmt: skip
    b = SimpleNamespace(bloc="CN", weight=0.75, capacity=1.0, perf={"domestic": 0.4},
                        ecosystem=0.4)  # fmt: skip
    us = SimpleNamespace(bloc="US", perf={"frontier": 2.0, "prev": 1.0, "compliant": 0.5})
    cloud = SimpleNamespace(compute={"US": sites_us[0], "CN": sites_cn[0]})
    prov = SimpleNamespace(compute={"US": sites_us[1], "CN": sites_cn[1]})
    return SimpleNamespace(p=p, designers=[a, us, b], cn_clouds=[cloud], provinces=[prov])


def cn_result(us=(2.0, 1.0), cn=(1.5, 0.5), smuggled=2.0):
    return SimpleNamespace(compute={"CN": {"US": us[0], "CN": cn[0]},
                                    "CN_state": {"US": us[1], "CN": cn[1]}},
                           smuggled_compute=smuggled)  # fmt: skip


def test_cn_observe_known_answer():
    view = policy_cn.observe(cn_model(), cn_result(), None)
    # capacity = 2 * 0.5 + 1 * 0.4 = 1.4 H100e; purchases 2 + 1 + 1.5 + 0.5 + 2 smuggled = 7
    assert view.supply == pytest.approx(1.4 / 7.0)
    assert view.ecosystem == pytest.approx(0.25 * 0.8 + 0.75 * 0.4)
    assert view.dependence == pytest.approx(1.5 / 4.0)  # US 1.5 of 1.5 + 2.5
    assert view.perf_cn == 0.4  # the heaviest designer's chip
    assert view.perf_us == {"frontier": 2.0, "prev": 1.0, "compliant": 0.5}


def test_cn_observe_supply_cap_and_small_denominators():
    plenty = policy_cn.observe(cn_model(), cn_result((0.2, 0.2), (0.2, 0.1), 0.2), None)
    assert plenty.supply == 1.0  # 1.4 / 0.9 capped at 1
    small = policy_cn.observe(cn_model((0.1, 0.1), (0.2, 0.1)),
                              cn_result((0.1, 0.1), (0.1, 0.1), 0.0), None)  # fmt: skip
    assert small.supply == 1.0  # 1.4 / 0.4
    m = cn_model((0.1, 0.1), (0.2, 0.1))
    m.designers[0].capacity, m.designers[2].capacity = 0.2, 0.0
    tiny = policy_cn.observe(m, cn_result((0.1, 0.1), (0.1, 0.1), 0.2), None)
    assert tiny.supply == pytest.approx(0.1 / 0.6)
    assert tiny.dependence == pytest.approx(0.2 / 0.5)


def test_cn_observe_guards_no_purchases_and_no_compute():
    view = policy_cn.observe(cn_model((0.0, 0.0), (0.0, 0.0)),
                             cn_result((0.0, 0.0), (0.0, 0.0), 0.0), None)  # fmt: skip
    assert view.supply == 1.0  # nothing bought: domestic supply covers it
    assert view.dependence == 0.0


def test_cn_observe_smooths_supply():
    old = policy_cn.CNView(perf_cn=0.1, perf_us={}, supply=0.6, ecosystem=0.0, dependence=0.0)
    view = policy_cn.observe(cn_model(p=P.replace(policy_smoothing=0.25)), cn_result(), old)
    assert view.supply == pytest.approx(0.6 + 0.25 * (0.2 - 0.6))


# --- China: readiness, motive, US moves -------------------------------------------------------


def cn_view(**kw):
    base = {"perf_cn": 0.5, "perf_us": {"frontier": 2.0, "prev": 1.0, "compliant": 0.5},
            "supply": 0.8, "ecosystem": 0.6, "dependence": 0.4, **kw}  # fmt: skip
    return policy_cn.CNView(**base)


def test_readiness_is_the_cube_root_of_perf_supply_ecosystem():
    view = cn_view(supply=0.5, ecosystem=0.4)
    assert policy_cn.readiness(view, "frontier") == pytest.approx((0.25 * 0.2) ** (1 / 3))
    assert policy_cn.readiness(view, "prev") == pytest.approx((0.5 * 0.2) ** (1 / 3))
    better = cn_view(perf_cn=2.0, perf_us={"frontier": 1.0, "small": 0.8, "none": 0.0})
    assert policy_cn.readiness(better, "frontier") == pytest.approx(0.48 ** (1 / 3))  # capped
    assert policy_cn.readiness(better, "small") == pytest.approx(0.48 ** (1 / 3))
    weak = cn_view(perf_cn=0.4, perf_us={"small": 0.8, "none": 0.0})
    assert policy_cn.readiness(weak, "small") == pytest.approx((0.5 * 0.48) ** (1 / 3))
    assert policy_cn.readiness(weak, "none") == pytest.approx(0.48 ** (1 / 3))  # no US part


def test_supply_readiness_is_the_square_root_of_supply_and_ecosystem():
    assert policy_cn.supply_readiness(cn_view(supply=0.5, ecosystem=0.4)) == pytest.approx(
        math.sqrt(0.2))  # fmt: skip


def test_motive_adds_weighted_dependence():
    gov = SimpleNamespace(model=SimpleNamespace(p=P), drive=0.3, view=cn_view(dependence=0.4))
    assert policy_cn.motive(gov) == pytest.approx(0.3 + 0.5 * 0.4)


def test_us_moves_ignores_a_cap_change_on_a_banned_tier():
    before = {t: TierRule(t, 0, "banned", perf_cap=0.5) for t in TIERS}
    after = {t: TierRule(t, 1, "banned", perf_cap=0.3) for t in TIERS}
    assert policy_cn.us_moves(before, after) == (0, 0)
    before = {t: TierRule(t, 0, "licensed", perf_cap=0.5) for t in TIERS}
    after = {t: TierRule(t, 1, "licensed", perf_cap=0.3) for t in TIERS}
    assert policy_cn.us_moves(before, after) == (3, 0)


# --- China: decide ---------------------------------------------------------------------------


def cn_gov(review=0.1, eps=(0.7, 0.5, -2.0, 2.5, 9.0), subsidy=0.0, drive=0.5, p=P):
    q = parse_quarter("2024Q1")
    us_rules = {"frontier": TierRule("frontier", 0, "banned"), "prev": TierRule("prev", 0),
                "compliant": TierRule("compliant", 0)}  # fmt: skip
    model = SimpleNamespace(p=p, q=q, stream=lambda *a: FakeStream(review, list(eps)),
                            us_gov=SimpleNamespace(rules=us_rules))  # fmt: skip
    return SimpleNamespace(model=model, view=cn_view(), motive=lambda: 1.5, scores={},
                           stance=dict.fromkeys(TIERS, "allow"), mandate=False, drive=drive,
                           subsidy=subsidy, draws=None)  # fmt: skip


def test_cn_review_scores_stances_mandate_subsidy_known_answer():
    gov = cn_gov()
    policy_cn.decide(gov)
    gate = {t: 0.5 + 0.5 * r for t, r in
            [("prev", (0.5 * 0.48) ** (1 / 3)), ("compliant", 0.48 ** (1 / 3))]}  # fmt: skip
    y = {"prev": 1.5 * gate["prev"] + 0.2 * 0.5,
         "compliant": 1.5 * gate["compliant"] + 0.2 * -2.0}  # fmt: skip
    z = 1.5 * (0.5 + 0.5 * math.sqrt(0.48)) + 0.2 * 2.5
    assert set(gov.scores) == {"prev", "compliant", "mandate"}  # the US-banned tier is skipped
    assert gov.scores["prev"] == pytest.approx(y["prev"])
    assert gov.scores["compliant"] == pytest.approx(y["compliant"])
    assert gov.scores["mandate"] == pytest.approx(z)
    assert 1.2 <= y["prev"] < 1.7 and gov.stance["prev"] == "discourage"
    assert y["compliant"] < 1.2 and gov.stance["compliant"] == "allow"
    assert gov.stance["frontier"] == "allow"
    assert z >= 1.7 and gov.mandate is True
    assert gov.subsidy == pytest.approx(0.5)  # min(2, 1 * drive 0.5), a step of 0.5 >= 0.25
    assert len(gov.draws) == 1 + len(TIERS) + 1  # review, one per tier, one for the mandate


def test_cn_no_review_when_the_draw_equals_the_review_probability():
    gov = cn_gov(review=0.5)
    policy_cn.decide(gov)
    assert gov.scores == {} and gov.subsidy == 0.0 and gov.mandate is False


def test_cn_subsidy_moves_only_by_at_least_a_step():
    exact = cn_gov(subsidy=0.25, drive=0.5)  # |0.5 - 0.25| equals the step
    policy_cn.decide(exact)
    assert exact.subsidy == 0.5
    small = cn_gov(subsidy=0.4, drive=0.5)  # 0.1 < step
    policy_cn.decide(small)
    assert small.subsidy == 0.4


def test_a_new_rule_keeps_the_tiers_performance_cap():
    """Moving a tier between statuses changes what the rule sets, not the compliant part's
    H100e ceiling (set by the regime file)."""
    p = default_params()
    old = TierRule("compliant", 12, "free", perf_cap=0.4)
    for level in sorted(LEVEL.values()):
        rule = policy_us.new_rule(old, 14, level, 1.5, p)
        assert (rule.tier, rule.start, rule.perf_cap) == ("compliant", 14, 0.4)
