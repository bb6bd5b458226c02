"""Measurement: the quarterly model reporters (names fixed so scripts can rely on them)."""

from __future__ import annotations

import mesa
import numpy as np

# Reporter name -> meaning (unit). Shares are fractions in [0, 1].
REPORTERS: dict[str, str] = {
    "quarter": "quarter label, e.g. 2025Q3",
    "adoption_us": "share of US units that have adopted AI",
    "adoption_cn": "share of Chinese units that have adopted AI",
    "adoption_gs": "share of Global South units that have adopted AI",
    "gs_share_us_stack": "share of adopted GS units on the US stack (0 before any adopt)",
    "gs_share_cn_stack": "share of adopted GS units on the Chinese stack (0 before any adopt)",
    "gs_locked_in_us": "share of adopted GS units locked into the US stack",
    "gs_locked_in_cn": "share of adopted GS units locked into the Chinese stack",
    "gs_switch_rate": "share of adopted GS units that switched stack this quarter",
    "gs_hhi": "Herfindahl index of GS stack shares (0 before any adopt, else 0.5-1)",
    "capability_us": "best US model capability (index: log10 effective compute)",
    "capability_cn": "best Chinese model capability (same index)",
    "cn_lag_months": "months since the US frontier reached China's current capability",
    "cn_domestic_chip_share": "domestic share of accelerator units delivered to China this quarter",
    "us_chip_revenue_cn": "US designers' revenue from China (USD bn per quarter)",
    "us_chip_revenue_cn_share": "China's share of US designers' chip revenue",
    "smuggled_chips": "US chips smuggled into China (chips per quarter)",
    "tariff_revenue": "US fee/tariff revenue on China sales (USD bn per quarter)",
    "cn_dc_utilisation": "utilisation of China's EDWC hub capacity (served / installed)",
    "cn_dc_cancellations": "hub data-centre projects cancelled this quarter (projects)",
    "gs_rent_share": "GS payments to stack providers / value created by GS adopters",
    "gs_dependence": "share of all GS units locked into a foreign stack",
    # extra columns
    "capability_gap": "capability_us - capability_cn (index points)",
    "cn_compute_served": "share of China's compute demand that was served",
    "cn_lab_scarcity": "mean compute shortfall of Chinese labs vs their aim",
    "cn_domestic_perf": "domestic chip performance (H100e per chip)",
    "cn_yield": "leading domestic designer's yield",
    "cn_ecosystem": "Chinese software-ecosystem maturity in [0, 1]",
    "us_legal_units_cn": "US chips sold legally to China (chips per quarter)",
    "us_prev_units_cn": "previous-generation US chips sold to China (chips per quarter)",
    "us_frontier_units_cn": "frontier US chips sold to China (chips per quarter)",
    "us_chip_revenue_total": "US designers' chip revenue, all destinations (USD bn per quarter)",
    "cn_hub_compute": "installed EDWC hub compute (H100e)",
    "cn_cloud_compute": "installed Chinese commercial cloud compute (H100e)",
    "us_cloud_compute": "installed US cloud compute (H100e)",
}


SHARES = tuple(
    c
    for c in REPORTERS
    if c.startswith(("adoption_", "gs_share", "gs_locked", "gs_switch"))
    or c in ("cn_domestic_chip_share", "us_chip_revenue_cn_share", "cn_dc_utilisation",
             "gs_rent_share", "gs_dependence", "cn_compute_served", "cn_yield", "cn_ecosystem")
)  # fmt: skip
"""Reporters that are fractions in [0, 1]."""


def make_datacollector() -> mesa.DataCollector:
    """A DataCollector whose model reporters read this quarter's metrics dict."""
    return mesa.DataCollector(model_reporters={k: _reader(k) for k in REPORTERS})


def _reader(key: str):
    return lambda m: m.m[key]


def _safe(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 0.0


def collect_metrics(
    model,
    res,
    counts: np.ndarray,
    flows,
    service: dict,
    hub_util: float,
    cap_us: float,
    cap_cn: float,
    lag: float,
) -> dict[str, float | str]:
    """Compute every reporter for this quarter from cohort counts and market results."""
    region = model.cohort_region
    by_region = {r: counts[region == r].sum(axis=0) for r in ("US", "CN", "GS")}  # (3 stacks, 2)
    adoption = {r: _safe(c[1:].sum(), c.sum()) for r, c in by_region.items()}
    model.adoption = adoption
    gs = by_region["GS"]
    gs_adopted = gs[1:].sum()
    s_us, s_cn = _safe(gs[1].sum(), gs_adopted), _safe(gs[2].sum(), gs_adopted)
    # GS switchers: look up the few switched units' cohorts (no per-unit string gather)
    switched = int(np.count_nonzero((region == "GS")[model.adopters.cohort[flows.switched]]))
    cn_units = {v: res.units.get("CN", {}).get(v, 0.0) + res.units.get("CN_state", {}).get(v, 0.0)
                for v in ("US", "CN")}  # fmt: skip
    delivered = cn_units["US"] + cn_units["CN"] + res.smuggled_units
    cum = model.cum
    cum["us_chip_revenue_cn"] += res.us_revenue_cn
    cum["tariff_revenue"] += res.tariff_revenue
    cum["smuggled_chips"] += res.smuggled_units
    cancelled = sum(h.cancelled for h in model.provinces)
    cum["cn_dc_cancellations"] += cancelled
    lead = max((d for d in model.designers if d.bloc == "CN"), key=lambda d: d.weight)
    cn_labs = [lab for lab in model.labs if lab.bloc == "CN"]
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
        "us_chip_revenue_cn": res.us_revenue_cn,
        "us_chip_revenue_cn_share": _safe(res.us_revenue_cn, res.us_revenue_total),
        "smuggled_chips": res.smuggled_units,
        "tariff_revenue": res.tariff_revenue,
        "cn_dc_utilisation": min(1.0, hub_util),
        "cn_dc_cancellations": cancelled,
        "gs_rent_share": min(1.0, _safe(service["gs_paid"], service["gs_value"])),
        "gs_dependence": _safe(gs[1:, 1].sum(), gs.sum()),
        "capability_gap": cap_us - cap_cn,
        "cn_compute_served": model.cn_served,
        "cn_lab_scarcity": float(np.mean([lab.scarcity for lab in cn_labs])),
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
    }
