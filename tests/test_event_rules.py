"""Known-answer checks of the random-event and inertia rules (ODD §7.4b, §7.7).

Each test builds a small stand-in model (only the attributes a function reads) or calls a pure
function, and compares with a value worked out here from the documented formula: the crackdown
hazard and its smuggling pull, the drawn and pinned shocks and the event-log records they write
(kind, actor, message, size, drawn flag), the breakthrough hazard's relative-compute guard, the
hysteresis ladder at its band edges, the capped Pareto mean when the cap equals the scale, the
event-log frame's columns when the log is empty, and the national-deal logit's overflow clip.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from aiblocs.model import breakthroughs, deals, large_adopters, shocks
from aiblocs.model.deals import choice_probability_us
from aiblocs.model.events import COLUMNS, Event, events_frame, log
from aiblocs.model.hazards import capped_pareto_mean
from aiblocs.model.inertia import ladder
from aiblocs.model.params import default_params
from aiblocs.model.pinned_events import PinnedEvent

Q = 5  # an arbitrary quarter index


class FixedDraws:
    """A stand-in generator whose ``random(n)`` returns the given draws."""

    def __init__(self, *values: float) -> None:
        self.values = values

    def random(self, n: int | None = None):
        if n is None:
            return self.values[0]
        return np.array(self.values[:n])


def _shock_model(p, mode="drawn", pinned=(), draw=0.0, status="banned", smuggled=0.0):
    """A stand-in model with what ``draw_shocks`` and ``events.log`` read; every draw = ``draw``."""
    return SimpleNamespace(
        p=p,
        q=Q,
        quarter="2025Q2",
        shocks=shocks.ShockState(),
        regime=SimpleNamespace(events=mode, pinned=list(pinned)),
        stream=lambda kind, *key: FixedDraws(draw, draw),
        m={"smuggled_chips": smuggled},
        us_gov=SimpleNamespace(rules={"frontier": SimpleNamespace(status=status)}),
        events=[],
    )


# --- crackdown hazard ---------------------------------------------------------------------------


def test_crackdown_hazard_pull_counts_any_positive_smuggling():
    """rate * (1 + gain * S / (S + ref)); a fraction of a chip (S = 0.5) already pulls."""
    p = default_params().replace(
        crackdown_rate=0.4, crackdown_smuggling_gain=3.0, crackdown_smuggling_ref=1.5
    )
    m = _shock_model(p)
    assert shocks.crackdown_hazard(m, 0.5) == pytest.approx(0.4 * (1 + 3.0 * 0.5 / 2.0))
    assert shocks.crackdown_hazard(m, 4.5) == pytest.approx(0.4 * (1 + 3.0 * 4.5 / 6.0))


@pytest.mark.parametrize("smuggled", [0.0, -1000.0])
def test_crackdown_hazard_without_smuggling_is_the_base_rate(smuggled):
    """No (or a non-positive) smuggling reading exerts no pull: the hazard is crackdown_rate."""
    p = default_params().replace(
        crackdown_rate=0.4, crackdown_smuggling_gain=3.0, crackdown_smuggling_ref=2000.0
    )
    assert shocks.crackdown_hazard(_shock_model(p), smuggled) == pytest.approx(0.4)


def test_crackdown_hazard_is_zero_when_every_tier_is_free():
    p = default_params().replace(crackdown_rate=0.4)
    assert shocks.crackdown_hazard(_shock_model(p, status="free"), 5000.0) == 0.0


# --- drawn and pinned shocks --------------------------------------------------------------------


def test_drawn_shocks_add_their_sizes_and_log_default_messages():
    """Draws of 0 are below every positive quarter probability: all three shocks happen, each
    logged with its fixed actor, its default wording and its size, as drawn."""
    p = default_params().replace(crackdown_boost=0.35, fab_shock_cut=0.4, memory_shock_rise=0.15)
    m = _shock_model(p, mode="drawn", draw=0.0)
    shocks.draw_shocks(m)
    assert (m.shocks.crackdown, m.shocks.fab_cut, m.shocks.memory_rise) == pytest.approx(
        (0.35, 0.4, 0.15)
    )
    assert m.events == [
        Event("2025Q2", "crackdown", "US", "enforcement crackdown: enforcement effort +0.35", 0.35),
        Event("2025Q2", "fab_shock", "CN", "fab shock: domestic chip capacity -40%", 0.4),
        Event("2025Q2", "memory_shock", "world", "memory (HBM) shortage: chip prices +15%", 0.15),
    ]
    assert all(e.drawn is True for e in m.events)


def test_no_shock_when_draws_are_above_the_quarter_probability():
    p = default_params()
    m = _shock_model(p, mode="drawn", draw=0.999)  # 1 - exp(-rate/4) is ~0.05 at these rates
    shocks.draw_shocks(m)
    assert m.events == []
    assert (m.shocks.crackdown, m.shocks.fab_cut, m.shocks.memory_rise) == (0.0, 0.0, 0.0)


def test_pinned_shocks_log_their_own_wording_as_not_drawn():
    pinned = [
        PinnedEvent(Q, "crackdown", "US", 0.1, "Operation Chip Guard"),
        PinnedEvent(Q, "fab_shock", "CN", 0.5, "fire at a fab"),
        PinnedEvent(Q, "memory_shock", "world", 0.3, "HBM crunch"),
        PinnedEvent(Q + 1, "fab_shock", "CN", 0.9, "another quarter"),  # not this quarter
    ]
    m = _shock_model(default_params(), mode="pinned", pinned=pinned)
    shocks.draw_shocks(m)
    assert m.events == [
        Event("2025Q2", "crackdown", "US", "Operation Chip Guard: enforcement effort +0.10", 0.1,
              False),
        Event("2025Q2", "fab_shock", "CN", "fire at a fab: domestic chip capacity -50%", 0.5,
              False),
        Event("2025Q2", "memory_shock", "world", "HBM crunch: chip prices +30%", 0.3, False),
    ]  # fmt: skip
    assert (m.shocks.crackdown, m.shocks.fab_cut, m.shocks.memory_rise) == pytest.approx(
        (0.1, 0.5, 0.3)
    )


def test_pinned_shocks_without_wording_use_the_default_messages():
    pinned = [
        PinnedEvent(Q, "crackdown", "US", 0.25),
        PinnedEvent(Q, "fab_shock", "CN", 0.2),
        PinnedEvent(Q, "memory_shock", "world", 0.6),
    ]
    m = _shock_model(default_params(), mode="pinned", pinned=pinned)
    shocks.draw_shocks(m)
    assert [e.what for e in m.events] == [
        "enforcement crackdown: enforcement effort +0.25",
        "fab shock: domestic chip capacity -20%",
        "memory (HBM) shortage: chip prices +60%",
    ]
    assert [e.actor for e in m.events] == ["US", "CN", "world"]


# --- breakthrough hazard ------------------------------------------------------------------------


def _lab_model(p, compute_weights):
    labs = [SimpleNamespace(bloc=b, weight=w) for b, w in compute_weights]
    return SimpleNamespace(p=p, labs=labs), labs


def test_breakthrough_hazard_with_no_compute_anywhere_is_zero():
    """C_i / max_j C_j is taken as 0 when no lab has compute: rate * 0 ** elasticity = 0."""
    p = default_params().replace(breakthrough_rate=0.5, breakthrough_compute_elasticity=0.5)
    m, labs = _lab_model(p, [("US", 1.0), ("CN", 1.0)])
    compute, scarcity = {"US": 0.0, "CN": 0.0}, {"US": 0.0, "CN": 0.5}
    for lab in labs:
        assert breakthroughs.hazard(m, lab, compute, scarcity) == 0.0


def test_breakthrough_hazard_uses_relative_compute_below_one_unit():
    """Compute totals below 1 H100e still give C_i / max_j C_j (here 0.2 / 0.8 = 1/4)."""
    p = default_params().replace(
        breakthrough_rate=0.5, breakthrough_compute_elasticity=0.5, breakthrough_scarcity=2.0
    )
    m, (us, cn) = _lab_model(p, [("US", 1.0), ("CN", 1.0)])
    compute, scarcity = {"US": 0.8, "CN": 0.2}, {"US": 0.0, "CN": 0.5}
    assert breakthroughs.hazard(m, us, compute, scarcity) == pytest.approx(0.5)
    expected_cn = 0.5 * math.sqrt(0.25) * (1 + 2.0 * 0.5)
    assert breakthroughs.hazard(m, cn, compute, scarcity) == pytest.approx(expected_cn)


# --- hysteresis ladder (§7.7) -------------------------------------------------------------------


def test_ladder_moves_up_exactly_at_threshold_plus_band():
    assert ladder(0, 1.5, [1.0], 0.5) == 1  # x = t + band: clearly reached
    assert ladder(0, 1.25, [1.0], 0.5) == 0  # inside the band: stays
    assert ladder(0, 3.5, [1.0, 3.0], 0.5) == 2


def test_ladder_holds_exactly_at_threshold_minus_band():
    assert ladder(1, 0.5, [1.0], 0.5) == 1  # x = t - band: still held
    assert ladder(1, 0.25, [1.0], 0.5) == 0  # below the band: comes down
    assert ladder(2, 2.5, [1.0, 3.0], 0.5) == 2
    assert ladder(2, 2.25, [1.0, 3.0], 0.5) == 1


# --- capped Pareto mean and the event frame -----------------------------------------------------


@pytest.mark.parametrize(("scale", "tail"), [(0.1, 2.0), (0.15, 3.0), (0.2, 2.0)])
def test_capped_pareto_mean_is_exactly_the_cap_when_cap_equals_scale(scale, tail):
    """With cap = scale every draw is min(cap, scale * (1-v)^(-1/tail)) = cap, so the mean is
    the cap itself, exactly."""
    assert capped_pareto_mean(scale, tail, scale) == scale


def test_empty_event_frame_has_the_log_columns():
    frame = events_frame([])
    assert list(frame.columns) == ["quarter", "kind", "actor", "what", "size", "drawn"]
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 0


# --- national deals: the logit's overflow clip --------------------------------------------------


def test_us_choice_probability_is_the_logit_and_saturates_at_a_gap_of_700_noise_units():
    """1 / (1 + exp((V_CN - V_US) / noise)); the exponent is clipped at 700 (math.exp overflows
    near 709.8), so every larger gap gives the finite floor 1 / (1 + e^700)."""
    assert choice_probability_us(np.array([1.0, 0.0]), 0.5) == pytest.approx(1 / (1 + math.exp(-2)))
    assert choice_probability_us(np.array([0.0, 0.0]), 2.0) == 0.5
    floor = pytest.approx(1.0 / (1.0 + math.exp(700.0)), rel=1e-9, abs=0.0)  # ~1e-304: no abs
    for gap in (700.0, 701.0, 705.0, 1e6):
        assert choice_probability_us(np.array([0.0, gap]), 1.0) == floor


# --- stream keys, effective factors and the log record -----------------------------------------


def test_shocks_draw_once_from_their_keyed_streams_whatever_happens():
    """One ``random()`` from stream("crackdown", q) and one ``random(2)`` from stream("supply", q),
    whether or not a shock happens."""
    for draw in (0.0, 0.999):
        calls = []

        def stream(kind, *key, draw=draw, calls=calls):
            calls.append((kind, key))
            return FixedDraws(draw, draw)

        m = _shock_model(default_params(), draw=draw)
        m.stream = stream
        shocks.draw_shocks(m)
        assert calls == [("crackdown", (Q,)), ("supply", (Q,))]


def test_effective_enforcement_capacity_and_price_factors():
    m = SimpleNamespace(us_gov=SimpleNamespace(enforcement=0.6), shocks=shocks.ShockState())
    m.shocks.crackdown, m.shocks.fab_cut, m.shocks.memory_rise = 0.25, 0.3, 0.4
    assert shocks.us_enforcement(m) == pytest.approx(0.85)
    assert shocks.capacity_factor(m) == pytest.approx(0.7)
    assert shocks.price_factor(m) == pytest.approx(1.4)
    m.shocks.crackdown, m.shocks.fab_cut = 0.7, 1.3  # capped: at most 1, at least 0
    assert shocks.us_enforcement(m) == 1.0
    assert shocks.capacity_factor(m) == 0.0


def test_log_appends_and_returns_one_record_with_defaults():
    m = SimpleNamespace(quarter="2026Q3", events=[])
    e = log(m, "us_rule", "US", "frontier: banned")
    assert e == Event("2026Q3", "us_rule", "US", "frontier: banned", 0.0, True)
    assert m.events == [e]
    e2 = log(m, "deal", "India", "US package", 12, drawn=False)
    assert type(e2.size) is float and e2.size == 12.0 and e2.drawn is False
    assert m.events == [e, e2]


# --- breakthrough records -----------------------------------------------------------------------


def _bt_model(p, mode, openness, pinned=()):
    labs = [
        SimpleNamespace(name="LabOpen", bloc="CN", weight=1.0, openness=openness, log_eff=1.0),
        SimpleNamespace(name="LabClosed", bloc="US", weight=1.0, openness=0.1, log_eff=2.0),
    ]
    return SimpleNamespace(
        p=p,
        q=Q,
        quarter="2025Q2",
        regime=SimpleNamespace(events=mode, pinned=list(pinned)),
        labs=labs,
        stream=lambda kind, *key: FixedDraws(0.0, 0.0),
        events=[],
    )


def test_drawn_breakthroughs_jump_by_the_pareto_scale_at_v_zero_and_name_open_weights():
    """u = 0 is below any positive hazard; v = 0 gives min(max, min * 1) = breakthrough_size_min.
    A lab whose openness equals the threshold counts as open weights."""
    p = default_params().replace(breakthrough_size_min=0.25, open_weight_threshold=0.5)
    m = _bt_model(p, "drawn", openness=0.5)
    breakthroughs.apply_breakthroughs(m, {"US": 10.0, "CN": 5.0}, {"US": 0.0, "CN": 0.2})
    assert [lab.log_eff for lab in m.labs] == pytest.approx([1.25, 2.25])
    assert m.events == [
        Event("2025Q2", "breakthrough", "LabOpen",
              "algorithmic breakthrough (open weights): log efficiency +0.25", 0.25, True),
        Event("2025Q2", "breakthrough", "LabClosed",
              "algorithmic breakthrough: log efficiency +0.25", 0.25, True),
    ]  # fmt: skip


def test_pinned_breakthroughs_log_their_wording_or_the_default():
    p = default_params().replace(open_weight_threshold=0.5)
    pinned = [
        PinnedEvent(Q, "breakthrough", "LabClosed", 0.4, "R1 release"),
        PinnedEvent(Q, "breakthrough", "LabOpen", 0.3),
        PinnedEvent(Q, "crackdown", "US", 0.3),  # not a breakthrough
        PinnedEvent(Q - 1, "breakthrough", "LabOpen", 0.9),  # another quarter
    ]
    m = _bt_model(p, "pinned", openness=0.49, pinned=pinned)
    breakthroughs.apply_breakthroughs(m, {"US": 10.0, "CN": 5.0}, {"US": 0.0, "CN": 0.2})
    assert [lab.log_eff for lab in m.labs] == pytest.approx([1.3, 2.4])
    assert m.events == [
        Event("2025Q2", "breakthrough", "LabClosed", "R1 release: log efficiency +0.40", 0.4,
              False),
        Event("2025Q2", "breakthrough", "LabOpen",
              "algorithmic breakthrough: log efficiency +0.30", 0.3, False),
    ]  # fmt: skip


# --- national deals: contract length and the Gumbel choice --------------------------------------


def test_contract_quarters_are_uniform_whole_years_with_u_one_kept_in_range():
    """years = min + min(floor(u * (max - min + 1)), max - min); here 2..4 years."""
    p = default_params().replace(deal_years_min=2, deal_years_max=4)
    assert deals.contract_quarters(p, 0.0) == 4 * 2
    assert deals.contract_quarters(p, 0.34) == 4 * 3  # floor(1.02) = 1
    assert deals.contract_quarters(p, 0.999) == 4 * 4  # floor(2.997) = 2
    assert deals.contract_quarters(p, 1.0) == 4 * 4  # floor(3) = 3, clipped to 2


def test_choose_adds_gumbel_shocks_scaled_by_the_noise():
    """eps = -ln(-ln u) * noise: u = (0.9, 0.1) gives eps = (2.2504, -0.8340) * noise."""
    v, u = np.array([0.0, 1.0]), np.array([0.9, 0.1])
    eps = -np.log(-np.log(u))
    assert v[0] + eps[0] > v[1] + eps[1]  # noise 1: US wins
    assert v[0] + 0.1 * eps[0] < v[1] + 0.1 * eps[1]  # noise 0.1: CN wins
    assert deals.choose(v, 1.0, u) == "US"
    assert deals.choose(v, 0.1, u) == "CN"


def test_choose_keeps_uniforms_of_zero_and_one_finite():
    """u = 0 and 1 are clipped to 1e-7 and 1 - 1e-7, so the shocks stay finite and ordered."""
    v = np.array([0.0, 0.0])
    assert deals.choose(v, 1.0, np.array([1.0, 0.0])) == "US"
    assert deals.choose(v, 1.0, np.array([0.0, 1.0])) == "CN"
    # u = 1 -> -ln(-ln(1 - 1e-7)) = 16.118 against V_CN + (-ln(-ln 0.5)) = V_CN + 0.3665
    assert deals.choose(np.array([0.0, 15.7]), 1.0, np.array([1.0, 0.5])) == "US"  # 16.067
    assert deals.choose(np.array([0.0, 15.8]), 1.0, np.array([1.0, 0.5])) == "CN"  # 16.167


# --- large adopters' sizes ----------------------------------------------------------------------


class ParetoDraws:
    """A stand-in generator whose ``pareto(alpha, n)`` returns the given Lomax draws."""

    def __init__(self, *values: float) -> None:
        self.values, self.calls = np.array(values), []

    def pareto(self, alpha, n):
        self.calls.append((alpha, n))
        return self.values[:n].copy()


def test_large_adopter_sizes_are_min_share_times_pareto_and_scaled_to_the_cap():
    """s = min_share * (1 + Lomax draw); scaled together to max_share when their sum exceeds it."""
    p = default_params().replace(
        large_adopters=3, large_adopter_min_share=0.02, large_adopter_alpha=1.5,
        large_adopter_max_share=0.3,
    )  # fmt: skip
    rng = ParetoDraws(0.0, 1.0, 3.0)
    np.testing.assert_allclose(large_adopters.draw_sizes(p, rng), [0.02, 0.04, 0.08])
    assert rng.calls == [(1.5, 3)]
    tight = p.replace(large_adopter_max_share=0.07)
    capped = large_adopters.draw_sizes(tight, ParetoDraws(0.0, 1.0, 3.0))
    np.testing.assert_allclose(capped, [0.01, 0.02, 0.04])  # 0.14 scaled by 0.07 / 0.14
    off = ParetoDraws(0.0, 1.0, 3.0)
    assert len(large_adopters.draw_sizes(p.replace(mech_large_adopters=False), off)) == 0


def test_large_adopter_sizes_at_a_zero_cap_and_zero_min_share_are_zero_not_nan():
    """Sum 0 is not above a cap of 0, so nothing is rescaled (no 0 / 0)."""
    p = default_params().replace(
        large_adopters=2, large_adopter_min_share=0.0, large_adopter_max_share=0.0
    )
    np.testing.assert_array_equal(large_adopters.draw_sizes(p, ParetoDraws(0.5, 2.0)), [0.0, 0.0])
