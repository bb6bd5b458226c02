"""Measurement: this quarter's value of every series of the outcome registry (reads only)."""

from __future__ import annotations

import mesa
import numpy as np

from aiblocs.model.outcomes import SERIES

COUNTRY_SERIES = ("adoption", "share_us", "share_cn", "locked_us", "locked_cn", "switch_rate",
                  "deal_us", "deal_cn")  # fmt: skip
"""Per-country reporters of each GS government (shares of units, or of adopted units; ``deal_*``
1 while that stack holds the country's national deal, else 0)."""


def make_datacollector() -> mesa.DataCollector:
    """A DataCollector: one model reporter per series; per-country reporters of GS governments."""
    from aiblocs.model.agents.governments import GSGovernment

    return mesa.DataCollector(
        model_reporters={k: _reader(k) for k in SERIES},
        agenttype_reporters={GSGovernment: {"country": "name", **{k: k for k in COUNTRY_SERIES}}},
    )


def measure_countries(model, counts: np.ndarray, switched_cohorts: np.ndarray) -> None:
    """Set each GS government's adoption, stack shares, lock-in, switching and deal holder.

    Args:
        model: the model (reads cohorts and GS governments).
        counts: (cohort, stack, locked) unit counts.
        switched_cohorts: cohort index of each unit that switched stack this quarter.
    """
    country = model.cohort_country
    switched = np.bincount(switched_cohorts, minlength=len(model.cohorts))
    for name, g in model.gs_govs.items():
        rows = country == name
        c = counts[rows].sum(axis=0)
        adopted = c[1:].sum()
        g.adoption = _safe(adopted, c.sum())
        g.share_us, g.share_cn = _safe(c[1].sum(), adopted), _safe(c[2].sum(), adopted)
        g.locked_us, g.locked_cn = _safe(c[1, 1], adopted), _safe(c[2, 1], adopted)
        g.switch_rate = _safe(switched[rows].sum(), adopted)
        holder = g.deal.bloc if g.deal is not None else None
        g.deal_us, g.deal_cn = float(holder == "US"), float(holder == "CN")


def _reader(key: str):
    return lambda m: m.m[key]


def _safe(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 0.0


def regional_adoption(cohort_region: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Share of units that have adopted, by region, from (cohort, stack, locked) counts."""
    by_region = {r: counts[cohort_region == r].sum(axis=0) for r in ("US", "CN", "GS")}
    return {r: _safe(c[1:].sum(), c.sum()) for r, c in by_region.items()}


def collect_metrics(
    model,
    res,
    counts: np.ndarray,
    switched_cohorts: np.ndarray,
    rents: dict[str, float],
    hub_util: float,
    cap_us: float,
    cap_cn: float,
    lag: float,
) -> dict[str, float | str]:
    """Every reporter for this quarter, from cohort counts and market results (reads only)."""
    region = model.cohort_region
    adoption = model.adoption
    gs = counts[region == "GS"].sum(axis=0)  # (3 stacks, 2 locked)
    gs_adopted = gs[1:].sum()
    s_us, s_cn = _safe(gs[1].sum(), gs_adopted), _safe(gs[2].sum(), gs_adopted)
    # GS switchers: look up the few switched units' cohorts (no per-unit string gather)
    switched = int(np.count_nonzero((region == "GS")[switched_cohorts]))
    cn_units = {v: res.units["CN"][v] + res.units["CN_state"][v] for v in ("US", "CN")}
    delivered = cn_units["US"] + cn_units["CN"] + res.smuggled_units
    cn_sites = [*model.cn_clouds, *model.provinces]
    cn_compute = {v: sum(s.compute[v] for s in cn_sites) for v in ("US", "CN")}
    cancelled = sum(h.cancelled for h in model.provinces)
    lead = max((d for d in model.designers if d.bloc == "CN"), key=lambda d: d.weight)
    us_m, cn_m = model.markets["US"], model.markets["CN"]
    ledger = {k: res.ledger["CN"][k] + res.ledger["CN_state"][k] for k in res.ledger["CN"]}
    value = rents["gs_value_us"] + rents["gs_value_cn"]
    paid = rents["gs_rents_us"] + rents["gs_rents_cn"]
    return {
        "quarter": model.quarter,
        "adoption_us": adoption["US"],
        "adoption_cn": adoption["CN"],
        "adoption_gs": adoption["GS"],
        "gs_share_us_stack": s_us,
        "gs_share_cn_stack": s_cn,
        "gs_locked_in_us": _safe(gs[1, 1], gs_adopted),
        "gs_locked_in_cn": _safe(gs[2, 1], gs_adopted),
        "gs_switch_rate": _safe(switched, gs_adopted),
        "gs_hhi": s_us**2 + s_cn**2,
        "capability_us": cap_us,
        "capability_cn": cap_cn,
        "cn_lag_months": lag,
        "cn_domestic_chip_share": _safe(cn_units["CN"], delivered),
        "cn_domestic_compute_share": _safe(cn_compute["CN"], cn_compute["US"] + cn_compute["CN"]),
        "us_chip_revenue_cn": res.us_revenue_cn,
        "us_chip_revenue_cn_share": _safe(res.us_revenue_cn, res.us_revenue_total),
        "smuggled_chips": res.smuggled_units,
        "seized_chips": res.seized_units,
        "cn_rented_compute": res.rented_h100e,
        "tariff_revenue": res.tariff_revenue,
        "cn_dc_utilisation": min(1.0, hub_util),
        "cn_dc_cancellations": cancelled,
        "gs_rent_share": _safe(paid, value),
        "gs_value_added": value,
        "gs_rents_us": rents["gs_rents_us"],
        "gs_rents_cn": rents["gs_rents_cn"],
        "gs_net_gain": value - paid,
        "gs_dependence": _safe(gs[1:, 1].sum(), gs.sum()),
        "capability_gap": cap_us - cap_cn,
        "cn_compute_served": cn_m.quality,
        "us_scarcity": us_m.scarcity,
        "cn_scarcity": cn_m.scarcity,
        "us_price": us_m.price,
        "cn_price": cn_m.price,
        "us_dc_utilisation": model.us_clouds[0].utilisation,
        "cn_domestic_perf": lead.perf["domestic"],
        "cn_yield": lead.yield_,
        "cn_ecosystem": lead.ecosystem,
        "us_legal_units_cn": cn_units["US"],
        "us_prev_units_cn": res.us_units_by_tier_cn.get("prev", 0.0),
        "us_frontier_units_cn": res.us_units_by_tier_cn.get("frontier", 0.0),
        "us_chip_revenue_total": res.us_revenue_total,
        "cn_hub_compute": sum(h.total_compute for h in model.provinces),
        "cn_cloud_compute": sum(c.total_compute for c in model.cn_clouds),
        "us_cloud_compute": sum(c.total_compute for c in model.us_clouds),
        "cn_chip_budget": res.available["CN"] + res.available["CN_state"],
        "cn_spend_us_legal": ledger["us_legal"],
        "cn_spend_domestic": ledger["domestic"],
        "cn_spend_grey": ledger["grey"],
        "cn_spend_rental": ledger["rental"],
        "cn_budget_carried": ledger["carry"],
        "cn_budget_returned": ledger["returned"],
    }
