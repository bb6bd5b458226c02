"""One quarter of the whole model: schedule, budgets, installation and every reporter.

Each reporter is recomputed from quantities it is not computed from (the adopter arrays, the
designers' ledgers, the chip market's result), and stocks are checked against their flows.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from modelkit import DISTINCT, model_at

import aiblocs.model.model as model_mod
from aiblocs.model import chips
from aiblocs.model.model import _largest_remainder


@contextmanager
def spied(m):
    """Record each quarter's budgets, chip-market result and adoption result."""
    seen: dict = {}
    clear, step = chips.clear, model_mod.adoption_step

    def spy_clear(model, budgets, rng):
        seen["budgets"] = dict(budgets)
        seen["res"] = clear(model, budgets, rng)
        return seen["res"]

    def spy_step(*a, **kw):
        seen["flows"] = step(*a, **kw)
        return seen["flows"]

    with mock.patch.object(chips, "clear", spy_clear), \
            mock.patch.object(model_mod, "adoption_step", spy_step):  # fmt: skip
        yield seen


def test_clock_and_usage_index():
    m = model_at("historical", "2024Q3", spend_horizon=3.0, **DISTINCT)
    p = m.p
    assert m.years == pytest.approx(2.5)
    assert m.spend_years == pytest.approx(3.0 * (1 - math.exp(-2.5 / 3.0)))
    assert m.usage_index == pytest.approx(
        math.exp(p.demand_growth * m.spend_years + p.price_per_perf_decline * 2.5))  # fmt: skip
    short = model_at("historical", "2022Q3", end="2022Q4", pooling_start="2022Q1",
                     pooling_full="2022Q2")  # fmt: skip
    short.step()
    assert short.running is False and short.quarter == "2022Q4"
    short.step()  # past the end: nothing more happens
    assert short.running is False and short.quarter == "2022Q4"
    assert len(short.datacollector.get_model_vars_dataframe()) == 4


def test_chip_budgets_follow_the_odd():
    m = model_at("historical", "2025Q2", budget_growth=0.5, us_budget_growth=0.7, **DISTINCT)
    p = m.p
    for c, u in zip([*m.us_clouds, *m.cn_clouds], [0.2, 0.75, 1.0, 0.4, 0.9, 0.6], strict=True):
        c.utilisation = u
    for h, b in zip(m.provinces, range(8), strict=True):
        h.completing_budget = 0.01 * b
    e = p.budget_demand_elasticity

    def pressure(c):
        return min(
            p.capex_pressure_max, max(p.capex_pressure_min, c.utilisation / p.capex_util_ref)
        )

    us = sum(p.us_chip_budget0 * math.exp(0.7 * m.spend_years) * (1 + e * m.adoption["US"])
             * c.weight * pressure(c) for c in m.us_clouds)  # fmt: skip
    cn = sum(p.cn_chip_budget0 * math.exp(0.5 * m.spend_years) * (1 + e * m.adoption["CN"])
             * c.weight * pressure(c) for c in m.cn_clouds)  # fmt: skip
    gs = p.gs_chip_budget0 * math.exp(0.5 * m.spend_years) * (1 + e * m.adoption["GS"])
    assert m._chip_budgets() == pytest.approx(
        {"US": us, "CN": cn, "GS": gs, "CN_state": 0.28}, rel=1e-12)  # fmt: skip
    assert min(m.adoption.values()) > 0


def test_installation_split_and_effective_training_compute():
    m = model_at("historical", "2023Q1", mixed_fleet_training=0.6, **DISTINCT)
    before = {c.name: dict(c.compute) for c in [*m.us_clouds, *m.cn_clouds]}
    res = chips.ChipResult(compute={"US": {"US": 100.0, "CN": 0.0}, "GS": {"US": 10.0, "CN": 5.0},
                                    "CN": {"US": 20.0, "CN": 40.0},
                                    "smuggled": {"US": 3.0, "CN": 0.0}})  # fmt: skip
    for h in m.provinces:
        h.completing_budget = 0.0
    m._install(res)
    for c in m.us_clouds:
        assert c.compute["US"] - before[c.name]["US"] == pytest.approx(110.0 * c.weight)
        assert c.compute["CN"] - before[c.name]["CN"] == pytest.approx(5.0 * c.weight)
    for c in m.cn_clouds:
        assert c.compute["US"] - before[c.name]["US"] == pytest.approx(23.0 * c.weight)
        assert c.compute["CN"] - before[c.name]["CN"] == pytest.approx(40.0 * c.weight)
    p = m.p
    eco = sum(d.ecosystem * d.weight for d in m.designers if d.bloc == "CN")
    us_chips = sum(c.compute["US"] for c in m.cn_clouds)
    cn_chips = sum(c.compute["CN"] for c in m.cn_clouds)
    expect = (us_chips + eco * cn_chips) * (1 - p.mixed_fleet_cost * 0.6)
    assert m._cn_effective_compute() == pytest.approx(expect, rel=1e-12)
    for c in m.cn_clouds:
        c.compute["CN"] = 0.0
    assert m._cn_effective_compute() == pytest.approx(us_chips, rel=1e-12)


def test_network_is_used_unless_well_mixed():
    a = run_frame(well_mixed=False)
    b = run_frame(well_mixed=True)
    assert not a["adoption_gs"].equals(b["adoption_gs"])


def run_frame(**kw):
    m = model_at("historical", "2026Q4", **kw)
    return m.datacollector.get_model_vars_dataframe()


def test_us_cloud_utilisation_saturates():
    m = model_at("historical", "2024Q1", us_demand_ref=5.0)
    assert all(c.utilisation == 1.0 for c in m.us_clouds)


def test_us_cloud_demand_and_utilisation():
    m = model_at("historical", "2026Q1", gs_demand_weight=0.7, us_demand_ref=0.9, **DISTINCT)
    p = m.p
    share = m.adoption["US"] + 0.7 * m.adoption["GS"]
    use = p.us_base_demand + (1 - p.us_base_demand) * share / p.demand_ref_adoption
    demand = 0.9 * m.us_fleet0 * m.usage_index * use
    assert m._us_demand() == pytest.approx(demand, rel=1e-12)
    for c in m.us_clouds:  # set in the last step, from this quarter's adoption before stage 8
        assert 0 < c.utilisation <= 1


def test_adopters_are_allocated_by_largest_remainder():
    np.testing.assert_array_equal(_largest_remainder(10, np.array([0.5, 0.3, 0.2])), [5, 3, 2])
    np.testing.assert_array_equal(_largest_remainder(10, np.array([1.0, 1.0, 1.0])), [4, 3, 3])
    np.testing.assert_array_equal(_largest_remainder(7, np.array([0.14, 0.43, 0.43])), [1, 3, 3])
    m = model_at("historical", "2021Q4", n=1000, share_us=0.25, share_cn=0.35)
    sizes = {r: sum(c.size for c in m.cohorts if c.region == r) for r in ("US", "CN", "GS")}
    assert sizes == {"US": 250, "CN": 350, "GS": 400}
    lo = 0
    for c in m.cohorts:  # contiguous slices, sorted by country then sector
        assert c.lo == lo and (m.adopters.cohort[c.lo : c.hi] == c.index).all()
        lo = c.hi
    assert lo == 1000
    q = np.where(m.cohort_region == "GS", m.p.gs_q_mult,
                 np.where(m.cohort_region == "CN", m.p.cn_q_mult, 1.0))  # fmt: skip
    np.testing.assert_allclose(m.bass_q, m.p.bass_q / 4 * q)
    np.testing.assert_allclose(m.bass_p, m.p.bass_p / 4)


@pytest.mark.parametrize(("regime", "quarter"), [("containment", "2024Q2"), ("open", "2023Q2"),
                                                 ("managed_access", "2026Q2"),
                                                 ("historical", "2025Q4")])  # fmt: skip
def test_every_reporter_from_independent_quantities(regime, quarter):
    m = model_at(regime, quarter, n=2000, **DISTINCT)
    eco0 = {d.name: d.ecosystem for d in m.designers}
    adoption0 = dict(m.adoption)
    with spied(m) as seen:
        prev_hub = {h.name: dict(h.compute) for h in m.provinces}
        prev_cloud = {c.name: dict(c.compute) for c in m.cn_clouds}
        m.step()
    res, flows, row, p = seen["res"], seen["flows"], m.m, m.p
    region = m.cohort_region[m.adopters.cohort]
    stack, tenure = m.adopters.stack, m.adopters.tenure.astype(float)
    for r in ("US", "CN", "GS"):
        assert row[f"adoption_{r.lower()}"] == pytest.approx((stack[region == r] > 0).mean())
    gs = region == "GS"
    adopted = (stack > 0) & gs
    # locked after (threshold - base) / growth quarters on a stack (ODD §7.5)
    lock_after = (p.lock_in_threshold - p.switch_cost_base) / p.switch_cost_growth
    lock = (tenure >= lock_after - 1e-5) & adopted
    assert lock.sum() < adopted.sum() and (lock.sum() > 0 or quarter < "2025")
    assert adopted.sum() > 0
    for k, name in ((1, "us"), (2, "cn")):
        assert row[f"gs_share_{name}_stack"] == pytest.approx(
            (stack[gs] == k).sum() / adopted.sum()
        )
        assert row[f"gs_locked_in_{name}"] == pytest.approx(
            (lock & (stack == k)).sum() / adopted.sum()
        )
    assert row["gs_dependence"] == pytest.approx(lock.sum() / gs.sum())
    assert row["gs_switch_rate"] == pytest.approx((flows.switched & gs).sum() / adopted.sum())
    assert row["gs_hhi"] == pytest.approx(
        row["gs_share_us_stack"] ** 2 + row["gs_share_cn_stack"] ** 2
    )
    rent = np.where(lock, min(1, p.rent_base * (1 + p.rent_markup_locked)), p.rent_base)
    assert row["gs_rent_share"] == pytest.approx(rent[adopted].sum() / adopted.sum())
    # chips: the designers' ledgers against the market's result
    us_d = [d for d in m.designers if d.bloc == "US"]
    cn_d = [d for d in m.designers if d.bloc == "CN"]
    assert row["us_chip_revenue_cn"] == pytest.approx(sum(d.revenue["CN"] for d in us_d))
    assert row["us_chip_revenue_total"] == pytest.approx(sum(sum(d.revenue.values()) for d in us_d))
    assert row["us_chip_revenue_cn_share"] == pytest.approx(
        row["us_chip_revenue_cn"] / row["us_chip_revenue_total"])  # fmt: skip
    tiers = res.us_units_by_tier_cn
    assert row["us_legal_units_cn"] == pytest.approx(sum(tiers.values()))
    assert row["us_prev_units_cn"] == tiers.get("prev", 0.0)
    assert row["us_frontier_units_cn"] == tiers.get("frontier", 0.0)
    assert (row["us_frontier_units_cn"] > 0) == (regime == "open")
    assert (
        row["smuggled_chips"] == res.smuggled_units and row["tariff_revenue"] == res.tariff_revenue
    )
    dom = res.units["CN"]["CN"] + res.units["CN_state"]["CN"]
    assert dom == pytest.approx(sum(d.units_sold for d in cn_d) - res.units["GS"]["CN"])
    assert row["cn_domestic_chip_share"] == pytest.approx(
        dom / (dom + sum(tiers.values()) + res.smuggled_units))  # fmt: skip
    assert m.cn_units_in_use == pytest.approx(dom)
    for d in cn_d:  # the ecosystem learns from the million domestic chips China bought
        eco = eco0[d.name] + p.ecosystem_learning * dom / 1e6 * (1 - eco0[d.name])
        assert d.ecosystem == pytest.approx(min(eco, p.ecosystem_max), rel=1e-12)
    # US demand in stage 6 reads last quarter's adoption (stage 8 updates it afterwards)
    share = adoption0["US"] + p.gs_demand_weight * adoption0["GS"]
    use = p.us_base_demand + (1 - p.us_base_demand) * share / p.demand_ref_adoption
    us_demand = p.us_demand_ref * m.us_fleet0 * m.usage_index * use
    for c in m.us_clouds:
        assert c.utilisation == pytest.approx(min(1.0, us_demand / (c.total_compute / c.weight)))
    lead = max(cn_d, key=lambda d: d.weight)
    assert (row["cn_domestic_perf"], row["cn_yield"], row["cn_ecosystem"]) == (
        lead.perf["domestic"], lead.yield_, lead.ecosystem)  # fmt: skip
    # compute stocks: last quarter's stock, depreciated, plus what was installed
    keep = 1 - p.depreciation
    state = res.compute["CN_state"]
    for v in ("US", "CN"):
        hubs = sum(prev_hub[h.name][v] for h in m.provinces) * keep + state[v]
        assert sum(h.compute[v] for h in m.provinces) == pytest.approx(hubs, rel=1e-12)
        clouds = sum(prev_cloud[c.name][v] for c in m.cn_clouds) * keep + res.compute["CN"][v]
        clouds += res.compute.get("smuggled", {}).get(v, 0.0)
        assert sum(c.compute[v] for c in m.cn_clouds) == pytest.approx(clouds, rel=1e-12)
    assert row["cn_hub_compute"] == pytest.approx(sum(sum(h.compute.values()) for h in m.provinces))
    assert row["cn_cloud_compute"] == pytest.approx(sum(c.total_compute for c in m.cn_clouds))
    assert row["us_cloud_compute"] == pytest.approx(sum(c.total_compute for c in m.us_clouds))
    served = sum(h.served for h in m.provinces)
    assert row["cn_dc_utilisation"] == pytest.approx(served / row["cn_hub_compute"])
    assert row["cn_dc_cancellations"] == sum(h.cancelled for h in m.provinces)
    assert row["cn_compute_served"] == m.cn_served == pytest.approx(1 - m.cn_scarcity)
    cn_labs = [lab for lab in m.labs if lab.bloc == "CN"]
    assert row["cn_lab_scarcity"] == pytest.approx(np.mean([lab.scarcity for lab in cn_labs]))
    cap_us = max(lab.capability for lab in m.labs if lab.bloc == "US")
    cap_cn = max(lab.capability for lab in cn_labs)
    assert (row["capability_us"], row["capability_cn"]) == (cap_us, cap_cn)
    assert row["capability_gap"] == pytest.approx(cap_us - cap_cn)
    assert row["cn_lag_months"] == pytest.approx(m.frontier.lag_months(m.q, cap_cn))
    assert row["quarter"] == m.quarter != quarter


def test_budgets_are_spent_or_accounted_for():
    """Every dollar of the buyers' budgets is bought, smuggled, rationed or not re-spent."""
    for regime in ("open", "containment"):
        m = model_at(regime, "2023Q3", **DISTINCT)
        for _ in range(6):
            with spied(m) as seen:
                m.step()
            b, res, p = seen["budgets"], seen["res"], m.p
            rev = {r: sum(d.revenue[r] for d in m.designers) for r in ("US", "CN", "GS")}
            assert rev["US"] == pytest.approx(b["US"], rel=1e-9)  # US supply is unlimited
            assert rev["GS"] <= b["GS"] * (1 + 1e-9)
            lost = (1 - p.substitution) * (res.us_revenue_cn_forgone - res.smuggled_spend)
            total = rev["CN"] + res.unspent_cn + res.smuggled_spend + lost
            assert total == pytest.approx(b["CN"] + b["CN_state"], rel=1e-9), regime
            if regime == "open":
                assert res.us_revenue_cn_forgone == 0 and res.smuggled_spend == 0
            else:
                assert res.smuggled_spend > 0


def test_safe_ratio():
    from aiblocs.model.metrics import _safe

    assert _safe(1.0, 0.5) == 2.0 and _safe(3.0, 0.0) == 0.0 and _safe(0.0, 0.0) == 0.0


def test_state_at_initialisation():
    """Before the first step (ODD §5 and the timing conventions of §3)."""
    from aiblocs import AIBlocsModel
    from aiblocs.model.model import seed_sequence

    m = AIBlocsModel(rng=7, n_adopters=300, gs_q_mult=1.5)
    assert m.regime.name == "historical" and m.seed == 7 and m.n_steps == 56
    assert m.seed_sequence.entropy == 7
    assert m.adoption == {"US": 0.0, "CN": 0.0, "GS": 0.0} and m.years == 0.0
    assert (m.cn_scarcity, m.cn_served, m.usage_index, m.cn_units_in_use) == (0.0, 1.0, 1.0, 0.0)
    p = m.p
    cap = sum(s.total_compute for s in [*m.cn_clouds, *m.provinces])
    assert m.cn_demand_prev == pytest.approx(p.cn_demand_util0 * cap, rel=1e-12)
    assert m.cn_gov.approval_strictness == 0.0
    assert all(h.low_quarters == 0 and h.pipeline == {} for h in m.provinces)
    assert [h.east for h in m.provinces] == [h.east for h in m.world.hubs]
    assert all(d.cum_output == 0.0 and d.units_sold == 0.0 for d in m.designers)
    us_train = p.us_training_share * sum(c.total_compute for c in m.us_clouds)
    cn_train = p.us_training_share * m._cn_effective_compute()
    for lab in m.labs:
        assert lab.training_compute == pytest.approx(
            (us_train if lab.bloc == "US" else cn_train) * lab.weight, rel=1e-12)  # fmt: skip
        if lab.bloc == "US":
            assert lab.log_eff == 0.0
    q = np.where(m.cohort_region == "GS", 1.5, np.where(m.cohort_region == "CN", p.cn_q_mult, 1))
    np.testing.assert_allclose(m.bass_q, p.bass_q / 4 * q)
    assert seed_sequence(0).entropy == 0 and seed_sequence(None).entropy is not None
    for bad in (-1, True, 1.5, "3"):
        with pytest.raises(ValueError, match="non-negative integer"):
            seed_sequence(bad)
    with pytest.raises(ValueError, match=r"^AIBlocsModel takes its seed as Mesa's rng keyword: "
                       r"use rng=3, not seed=$"):  # fmt: skip
        AIBlocsModel("open", seed=3)
    with pytest.raises(ValueError, match=r"^give the regime either as the first argument or as "
                       r"regime=, not both$"):  # fmt: skip
        AIBlocsModel("open", regime="open")
    assert AIBlocsModel(regime="open", n_adopters=50).regime.name == "open"
    child = np.random.SeedSequence(3).spawn(1)[0]
    assert AIBlocsModel(rng=child, n_adopters=50).seed is None
