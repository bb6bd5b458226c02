"""Whole-model behaviour: reproducibility, invariants, regime sanity."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from aiblocs import AIBlocsModel, run
from aiblocs.model.memory import BYTES_PER_ADOPTER
from aiblocs.model.outcomes import SERIES, SHARES

N = 3000


@pytest.fixture(scope="module")
def frames():
    return {
        r: run(r, seed=1, n_adopters=N)
        for r in ("historical", "open", "containment", "managed_access", "managed_access_cn_block")
    }


def test_columns_and_quarters(frames):
    df = frames["historical"]
    assert list(df.columns) == list(SERIES)
    assert len(df) == 56
    assert df["quarter"].iloc[0] == "2022Q1" and df["quarter"].iloc[-1] == "2035Q4"


def test_same_seed_identical_different_seed_differs():
    a = run("historical", seed=5, n_adopters=2000)
    b = run("historical", seed=5, n_adopters=2000)
    c = run("historical", seed=6, n_adopters=2000)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns="quarter").equals(c.drop(columns="quarter"))


@pytest.mark.parametrize(
    "regime", ["historical", "open", "containment", "managed_access", "managed_access_cn_block"]
)
def test_invariants_every_quarter(frames, regime):
    df = frames[regime]
    num = df.drop(columns="quarter")
    assert np.isfinite(num.to_numpy(float)).all()
    assert ((num[list(SHARES)] >= 0) & (num[list(SHARES)] <= 1)).all().all()
    assert (df["tariff_revenue"] <= df["us_chip_revenue_cn"] + 1e-12).all()  # flow <= sales
    assert (df["us_chip_revenue_cn"] <= df["us_chip_revenue_total"] + 1e-12).all()


def test_flows_within_capacity():
    m = AIBlocsModel("containment", rng=2, n_adopters=1000)
    for _ in range(24):
        m.step()
        for d in m.designers:
            if d.bloc == "CN":
                assert d.units_sold <= d.capacity * (1 + 1e-9)
        for h in m.provinces:
            assert h.served <= h.total_compute * (1 + 1e-9)
        for c in m.cn_clouds:
            assert c.served <= c.total_compute * (1 + 1e-9)


def test_containment_sells_no_frontier_to_china(frames):
    df = frames["containment"].set_index("quarter")
    assert (df.loc["2022Q4":, "us_frontier_units_cn"] == 0).all()
    assert (df.loc["2022Q4":, "us_prev_units_cn"] == 0).all()


def test_open_has_no_tariff_revenue(frames):
    assert (frames["open"]["tariff_revenue"] == 0).all()
    assert (frames["open"]["us_frontier_units_cn"] > 0).all()


def test_cn_block_stops_prev_generation_sales(frames):
    blocked = frames["managed_access_cn_block"].set_index("quarter")
    managed = frames["managed_access"].set_index("quarter")
    assert (blocked.loc["2026Q1":, "us_prev_units_cn"] == 0).all()
    assert (managed.loc["2026Q1":, "us_prev_units_cn"] > 0).any()


def test_managed_access_collects_fees(frames):
    df = frames["managed_access"].set_index("quarter")
    assert (df.loc[:"2025Q2", "tariff_revenue"] == 0).all()
    assert df.loc["2025Q3":, "tariff_revenue"].sum() > 0


def test_controls_raise_domestic_chip_share(frames):
    open_, cont = frames["open"].set_index("quarter"), frames["containment"].set_index("quarter")
    assert (
        cont.loc["2026Q1":"2030Q4", "cn_domestic_chip_share"].mean()
        > open_.loc["2026Q1":"2030Q4", "cn_domestic_chip_share"].mean()
    )


def test_million_adopter_model_stays_within_its_memory_estimate():
    """A million adopters build and step within BYTES_PER_ADOPTER (the pre-run memory check).

    Memory is measured with tracemalloc (numpy reports its buffers to it), so the number does
    not depend on the machine.
    """
    n = 1_000_000
    tracemalloc.start()
    try:
        m = AIBlocsModel("historical", rng=0, n_adopters=n)
        m.step()
        m.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= n * BYTES_PER_ADOPTER
    st = m.adopters
    assert st.stack.nbytes + st.tenure.nbytes + st.cohort.nbytes == 9 * n  # 1 + 4 + 4 bytes
    us = m.cohort_region[st.cohort] == "US"
    assert m.m["adoption_us"] == (st.stack[us] > 0).mean() > 0
