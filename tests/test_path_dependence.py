"""Arthur (1989) check: with strong increasing returns, identical countries lock in at random.

A test world (built through the world-loading API) holds two identical Global South countries,
``A`` and ``B``, and no US or Chinese adopters. The configuration makes the two stacks exactly
symmetric for them: capability and price carry no utility, affordability is constant, both stacks
have the same presence, openness, technology transfer and financing weight, no Chinese cloud drift
and no cross-border links. Relabelling US <-> CN then maps every run onto an equally likely run,
so each stack's lock-in probability is exactly 1/2 (checked with a binomial test), while strong
increasing returns (network effect, deals that follow adopters) make each country lock into
*some* stack and the two identical countries often into different ones.

The asymmetric case has a computable answer: the first deal comes in the first quarter (before
anyone has adopted, so adopters' shares are 0), the US package carries one more unit of
technology transfer, deals are never switched (a huge incumbent bonus) and a deal brings full
presence. Then the country follows its first deal, and ``P(lock US) = P(first deal US) =
1 / (1 + exp(-beta_transfer / deal_noise))``, the government's logit.
"""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pytest
from scipy.stats import binomtest

from aiblocs import AIBlocsModel
from aiblocs.model.outcomes import LOCK_SHARE
from aiblocs.model.run import tables
from aiblocs.model.world import load_world

SEEDS = range(100)  # x 2 countries = 200 draws per case
ALPHA = 1e-3  # binomial test level: a true model fails one run in a thousand (seeds are fixed)
SYMMETRIC = {
    "n_adopters": 300, "share_us": 0.0, "share_cn": 0.0, "end": "2027Q4", "cross_border": 0.0,
    "beta_capability": 0.0, "beta_price": 0.0, "afford_slope": 20.0, "afford_shift": -10.0,
    "scarcity_afford_exponent": 0.0, "cn_presence_growth": 0.0, "openness_us": 0.5,
    "openness_cn": 0.5, "deal_transfer_us": 0.3, "deal_transfer_cn": 0.3,
    "network_effect": 8.0, "deal_beta_share": 10.0,
}  # fmt: skip
FIRST_DEAL_DECIDES = {
    **SYMMETRIC, "deal_rate": 100.0, "deal_incumbent_bonus": 50.0, "deal_presence_gain": 1.0,
    "deal_transfer_us": 1.0, "deal_transfer_cn": 0.0, "beta_transfer": 1.0, "deal_noise": 1.0,
}  # fmt: skip


def _country(name: str, region: str, weight: float, **kw) -> str:
    row = {"name": name, "region": region, "weight": weight, "income": 10.0, "population": 100.0,
           "infra": 1.0, "alignment": 0.0, "sovereignty": True, "us_presence": 0.3,
           "cn_presence": 0.3, "access_us": 1.0, "access_cn": 1.0, **kw}  # fmt: skip
    lines = [f"{k} = {str(v).lower() if isinstance(v, bool) else repr(v)}" for k, v in row.items()]
    return "[[country]]\n" + "\n".join(lines).replace("'", '"') + "\n"


@pytest.fixture(scope="module")
def twin_world(tmp_path_factory):
    """The packaged sectors, firms and hubs; countries US, China and two identical GS countries."""
    folder = tmp_path_factory.mktemp("twin_world")
    for name in ("sectors.toml", "firms.toml", "hubs.toml"):
        (folder / name).write_text((resources.files("aiblocs.model.data") / name).read_text())
    (folder / "countries.toml").write_text("\n".join([
        _country("US", "US", 1.0, alignment=1.0, us_presence=1.0, cn_presence=0.0),
        _country("China", "CN", 1.0, alignment=-1.0, us_presence=0.0, cn_presence=1.0,
                 access_us=0.0),
        _country("A", "GS", 0.5), _country("B", "GS", 0.5),
    ]))  # fmt: skip
    return load_world(folder)


def _ensemble(world, params: dict) -> dict[str, np.ndarray]:
    """Per seed and country (A, B): the stack locked into at the horizon (1 US, 2 CN, 0 none)
    and the stack of the first deal (1 US, 2 CN, 0 none), its quarter, and any deal switch."""
    locked, first, first_q, switched = [], [], [], []
    for seed in SEEDS:
        m = AIBlocsModel("containment", rng=seed, world=world, **params)
        m.run_model()
        t = tables(m)
        last = t.countries[t.countries["quarter"] == t.frame["quarter"].iloc[-1]]
        last = last.set_index("country").loc[["A", "B"]]
        locked.append(np.select([last["share_us"] > LOCK_SHARE, last["share_cn"] > LOCK_SHARE],
                                [1, 2], 0))  # fmt: skip
        deals = t.events[t.events["kind"] == "deal"]
        row, rowq = [], []
        for c in ("A", "B"):
            mine = deals[deals["actor"] == c]
            row.append(0 if mine.empty else 1 + mine["what"].iloc[0].startswith("CN"))
            rowq.append(None if mine.empty else mine["quarter"].iloc[0])
        first.append(row)
        first_q.append(rowq)
        switched.append(deals["what"].str.startswith("switched").any())
    return {"locked": np.array(locked), "first": np.array(first),
            "first_quarter": np.array(first_q, object), "switched": np.array(switched)}  # fmt: skip


@pytest.mark.slow
def test_identical_countries_lock_in_at_random_with_probability_one_half(twin_world):
    r = _ensemble(twin_world, SYMMETRIC)
    locked = r["locked"]
    n_us, n_cn = int((locked == 1).sum()), int((locked == 2).sum())
    # strong increasing returns: most countries end locked into one stack ...
    assert n_us + n_cn >= 0.7 * locked.size
    # ... which one is a coin toss (symmetry: exactly 1/2) ...
    assert binomtest(n_us, n_us + n_cn, 0.5).pvalue > ALPHA, (n_us, n_cn)
    # ... so two identical countries in the same run often end on different stacks
    a, b = locked[:, 0], locked[:, 1]
    differ = (a > 0) & (b > 0) & (a != b)
    assert differ.mean() >= 0.2, differ.mean()


@pytest.mark.slow
def test_when_the_first_deal_decides_lock_in_follows_the_governments_logit(twin_world):
    r = _ensemble(twin_world, FIRST_DEAL_DECIDES)
    p = FIRST_DEAL_DECIDES
    gap = p["beta_transfer"] * (p["deal_transfer_us"] - p["deal_transfer_cn"])
    expected = 1 / (1 + math.exp(-gap / p["deal_noise"]))  # the logit, 0.731
    first, locked = r["first"], r["locked"]
    # the set-up: every first deal in the first quarter, no deal ever switched
    assert set(r["first_quarter"].ravel()) == {p.get("start", "2022Q1")}
    assert not r["switched"].any()
    # the first deal is the government's logit choice ...
    assert binomtest(int((first == 1).sum()), first.size, expected).pvalue > ALPHA
    # ... the country follows it ...
    assert (locked == first).mean() >= 0.95
    # ... so the lock-in probability is the logit probability
    assert binomtest(int((locked == 1).sum()), locked.size, expected).pvalue > ALPHA
