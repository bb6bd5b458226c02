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
from dataclasses import dataclass

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


def terms(model) -> tuple[np.ndarray, np.ndarray]:
    """This quarter's (:func:`values`, :func:`payments`), shared by offers and rents."""
    return values(model), payments(model)


def cohort_offers(model, value_pay: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (utility (C, 2), affordability ``a`` (C,)) for all cohorts (vectorised).

    ``value_pay``: this quarter's :func:`terms` if already computed.
    """
    p, fx = model.p, _cohort_fixtures(model)
    value, pay = value_pay or terms(model)
    caps = np.array([best(model, "US"), best(model, "CN")])
    quality = np.array([model.markets[b].quality for b in ("US", "CN")])
    prices = services.cohort_prices(model, {b: m.price for b, m in model.markets.items()})
    log_surplus = np.log(value) - np.log(np.maximum(pay, 1e-300))
    presence = fx.presence.copy()  # GS cohorts: their government's current presence
    for j, country in fx.gs_cohorts:
        now = model.gs_govs[country].presence
        presence[j] = now["US"], now["CN"]
    latency = p.latency_base + p.latency_remote * (1 - presence)  # 100 ms units
    fit = np.maximum(presence, fx.openness(p) * fx.infra[:, None])
    u = (p.beta_capability * caps[None, :]
         - p.beta_price * _math(math.log, prices / np.maximum(quality, 1e-9)[None, :])
         - p.beta_latency * latency - p.beta_sovereignty * fx.must_host[:, None] * (1 - fit)
         + p.beta_alignment * np.array([1.0, -1.0])[None, :] * fx.alignment[:, None])  # fmt: skip
    util = u + fx.log_access
    sold = np.where(fx.access > 0, log_surplus, -np.inf)
    best_k = np.argmax(sold, axis=1)  # the stack with the best surplus (first on a tie)
    x = p.afford_slope * (sold[np.arange(len(best_k)), best_k] - p.afford_shift)
    logistic = 1 + _math(math.exp, -np.maximum(x, -700.0))  # e^700: no overflow, a ~ 1e-304
    a = fx.infra * fx.sector_afford / logistic
    a *= _math(lambda q: q ** on(p, "scarcity_throttle", p.scarcity_afford_exponent),
               quality[best_k])  # fmt: skip
    if model.cn_gov.ai_plus:
        a = np.where(fx.in_cn, a * (1 + on(p, "ai_plus", p.cn_ai_plus_push)), a)
    return util, np.minimum(1.0, a)


def _math(f, x: np.ndarray) -> np.ndarray:
    """``f`` (a ``math`` function) elementwise: the same bits as the scalar code, on any CPU."""
    return np.array([f(v) for v in x.ravel().tolist()]).reshape(x.shape)


@dataclass(frozen=True)
class CohortFixtures:
    """What :func:`cohort_offers` reads from the world per cohort and that never changes."""

    infra: np.ndarray  # (C,) country infrastructure
    sector_afford: np.ndarray  # (C,) sector usefulness
    must_host: np.ndarray  # (C,) 1 where data must be hosted locally
    alignment: np.ndarray  # (C,) alignment with the US (+) or China (-)
    access: np.ndarray  # (C, 2) market access of the US and Chinese stacks
    log_access: np.ndarray  # (C, 2) ln(access), UNAVAILABLE where a stack cannot be sold
    presence: np.ndarray  # (C, 2) base cloud presence (non-GS cohorts keep it)
    gs_cohorts: tuple[tuple[int, str], ...]  # (cohort, country) whose government sets presence
    in_cn: np.ndarray  # (C,) bool: Chinese cohorts (the AI+ push)

    def openness(self, p) -> np.ndarray:
        """(2,) self-hostable open weights of the US and Chinese stacks."""
        return np.array([p.openness_us, p.openness_cn])


def _cohort_fixtures(model) -> CohortFixtures:
    cached = getattr(model, "_cohort_fixtures", None)
    if cached is not None:
        return cached
    rows = []
    for coh in model.cohorts:
        ctry = model.countries[coh.country]
        sector = model.world.sectors[coh.sector_index]
        rows.append((ctry.infra, sector.afford, float(ctry.sovereignty or sector.must_host),
                     ctry.alignment, ctry.access_us, ctry.access_cn, ctry.us_presence,
                     ctry.cn_presence))  # fmt: skip
    t = np.array(rows, float).reshape(-1, 8)
    access = t[:, 4:6]
    log_access = np.full_like(access, UNAVAILABLE)
    log_access[access > 0] = _math(math.log, access[access > 0])
    fx = CohortFixtures(
        infra=t[:, 0], sector_afford=t[:, 1], must_host=t[:, 2], alignment=t[:, 3],
        access=access, log_access=log_access, presence=t[:, 6:8],
        gs_cohorts=tuple((c.index, c.country) for c in model.cohorts if c.region == "GS"),
        in_cn=np.array([c.region == "CN" for c in model.cohorts]),
    )  # fmt: skip
    model._cohort_fixtures = fx
    return fx


def value_and_rents(model, counts: np.ndarray, value_pay: tuple | None = None) -> dict[str, float]:
    """The GS's value created and payments to each stack (USD bn a quarter) after adoption.

    Args:
        model: the model (prices, values, tokens, persons per unit).
        counts: (C, 3 stacks, 2 locked) unit counts of this quarter.
        value_pay: this quarter's :func:`terms` if already computed.
    """
    p = model.p
    gs = model.cohort_region == "GS"
    persons = counts[:, 1:, :] * model.persons_per_unit[:, None, None]  # millions (C, 2, 2)
    markup = np.array([1.0, 1.0 + on(p, "lock_in_rents", p.rent_markup_locked)])
    value, pay = value_pay or terms(model)
    pay = pay[:, :, None] * markup[None, None, :]  # USD per person (C, 2, 2)
    value = value[:, :, None]
    out = {}
    for k, bloc in enumerate(("us", "cn")):
        out[f"gs_value_{bloc}"] = float((persons[gs, k] * value[gs, k]).sum()) / 1e3
        out[f"gs_rents_{bloc}"] = float((persons[gs, k] * pay[gs, k]).sum()) / 1e3
    return out
