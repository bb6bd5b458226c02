"""Per-country measurement, deal wording and lengths, and the grey-market edge cases by hand."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest

from aiblocs import AIBlocsModel
from aiblocs.model import deals, grey, markets
from aiblocs.model.adoption import locked
from aiblocs.model.capacity import serving_capacity
from aiblocs.model.metrics import measure_countries
from aiblocs.model.params import make_params
from aiblocs.model.world import load_world


@pytest.fixture(scope="module")
def stepped():
    m = AIBlocsModel("historical", rng=0, n_adopters=2000)
    for _ in range(28):  # to 2028Q4: adoption on both stacks and lock-in on both
        m.step()
    return m


def _expected(m, switched_cohorts):
    """Each GS country's reporters, from the adopter arrays (units, not cohort counts)."""
    st = m.adopters
    lock = locked(st.stack, st.tenure, m.p)
    unit_country = np.array([m.cohorts[i].country for i in range(len(m.cohorts))])[st.cohort]
    sw_country = np.array([m.cohorts[i].country for i in switched_cohorts], dtype=object)
    out = {}
    for name in m.gs_govs:
        mine = unit_country == name
        n = int(mine.sum())
        us = int((mine & (st.stack == 1)).sum())
        cn = int((mine & (st.stack == 2)).sum())
        adopted = us + cn
        sw = int((sw_country == name).sum())

        def share(x, den):
            return x / den if den > 0 else 0.0

        out[name] = {
            "adoption": share(adopted, n),
            "share_us": share(us, adopted),
            "share_cn": share(cn, adopted),
            "locked_us": share(int((mine & (st.stack == 1) & lock).sum()), adopted),
            "locked_cn": share(int((mine & (st.stack == 2) & lock).sum()), adopted),
            "switch_rate": share(sw, adopted),
        }
    return out


def _check(m, expected):
    for name, g in m.gs_govs.items():
        for key, value in expected[name].items():
            assert getattr(g, key) == pytest.approx(value, abs=1e-12), (name, key)
            assert isinstance(getattr(g, key), float), (name, key)


def test_a_run_measures_each_countrys_adoption_shares_and_lock_in(stepped):
    m = stepped
    exp = _expected(m, [])
    # the run is informative: several countries, adoption on both stacks, some lock-in
    assert len(m.gs_govs) >= 2
    assert any(0 < e["adoption"] < 1 for e in exp.values())
    assert any(e["share_us"] > 0 and e["share_cn"] > 0 for e in exp.values())
    assert any(e["locked_us"] > 0 for e in exp.values())
    assert any(e["locked_cn"] > 0 for e in exp.values())
    assert len({round(e["adoption"], 9) for e in exp.values()}) > 1  # countries differ
    for name, g in m.gs_govs.items():
        for key in ("adoption", "share_us", "share_cn", "locked_us", "locked_cn"):
            assert getattr(g, key) == pytest.approx(exp[name][key], abs=1e-12), (name, key)


def test_measure_countries_counts_switchers_of_each_country(stepped):
    m = stepped
    names = list(m.gs_govs)
    # craft switchers: 3 units from the first country's cohorts, 1 from the second's, and some
    # from a non-GS cohort (they belong to no GS country)
    rows0 = [c.index for c in m.cohorts if c.country == names[0]]
    rows1 = [c.index for c in m.cohorts if c.country == names[1]]
    others = [c.index for c in m.cohorts if c.country not in m.gs_govs]
    switched = np.array([rows0[0], rows0[-1], rows0[0], rows1[0], *others[:2]], dtype=np.intp)
    measure_countries(m, m._cohort_counts(), switched)
    exp = _expected(m, switched)
    assert exp[names[0]]["switch_rate"] > 0 and exp[names[1]]["switch_rate"] > 0
    _check(m, exp)
    # by hand for the first country: 3 switchers over its adopted units
    st = m.adopters
    mine = np.isin(st.cohort, rows0)
    adopted = int((mine & (st.stack > 0)).sum())
    assert m.gs_govs[names[0]].switch_rate == pytest.approx(3 / adopted)


def test_measure_countries_on_crafted_counts():
    m = AIBlocsModel("historical", rng=0, n_adopters=2000)
    names = list(m.gs_govs)
    a, b = names[0], names[1]
    counts = np.zeros((len(m.cohorts), 3, 2), dtype=np.int64)
    rows_a = [c.index for c in m.cohorts if c.country == a]
    rows_b = [c.index for c in m.cohorts if c.country == b]
    # country a: 10 non-adopters, US 6 free + 2 locked, CN 3 free + 4 locked (over two cohorts)
    counts[rows_a[0]] = [[10, 0], [6, 2], [0, 0]]
    counts[rows_a[-1]] = [[0, 0], [0, 0], [3, 4]]
    # country b: nobody adopted
    counts[rows_b[0]] = [[7, 0], [0, 0], [0, 0]]
    # a non-GS cohort with many units that must not count for anyone
    other = next(c.index for c in m.cohorts if c.country not in m.gs_govs)
    counts[other] = [[100, 0], [50, 50], [20, 30]]
    switched = np.array([rows_a[0], rows_a[-1], other, other], dtype=np.intp)
    measure_countries(m, counts, switched)
    ga, gb = m.gs_govs[a], m.gs_govs[b]
    assert ga.adoption == pytest.approx(15 / 25)
    assert (ga.share_us, ga.share_cn) == pytest.approx((8 / 15, 7 / 15))
    assert (ga.locked_us, ga.locked_cn) == pytest.approx((2 / 15, 4 / 15))
    assert ga.switch_rate == pytest.approx(2 / 15)
    assert (gb.adoption, gb.share_us, gb.share_cn) == (0.0, 0.0, 0.0)
    assert (gb.locked_us, gb.locked_cn, gb.switch_rate) == (0.0, 0.0, 0.0)


# ------------------------------------------------------------------ deals


def _deal(bloc, quarters, package="sovereign cloud", start=8):
    return deals.Deal(bloc, package, start, start + quarters)


def test_deal_messages_name_renewals_switches_and_whole_years():
    new = _deal("CN", 20, "government stack")
    assert deals._describe(new, None) == "CN government stack, 5 years"
    assert deals._describe(new, _deal("CN", 12)) == "renewed: CN government stack, 5 years"
    assert deals._describe(new, _deal("US", 12)) == "switched from US: CN government stack, 5 years"
    assert deals._describe(_deal("US", 8), _deal("US", 4)) == "renewed: US sovereign cloud, 2 years"


def test_contract_length_spans_every_whole_year_and_clamps_at_one():
    p = make_params(deal_years_min=2, deal_years_max=4)
    span = 3  # 2, 3 or 4 years, each a third of the unit interval
    for k in range(span):
        u = (k + 0.5) / span
        assert deals.contract_quarters(p, u) == 4 * (2 + k)
    assert deals.contract_quarters(p, 0.0) == 8
    assert deals.contract_quarters(p, 1 - 1e-9) == 16
    assert deals.contract_quarters(p, 1.0) == 16  # the clamp keeps u = 1 at the longest length


def test_choose_bounds_extreme_uniforms():
    # a uniform of exactly 1 would give an infinite shock; the clip keeps both shocks finite so the
    # deterministic utilities still decide between two extreme draws
    v = np.array([0.0, 1.0])
    assert deals.choose(v, 0.5, np.array([1.0, 1.0])) == "CN"
    assert deals.choose(v[::-1].copy(), 0.5, np.array([1.0, 1.0])) == "US"
    assert deals.choose(v, 0.5, np.array([0.0, 0.0])) == "CN"
    assert deals.choose(v[::-1].copy(), 0.5, np.array([0.0, 0.0])) == "US"


# ------------------------------------------------------------------ grey market


def _grey_case(leak=0.6, allowed=(True, True), closed=(False, True), rental_share=0.3):
    p = make_params(smuggle_leak=leak, rental_share=rental_share)
    model = SimpleNamespace(
        p=p,
        us_gov=SimpleNamespace(enforcement=0.2),
        shocks=SimpleNamespace(crackdown=0.0),
        rental_price=2.0,
    )
    offers = [SimpleNamespace(price=20_000.0, perf=1.0), SimpleNamespace(price=10_000.0, perf=0.5)]
    b = SimpleNamespace(
        allowed=np.array(allowed),
        closed=np.array(closed),
        utility=np.array([0.3, 0.1]),
        markup=np.array([0.0, 0.0]),
        group="CN",
        remaining=10.0,
    )
    res = SimpleNamespace(
        smuggled_units=0.0,
        seized_units=0.0,
        smuggled_compute=0.0,
        smuggled_cost=0.0,
        rented_h100e=0.0,
        ledger={"CN": {"grey": 0.0, "rental": 0.0}},
    )
    return p, model, offers, b, res


def test_a_buyer_with_no_other_open_offer_sends_the_full_leak_grey():
    # offer 0 is denied, offer 1 closed: no legal alternative, u_alt = -inf, share = leak
    _, model, offers, b, res = _grey_case(leak=0.6, closed=(True, True))
    spent = grey._grey(model, offers, b, 0, 2.0, 0.1, res)
    assert spent == pytest.approx(2.0 * 0.6, rel=1e-12)
    assert res.ledger["CN"]["grey"] == pytest.approx(1.2, rel=1e-12)
    # an open alternative takes part of it (logit against its utility)
    p, model, offers, b, res = _grey_case(leak=0.6, closed=(False, False))
    spent = grey._grey(model, offers, b, 0, 2.0, 0.1, res)
    premium = p.grey_premium0 + p.grey_risk_premium * 0.1
    u_grey = 0.3 - p.beta_chip_price * math.log((1 + premium) / 0.9)
    assert spent == pytest.approx(2.0 * 0.6 / (1 + math.exp(0.1 - u_grey)), rel=1e-9)


def test_no_grey_share_or_rental_spends_nothing():
    _, model, offers, b, res = _grey_case(leak=0.0)
    assert grey._grey(model, offers, b, 0, 2.0, 0.1, res) == 0.0
    assert b.remaining == 10.0 and res.smuggled_units == 0.0
    _, model, offers, b, res = _grey_case(rental_share=0.0)
    assert grey._rent(model, b, 2.0, res) == 0.0
    assert b.remaining == 10.0 and res.rented_h100e == 0.0
    _, model, offers, b, res = _grey_case(rental_share=0.5)
    assert grey._rent(model, b, 2.0, res) == pytest.approx(2.0 * 0.5 * (1 - 0.2), rel=1e-12)


def test_deals_renew_the_quarter_they_expire_with_each_countrys_own_draws(monkeypatch):
    calls = []
    real_utilities, real_choose = deals.package_utilities, deals.choose

    def utilities(p, cohort_utility, shares, incumbent, support, outreach):
        v = real_utilities(p, cohort_utility, shares, incumbent, support, outreach)
        calls.append({"incumbent": incumbent, "v": v})
        return v

    def choose(v, noise, uniforms):
        bloc = real_choose(v, noise, uniforms)
        calls[-1].update(v_used=v, noise=noise, uniforms=np.array(uniforms), bloc=bloc)
        return bloc

    monkeypatch.setattr(deals, "package_utilities", utilities)
    monkeypatch.setattr(deals, "choose", choose)
    m = AIBlocsModel("historical", rng=3, n_adopters=600, deal_rate=4.0, deal_years_min=1,
                     deal_years_max=2, deal_noise=0.7)  # fmt: skip
    p = m.p
    seen = {name: [] for name in m.gs_govs}
    renewals = 0
    for _ in range(24):
        calls.clear()
        n_events = len(m.events)
        m.step()
        new = [(name, g) for name, g in m.gs_govs.items()
               if g.deal is not None and (not seen[name] or seen[name][-1] != g.deal)]  # fmt: skip
        assert len(calls) == len(new)  # one choice per deal concluded, in country order
        logged = [e for e in m.events[n_events:] if e.kind == "deal"]
        assert len(logged) == len(new)
        for (name, g), call, e in zip(new, calls, logged, strict=True):
            d, history = g.deal, seen[name]
            old = history[-1] if history else None
            assert d.start == m.q
            # length, package and bloc come from this country's own keyed draws
            u = m.stream("deal", g.index, d.start).random(deals.N_DRAWS)
            assert d.quarters == deals.contract_quarters(p, u[1]), (name, d)
            assert d.package == deals.PACKAGES[min(int(u[2] * 3), 2)], (name, d)
            assert np.array_equal(call["uniforms"], u[3:5]) and call["noise"] == p.deal_noise
            assert call["v_used"] is call["v"] and d.bloc == call["bloc"]
            assert call["incumbent"] == (old.bloc if old else None)
            assert (e.actor, e.size, e.drawn) == (name, float(d.quarters), True)
            assert e.what == deals._describe(d, old) and e.quarter == m.quarter
            if old is not None:  # a deal in force is renegotiated the quarter it expires
                assert d.start == old.end, (name, history)
                renewals += 1
            history.append(d)
    assert renewals >= 3
    assert {d.bloc for h in seen.values() for d in h} == {"US", "CN"}
    assert len({d.package for h in seen.values() for d in h}) > 1


@pytest.mark.parametrize("n_us_clouds", [1, 3])
def test_us_cloud_utilisation_is_read_from_the_pooled_us_clouds(n_us_clouds):
    w = load_world()
    us = [c for c in w.clouds if c.bloc == "US"]
    if n_us_clouds == 1:  # a world with a single US hyperscaler (it holds the whole US fleet)
        us = [dataclasses.replace(us[0], weight=1.0)]
    w = dataclasses.replace(w, clouds=(*us, *[c for c in w.clouds if c.bloc == "CN"]))
    m = AIBlocsModel("historical", rng=0, n_adopters=300, world=w)
    for _ in range(4):
        m.step()
    assert len(m.us_clouds) == n_us_clouds
    # US clouds serve one pooled demand: every one has the same utilisation, the one reported
    served = sum(c.served for c in m.us_clouds)
    cap = sum(serving_capacity(c, m.p) for c in m.us_clouds)
    assert 0 < m.m["us_dc_utilisation"] <= 1
    assert m.m["us_dc_utilisation"] == pytest.approx(served / cap, rel=1e-12)
    for c in m.us_clouds:
        assert c.utilisation == pytest.approx(m.m["us_dc_utilisation"], rel=1e-12)


def test_first_deals_arrive_when_the_arrival_draw_is_below_the_hazard():
    # a constant hazard (no adoption or push terms): each country's first deal arrives in the
    # first quarter its own arrival uniform (the first of its keyed draws) falls below it
    m = AIBlocsModel("historical", rng=5, n_adopters=300, deal_rate=0.8, deal_rate_adoption=0.0,
                     deal_rate_push=0.0)  # fmt: skip
    h = deals.hazard(m.p, 0.0, 0.0, 0.0)
    assert 0.1 < h < 0.3
    q0 = m.q
    first = {}
    for _ in range(16):
        m.step()
        for name, g in m.gs_govs.items():
            if g.deal is not None and name not in first:
                first[name] = g.deal.start
    assert len(first) >= 3
    for name, g in m.gs_govs.items():
        hits = [q for q in range(q0 + 1, m.q + 1) if m.stream("deal", g.index, q).random(5)[0] < h]
        assert first.get(name) == (hits[0] if hits else None), (name, hits)


@pytest.mark.parametrize("government_sector", [True, False])
def test_a_governments_package_utilities_start_from_its_cohorts(monkeypatch, government_sector):
    """V_k starts from the mean utility of the government's cohorts (all the country's cohorts in
    a world without a government sector) and weighs the country's adopted shares."""
    last, checked = {}, []
    real_offers, real_utilities = markets.cohort_offers, deals.package_utilities

    def offers(model, *args, **kw):
        last["model"], last["out"] = model, real_offers(model, *args, **kw)
        return last["out"]

    def utilities(p, cohort_utility, shares, *args, **kw):
        m, util = last["model"], last["out"][0]
        match = []
        for g in m.gs_govs.values():
            if government_sector:
                rows = [c.index for c in m.cohorts if c.country == g.name
                        and c.sector == deals.GOVERNMENT]  # fmt: skip
            else:
                rows = [c.index for c in m.cohorts if c.country == g.name]
            assert rows
            mean = util[rows].mean(axis=0)
            if np.shape(cohort_utility) == (2,) and np.allclose(cohort_utility, mean, rtol=1e-12):
                match.append(g)
        assert match, cohort_utility
        assert any(np.array_equal(shares, [g.share_us, g.share_cn]) for g in match), shares
        checked.append(1)
        return real_utilities(p, cohort_utility, shares, *args, **kw)

    monkeypatch.setattr(markets, "cohort_offers", offers)
    monkeypatch.setattr(deals, "package_utilities", utilities)
    w = load_world()
    if not government_sector:
        kept = [s for s in w.sectors if s.name != deals.GOVERNMENT]
        total = sum(s.share for s in kept)
        w = dataclasses.replace(
            w, sectors=tuple(dataclasses.replace(s, share=s.share / total) for s in kept)
        )
    m = AIBlocsModel("historical", rng=1, n_adopters=300, deal_rate=4.0, world=w)
    assert all((len(g.government_cohorts) > 0) == government_sector for g in m.gs_govs.values())
    for _ in range(8):
        m.step()
    assert len(checked) >= 3


def test_mandates_are_the_documented_int8_stack_per_cohort():
    def gov(deal, rows):
        return SimpleNamespace(deal=deal, government_cohorts=np.array(rows, np.intp))

    cohorts = [SimpleNamespace(index=i) for i in range(6)]
    none = SimpleNamespace(cohorts=cohorts, gs_govs={"A": gov(None, [1]), "B": gov(None, [4])})
    assert deals.mandates(none) is None
    m = SimpleNamespace(cohorts=cohorts, gs_govs={"A": gov(_deal("CN", 8), [1]),
                                                  "B": gov(None, [2]),
                                                  "C": gov(_deal("US", 8), [4, 5]),
                                                  "D": gov(_deal("US", 8), [])})  # fmt: skip
    out = deals.mandates(m)
    assert out.dtype == np.int8  # (C,) int8: 1 US, 2 CN, 0 free
    assert out.tolist() == [0, 2, 0, 0, 1, 1]
