"""Global South national deals: random opportunities, a government's logit over two packages.

Each GS government (:class:`~aiblocs.model.agents.governments.GSGovernment`) holds at most one
national deal (sovereign cloud, national AI programme, the government's stack) with the US or the
Chinese stack. Per country and quarter (ODD §7.5b), from ``model.stream("deal", country, q)``
(drawn when the country has no deal or its deal expires):

* **Opportunity.** Without a deal, one arrives with probability ``1 - exp(-lambda / 4)``,
  ``lambda = deal_rate + deal_rate_adoption * A + deal_rate_push * (support + outreach)`` per year
  (``A`` the country's adoption share, ``support`` the US 'export the stack' support,
  ``outreach`` China's). A deal in force is renegotiated when it expires.
* **Choice.** The government picks the package with the larger ``V_k + eps_k``,
  ``eps_k ~ Gumbel(0, deal_noise)``:
  ``V_k = U_gk - beta_price * ln(1 - f_k) + beta_transfer * tau_k + deal_beta_share * S_k
  + deal_incumbent_bonus * [k = incumbent]``, with ``U_gk`` the government cohort's stack
  utility (:func:`aiblocs.model.markets.cohort_offers`: capability, price, latency from presence,
  the hosting rule, alignment, access), ``f_k`` the financed share of the price, ``tau_k`` the
  technology transfer and ``S_k`` the share of the country's adopted units on stack ``k``.
* **Contract.** ``deal_years_min`` to ``deal_years_max`` whole years, drawn uniformly.

While in force a deal closes ``deal_presence_gain`` of its stack's presence gap
(:meth:`GSGovernment.update_presence`) and mandates its stack to the government sector
(:func:`mandates`, applied by :func:`aiblocs.model.adoption.adoption_step`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aiblocs.model import events, markets
from aiblocs.model.adoption import gumbel
from aiblocs.model.mechanisms import on

BLOCS = ("US", "CN")
PACKAGES = ("sovereign cloud", "national AI programme", "government stack")
GOVERNMENT = "government"  # the sector (sectors.toml) a deal's procurement mandate applies to
N_DRAWS = 5  # uniforms per country and quarter: arrival, length, package, two Gumbel shocks


@dataclass(frozen=True)
class Deal:
    """A national deal in force: its stack, package, and first and last+1 quarter indices."""

    bloc: str
    package: str
    start: int
    end: int

    @property
    def quarters(self) -> int:
        """Contract length, quarters."""
        return self.end - self.start


def hazard(p, adoption: float, support: float, outreach: float) -> float:
    """Probability per quarter that a deal opportunity arrives in a country without a deal.

    Args:
        p: the run's :class:`~aiblocs.model.params.Params`.
        adoption: the country's adoption share (0-1).
        support: US 'export the stack' support this quarter (0-1).
        outreach: Chinese outreach this quarter (0-1).
    """
    rate = (on(p, "national_deals", p.deal_rate)
            + on(p, "national_deals", p.deal_rate_adoption) * adoption
            + on(p, "national_deals", p.deal_rate_push) * (support + outreach))  # fmt: skip
    return 1.0 - math.exp(-rate / 4)


def financing(p, support: float, outreach: float) -> np.ndarray:
    """(2,) financed share of the US and Chinese packages' price."""
    return np.array([p.deal_financing_us + p.deal_financing_support * support,
                     p.deal_financing_cn + p.deal_financing_outreach * outreach])  # fmt: skip


def package_utilities(
    p,
    cohort_utility: np.ndarray,
    shares: np.ndarray,
    incumbent: str | None,
    support: float,
    outreach: float,
) -> np.ndarray:
    """(2,) deterministic utility ``V_k`` of the US and Chinese packages (module docstring).

    Args:
        p: the run's parameters.
        cohort_utility: (2,) the government cohort's stack utilities (``cohort_offers``).
        shares: (2,) shares of the country's adopted units on the US and Chinese stacks.
        incumbent: the stack holding the expiring deal, or None for a first deal.
        support: US 'export the stack' support (0-1).
        outreach: Chinese outreach (0-1).
    """
    transfer = np.array([p.deal_transfer_us, p.deal_transfer_cn])
    incumbency = np.array([b == incumbent for b in BLOCS], float)
    return (cohort_utility - p.beta_price * np.log1p(-financing(p, support, outreach))
            + p.beta_transfer * transfer + p.deal_beta_share * np.asarray(shares, float)
            + p.deal_incumbent_bonus * incumbency)  # fmt: skip


def choice_probability_us(v: np.ndarray, noise: float) -> float:
    """Logit probability that the US package is chosen: ``1 / (1 + exp((V_CN - V_US) / noise))``."""
    x = (v[1] - v[0]) / noise
    return 1.0 / (1.0 + math.exp(min(700.0, x)))


def choose(v: np.ndarray, noise: float, uniforms: np.ndarray) -> str:
    """The package chosen: argmax of ``V_k + Gumbel(0, noise)`` from two uniforms."""
    shocks = gumbel(uniforms, noise)
    return BLOCS[int(np.argmax(v + shocks))]


def contract_quarters(p, u: float) -> int:
    """Contract length in quarters: whole years uniform in [deal_years_min, deal_years_max]."""
    years = p.deal_years_min + min(int(u * (p.deal_years_max - p.deal_years_min + 1)),
                                   p.deal_years_max - p.deal_years_min)  # fmt: skip
    return 4 * years


def step(model) -> None:
    """Draw opportunities, conclude and renegotiate deals, update GS presence (policy stage)."""
    p, q = model.p, model.q
    support = model.us_gov.stack_support
    outreach = model.cn_gov.outreach
    offers = None  # the government cohorts' utilities, computed only when a government chooses
    for g in model.gs_govs.values():
        old = g.deal
        if old is None or old.end <= q:  # a draw is needed (keyed: skipping it shifts nothing)
            u = model.stream("deal", g.index, q).random(N_DRAWS)
            due = old is not None or u[0] < hazard(p, g.adoption, support, outreach)
        else:
            due = False
        if due:
            if offers is None:
                offers = markets.cohort_offers(model)[0]
            rows = g.government_cohorts  # or all its cohorts in a world without that sector
            if not len(rows):
                rows = [c.index for c in model.cohorts if c.country == g.name]
            v = package_utilities(p, offers[rows].mean(axis=0), np.array([g.share_us, g.share_cn]),
                                  old.bloc if old else None, support, outreach)  # fmt: skip
            bloc = choose(v, p.deal_noise, u[3:5])
            package = PACKAGES[min(int(u[2] * len(PACKAGES)), len(PACKAGES) - 1)]
            g.deal = Deal(bloc, package, q, q + contract_quarters(p, u[1]))
            events.log(model, "deal", g.name, _describe(g.deal, old), size=g.deal.quarters)
        g.update_presence()


def mandates(model) -> np.ndarray | None:
    """(C,) int8 stack (1 US, 2 CN) mandated to each cohort's choosers, 0 if free; None if none."""
    out = None
    for g in model.gs_govs.values():
        if g.deal is not None and len(g.government_cohorts):
            out = np.zeros(len(model.cohorts), np.int8) if out is None else out
            out[g.government_cohorts] = BLOCS.index(g.deal.bloc) + 1
    return out


def _describe(deal: Deal, old: Deal | None) -> str:
    what = f"{deal.bloc} {deal.package}, {deal.quarters // 4} years"
    if old is None:
        return what
    return f"renewed: {what}" if old.bloc == deal.bloc else f"switched from {old.bloc}: {what}"
