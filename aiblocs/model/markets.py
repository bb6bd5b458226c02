"""Stack offers to adopter cohorts, and the clearing of the model/cloud market (payments, rents).

Per cohort (country x sector) and stack (US, CN) this module computes the logit utility and the
affordability ``a`` fed to the vectorised adoption pass, then, after adoption, the value adopters
create and what they pay (rents), from cohort-level counts (one ``bincount`` over all units).
"""

from __future__ import annotations

import math

import numpy as np

from aiblocs.model.capability import best
from aiblocs.model.mechanisms import on

UNAVAILABLE = -1e3  # utility standing for ln(0): a stack that cannot be sold in the country
EXP_CLAMP = 50.0  # numerical guard: exp() of a capability lead is capped (x/(1+x) saturates)


def stack_prices(model) -> dict[str, float]:
    """Price of a unit of AI service (USD per million tokens) on each stack, before subsidies."""
    p = model.p
    us = p.us_price0 * math.exp(-p.price_decline * model.years)
    cn = (
        us
        * p.cn_price_ratio
        * (1 + on(p, "scarcity_pricing", p.scarcity_markup) * model.cn_scarcity)
    )
    return {"US": us, "CN": cn}


def cohort_offers(model) -> tuple[np.ndarray, np.ndarray]:
    """Return (utility (C, 2), affordability ``a`` (C,)) for all cohorts."""
    p = model.p
    caps = {"US": best(model, "US"), "CN": best(model, "CN")}
    prices = stack_prices(model)
    support = model.us_gov.stack_support
    openness = {"US": p.openness_us, "CN": p.openness_cn}  # self-hostable open weights
    n = len(model.cohorts)
    util = np.zeros((n, 2))
    afford = np.zeros(n)
    for j, coh in enumerate(model.cohorts):
        ctry = model.countries[coh.country]
        sector = model.world.sectors[coh.sector_index]
        gs = coh.region == "GS"
        presence = model.gs_govs[coh.country].presence if gs else {
            "US": ctry.us_presence, "CN": ctry.cn_presence}  # fmt: skip
        must_host = ctry.sovereignty or sector.must_host
        best_value = 0.0
        for k, bloc in enumerate(("US", "CN")):
            price = prices[bloc] * (
                1 - p.export_stack_subsidy * support if gs and bloc == "US" else 1
            )
            latency = p.latency_base + p.latency_remote * (1 - presence[bloc])  # 100 ms units
            fit = max(presence[bloc], openness[bloc] * ctry.infra)
            sign = 1.0 if bloc == "US" else -1.0
            u = (p.beta_capability * caps[bloc] - p.beta_price * math.log(price)
                 - p.beta_latency * latency - p.beta_sovereignty * must_host * (1 - fit)
                 + p.beta_alignment * sign * ctry.alignment)  # fmt: skip
            access = ctry.access_us if bloc == "US" else ctry.access_cn
            util[j, k] = u + (math.log(access) if access > 0 else UNAVAILABLE)
            if access > 0:
                value = (
                    math.exp(min(EXP_CLAMP, caps[bloc] - model.cap_ref))
                    * (p.us_price0 / price) ** p.afford_price_elasticity
                )
                best_value = max(best_value, value)
        x = p.wtp_scale * (ctry.income / p.income_ref) ** p.income_elasticity * best_value
        a = ctry.infra * sector.afford * x / (1 + x)
        if coh.region == "CN":
            a *= model.cn_served ** on(p, "scarcity_throttle", p.scarcity_afford_exponent)
            if model.cn_gov.ai_plus:
                a *= 1 + on(p, "ai_plus", p.cn_ai_plus_push)
        afford[j] = min(1.0, a)
    return util, afford


def clear_service_market(model, counts: np.ndarray) -> dict[str, float]:
    """Payments, value created and stack revenue from cohort, stack and lock-in counts.

    A contestable adopted unit pays providers ``rent_base`` of the value it creates; a locked-in
    unit pays ``rent_base * (1 + rent_markup_locked)`` (capped at the value). Value per unit is
    normalised to 1 per quarter; stack revenue is payments times the stack's price index.

    Args:
        model: the model (reads stack prices, parameters, cohorts).
        counts: (C, 3 stacks, 2 locked) unit counts.
    """
    p = model.p
    prices = stack_prices(model)
    rent = np.minimum(1.0, p.rent_base * (1 + p.rent_markup_locked * np.array([0.0, 1.0])))
    n = counts[:, 1:, :]  # adopted units: (C, 2 stacks, 2 locked)
    gs = np.array([c.region == "GS" for c in model.cohorts])
    paid = n * rent[None, None, :]
    return {
        "gs_paid": float(paid[gs].sum()),
        "gs_value": float(n[gs].sum()),
        "revenue_us": float(paid[:, 0].sum()) * prices["US"],
        "revenue_cn": float(paid[:, 1].sum()) * prices["CN"],
    }
