"""Known-answer tests of a large adopter's quarterly rule (ODD §7.5b, ``large_adopters.step``).

A real small model supplies the large adopters; the test sets the adopter arrays and the GS
governments' measurements itself and replaces the model's random streams by chosen uniforms, then
checks the outcome against the rule worked out by hand.
"""

import math

import numpy as np
import pytest

from aiblocs import AIBlocsModel
from aiblocs.model import large_adopters
from aiblocs.model.adoption import CN, NONE, US, StepResult

NOISE = 2.0  # choice_noise, not 1, so that scaling the Gumbel draws matters
STILL = 0.999  # a first uniform no acting probability in these tests reaches


class Draws:
    """A stand-in for ``model.stream``: records its calls and hands out a chosen array."""

    def __init__(self, array):
        self.array = array
        self.calls = []
        self.shapes = []

    def __call__(self, *args):
        self.calls.append(args)
        return self

    def random(self, shape):
        self.shapes.append(shape)
        return self.array


@pytest.fixture(scope="module")
def base():
    return AIBlocsModel("historical", rng=0, n_adopters=2000, choice_noise=NOISE)


@pytest.fixture
def setup(base, monkeypatch):
    """The model with no unit adopted, GS adoption 0, and draws that leave everyone still."""
    m = base
    assert len(m.large_adopters) >= 2
    assert m.p.choice_noise == NOISE
    st = m.adopters
    monkeypatch.setattr(st, "stack", np.zeros_like(st.stack))
    monkeypatch.setattr(st, "tenure", np.full_like(st.tenure, 7.0))
    for g in m.gs_govs.values():
        monkeypatch.setattr(g, "adoption", 0.0)
        monkeypatch.setattr(g, "share_us", 0.0)
        monkeypatch.setattr(g, "share_cn", 0.0)
    shape = (len(m.world.countries), large_adopters.MAX_PER_COUNTRY, 3)
    draws = Draws(np.full(shape, 0.5))
    draws.array[:, :, 0] = STILL
    monkeypatch.setattr(m, "stream", draws)
    monkeypatch.setattr(m, "events", [])
    return m, draws


def flows_for(m):
    n = len(m.adopters.stack)
    return StepResult(new_adopters=np.zeros(n, bool), switched=np.zeros(n, bool))


def gumbel(u):
    return -math.log(-math.log(u)) * NOISE


def run(m, utility=None, afford=None):
    C = len(m.cohorts)
    utility = np.zeros((C, 2)) if utility is None else utility
    afford = np.ones(C) if afford is None else afford
    flows = flows_for(m)
    large_adopters.step(m, utility, afford, flows)
    return flows


def la_events(m):
    return [e for e in m.events if e.kind == "large_adopter"]


def test_draws_come_from_the_quarter_stream_in_the_fixed_layout(setup):
    m, draws = setup
    run(m)
    assert draws.calls == [("large_adopter", m.q)]
    assert draws.shapes == [(len(m.world.countries), large_adopters.MAX_PER_COUNTRY, 3)]
    assert not m.adopters.stack.any() and la_events(m) == []


def test_a_new_large_adopter_acts_on_its_own_row_and_its_whole_block_adopts(setup):
    m, draws = setup
    la = m.large_adopters[1]
    draws.array[la.country_index, la.number] = [0.0, 0.9, 0.5]  # acts; noise favours US
    st = m.adopters
    flows = run(m)
    block = np.zeros(len(st.stack), bool)
    block[la.lo : la.hi] = True
    assert (st.stack[block] == US).all() and (st.stack[~block] == NONE).all()
    assert (st.tenure[block] == 0.0).all() and (st.tenure[~block] == 7.0).all()
    assert (flows.new_adopters == block).all() and not flows.switched.any()
    (e,) = la_events(m)
    assert (e.quarter, e.actor, e.what) == (m.quarter, la.name, "adopts the US stack")
    assert e.size == pytest.approx(la.share)


def test_a_new_large_adopter_acts_with_the_bass_hazard_and_not_at_its_boundary(setup):
    m, draws = setup
    la = m.large_adopters[0]
    g = m.gs_govs[la.country]
    g.adoption = 0.5
    c = la.cohort
    a = 0.6
    act = min(1.0, (m.bass_p[c] + m.bass_q[c] * 0.5) * a)
    assert 0 < act < 1
    afford = np.ones(len(m.cohorts))
    afford[c] = a
    draws.array[la.country_index, la.number] = [act, 0.5, 0.9]
    run(m, afford=afford)
    assert not m.adopters.stack.any()  # u == act: does not act
    draws.array[la.country_index, la.number, 0] = np.nextafter(act, 0)
    run(m, afford=afford)
    assert (m.adopters.stack[la.lo : la.hi] == CN).all()  # u just below: adopts (noise: CN)


def test_a_holder_reviews_with_the_review_probability_and_not_at_its_boundary(setup):
    m, draws = setup
    la = m.large_adopters[0]
    st = m.adopters
    st.stack[la.lo : la.hi] = US
    review = m.p.large_adopter_review
    utility = np.zeros((len(m.cohorts), 2))
    utility[la.cohort] = [0.0, 100.0]  # CN far better: a holder that reviews switches
    draws.array[la.country_index, la.number] = [review, 0.5, 0.5]
    run(m, utility)
    assert (st.stack[la.lo : la.hi] == US).all() and la_events(m) == []
    draws.array[la.country_index, la.number, 0] = np.nextafter(review, 0)
    run(m, utility)
    assert (st.stack[la.lo : la.hi] == CN).all()


def test_one_large_adopter_that_does_not_act_does_not_stop_the_next(setup):
    m, draws = setup
    first, second = m.large_adopters[0], m.large_adopters[1]
    draws.array[first.country_index, first.number, 0] = STILL
    draws.array[second.country_index, second.number] = [0.0, 0.9, 0.5]
    run(m)
    assert (m.adopters.stack[second.lo : second.hi] == US).all()
    assert not m.adopters.stack[first.lo : first.hi].any()


def test_one_large_adopter_that_keeps_its_stack_does_not_stop_the_next(setup):
    m, draws = setup
    first, second = m.large_adopters[0], m.large_adopters[1]
    st = m.adopters
    st.stack[first.lo : first.hi] = US
    draws.array[first.country_index, first.number] = [0.0, 0.9, 0.5]  # reviews, keeps US
    draws.array[second.country_index, second.number] = [0.0, 0.5, 0.9]  # adopts CN
    flows = run(m)
    assert (st.stack[first.lo : first.hi] == US).all()
    assert (st.tenure[first.lo : first.hi] == 7.0).all() and not flows.switched.any()
    assert (st.stack[second.lo : second.hi] == CN).all()
    assert [e.actor for e in la_events(m)] == [second.name]


@pytest.mark.parametrize("cn_edge, expected", [(0.2, US), (0.4, CN)])
def test_the_network_input_is_the_countrys_stack_shares_of_all_units(setup, cn_edge, expected):
    m, draws = setup
    la = m.large_adopters[0]
    g = m.gs_govs[la.country]
    g.adoption, g.share_us, g.share_cn = 0.5, 0.8, 0.2  # shares of all units: 0.4 and 0.1
    r = m.p.network_effect
    assert r > 0
    u_us, u_cn = 0.7, 0.7  # equal noise
    draws.array[la.country_index, la.number] = [0.0, u_us, u_cn]
    utility = np.zeros((len(m.cohorts), 2))
    utility[la.cohort] = [0.0, cn_edge * r]  # CN wins iff cn_edge > 0.4 - 0.1
    run(m, utility)
    assert (m.adopters.stack[la.lo : la.hi] == expected).all()


@pytest.mark.parametrize("margin, expected", [(0.05, CN), (-0.05, US)])
def test_a_holder_switches_only_if_the_gain_beats_base_plus_growth_times_tenure(
    setup, margin, expected
):
    m, draws = setup
    la = m.large_adopters[0]
    st = m.adopters
    st.stack[la.lo : la.hi] = US
    st.tenure[la.lo : la.hi] = 4.0
    cost = m.p.switch_cost_base + m.p.switch_cost_growth * 4.0
    assert cost > 0.3
    draws.array[la.country_index, la.number] = [0.0, 0.5, 0.5]  # equal noise
    utility = np.zeros((len(m.cohorts), 2))
    utility[la.cohort] = [0.0, cost + margin]
    flows = run(m, utility)
    assert (st.stack[la.lo : la.hi] == expected).all()
    if expected == CN:
        assert (st.tenure[la.lo : la.hi] == 0.0).all()
        assert flows.switched[la.lo : la.hi].all() and flows.switched.sum() == la.hi - la.lo
        assert not flows.new_adopters.any()
        (e,) = la_events(m)
        assert (e.actor, e.what) == (la.name, "switches from US to the CN stack")
        assert e.size == pytest.approx(la.share)
    else:
        assert (st.tenure[la.lo : la.hi] == 4.0).all() and not flows.switched.any()
        assert la_events(m) == []


def test_a_new_adopter_pays_no_switching_cost(setup):
    m, draws = setup
    la = m.large_adopters[0]
    st = m.adopters
    st.tenure[la.lo : la.hi] = 4.0
    draws.array[la.country_index, la.number] = [0.0, 0.5, 0.5]
    utility = np.zeros((len(m.cohorts), 2))
    utility[la.cohort] = [0.0, 0.01]  # a small edge suffices without a switching cost
    flows = run(m, utility)
    assert (st.stack[la.lo : la.hi] == CN).all()
    assert flows.new_adopters[la.lo : la.hi].all() and not flows.switched.any()
    (e,) = la_events(m)
    assert e.what == "adopts the CN stack"


def test_a_cn_holder_switching_to_us_is_logged_with_both_blocs(setup):
    m, draws = setup
    la = m.large_adopters[0]
    st = m.adopters
    st.stack[la.lo : la.hi] = CN
    st.tenure[la.lo : la.hi] = 0.0
    draws.array[la.country_index, la.number] = [0.0, 0.5, 0.5]
    utility = np.zeros((len(m.cohorts), 2))
    utility[la.cohort] = [m.p.switch_cost_base + 0.1, 0.0]
    flows = run(m, utility)
    assert (st.stack[la.lo : la.hi] == US).all() and flows.switched[la.lo : la.hi].all()
    (e,) = la_events(m)
    assert e.what == "switches from CN to the US stack"


@pytest.mark.parametrize(
    "u_us, u_cn, edge_us",
    [(0.9, 0.5, -3.0), (0.5, 0.9, 3.0), (0.2, 0.6, 1.0), (0.6, 0.2, -1.0)],
)
def test_the_choice_adds_scaled_gumbel_noise_from_the_second_and_third_uniforms(
    setup, u_us, u_cn, edge_us
):
    m, draws = setup
    la = m.large_adopters[0]
    draws.array[la.country_index, la.number] = [0.0, u_us, u_cn]
    utility = np.zeros((len(m.cohorts), 2))
    utility[la.cohort] = [edge_us, 0.0]
    expected = US if edge_us + gumbel(u_us) > gumbel(u_cn) else CN
    # the noise decides against the utility edge in every case
    assert (expected == US) == (edge_us < 0)
    assert abs(edge_us + gumbel(u_us) - gumbel(u_cn)) > 0.3
    run(m, utility)
    assert (m.adopters.stack[la.lo : la.hi] == expected).all()
    (e,) = la_events(m)
    assert e.what == f"adopts the {'US' if expected == US else 'CN'} stack"


@pytest.mark.parametrize(("n", "kw"), [
    (2000, {}),
    (300, {"large_adopters": 20}),  # 20 a country in small cohorts: some fill up and skip draws
])  # fmt: skip
def test_blocks_are_placed_by_size_at_their_drawn_positions(n, kw):
    """ODD §7.5b: each GS country draws its large adopters' shares and positions from its own
    stream; a draw lands in the non-government cohort whose cumulative size fraction passes its
    position, takes the next max(1, round(share x units)) free rows there (fewer if the cohort
    is full, none and no adopter if it is full already), numbered by draw from 1."""
    m = AIBlocsModel("historical", rng=3, n_adopters=n, **kw)
    got = {(la.country, la.number): la for la in m.large_adopters}
    fixed = np.zeros(len(m.adopters.stack), bool)
    skipped = placed_after_a_skip = 0
    for g in m.gs_govs.values():
        rng = m.stream("large_adopter_sizes", g.index)
        shares = large_adopters.draw_sizes(m.p, rng)
        where = rng.random(len(shares))
        cohorts = [c for c in m.cohorts if c.country == g.name and c.sector != "government"]
        units = sum(c.size for c in cohorts)
        country_units = sum(c.size for c in m.cohorts if c.country == g.name)
        cursor = {c.index: c.lo for c in cohorts}
        skipped_here = False
        for i, (share, u) in enumerate(zip(shares, where, strict=True)):
            k, acc = 0, cohorts[0].size / units
            while u >= acc and k < len(cohorts) - 1:
                k += 1
                acc += cohorts[k].size / units
            coh = cohorts[k]
            lo = cursor[coh.index]
            hi = min(coh.hi, lo + max(1, round(share * units)))
            if hi <= lo:
                skipped, skipped_here = skipped + 1, True
                assert (g.name, i) not in got
                continue
            placed_after_a_skip += skipped_here
            cursor[coh.index] = hi
            fixed[lo:hi] = True
            la = got.pop((g.name, i))
            assert (la.cohort, la.lo, la.hi, la.country_index) == (coh.index, lo, hi, g.index)
            assert la.share == pytest.approx((hi - lo) / country_units, rel=1e-12)
            assert la.name == f"{g.name} large adopter {i + 1} ({coh.sector})"
    assert not got  # no block the rule does not place
    np.testing.assert_array_equal(m.large_units, fixed)
    assert len({la.country_index for la in m.large_adopters}) > 1
    if kw:
        assert skipped > 0 and placed_after_a_skip > 0
