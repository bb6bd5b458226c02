"""Chip designers: US firms selling three tiers, Chinese firms selling domestic accelerators."""

from __future__ import annotations

import math

import mesa

from aiblocs.model.mechanisms import on
from aiblocs.model.shocks import capacity_factor, price_factor

US_TIERS = ("frontier", "prev", "compliant")
# Structural rule (not a number to tune; the markups are parameters): a downgraded part costs
# about as much to make as the chip it is cut from, so it is priced off the previous generation's
# performance, not its own capped one: H20 ~USD 12k for ~15% of an H100's compute [55, 56].
# Tightening the cap therefore raises its price per H100e.
PRICED_ON = {"compliant": "prev"}


class ChipDesigner(mesa.Agent):
    """A chip designer (bloc ``US`` or ``CN``) with tiers, capacity, learning and R&D.

    Performance is in H100-equivalents per chip (H100e), prices in USD per chip, capacity in chips
    per quarter, revenue in USD bn per quarter by destination region.
    """

    def __init__(
        self,
        model: mesa.Model,
        name: str,
        bloc: str,
        weight: float,
        ecosystem: float,
        cost_mult: float,
    ) -> None:
        super().__init__(model)
        self.name, self.bloc, self.weight, self.cost_mult = name, bloc, weight, cost_mult
        self.ecosystem = ecosystem  # software maturity in [0, 1]
        self.perf: dict[str, float] = {}
        self.price: dict[str, float] = {}
        self.capacity = math.inf  # chips per quarter (finite for CN designers)
        self.cum_output = 0.0  # million chips, drives yield learning
        self.rd_stock = model.p.rd_stock0  # USD bn
        self.rd0 = self.rd_stock
        self.yield_ = model.p.cn_yield0 if bloc == "CN" else model.p.us_yield
        self.revenue = {"US": 0.0, "CN": 0.0, "GS": 0.0}
        self.units_sold = 0.0
        self.scarcity_mult = 1.0  # price multiple from past excess demand (domestic chips)
        self.wanted = 0.0  # chips buyers first asked for this quarter

    @property
    def tiers(self) -> tuple[str, ...]:
        """The tiers this firm offers."""
        return US_TIERS if self.bloc == "US" else ("domestic",)

    def set_offers(self) -> None:
        """Set this quarter's performance and price per tier (policy caps applied by the model).

        Memory shortages raise every price and fab shocks cut Chinese capacity
        (:mod:`aiblocs.model.shocks`).
        """
        m, p = self.model, self.model.p
        years = m.years
        price_per_perf = p.chip_price_us / p.us_frontier_perf0 * math.exp(
            -p.price_per_perf_decline * years) * self.cost_mult * price_factor(m)  # fmt: skip
        if self.bloc == "US":
            frontier = p.us_frontier_perf0 * math.exp(p.us_perf_growth * years)
            prev = p.us_frontier_perf0 * math.exp(p.us_perf_growth * (years - p.prev_lag_years))
            cap = m.us_gov.rules["compliant"].perf_cap
            if cap is None:  # no perf cap in force: the part is cut down to a share of the frontier
                cap = p.compliant_perf_share * frontier
            self.perf = {"frontier": frontier, "prev": prev, "compliant": min(prev, cap)}
        else:
            elasticity = on(p, "domestic_learning", p.cn_perf_rd_elasticity)
            perf = p.cn_perf0 * (self.rd_stock / self.rd0) ** elasticity
            ceiling = m.cn_gov.node_cap()
            self.perf = {"domestic": min(perf, ceiling)}
            price_per_perf *= (
                p.cn_chip_cost_ratio
                * (p.cn_yield_max / self.yield_) ** p.yield_price_exponent
                * self.scarcity_mult
            )
            wafers = p.cn_wafers0 * math.exp(p.cn_wafer_growth * years)
            chips = wafers * 3 * p.ai_wafer_share * p.dies_per_wafer * self.yield_ * self.weight
            self.capacity = chips * capacity_factor(m)  # fab shocks cut it for a while
        markup = {"frontier": p.markup_frontier, "prev": p.markup_prev,
                  "compliant": p.markup_compliant, "domestic": p.markup_domestic}  # fmt: skip
        self.price = {t: price_per_perf * self.perf[PRICED_ON.get(t, t)] * markup[t]
                      for t in self.perf}  # fmt: skip
        self.revenue = {"US": 0.0, "CN": 0.0, "GS": 0.0}
        self.units_sold = 0.0
        self.wanted = 0.0

    def reprice(self) -> None:
        """Scarcity pricing of a capacity-limited designer: ``m' = max(1, m * (W / K) ** r)``.

        ``W`` is what buyers first asked for this quarter, ``K`` the capacity, ``r`` the
        ``domestic_price_response``; a sold-out firm raises its price, one with slack lowers it
        back towards cost. The rents go to its revenue, hence to its R&D.
        """
        r = on(self.model.p, "domestic_scarcity_price", self.model.p.domestic_price_response)
        if self.bloc != "CN" or r == 0 or self.capacity <= 0:
            return
        ratio = max(self.wanted, 1e-12) / self.capacity
        self.scarcity_mult = max(1.0, self.scarcity_mult * ratio**r)

    def book_sale(self, region: str, units: float, revenue_bn: float) -> None:
        """Record a sale of ``units`` chips worth ``revenue_bn`` USD bn to ``region``."""
        self.revenue[region] += revenue_bn
        self.units_sold += units

    def learn(self, units_in_use_m: float) -> None:
        """Advance yield (learning by doing), R&D stock and ecosystem maturity after sales."""
        p = self.model.p
        self.cum_output += self.units_sold / 1e6
        self.rd_stock = p.rd_retention * self.rd_stock + p.rd_reinvest * sum(self.revenue.values())
        if self.bloc == "CN":
            # state funds (Big Fund), USD bn/quarter, raised by an adaptive China's subsidy
            self.rd_stock += p.cn_state_rd * (1 + self.model.cn_gov.subsidy) * self.weight
            self.yield_ = p.cn_yield_max - (p.cn_yield_max - p.cn_yield0) * math.exp(
                -on(p, "domestic_learning", p.cn_yield_learning) * self.cum_output)  # fmt: skip
            learning = on(p, "domestic_learning", p.ecosystem_learning)
            self.ecosystem += learning * units_in_use_m * (1 - self.ecosystem)
            self.ecosystem = min(self.ecosystem, p.ecosystem_max)
