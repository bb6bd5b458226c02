"""One quarter of the whole model: schedule, budgets, installation and every reporter.

Each reporter is recomputed from quantities it is not computed from (the adopter arrays, the
designers' ledgers, the chip market's result), and stocks are checked against their flows.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from modelkit import DISTINCT, model_at, spied

from aiblocs import AIBlocsModel
from aiblocs.model import capacity, chips, investment, markets, services
from aiblocs.model.model import _largest_remainder


def test_clock_and_what_a_quarter_remembers():
    m = model_at("historical", "2024Q3", spend_horizon=3.0, **DISTINCT)
    assert m.years == pytest.approx(2.5)
    assert m.spend_years == pytest.approx(3.0 * (1 - math.exp(-2.5 / 3.0)))
    before = {b: mk.demand_at_cost for b, mk in m.markets.items()}
    last_cost = dict(m.unit_cost)
    with spied(m) as seen:
        m.step()
    res = seen["res"]
    for b in ("US", "CN"):  # log growth of demand at cost, read by next quarter's investment
        assert m.demand_growth[b] == pytest.approx(
            math.log(m.markets[b].demand_at_cost / before[b]), rel=1e-12)  # fmt: skip
    assert m.rental_price == m.markets["US"].cost  # next quarter's rent abroad: US serving cost
    for b in ("US", "CN"):  # USD per H100e the bloc's clouds paid for this quarter's chips
        h = sum(res.compute[b].values())
        assert h > 0 and m.unit_cost[b] == pytest.approx(sum(res.cost[b].values()) * 1e9 / h)
    assert m.carry == res.carry() and seen["carry"] != m.carry
    none = chips.ChipResult(compute={g: {"US": 0.0, "CN": 0.0} for g in chips.GROUPS},
                            cost={g: {"US": 0.0, "CN": 0.0} for g in chips.GROUPS})  # fmt: skip
    assert investment.unit_costs(none, last_cost) == last_cost  # nothing bought: last price
    short = model_at("historical", "2022Q3", end="2022Q4", pooling_start="2022Q1",
                     pooling_full="2022Q2")  # fmt: skip
    short.step()
    assert short.running is False and short.quarter == "2022Q4"
    short.step()  # past the end: nothing more happens
    assert short.running is False and short.quarter == "2022Q4"
    assert len(short.datacollector.get_model_vars_dataframe()) == 4


def test_installation_split_and_effective_training_compute():
    m = model_at("historical", "2023Q1", mixed_fleet_training=0.6, **DISTINCT)
    sites = [*m.us_clouds, *m.cn_clouds]
    before = {c.name: (dict(c.compute), c.book) for c in sites}
    res = chips.ChipResult(
        compute={"US": {"US": 100.0, "CN": 0.0}, "GS": {"US": 10.0, "CN": 5.0},
                 "CN": {"US": 20.0, "CN": 40.0}, "CN_state": {"US": 0.0, "CN": 0.0}},
        cost={"US": {"US": 0.4, "CN": 0.0}, "GS": {"US": 0.05, "CN": 0.02},
              "CN": {"US": 0.09, "CN": 0.1}, "CN_state": {"US": 0.0, "CN": 0.0}},
        smuggled_compute=3.0, smuggled_cost=0.015)  # fmt: skip
    for h in m.provinces:
        h.completing_budget = 0.0
    investment.install(m, res)
    delta = {c.name: ({v: c.compute[v] - before[c.name][0][v] for v in ("US", "CN")},
                      c.book - before[c.name][1]) for c in sites}  # fmt: skip
    for c in m.us_clouds:  # US and GS purchases of US chips (GS regions of US clouds)
        assert delta[c.name][0] == pytest.approx({"US": 110.0 * c.weight, "CN": 0.0})
        assert delta[c.name][1] == pytest.approx(0.45 * c.weight, rel=1e-12)
    for c in m.cn_clouds:  # Chinese purchases, grey chips, GS purchases of Chinese chips
        assert delta[c.name][0] == pytest.approx({"US": 23.0 * c.weight, "CN": 45.0 * c.weight})
        assert delta[c.name][1] == pytest.approx((0.09 + 0.015 + 0.1 + 0.02) * c.weight)
    p = m.p
    eco = sum(d.ecosystem * d.weight for d in m.designers if d.bloc == "CN")
    us_chips = sum(c.compute["US"] for c in m.cn_clouds)
    cn_chips = sum(c.compute["CN"] for c in m.cn_clouds)
    expect = p.training_share * (us_chips + eco * cn_chips) * (1 - p.mixed_fleet_cost * 0.6)
    us = p.training_share * sum(c.total_compute for c in m.us_clouds)
    assert m._training_compute() == pytest.approx({"US": us, "CN": expect}, rel=1e-12)
    for c in m.cn_clouds:
        c.compute["CN"] = 0.0
    assert m._training_compute()["CN"] == pytest.approx(p.training_share * us_chips, rel=1e-12)


def test_network_is_used_unless_well_mixed():
    a = run_frame(well_mixed=False)
    b = run_frame(well_mixed=True)
    assert not a["adoption_gs"].equals(b["adoption_gs"])


def run_frame(**kw):
    m = model_at("historical", "2026Q4", **kw)
    return m.datacollector.get_model_vars_dataframe()


def test_us_clouds_run_full_when_demand_outgrows_them():
    m = model_at("historical", "2024Q1", cloud_util0=1.0, us_base_demand=1.0,
                 capex_pressure_max=1.0, use_growth=2.0)  # fmt: skip
    us = m.markets["US"]
    assert all(c.utilisation == pytest.approx(1.0, rel=1e-12) for c in m.us_clouds)
    assert us.scarcity > 0 and us.price > us.price_cost
    assert m.m["us_dc_utilisation"] == pytest.approx(1.0, rel=1e-12)
    assert m.m["us_scarcity"] == us.scarcity


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
    counts0 = m.counts.copy()
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
    # GS value and payments: each adopted unit stands for its cohort's persons per unit
    value, pay = markets.values(m), markets.payments(m)  # per person; tested on their own
    persons = m.persons_per_unit[m.adopters.cohort]  # millions
    k = np.clip(stack.astype(int) - 1, 0, 1)
    v_unit = np.where(adopted, persons * value[m.adopters.cohort, k], 0.0)
    markup = np.where(lock, 1 + p.rent_markup_locked, 1.0)
    pay_unit = np.where(adopted, persons * pay[m.adopters.cohort, k] * markup, 0.0)
    for j, name in ((1, "us"), (2, "cn")):
        assert row[f"gs_rents_{name}"] == pytest.approx(pay_unit[stack == j].sum() / 1e3)
    assert row["gs_value_added"] == pytest.approx(v_unit.sum() / 1e3, rel=1e-9)
    assert row["gs_net_gain"] == pytest.approx((v_unit.sum() - pay_unit.sum()) / 1e3, rel=1e-9)
    assert row["gs_rent_share"] == pytest.approx(pay_unit.sum() / v_unit.sum(), rel=1e-9)
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
    assert (row["seized_chips"], row["cn_rented_compute"]) == (res.seized_units, res.rented_h100e)
    assert (row["smuggled_chips"] > 0) == (regime != "open")
    cn_groups = ("CN", "CN_state")
    assert row["cn_chip_budget"] == pytest.approx(
        sum(seen["budgets"][g] + seen["carry"][g] for g in cn_groups), rel=1e-12)  # fmt: skip
    columns = {"us_legal": "cn_spend_us_legal", "domestic": "cn_spend_domestic",
               "grey": "cn_spend_grey", "rental": "cn_spend_rental",
               "carry": "cn_budget_carried", "returned": "cn_budget_returned"}  # fmt: skip
    for use, col in columns.items():
        assert row[col] == pytest.approx(sum(res.ledger[g][use] for g in cn_groups), rel=1e-12)
    # what Chinese buyers paid for US chips: US revenue from China plus their share of the fee
    fee_borne = p.fee_passthrough * row["tariff_revenue"]
    assert row["cn_spend_us_legal"] == pytest.approx(row["us_chip_revenue_cn"] + fee_borne)
    assert row["cn_spend_domestic"] == pytest.approx(sum(d.revenue["CN"] for d in cn_d), rel=1e-9)
    dom = res.units["CN"]["CN"] + res.units["CN_state"]["CN"]
    assert dom == pytest.approx(sum(d.units_sold for d in cn_d) - res.units["GS"]["CN"])
    assert row["cn_domestic_chip_share"] == pytest.approx(
        dom / (dom + sum(tiers.values()) + res.smuggled_units))  # fmt: skip
    assert m.cn_units_in_use == pytest.approx(dom)
    for d in cn_d:  # the ecosystem learns from the million domestic chips China bought
        eco = eco0[d.name] + p.ecosystem_learning * dom / 1e6 * (1 - eco0[d.name])
        assert d.ecosystem == pytest.approx(min(eco, p.ecosystem_max), rel=1e-12)
    # the service markets read last quarter's adopters (stage 8 updates them afterwards)
    us_m, cn_m = m.markets["US"], m.markets["CN"]
    assert (m.counts != counts0).any()
    us_cap = sum(c.total_compute for c in m.us_clouds) * (1 - p.training_share)
    for c in m.us_clouds:
        assert c.utilisation == pytest.approx(min(1.0, us_m.demand / us_cap), rel=1e-12)
    assert row["us_dc_utilisation"] == m.us_clouds[0].utilisation
    for name, mk in (("us", us_m), ("cn", cn_m)):
        assert (row[f"{name}_price"], row[f"{name}_scarcity"]) == (mk.price, mk.scarcity)
        assert mk.price >= mk.price_cost
    assert row["cn_compute_served"] == cn_m.quality == pytest.approx(1 - cn_m.unserved)
    cn_served = sum(s.served for s in [*m.cn_clouds, *m.provinces])
    abroad = min(res.rented_h100e, (1 - p.latency_sensitive) * cn_m.demand)
    assert cn_m.served == pytest.approx(cn_served + abroad, rel=1e-9)
    lead = max(cn_d, key=lambda d: d.weight)
    assert (row["cn_domestic_perf"], row["cn_yield"], row["cn_ecosystem"]) == (
        lead.perf["domestic"], lead.yield_, lead.ecosystem)  # fmt: skip
    # compute stocks: last quarter's stock, depreciated, plus what was installed
    keep = 1 - p.depreciation
    state = res.compute["CN_state"]
    arrived = {"US": res.smuggled_compute, "CN": res.compute["GS"]["CN"]}  # also on CN clouds
    for v in ("US", "CN"):
        hubs = sum(prev_hub[h.name][v] for h in m.provinces) * keep + state[v]
        assert sum(h.compute[v] for h in m.provinces) == pytest.approx(hubs, rel=1e-12)
        clouds = sum(prev_cloud[c.name][v] for c in m.cn_clouds) * keep + res.compute["CN"][v]
        clouds += arrived[v]
        assert sum(c.compute[v] for c in m.cn_clouds) == pytest.approx(clouds, rel=1e-12)
    cn_compute = {v: sum(s.compute[v] for s in [*m.cn_clouds, *m.provinces]) for v in ("US", "CN")}
    assert row["cn_domestic_compute_share"] == pytest.approx(
        cn_compute["CN"] / (cn_compute["US"] + cn_compute["CN"]), rel=1e-12)  # fmt: skip

    def effective(site):  # mixed Nvidia/Ascend fleets lose mixed_fleet_cost at 50/50
        us, cn = site.compute["US"], site.compute["CN"]
        return (us + cn) * (1 - p.mixed_fleet_cost * 4 * us * cn / (us + cn) ** 2)

    assert any(h.compute["CN"] > 0 for h in m.provinces)
    assert row["cn_hub_compute"] == pytest.approx(sum(effective(h) for h in m.provinces))
    assert row["cn_cloud_compute"] == pytest.approx(sum(c.total_compute for c in m.cn_clouds))
    assert row["us_cloud_compute"] == pytest.approx(sum(c.total_compute for c in m.us_clouds))
    served = sum(h.served for h in m.provinces)
    assert row["cn_dc_utilisation"] == pytest.approx(
        min(1.0, served / sum(h.total_compute for h in m.provinces)))  # fmt: skip
    assert served == pytest.approx(capacity.hub_utilisation(m) * row["cn_hub_compute"])
    assert row["cn_dc_cancellations"] == sum(h.cancelled for h in m.provinces)
    cn_labs = [lab for lab in m.labs if lab.bloc == "CN"]
    for lab in m.labs:  # each lab feels its own bloc's scarcity (induced efficiency)
        assert lab.scarcity == m.markets[lab.bloc].scarcity
    cap_us = max(lab.capability for lab in m.labs if lab.bloc == "US")
    cap_cn = max(lab.capability for lab in cn_labs)
    assert (row["capability_us"], row["capability_cn"]) == (cap_us, cap_cn)
    assert row["capability_gap"] == pytest.approx(cap_us - cap_cn)
    assert row["cn_lag_months"] == pytest.approx(m.frontier.lag_months(m.q, cap_cn))
    assert row["quarter"] == m.quarter != quarter


def test_safe_ratio():
    from aiblocs.model.metrics import _safe

    assert _safe(1.0, 0.5) == 2.0 and _safe(3.0, 0.0) == 0.0 and _safe(0.0, 0.0) == 0.0


def test_state_at_initialisation():
    """Before the first step (ODD §5 and the timing conventions of §3)."""
    from aiblocs import AIBlocsModel
    from aiblocs.model.model import seed_sequence

    m = AIBlocsModel(rng=7, n_adopters=300, gs_q_mult=1.5, us_frontier_perf0=1.3)
    assert m.regime.name == "historical" and m.seed == 7 and m.n_steps == 56
    # units by cohort, stack (none, US, CN) and lock-in (contestable, locked): none adopted
    assert m.counts.shape == (len(m.cohorts), 3, 2) and m.counts.dtype == np.int64
    assert not m.counts.any()
    assert m.markets["CN"].capacity == services._capacity(m, "CN")  # nothing rented yet
    assert m.seed_sequence.entropy == 7
    assert m.adoption == {"US": 0.0, "CN": 0.0, "GS": 0.0} and m.years == 0.0
    assert m.cn_units_in_use == 0.0 and m.carry == dict.fromkeys(chips.GROUPS, 0.0)
    for mk in m.markets.values():  # no adopters yet: only the base demand, nothing scarce
        assert (mk.scarcity, mk.unserved) == (0.0, 0.0)
        assert mk.price == pytest.approx(mk.price_cost, rel=1e-12)
    assert m.demand_growth == {"US": 0.0, "CN": 0.0}
    p = m.p
    list_price = p.chip_price_us / p.us_frontier_perf0
    assert m.unit_cost == {"US": list_price, "CN": list_price}
    assert m.rental_price == m.markets["US"].cost
    sites = [*m.cn_clouds, *m.provinces]
    cap = sum(capacity.serving_capacity(s, p) for s in sites)
    assert m.cn_demand_prev == m.markets["CN"].demand_at_cost
    assert m.cn_demand_prev == pytest.approx(p.cn_base_demand * p.cn_demand_util0 * cap, rel=1e-12)
    assert m.cn_gov.approval_strictness == 0.0
    assert all(h.low_quarters == 0 and h.pipeline == {} for h in m.provinces)
    assert [h.east for h in m.provinces] == [h.east for h in m.world.hubs]
    assert all(d.cum_output == 0.0 and d.units_sold == 0.0 for d in m.designers)
    train = m._training_compute()
    us_train = p.training_share * sum(c.total_compute for c in m.us_clouds)
    assert train["US"] == pytest.approx(us_train, rel=1e-12)
    cn_train = train["CN"]
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


def test_adopters_review_and_some_switch_at_the_defaults():
    """Adopters review their stack at ``review_rate`` a quarter and some switch (large adopters
    held out, whose blocks move by their own rule): switchers are a subset of the reviewers."""
    m = AIBlocsModel("historical", rng=0, n_adopters=2000, mech_large_adopters=False)
    m.run_model()
    rate = m.datacollector.get_model_vars_dataframe()["gs_switch_rate"]
    assert (rate > 0).sum() >= 10  # individual units switch in many quarters
    assert rate.mean() < m.p.review_rate


def test_each_quarter_draws_its_own_licence_decisions(monkeypatch):
    """The licence draws of a quarter come from the ``licences`` stream keyed by that quarter:
    a fresh batch each quarter, the same batch for the same quarter in any run."""
    m = model_at("managed_access", "2025Q4", **DISTINCT)
    seen, real = [], chips.clear

    def spy(model, budgets, carry, rng):
        seen.append((model.q, copy.deepcopy(rng).random(4).tolist()))
        return real(model, budgets, carry, rng)

    monkeypatch.setattr(chips, "clear", spy)
    for _ in range(3):
        m.step()
    assert len({tuple(u) for _, u in seen}) == 3
    for q, u in seen:
        assert m.stream("licences", q).random(4).tolist() == u


def test_a_bloc_that_buys_nothing_keeps_its_last_unit_cost(monkeypatch):
    m = model_at("historical", "2024Q1", **DISTINCT)
    last = dict(m.unit_cost)
    real = investment.chip_budgets
    monkeypatch.setattr(investment, "chip_budgets", lambda model: real(model) | {"US": 0.0})
    m.carry = {**m.carry, "US": 0.0}
    m.step()
    assert sum(m.chip_result.compute["US"].values()) == 0
    assert m.unit_cost["US"] == last["US"] and m.unit_cost["CN"] != last["CN"]


def test_each_unit_stands_for_its_cohorts_persons_even_a_cohort_of_one():
    m = AIBlocsModel("historical", rng=0, n_adopters=150)
    sizes = np.array([c.size for c in m.cohorts])
    assert (sizes == 1).any() and (sizes > 1).any()
    some = sizes > 0
    np.testing.assert_allclose(m.persons_per_unit[some] * sizes[some], m.cohort_persons[some],
                               rtol=1e-12)  # fmt: skip
    assert (m.persons_per_unit[~some] == 0).all()


def test_an_unknown_random_stream_is_refused_by_name():
    m = model_at("historical", "2022Q2")
    with pytest.raises(KeyError, match=r"unknown random stream 'lottery'; known: .*licences"):
        m.stream("lottery", 3)
