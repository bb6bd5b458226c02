"""Large adopters: telecoms and national champions whose one stack choice moves a block of units.

Each GS country has ``large_adopters`` of them (ODD §7.5b). Their sizes are drawn once per run
from ``model.stream("large_adopter_sizes", country)``: a Pareto (type I) share of the country's
non-government units, ``s = large_adopter_min_share * X``, ``P(X > x) = x^-large_adopter_alpha``
(``x >= 1``), scaled down together if they exceed ``large_adopter_max_share``. Each owns a
contiguous block of rows in one non-government cohort (drawn in proportion to the cohorts'
sizes), whose units skip the individual adoption pass.

Each quarter, from row ``[country, number]`` of ``model.stream("large_adopter", q)`` (one stream
per quarter, a fixed (countries, ``MAX_PER_COUNTRY``, 3) layout of uniforms, so a large adopter's
draws do not depend on how many others there are), a large adopter acts
with probability ``min(1, (p_c + q_c * A) * a_c)`` before it has adopted (the cohort's Bass
hazard at the country's adoption share ``A``) and ``large_adopter_review`` after. When it acts it
picks its stack by the cohort's utility, the network effect at the country's stack shares, its own
Gumbel noise and its switching cost (:func:`aiblocs.model.adoption.choose_stack`); all its units
adopt or switch together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aiblocs.model import events
from aiblocs.model.adoption import NONE, StepResult, adoption_probability, choose_stack, gumbel
from aiblocs.model.deals import GOVERNMENT
from aiblocs.model.mechanisms import on

BLOCS = ("US", "CN")
MAX_PER_COUNTRY = 20  # the upper bound of the parameter large_adopters: the draws' fixed layout


@dataclass(frozen=True)
class LargeAdopter:
    """One large adopter and its block of adopter rows ``lo:hi`` in cohort ``cohort``.

    Attributes:
        name: label in the event log (``India large adopter 2 (services)``).
        country: its country's name; ``country_index`` keys its random streams.
        number: its number within the country (0, 1, ...).
        cohort: index of the cohort its block lies in.
        lo: first row of its block.
        hi: last row + 1.
        share: its share of the country's units.
    """

    name: str
    country: str
    country_index: int
    number: int
    cohort: int
    lo: int
    hi: int
    share: float


def draw_sizes(p, rng: np.random.Generator) -> np.ndarray:
    """Sizes of a country's large adopters, shares of its non-government units (Pareto, capped)."""
    n = int(on(p, "large_adopters", p.large_adopters))
    shares = p.large_adopter_min_share * (1 + rng.pareto(p.large_adopter_alpha, n))
    total = shares.sum()
    if total > p.large_adopter_max_share:
        shares *= p.large_adopter_max_share / total
    return shares


def build(model) -> tuple[tuple[LargeAdopter, ...], np.ndarray]:
    """The run's large adopters and the (n,) mask of the units they own."""
    p = model.p
    fixed = np.zeros(len(model.adopters.stack), bool)
    out: list[LargeAdopter] = []
    for g in model.gs_govs.values():
        rng = model.stream("large_adopter_sizes", g.index)
        shares = draw_sizes(p, rng)
        where = rng.random(len(shares))
        cohorts = [c for c in model.cohorts if c.country == g.name and c.sector != GOVERNMENT]
        sizes = np.array([c.size for c in cohorts], float)
        units = sizes.sum()
        if units == 0:
            continue
        ends = np.cumsum(sizes) / units
        country_units = sum(c.size for c in model.cohorts if c.country == g.name)
        cursor = {c.index: c.lo for c in cohorts}
        for i, (share, u) in enumerate(zip(shares, where, strict=True)):
            coh = cohorts[min(int(np.searchsorted(ends, u, side="right")), len(cohorts) - 1)]
            lo = cursor[coh.index]
            hi = min(coh.hi, lo + max(1, round(share * units)))
            if hi <= lo:
                continue
            cursor[coh.index] = hi
            fixed[lo:hi] = True
            out.append(LargeAdopter(f"{g.name} large adopter {i + 1} ({coh.sector})", g.name,
                                    g.index, i, coh.index, lo, hi,
                                    float((hi - lo) / country_units)))  # fmt: skip
    return tuple(out), fixed


def step(model, utility: np.ndarray, afford: np.ndarray, flows: StepResult) -> None:
    """Each large adopter may act; its whole block adopts or switches (arrays, in place).

    Args:
        model: the model (adopter arrays, Bass coefficients, GS governments' measurements).
        utility: (C, 2) this quarter's stack utilities per cohort.
        afford: (C,) this quarter's affordability per cohort.
        flows: this quarter's adoption flows, extended with the blocks that adopt or switch.
    """
    p, st, q = model.p, model.adopters, model.q
    r = on(p, "network_effect", p.network_effect)
    base = on(p, "switching_costs", p.switch_cost_base)
    growth = on(p, "switching_costs", p.switch_cost_growth)
    if not model.large_adopters:
        return
    shape = (len(model.world.countries), MAX_PER_COUNTRY, 3)
    draws = model.stream("large_adopter", q).random(shape)
    for la in model.large_adopters:
        u = draws[la.country_index, la.number]
        g, c = model.gs_govs[la.country], la.cohort
        current = int(st.stack[la.lo])
        if current == NONE:
            act = adoption_probability(model.bass_p[c], model.bass_q[c], g.adoption, afford[c])
        else:
            act = p.large_adopter_review
        if u[0] >= act:
            continue
        shares = g.adoption * np.array([[g.share_us, g.share_cn]])  # shares of all units
        cost = base + growth * float(st.tenure[la.lo]) if current else 0.0
        shocks = gumbel(u[1:], p.choice_noise)
        choice = int(choose_stack(utility[c][None, :], shares, r, np.array([current]),
                                  np.array([cost]), shocks[None, :])[0])  # fmt: skip
        if choice == current:
            continue
        st.stack[la.lo : la.hi] = choice
        st.tenure[la.lo : la.hi] = 0.0
        (flows.switched if current else flows.new_adopters)[la.lo : la.hi] = True
        verb = f"switches from {BLOCS[current - 1]} to" if current else "adopts"
        events.log(model, "large_adopter", la.name, f"{verb} the {BLOCS[choice - 1]} stack",
                   size=la.share)  # fmt: skip
