"""What adopters are offered (stack utilities, affordability) and what AI use is worth to them.

Per cohort (country x sector) and stack (US, CN):

* **Value** of AI to an adopted person, USD a quarter: ``V = value_scale * (income /
  income_ref)^income_elasticity * exp(value_capability * (cap_s - cap_ref))`` [119].
* **Payment**: the service price it faces times the tokens it uses (:mod:`services`), and
  ``1 + rent_markup_locked`` times that for a unit locked into its stack (a lock-in rent).
* **Affordability** ``a`` (fed to the adoption hazard): ``infra * sector afford * L(afford_slope
  * (x - afford_shift))`` with ``x`` the best ``log(V / payment)`` over the stacks sold in the
  country and ``L`` the logistic function, times ``quality^scarcity_afford_exponent`` of that
  stack (unserved demand slows adoption) and, in China from ``ai_plus_start``, the AI+ push.
  Adoption thus responds to price, capability and income, not only infrastructure.
* **Utility** of each stack in the logit stack choice: capability, log quality-adjusted price,
  latency, hosting fit, alignment and market access.

After adoption, :func:`value_and_rents` gives the Global South's value created, payments (rents
to foreign stacks: both stacks are foreign to the GS) and net gain, in USD bn a quarter.
"""

from __future__ import annotations

import math

import numpy as np

from aiblocs.model import services
from aiblocs.model.capability import EXP_CLAMP, best
from aiblocs.model.mechanisms import on

UNAVAILABLE = -1e3  # utility standing for ln(0): a stack that cannot be sold in the country


def values(model) -> np.ndarray:
    """(C, 2) value of AI to an adopted person, USD a quarter, on the US and Chinese stacks."""
    p = model.p
    lead = np.array([best(model, b) - model.cap_ref for b in ("US", "CN")])
    cap_term = np.exp(np.minimum(EXP_CLAMP, p.value_capability * lead))
    return p.value_scale * model.income_term[:, None] * cap_term[None, :]


def payments(model) -> np.ndarray:
    """(C, 2) what an adopted person pays a quarter on each stack (contestable price)."""
    prices = services.cohort_prices(model, {b: m.price for b, m in model.markets.items()})
    return np.column_stack([prices[:, k] * services.tokens_per_person(model, b, prices[:, k])
                            for k, b in enumerate(("US", "CN"))])  # fmt: skip


def cohort_offers(model) -> tuple[np.ndarray, np.ndarray]:
    """Return (utility (C, 2), affordability ``a`` (C,)) for all cohorts."""
    p = model.p
    caps = {"US": best(model, "US"), "CN": best(model, "CN")}
    quality = np.array([model.markets[b].quality for b in ("US", "CN")])
    prices = services.cohort_prices(model, {b: m.price for b, m in model.markets.items()})
    log_surplus = np.log(values(model)) - np.log(np.maximum(payments(model), 1e-300))
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
        best_x, best_k = -np.inf, 0
        for k, bloc in enumerate(("US", "CN")):
            latency = p.latency_base + p.latency_remote * (1 - presence[bloc])  # 100 ms units
            fit = max(presence[bloc], openness[bloc] * ctry.infra)
            sign = 1.0 if bloc == "US" else -1.0
            u = (p.beta_capability * caps[bloc]
                 - p.beta_price * math.log(prices[j, k] / max(quality[k], 1e-9))
                 - p.beta_latency * latency - p.beta_sovereignty * must_host * (1 - fit)
                 + p.beta_alignment * sign * ctry.alignment)  # fmt: skip
            access = ctry.access_us if bloc == "US" else ctry.access_cn
            util[j, k] = u + (math.log(access) if access > 0 else UNAVAILABLE)
            if access > 0 and log_surplus[j, k] > best_x:
                best_x, best_k = log_surplus[j, k], k
        x = p.afford_slope * (best_x - p.afford_shift)
        a = ctry.infra * sector.afford / (1 + math.exp(-max(-700.0, min(x, 700.0))))
        a *= quality[best_k] ** on(p, "scarcity_throttle", p.scarcity_afford_exponent)
        if coh.region == "CN" and model.cn_gov.ai_plus:
            a *= 1 + on(p, "ai_plus", p.cn_ai_plus_push)
        afford[j] = min(1.0, a)
    return util, afford


def value_and_rents(model, counts: np.ndarray) -> dict[str, float]:
    """The GS's value created and payments to each stack (USD bn a quarter) after adoption.

    Args:
        model: the model (prices, values, tokens, persons per unit).
        counts: (C, 3 stacks, 2 locked) unit counts of this quarter.
    """
    p = model.p
    gs = model.cohort_region == "GS"
    persons = counts[:, 1:, :] * model.persons_per_unit[:, None, None]  # millions (C, 2, 2)
    markup = np.array([1.0, 1.0 + on(p, "lock_in_rents", p.rent_markup_locked)])
    pay = payments(model)[:, :, None] * markup[None, None, :]  # USD per person (C, 2, 2)
    value = values(model)[:, :, None]
    out = {}
    for k, bloc in enumerate(("us", "cn")):
        out[f"gs_value_{bloc}"] = float((persons[gs, k] * value[gs, k]).sum()) / 1e3
        out[f"gs_rents_{bloc}"] = float((persons[gs, k] * pay[gs, k]).sum()) / 1e3
    return out
