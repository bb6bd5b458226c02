"""Reference workload: Mesa's Boltzmann wealth model, re-implemented in plain Mesa 3.5.

Same rules as ``mesa.examples.basic.boltzmann_wealth_model``: agents start with 1 unit of wealth,
each step every agent (random order) moves to a random Moore-neighbour cell of a torus grid and,
if it has wealth, gives 1 unit to a random other agent in its cell; the model collects the Gini
coefficient (model reporter) and every agent's wealth (agent reporter) each step. The grid keeps
the example's density of one agent per cell. Used by ``benchmarks/run.py`` as the per-agent
throughput yardstick of an idiomatic object-per-agent Mesa model.
"""

from __future__ import annotations

import math
import time

import mesa
from mesa.discrete_space import CellAgent, OrthogonalMooreGrid


class MoneyAgent(CellAgent):
    """An agent with wealth that wanders the grid and gives money to cellmates."""

    def __init__(self, model: mesa.Model, cell) -> None:
        super().__init__(model)
        self.cell = cell
        self.wealth = 1

    def move(self) -> None:
        self.cell = self.cell.neighborhood.select_random_cell()

    def give_money(self) -> None:
        cellmates = [a for a in self.cell.agents if a is not self]
        if cellmates:
            other = self.random.choice(cellmates)
            other.wealth += 1
            self.wealth -= 1

    def step(self) -> None:
        self.move()
        if self.wealth > 0:
            self.give_money()


def gini(model: BoltzmannWealth) -> float:
    """Gini coefficient of agent wealth (same formula as the Mesa example)."""
    x = sorted(a.wealth for a in model.agents)
    n = model.num_agents
    b = sum(xi * (n - i) for i, xi in enumerate(x)) / (n * sum(x))
    return 1 + (1 / n) - 2 * b


class BoltzmannWealth(mesa.Model):
    """n agents on a torus grid of about n cells (one agent per cell on average)."""

    def __init__(self, n: int = 100, seed: int = 0, collect: bool = True) -> None:
        super().__init__(rng=seed)
        self.num_agents = n
        side = max(2, round(math.sqrt(n)))
        self.grid = OrthogonalMooreGrid((side, side), torus=True, random=self.random)
        self.collect = collect
        self.datacollector = mesa.DataCollector(
            model_reporters={"Gini": gini}, agent_reporters={"Wealth": "wealth"}
        )
        cells = self.random.choices(self.grid.all_cells.cells, k=n)
        MoneyAgent.create_agents(self, n, cells)
        if collect:
            self.datacollector.collect(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")
        if self.collect:
            self.datacollector.collect(self)


def throughput(n: int = 10_000, steps: int = 10, seed: int = 0) -> dict[str, float]:
    """Agent-steps per second of the reference model (construction excluded)."""
    model = BoltzmannWealth(n, seed)
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    dt = time.perf_counter() - t0
    return {
        "n": n,
        "steps": steps,
        "seconds": dt,
        "agent_steps_per_s": n * steps / dt,
        "total_wealth": sum(a.wealth for a in model.agents),
    }
