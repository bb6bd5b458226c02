"""GS national deals and large adopters (ODD §7.5b): hazard, logit, contract, effects, blocks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from modelkit import model_at
from scipy.stats import binomtest

from aiblocs import AIBlocsModel
from aiblocs.model import deals, large_adopters
from aiblocs.model.adoption import NONE
from aiblocs.model.params import PARAM_FIELDS, default_params, make_params
from aiblocs.model.run import run_tables

N = 600


def test_hazard_is_the_documented_rate():
    p = make_params(deal_rate=0.3, deal_rate_adoption=0.7, deal_rate_push=0.9)
    rate = 0.3 + 0.7 * 0.2 + 0.9 * (0.5 + 0.25)
    assert deals.hazard(p, 0.2, 0.5, 0.25) == pytest.approx(1 - math.exp(-rate / 4), rel=1e-12)
    assert deals.hazard(p.replace(mech_national_deals=False), 0.2, 0.5, 0.25) == 0.0


def test_package_utilities_add_financing_transfer_shares_and_incumbency():
    p = make_params(beta_price=0.7, deal_financing_us=0.1, deal_financing_support=0.2,
                    deal_financing_cn=0.15, deal_financing_outreach=0.3, beta_transfer=1.3,
                    deal_transfer_us=0.2, deal_transfer_cn=0.6, deal_beta_share=2.5,
                    deal_incumbent_bonus=0.8)  # fmt: skip
    v = deals.package_utilities(p, np.array([1.0, 0.5]), np.array([0.3, 0.6]), "CN", 0.5, 0.4)
    us = 1.0 - 0.7 * math.log(1 - (0.1 + 0.2 * 0.5)) + 1.3 * 0.2 + 2.5 * 0.3
    cn = 0.5 - 0.7 * math.log(1 - (0.15 + 0.3 * 0.4)) + 1.3 * 0.6 + 2.5 * 0.6 + 0.8
    assert v == pytest.approx([us, cn], rel=1e-12)


def test_choice_frequencies_match_the_logit():
    v, noise = np.array([0.4, -0.3]), 0.8
    rng = np.random.default_rng(5)
    n = 20_000
    us = sum(deals.choose(v, noise, rng.random(2)) == "US" for _ in range(n))
    assert binomtest(us, n, deals.choice_probability_us(v, noise)).pvalue > 1e-3
    assert deals.choice_probability_us(v, noise) == pytest.approx(1 / (1 + math.exp(-0.7 / 0.8)))


def test_contract_lengths_are_whole_years_in_range():
    p = make_params(deal_years_min=3, deal_years_max=6)
    lengths = {deals.contract_quarters(p, u) for u in np.linspace(0, 1 - 1e-12, 1001)}
    assert lengths == {12, 16, 20, 24}


def test_deals_are_logged_measured_and_raise_their_stacks_presence():
    m = model_at("historical", "2030Q4", n=N, seed=2, deal_presence_gain=0.4)
    t_deals = [e for e in m.events if e.kind == "deal"]
    assert t_deals and all(e.drawn and e.actor in m.gs_govs for e in t_deals)
    p = m.p
    for e in t_deals:
        assert e.size % 4 == 0 and 4 * p.deal_years_min <= e.size <= 4 * p.deal_years_max
        assert e.what.split(": ")[-1].split()[0] in ("US", "CN")
    for g in m.gs_govs.values():
        assert (g.deal_us, g.deal_cn) == ((g.deal.bloc == "US", g.deal.bloc == "CN")
                                          if g.deal else (0.0, 0.0))  # fmt: skip
        cn0 = g.base_presence["CN"]
        base = {
            "US": g.base_presence["US"],
            "CN": cn0 + (1 - cn0) * (1 - math.exp(-p.cn_presence_growth * m.years)),
        }
        for b, x in base.items():
            held = g.deal is not None and g.deal.bloc == b
            assert g.presence[b] == pytest.approx(x + (1 - x) * 0.4 * held, rel=1e-12)


def test_a_deal_mandates_its_stack_to_the_government_sector():
    """Deals in the first quarter that are never switched: every government unit that ever
    chose a stack chose the deal's."""
    m = model_at("historical", "2032Q4", n=2000, seed=3, deal_rate=100.0, deal_incumbent_bonus=50.0)
    st = m.adopters
    logged = [e for e in m.events if e.kind == "deal"]
    first = {e.actor: e.quarter for e in reversed(logged)}
    assert first == dict.fromkeys(m.gs_govs, "2022Q1")
    assert not any(e.what.startswith("switched") for e in logged)
    total = 0
    for g in m.gs_govs.values():
        rows = np.isin(st.cohort, g.government_cohorts)
        chosen = st.stack[rows & (st.stack != NONE)]
        assert (chosen == deals.BLOCS.index(g.deal.bloc) + 1).all()
        total += len(chosen)
    assert total >= 10


def test_switching_deals_off_removes_them():
    t = run_tables("historical", 1, n_adopters=400, mech_national_deals=False)
    assert not (t.events["kind"] == "deal").any()
    assert t.countries[["deal_us", "deal_cn"]].eq(0).all().all()
    on = run_tables("historical", 1, n_adopters=400)
    assert (on.events["kind"] == "deal").any()
    assert on.countries[["deal_us", "deal_cn"]].sum().sum() > 0


def test_large_adopter_sizes_are_pareto_and_capped():
    p = make_params(large_adopters=20, large_adopter_min_share=0.001, large_adopter_max_share=1.0,
                    large_adopter_alpha=1.5)  # fmt: skip
    rng = np.random.default_rng(7)
    x = np.concatenate([large_adopters.draw_sizes(p, rng) for _ in range(1000)]) / 0.001
    assert x.min() >= 1
    for level in (2.0, 5.0):  # survival P(X > x) = x^-alpha
        k = int((x > level).sum())
        assert binomtest(k, len(x), level**-1.5).pvalue > 1e-3
    capped = large_adopters.draw_sizes(p.replace(large_adopter_max_share=0.01), rng)
    assert capped.sum() <= 0.01 * (1 + 1e-12)


def test_large_adopters_own_disjoint_blocks_that_move_together():
    m = AIBlocsModel("containment", rng=4, n_adopters=N, large_adopter_min_share=0.05)
    las = m.large_adopters
    assert len(las) >= len(m.gs_govs)  # at least one per country at this size
    covered = np.zeros(N, int)
    for la in las:
        coh = m.cohorts[la.cohort]
        assert coh.country == la.country and coh.sector != deals.GOVERNMENT
        assert coh.lo <= la.lo < la.hi <= coh.hi
        covered[la.lo : la.hi] += 1
    assert covered.max() == 1 and (covered > 0).sum() == m.large_units.sum()
    moved = 0
    for _ in range(40):
        m.step()
        st = m.adopters
        for la in las:
            assert len(set(st.stack[la.lo : la.hi])) == 1
            assert len(set(st.tenure[la.lo : la.hi])) == 1
        moved = sum(st.stack[la.lo] != NONE for la in las)
    assert moved > 0
    kinds = [e for e in m.events if e.kind == "large_adopter"]
    assert len(kinds) >= moved and all(e.actor.startswith(tuple(m.gs_govs)) for e in kinds)


def test_the_draw_layout_holds_as_many_large_adopters_as_the_parameter_allows():
    assert PARAM_FIELDS["large_adopters"].metadata["hi"] == large_adopters.MAX_PER_COUNTRY
    m = model_at("containment", "2023Q1", n=400, large_adopters=large_adopters.MAX_PER_COUNTRY)
    assert max(la.number for la in m.large_adopters) < large_adopters.MAX_PER_COUNTRY


def test_switching_large_adopters_off_leaves_every_unit_alone():
    m = AIBlocsModel("containment", rng=4, n_adopters=N, mech_large_adopters=False)
    assert m.large_adopters == () and not m.large_units.any()
    assert default_params().large_adopters > 0


def test_the_same_seed_repeats_the_events():
    a = run_tables("managed_access", 6, n_adopters=400)
    b = run_tables("managed_access", 6, n_adopters=400)
    assert a.events.equals(b.events) and len(a.events)
