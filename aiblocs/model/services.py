"""The AI service market of each stack: prices from costs, token demand from use, clearing.

* **Serving cost** (USD per H100e-quarter): the stack's fleet book value per H100e times
  ``depreciation + capital_cost``, plus ``opex_h100e``. An H100e-quarter serves
  ``theta_s = theta0 * exp(serving_efficiency * e_s)`` million tokens, ``e_s`` the log
  algorithmic efficiency of the stack's best model; ``theta0`` makes the US price of the start
  quarter equal ``us_price0`` [106, 109].
* **Price from costs**: ``P_cost = (1 + markup_s) * cost_s / theta_s`` (USD per M tokens).
* **Demand from use**: an adopted person of cohort c on stack s wants
  ``T = T0_s * w_c * g_st * (P_cs / us_price0)^-demand_elasticity`` M tokens a quarter, with
  ``w_c = infra * (income / income_ref)^income_elasticity``, ``g_st = exp(use_growth *
  spend_years + use_capability * (cap_s - cap_ref))`` (:func:`use_intensity`) and ``P_cs`` the
  price it faces (the US price less the export-stack subsidy in the GS). Each adopted unit
  stands for ``population / units`` people of its cohort. Demand not from adopters is
  ``B_s * g_st * (P_s / P_s0)^-demand_elasticity``. Compute demand = tokens / ``theta_s``.
  ``T0_s`` and ``B_s`` are set once: at the reference adoption (``demand_ref_adoption``) and
  start prices the stack's home market would use ``util0`` of its start serving capacity, a
  share ``base`` of it not from adopters.
* **Clearing**: if demand at ``P_cost`` exceeds what capacity can serve ``S``, the price rises
  to ``P_cost * (D / S)^(price_clearing / demand_elasticity)``, which chokes demand back to
  ``S``; with ``price_clearing < 1`` the rest is rationed. *Scarcity* (what labs feel) is the
  unserved share at cost price; the *unserved* share left after pricing lowers service quality.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aiblocs.model import capacity
from aiblocs.model.capability import EXP_CLAMP, best
from aiblocs.model.mechanisms import on

BLOCS = ("US", "CN")
SHORT_TOL = 1e-12  # shares of demand below this are rounding, not shortage
LOG_CLAMP = 200.0  # bound on the log of a price or demand ratio (numerical guard)


@dataclass
class Market:
    """One stack's service market this quarter (prices USD per M tokens, compute in H100e)."""

    bloc: str
    cost: float  # USD per H100e-quarter
    throughput: float  # M tokens per H100e-quarter
    price_cost: float
    price: float = 0.0
    demand_at_cost: float = 0.0
    demand: float = 0.0
    served: float = 0.0
    capacity: float = 0.0
    scarcity: float = 0.0  # unserved share at cost price
    unserved: float = 0.0  # unserved share after pricing

    @property
    def quality(self) -> float:
        """Share of demand served at the market price (1 = full service)."""
        return 1.0 - self.unserved


def power(x, a):
    """``x ** a`` for positive ``x`` with the log of the result held within +-LOG_CLAMP.

    A numerical guard only: at the model's parameter extremes prices fall by ``e^80`` and demand
    at such prices would overflow; in the calibrated range the bound never binds.
    """
    return np.exp(np.clip(a * np.log(x), -LOG_CLAMP, LOG_CLAMP))


def fleet_cost(sites, p) -> float:
    """Serving cost of a fleet, USD per H100e-quarter: capital cost of its book value + opex."""
    h = sum(s.raw_compute for s in sites)
    book = sum(s.book for s in sites) * 1e9
    per_h = book / h if h > 0 else p.chip_price_us / p.us_frontier_perf0
    return per_h * (p.depreciation + p.capital_cost) + p.opex_h100e


def sites(model, bloc: str) -> list:
    """The sites that serve a stack: US clouds; Chinese clouds and the EDWC hubs."""
    return list(model.us_clouds) if bloc == "US" else [*model.cn_clouds, *model.provinces]


def efficiency(model, bloc: str) -> float:
    """Log algorithmic efficiency of the stack's best model (serving efficiency)."""
    return max(lab.log_eff for lab in model.labs if lab.bloc == bloc)


def cost_price(model, bloc: str) -> Market:
    """Serving cost, throughput and cost-based price of a stack."""
    p = model.p
    cost = fleet_cost(sites(model, bloc), p)
    theta = model.theta0 * math.exp(p.serving_efficiency * efficiency(model, bloc))
    markup = p.markup_us if bloc == "US" else p.markup_cn
    return Market(bloc, cost, theta, (1 + markup) * cost / theta)


def cohort_prices(model, prices: dict[str, float]) -> np.ndarray:
    """(C, 2) price each cohort pays on the US and Chinese stacks (GS subsidy applied)."""
    p = model.p
    sub = p.export_stack_subsidy * model.us_gov.stack_support
    us = np.where(model.cohort_region == "GS", prices["US"] * (1 - sub), prices["US"])
    return np.column_stack([us, np.full(len(us), prices["CN"])])


def tokens_per_person(model, bloc: str, price: np.ndarray) -> np.ndarray:
    """M tokens a quarter an adopted person of each cohort wants at ``price`` (C,)."""
    p = model.p
    return model.tokens0[bloc] * model.use_weight * use_intensity(model, bloc) * (
        power(price / p.us_price0, -p.demand_elasticity))  # fmt: skip


def use_intensity(model, bloc: str) -> float:
    """Growth of use at a constant price (new uses over time, more uses for a better stack).

    ``exp(use_growth * spend_years + use_capability * (cap_s - cap_ref))`` [87, 119]; the
    exponent is held within +-EXP_CLAMP (a numerical guard: the calibration divides by the start
    intensity, e^-651 for a stack 130 points behind at the box's corner).
    """
    p = model.p
    x = p.use_growth * model.spend_years + p.use_capability * (best(model, bloc) - model.cap_ref)
    return math.exp(max(-EXP_CLAMP, min(EXP_CLAMP, x)))


def adopter_tokens(model, bloc: str, price: float, counts: np.ndarray) -> float:
    """M tokens a quarter that adopters on ``bloc`` want at stack price ``price``."""
    k = BLOCS.index(bloc)
    persons = counts[:, k + 1, :].sum(axis=1) * model.persons_per_unit  # millions
    cp = cohort_prices(model, {"US": price, "CN": price})[:, k]
    return float((persons * 1e6 * tokens_per_person(model, bloc, cp)).sum())


def compute_demand(model, bloc: str, price: float, counts: np.ndarray, theta: float) -> float:
    """H100e-quarters demanded on ``bloc`` at price ``price`` (adopters and the base)."""
    p = model.p
    growth = use_intensity(model, bloc)
    base = model.base_tokens[bloc] * growth * power(price / model.price0[bloc],
        -p.demand_elasticity)  # fmt: skip
    return (adopter_tokens(model, bloc, price, counts) + base) / theta


def clear(model, counts: np.ndarray, rented: float) -> dict[str, Market]:
    """Clear both stacks' service markets; set site utilisation; return the markets.

    Args:
        model: the model (fleets, labs, adopters of the previous quarter, parameters).
        counts: (C, 3, 2) adopted units by cohort, stack and lock-in (previous quarter).
        rented: H100e-quarters Chinese buyers rented abroad this quarter.
    """
    p = model.p
    out = {}
    for bloc in BLOCS:
        m = cost_price(model, bloc)
        m.demand_at_cost = compute_demand(model, bloc, m.price_cost, counts, m.throughput)
        serve = _server(model, bloc, rented)
        servable = serve(m.demand_at_cost)
        m.capacity = _capacity(model, bloc) + (rented if bloc == "CN" else 0.0)
        short = 1 - servable / m.demand_at_cost if m.demand_at_cost > 0 else 0.0
        m.scarcity = short if short > SHORT_TOL else 0.0  # routing rounding is no shortage
        m.price = m.price_cost
        if m.scarcity > 0 and servable > 0:  # a rounding shortfall does not move the price
            w = on(p, "scarcity_pricing", p.price_clearing)
            m.price = m.price_cost * power(m.demand_at_cost / servable, w / p.demand_elasticity)
        m.demand = m.demand_at_cost * power(m.price / m.price_cost, -p.demand_elasticity)
        m.served = serve(m.demand)  # sets the sites' utilisation at the final demand
        unserved = 1 - m.served / m.demand if m.demand > 0 else 0.0
        m.unserved = unserved if unserved > SHORT_TOL else 0.0
        out[bloc] = m
    return out


def log_growth(now: float, before: float) -> float:
    """Log growth ``ln(now / before)`` of a compute demand (H100e-quarters).

    Each is floored at ``1e-9`` so that a market with no demand gives a finite growth.
    """
    return math.log(max(now, 1e-9) / max(before, 1e-9))


def _capacity(model, bloc: str) -> float:
    return sum(capacity.serving_capacity(s, model.p) for s in sites(model, bloc))


def _server(model, bloc: str, rented: float):
    """A function: demand (H100e-quarters) -> served, setting the sites' utilisation."""
    if bloc == "CN":
        return lambda d: capacity.route_cn(model, d, rented)

    def serve_us(d: float) -> float:
        cap = _capacity(model, "US")
        served = min(d, cap)
        for c in model.us_clouds:
            c.utilisation = served / cap if cap > 0 else 0.0
            c.served = c.utilisation * capacity.serving_capacity(c, model.p)
        return served

    return serve_us


def calibrate_demand(model) -> None:
    """Set ``theta0``, start prices and the demand scales ``tokens0`` and ``base_tokens``.

    ``theta0`` makes the US start price ``us_price0``. For each stack, at the reference adoption
    and start prices its home market (US or China) would use ``util0`` of the start serving
    capacity, a share ``base`` of it not from adopters (``us_base_demand``, ``cn_base_demand``).
    """
    p = model.p
    us_cost = fleet_cost(sites(model, "US"), p)
    e_us = p.serving_efficiency * efficiency(model, "US")
    model.theta0 = (1 + p.markup_us) * us_cost / (p.us_price0 * math.exp(e_us))
    model.tokens0, model.base_tokens, model.price0 = {}, {}, {}
    homes = (("US", p.cloud_util0, p.us_base_demand, "US"),
             ("CN", p.cn_demand_util0, p.cn_base_demand, "CN"))  # fmt: skip
    for bloc, util0, base, region in homes:
        m = cost_price(model, bloc)
        model.price0[bloc] = m.price_cost
        tokens = util0 * _capacity(model, bloc) * m.throughput
        # the base grows with use intensity as adopters' use does (compute_demand): divide out
        # the start intensity (below 1 for a stack behind cap_ref) so the base share holds
        model.base_tokens[bloc] = base * tokens / use_intensity(model, bloc)
        home = model.cohort_region == region
        model.tokens0[bloc] = 1.0
        per_person = tokens_per_person(model, bloc, np.full(len(home), m.price_cost))
        weighted = (model.cohort_persons[home] * 1e6 * per_person[home]).sum()
        model.tokens0[bloc] = (1 - base) * tokens / (p.demand_ref_adoption * weighted)
