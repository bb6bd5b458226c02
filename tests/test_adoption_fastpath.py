"""The fast neighbour-count path equals the sparse matrix product it replaces, at every degree.

``adoption_step`` counts adopted neighbours with integer gathers when the adjacency's weights
are multiples of a power of two, packing US and Chinese counts into one small integer (4 bits
each up to 15 links, 8 bits above). These tests compare it with ``adjacency @ onehot`` for
degrees 1 to 128, on every packing branch, and check that every adjacency the fast path cannot
represent falls back to the generic path with the same results. The rest of the fast path
(:mod:`aiblocs.model.fastpath`) is checked the same way: counts updated from the units that
changed stack against a full recount, draws compared as integers on the 2**-24 grid against the
float comparison, raw words against numpy's float32 draws, the two-stack choice against argmax.
"""

from __future__ import annotations

import itertools
from contextlib import nullcontext
from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp

import aiblocs.model.adoption as ad
import aiblocs.model.fastpath as fp
from aiblocs.model.network import build_adjacency

N = 700


def country_blocks(n: int, sizes=(0.2, 0.3, 0.5)) -> tuple[np.ndarray, np.ndarray]:
    """Block start and size per unit for countries with the given shares of ``n`` units."""
    cuts = np.concatenate([[0], np.round(np.cumsum(sizes) * n).astype(int)])
    start, size = np.empty(n, np.int64), np.empty(n, np.int64)
    for a, b in itertools.pairwise(cuts):
        start[a:b], size[a:b] = a, b - a
    return start, size


def adjacency(degree: int, n: int = N, seed: int = 0) -> sp.csr_matrix:
    start, size = country_blocks(n)
    return build_adjacency(start, size, degree, 0.1, np.random.default_rng(seed))


def stacks(n: int, kind: str, seed: int = 1) -> np.ndarray:
    """Stacks to count: random mixes, and all-US / all-CN (every count at its maximum)."""
    if kind == "us":
        return np.full(n, ad.US, np.int8)
    if kind == "cn":
        return np.full(n, ad.CN, np.int8)
    return np.random.default_rng(seed).choice([0, 1, 2], n, p=[0.2, 0.4, 0.4]).astype(np.int8)


def unpack(packed: np.ndarray, shift: int) -> np.ndarray:
    return np.stack([packed & ((1 << shift) - 1), packed >> shift], axis=1).astype(np.int64)


@pytest.mark.parametrize("degree", range(1, 129))
def test_counts_equal_the_sparse_product(degree):
    a = adjacency(degree)
    layout = fp.build_layout(a)
    dyadic = np.frexp(1.0 / degree)[0] == 0.5  # 1/degree is a power of two
    assert (layout is not None) == dyadic, "the fast path must exist exactly for dyadic weights"
    for kind in ("mix", "us", "cn"):
        st = stacks(N, kind)
        exact = ad.neighbour_shares(a, st)  # the generic path: adjacency @ onehot
        if layout is None:
            continue
        packed, shift = fp.neighbour_counts(st, layout), layout.shift
        assert shift == (4 if layout.width <= 15 else 8) and layout.dtype == np.float32
        counts = unpack(packed, shift)
        np.testing.assert_array_equal(counts * layout.unit, exact)
        if kind != "mix":  # every unit sees all its links on one stack: the largest counts
            assert counts.max() == layout.width == degree


def step_both_paths(a, st0: np.ndarray, seed: int = 3):
    """One adoption_step on the fast path and one forced onto the generic path."""
    n = len(st0)
    c = 2
    cohort = (np.arange(n) * c // n).astype(np.int32)
    results = []
    for force_generic in (False, True):
        st = ad.AdopterState(cohort.copy(), st0.copy(), np.linspace(0, 9, n).astype(np.float32))
        kw = {
            "utility": np.array([[0.3, 0.1], [-0.2, 0.4]]),
            "afford": np.array([0.9, 0.6]),
            "p": np.array([0.05, 0.02]),
            "q": np.array([0.4, 0.9]),
            "r": 2.0,
            "noise_scale": 1.0,
            "review_rate": 0.5,
            "cost_base": 0.2,
            "cost_growth": 0.1,
            "rng": np.random.default_rng(seed),
        }
        if force_generic:
            with mock.patch.object(ad, "layout_for", return_value=None):
                res = ad.adoption_step(st, a, **kw)
        else:
            res = ad.adoption_step(st, a, **kw)
        results.append((st, res))
    return results


@pytest.mark.parametrize("degree", [1, 2, 4, 8, 16, 32, 64, 128])
def test_adoption_step_fast_path_is_bit_identical(degree):
    a = adjacency(degree)
    assert fp.build_layout(a) is not None
    st0 = stacks(N, "mix")
    (fast, r_fast), (slow, r_slow) = step_both_paths(a, st0)
    np.testing.assert_array_equal(fast.stack, slow.stack)
    np.testing.assert_array_equal(fast.tenure, slow.tenure)
    np.testing.assert_array_equal(r_fast.new_adopters, r_slow.new_adopters)
    np.testing.assert_array_equal(r_fast.switched, r_slow.switched)
    assert r_fast.new_adopters.any() and r_fast.switched.any()  # both decisions were exercised


def csr(rows, cols, data, n, dtype=np.float32) -> sp.csr_matrix:
    data = np.broadcast_to(np.asarray(data, dtype), np.shape(rows))
    a = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    a.sum_duplicates()
    return a


def fallback_cases() -> dict[str, sp.csr_matrix]:
    n = 300
    i = np.arange(n)
    ring = csr(np.repeat(i, 2), np.stack([(i + 1) % n, (i + 2) % n], 1).ravel(), 0.5, n)
    heavy = csr(np.repeat(i, 300), np.tile(i, n), 1 / 512, n)  # 300 links of weight 1/512
    heavy_link = csr(np.r_[i, i], np.r_[(i + 1) % n, (i + 2) % n],
                     np.r_[np.full(n, 300 / 512), np.full(n, 212 / 512)], n)  # fmt: skip
    three = np.stack([(i + k) % n for k in (1, 2, 3)], 1).ravel()
    two = np.r_[(i + 1) % n, (i + 2) % n]
    uneven = np.r_[np.full(n, 0.25), np.full(n, 0.375)]
    uncanonical = ring.copy()
    uncanonical.has_canonical_format = False
    return {
        "float64 weights": ring.astype(np.float64),
        "weights 1/3": csr(np.repeat(i, 3), three, 1 / 3, n),
        "weights not multiples of the smallest": csr(np.r_[i, i], two, uneven, n),
        "more than 255 links per row": heavy,
        "a link of weight above 255 units": heavy_link,
        "not canonical": uncanonical,
        "no links": sp.csr_matrix((n, n), dtype=np.float32),
    }


def test_the_limits_of_the_fast_layout():
    """255 link units per row or per link are representable; 256 are not."""
    n = 300
    i = np.arange(n)
    data = np.r_[np.full(n, 1 / 512), np.full(n, 255 / 512)]
    ok = csr(np.r_[i, i], np.r_[(i + 1) % n, (i + 2) % n], data, n)  # widths 256: too wide
    assert fp.build_layout(ok) is None
    rows = np.r_[0, np.arange(1, n)]
    limit = csr(rows, (rows + 1) % n, np.r_[1 / 512, np.full(n - 1, 255 / 512)], n)
    layout = fp.build_layout(limit)
    assert layout is not None and layout.width == 255 and layout.dtype == np.float32
    over = csr(rows, (rows + 1) % n, np.r_[1 / 512, np.full(n - 1, 256 / 512)], n)
    assert fp.build_layout(over) is None
    st = stacks(n, "us")
    packed, shift = fp.neighbour_counts(st, layout), layout.shift
    np.testing.assert_array_equal(
        unpack(packed, shift) * layout.unit, ad.neighbour_shares(limit, st)
    )


@pytest.mark.parametrize("case", list(fallback_cases()))
def test_unrepresentable_adjacency_falls_back_to_the_product(case):
    a = fallback_cases()[case]
    assert fp.build_layout(a) is None
    st0 = stacks(a.shape[0], "mix")
    (fast, _), (slow, _) = step_both_paths(a, st0)
    np.testing.assert_array_equal(fast.stack, slow.stack)


def test_layout_is_rebuilt_for_another_adjacency():
    """The cached layout belongs to one adjacency: a new matrix (same state) gets its own."""
    a8, a16 = adjacency(8), adjacency(16, seed=5)
    st = ad.AdopterState.empty(np.zeros(N, np.int32))
    assert fp.layout_for(st.scratch, a8).source is a8
    assert fp.layout_for(st.scratch, a8) is fp.layout_for(st.scratch, a8)  # cached
    assert fp.layout_for(st.scratch, a16).source is a16
    assert fp.layout_for(st.scratch, None) is None
    assert fp.layout_for(st.scratch, a8.tocoo()) is None  # only CSR takes the fast path
    st_mix = stacks(N, "mix")
    layout = fp.layout_for(st.scratch, a16)
    packed, shift = fp.neighbour_counts(st_mix, layout), layout.shift
    np.testing.assert_array_equal(unpack(packed, shift) / 16.0, ad.neighbour_shares(a16, st_mix))


def test_well_mixed_shares_are_population_shares():
    st = np.array([0, 1, 1, 2, 1, 0, 1, 2], np.int8)
    shares = ad.neighbour_shares(None, st)
    np.testing.assert_allclose(shares, np.tile([4 / 8, 2 / 8], (8, 1)))
    assert shares.dtype == np.float32
    assert ad.neighbour_shares(adjacency(3), stacks(N, "mix")).dtype == np.float32


@pytest.mark.parametrize("degree", [1, 8, 16, 128])
def test_tracked_counts_equal_a_full_recount_whoever_changes_stacks(degree):
    """The per-quarter counts are updated from the units that changed stack (in-links); after
    adoption steps, block moves outside them and a mass change (a recount), they equal a full
    recount and the sparse product."""
    a = adjacency(degree)
    layout = fp.build_layout(a)
    n = a.shape[0]
    rng = np.random.default_rng(7)
    st = ad.AdopterState.empty(np.zeros(n, np.int32))
    ad.prepare_network(st, a)
    for t in range(12):
        if t % 4 == 3:  # a block of units moved together (as large adopters are)
            lo = rng.integers(0, n - 50)
            st.stack[lo : lo + 50] = rng.integers(1, 3)
        elif t == 6:  # more than an eighth of the units at once: a full recount
            st.stack[:] = rng.integers(0, 3, n)
        else:  # a few units adopt, switch or (in a test) drop out
            who = rng.choice(n, 30, replace=False)
            st.stack[who] = rng.integers(0, 3, 30)
        tracked, shift = fp.tracked_counts(st.scratch, st.stack, layout), layout.shift
        full = fp.neighbour_counts(st.stack, layout)
        np.testing.assert_array_equal(tracked, full)
        np.testing.assert_array_equal(unpack(tracked, shift) * layout.unit,
                                      ad.neighbour_shares(a, st.stack))  # fmt: skip
    assert st.scratch["counts"][2] is not st.stack  # counted on a copy of the stacks


def test_in_links_are_the_transpose_of_the_layout():
    a = adjacency(8)
    layout = fp.build_layout(a)
    n = a.shape[0]
    src = layout.cols.ravel()
    dst = np.tile(np.arange(n), layout.width)
    keep = src < n
    expect = np.zeros((n, n), np.int64)
    np.add.at(expect, (src[keep], dst[keep]), 1)
    got = np.zeros((n, n), np.int64)
    owner = np.repeat(np.arange(n), np.diff(layout.in_ptr))
    np.add.at(got, (owner, layout.in_rows), 1)
    np.testing.assert_array_equal(got, expect)


def generic_choice(base, net, r, current, cost, noise):
    """The choice rule for any number of stacks: argmax of utility net of leaving costs."""
    u = base + r * net + noise
    k = np.arange(1, u.shape[1] + 1)
    leaving = (current[:, None] > 0) & (k[None, :] != current[:, None])
    return np.argmax(u - np.where(leaving, cost[:, None], 0.0), axis=1) + 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_stack_choice_equals_the_generic_rule(dtype):
    """choose_stack's two-stack branch picks what the K-stack argmax picks, ties included."""
    rng = np.random.default_rng(11)
    m = 5000
    base = rng.normal(size=(m, 2)).astype(dtype)
    net = (rng.integers(0, 9, (m, 2)) / 8).astype(np.float32)
    current = rng.integers(0, 3, m).astype(np.int8)
    cost = np.where(current > 0, rng.random(m), 0.0).astype(dtype)
    noise = rng.gumbel(size=(m, 2)).astype(np.float32)
    noise[:500] = 0.0
    base[:500] = base[:500, :1]  # equal base utilities and no noise: ties at equal networks
    net[:500] = net[:500, :1]
    current[:500] = 0
    got = ad.choose_stack(base, net, 2.0, current, cost, noise)
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, generic_choice(base, net, 2.0, current, cost, noise))
    assert (got[:500] == 1).all() and set(got[500:]) == {1, 2}


def test_integer_comparison_on_the_draw_grid_is_exact():
    """k / 2**24 < x (any float type) exactly when k < grid_above(x), at the edges too."""
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.random(20_000), rng.random(50).astype(np.float32),
                        np.arange(0, 40) / fp.GRID, [0.0, 1.0, 1.5, -0.2, np.nan]])  # fmt: skip
    big_k = np.concatenate([np.arange(0, 60), fp.GRID - 1 - np.arange(0, 60),
                            rng.integers(0, fp.GRID, 20_000)]).astype(np.uint32)  # fmt: skip
    near = np.unique(np.concatenate([np.floor(x[:60] * fp.GRID), np.ceil(x[:60] * fp.GRID)]))
    k = np.concatenate([big_k, near[np.isfinite(near) & (near >= 0) & (near < fp.GRID)]])
    k = k.astype(np.uint32)
    draws = k.astype(np.float32) / np.float32(fp.GRID)
    for xi in [*x[::97], *x[-45:]]:
        np.testing.assert_array_equal(draws < xi, k < fp.grid_above(xi))
    f32 = np.float32(0.1)  # a Python float rate is compared in float32 (NumPy's promotion)
    np.testing.assert_array_equal(draws < 0.1, k < fp.grid_above(f32))


@pytest.mark.parametrize("make", [np.random.Philox, np.random.PCG64, np.random.SFC64,
                                  np.random.MT19937])  # fmt: skip
def test_uniform_words_are_the_float32_draws(make):
    """The words read raw (or rebuilt for other generators) give numpy's float32 draws."""
    n = 1001
    words = fp.uniform_words(np.random.Generator(make(42)), n)
    floats = np.random.Generator(make(42)).random((n, 4), dtype=np.float32)
    np.testing.assert_array_equal(fp.uniforms(words), floats)
    used = np.random.Generator(make(42))
    used.random(dtype=np.float32)  # half a 64-bit word is buffered: the raw read must not be used
    again = np.random.Generator(make(42))
    again.random(dtype=np.float32)
    np.testing.assert_array_equal(fp.uniforms(fp.uniform_words(used, n)),
                                  again.random((n, 4), dtype=np.float32))  # fmt: skip


def test_choice_among_three_stacks_by_hand():
    """choose_stack's K-stack rule (the model has two stacks; tests drive three): utility plus
    network plus noise, minus the switching cost on every stack but the current one."""
    base = np.array([[1.0, 0.5, 0.2], [0.0, 0.0, 1.0], [0.3, 0.3, 0.3], [0.0, 0.9, 0.0],
                     [0.0, 2.0, 0.0], [0.5, 0.5, 0.1], [0.5, 0.8, 0.0]])  # fmt: skip
    net = np.zeros((7, 3))
    net[1, 0] = 0.5  # r * 0.5 = 1.0 for stack 1
    current = np.array([0, 1, 2, 3, 1, 0, 1], np.int8)
    cost = np.array([9.0, 0.5, 0.1, 1.0, 0.5, 9.0, 0.5])
    noise = np.zeros((7, 3))
    noise[2, 2] = 0.05
    # row 0: new adopter, no cost, 1.0 best; row 1: [1.0, -0.5, 0.5] stays; row 2: [0.2, 0.3,
    # 0.25] stays; row 3: [-1, -0.1, 0] stays; row 4: [-0.5, 1.5, -0.5] leaves for 2; row 5: tie;
    # row 6: [0.5, 0.3, -0.5] stays on 1 (its cost outweighs stack 2's lead of 0.3)
    got = ad.choose_stack(base, net, 2.0, current, cost, noise)
    np.testing.assert_array_equal(got, [1, 1, 2, 3, 2, 1, 1])
    assert got.dtype == np.int8
    np.testing.assert_array_equal(
        ad.choose_stack(base, net, 2.0, current, cost), [1, 1, 2, 3, 2, 1, 1]
    )
    no_net = ad.choose_stack(base, net, 0.0, current, cost)  # row 1 loses its network pull
    np.testing.assert_array_equal(no_net, [1, 3, 2, 3, 2, 1, 1])
    free = ad.choose_stack(base, net, 2.0, current, np.zeros(7), noise)  # no switching cost
    np.testing.assert_array_equal(free, [1, 1, 3, 2, 2, 1, 2])


def step_kw(seed: int) -> dict:
    return {"utility": np.array([[0.3, 0.1], [-0.2, 0.4]]), "afford": np.array([0.9, 0.6]),
            "p": np.array([0.05, 0.02]), "q": np.array([0.4, 0.9]), "r": 2.0,
            "noise_scale": 1.0, "review_rate": 0.05, "cost_base": 0.2, "cost_growth": 0.1,
            "rng": np.random.default_rng(seed)}  # fmt: skip


def test_one_state_stepped_on_changing_networks_and_masks():
    """The fast path's caches (layout, counts, table rows, ~mask) follow the adjacency and the
    mask they are given: a state stepped on degree 8, then 16, then 8 again, with two different
    read-only masks of units held fixed, moves exactly as on the generic path. Few units move
    each quarter (no full recount), so counts carried over from another network would show."""
    a8, a16 = adjacency(8), adjacency(16, seed=5)
    n = N
    cohort = (np.arange(n) * 2 // n).astype(np.int32)
    masks = [np.zeros(n, bool), np.zeros(n, bool)]
    masks[0][:100], masks[1][300:450] = True, True
    for m in masks:
        m.flags.writeable = False
    runs = []
    for generic in (False, True):
        st = ad.AdopterState(
            cohort.copy(), stacks(n, "mix"), np.linspace(0, 9, n).astype(np.float32)
        )
        frozen = []
        for t, (a, fixed) in enumerate(
            [(a8, masks[0]), (a16, masks[1]), (a8, masks[1]), (a16, None)]
        ):
            before = st.stack.copy()
            with (
                mock.patch.object(ad, "layout_for", return_value=None) if generic else nullcontext()
            ):
                ad.adoption_step(st, a, **step_kw(t), fixed=fixed)
            if fixed is not None:
                frozen.append(np.array_equal(st.stack[fixed], before[fixed]))
            frozen.append(0 < np.count_nonzero(st.stack != before) < n // 8)  # no recount
        runs.append((st.stack.copy(), st.tenure.copy(), frozen))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert all(runs[0][2]) and len(runs[0][2]) == 7  # fixed units stay; a few others move
