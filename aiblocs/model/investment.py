"""Chip budgets of the buyer groups and where the chips they buy are installed.

Budgets (USD bn a quarter). Each bloc's clouds have a financing path, ``F = budget0 *
exp(growth * spend_years) * (1 + budget_demand_elasticity * adoption)`` (previous quarter's
adoption) [91, 92], and invest what their stack's demand needs: the capacity that would serve
last quarter's demand at cost, grown at its last growth rate, at utilisation ``capex_util_ref``,
less what remains after depreciation, priced at what their last purchases cost per H100e
(Chinese clouds count the EDWC hubs' capacity as theirs to fill first). The budget is that need,
held within ``[capex_pressure_min, capex_pressure_max]`` times ``F``: demand drives investment,
finance bounds it. GS buyers follow their path; the EDWC hubs spend the budget of the projects
completing this quarter. What a group could not spend comes back next quarter as its carry-over
(:mod:`aiblocs.model.chips`).

Installation: US clouds host what US and GS buyers buy from US designers (their GS regions);
Chinese clouds host Chinese commercial purchases, grey-market chips and the Chinese chips GS
buyers buy (Chinese clouds abroad); hubs install state purchases in proportion to the budgets of
their completing projects (by their EDWC budget weight when state spend carried over meets no
completing project). Each site's book value grows by what its chips cost.
"""

from __future__ import annotations

import math

from aiblocs.model.chips import ChipResult


def chip_budgets(model) -> dict[str, float]:
    """This quarter's chip budget of each buyer group (USD bn)."""
    p = model.p
    g = math.exp(p.budget_growth * model.spend_years)
    e = p.budget_demand_elasticity
    finance = {
        "US": p.us_chip_budget0 * math.exp(p.us_budget_growth * model.spend_years)
        * (1 + e * model.adoption["US"]),
        "CN": p.cn_chip_budget0 * g * (1 + e * model.adoption["CN"]),
    }  # fmt: skip
    out = {"GS": p.gs_chip_budget0 * g * (1 + e * model.adoption["GS"]),
           "CN_state": sum(h.completing_budget for h in model.provinces)}  # fmt: skip
    for bloc, clouds in (("US", model.us_clouds), ("CN", model.cn_clouds)):
        need = _need(model, bloc, clouds)
        ratio = need / finance[bloc]  # finance > 0: budget0 >= 0.01 (Params)
        out[bloc] = finance[bloc] * min(p.capex_pressure_max, max(p.capex_pressure_min, ratio))
    return out


def _need(model, bloc: str, clouds) -> float:
    """USD bn of chips a bloc's clouds need to serve expected demand at ``capex_util_ref``."""
    p = model.p
    m = model.markets[bloc]
    growth = min(p.edwc_growth_cap / 4, max(0.0, model.demand_growth[bloc]))  # per quarter
    target = m.demand_at_cost * math.exp(growth) / p.capex_util_ref / (1 - p.training_share)
    have = sum(c.raw_compute for c in clouds) * (1 - p.depreciation)
    if bloc == "CN":
        have += sum(h.raw_compute for h in model.provinces) * (1 - p.depreciation)
    return max(0.0, target - have) * model.unit_cost[bloc] / 1e9


def install(model, res: ChipResult) -> None:
    """Install this quarter's deliveries (H100e) and their cost (USD bn) at the sites."""
    spread = (
        (model.us_clouds, "US", [("US", "US"), ("GS", "US")]),
        (model.cn_clouds, "US", [("CN", "US")]),
        (model.cn_clouds, "CN", [("CN", "CN"), ("GS", "CN")]),
    )
    for sites, vendor, sources in spread:
        h = sum(res.compute[g][v] for g, v in sources)
        cost = sum(res.cost[g][v] for g, v in sources)
        if sites is model.cn_clouds and vendor == "US":
            h, cost = h + res.smuggled_compute, cost + res.smuggled_cost
        for c in sites:
            c.install(vendor, h * c.weight, cost * c.weight)
    total_budget = sum(h.completing_budget for h in model.provinces)
    for vendor in ("US", "CN"):  # spend carried over with no project completing: by hub weight
        h, cost = res.compute["CN_state"][vendor], res.cost["CN_state"][vendor]
        for hub in model.provinces:
            share = hub.completing_budget / total_budget if total_budget > 0 else hub.weight
            hub.install(vendor, h * share, cost * share)


def unit_costs(res: ChipResult, last: dict[str, float]) -> dict[str, float]:
    """USD per H100e US and Chinese clouds paid this quarter (last value if none bought)."""
    out = {}
    for bloc, groups in (("US", ("US",)), ("CN", ("CN",))):
        h = sum(sum(res.compute[g].values()) for g in groups)
        cost = sum(sum(res.cost[g].values()) for g in groups) * 1e9
        out[bloc] = cost / h if h > 0 else last[bloc]
    return out
