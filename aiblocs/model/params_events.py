"""Parameters: random events (algorithmic breakthroughs, enforcement crackdowns, supply shocks).

Rates are Poisson hazards per year; a quarter's probability is ``1 - exp(-rate / 4)``
(:mod:`aiblocs.model.hazards`). Transient effects decay geometrically each quarter by their
``persistence``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiblocs.model.parameter import param


@dataclass(frozen=True)
class EventParams:
    """Hazards, sizes and persistence of the model's random events (ODD §7.4b)."""

    breakthrough_rate: float = param(
        0.12,
        "1/year",
        0,
        4,
        "breakthrough hazard of the lab with the most training compute, without scarcity",
        "assumption (about one release a bloc every 2-3 years that shifts the frontier's cost: "
        "DeepSeek-V3 and R1 [101], [102], [29])",
    )
    breakthrough_compute_elasticity: float = param(
        0.2,
        "elasticity",
        0,
        3,
        "elasticity of a lab's breakthrough hazard to its training compute relative to the "
        "largest lab's (more compute, more experiments)",
        "assumption (weak: Chinese labs with a fraction of US compute made several of the "
        "2024-25 efficiency advances [101], [102])",
    )
    breakthrough_scarcity: float = param(
        2.0,
        "multiple",
        0,
        20,
        "rise of a Chinese lab's breakthrough hazard at full compute scarcity: "
        "hazard x (1 + this x scarcity)",
        "assumption (induced innovation under scarcity: V3 on 2,048 H800s [101], R1 [102])",
    )
    breakthrough_size_min: float = param(
        0.15,
        "log efficiency",
        0,
        3,
        "smallest breakthrough: the Pareto scale of the jump in a lab's log efficiency "
        "(0.15 is about 1.5 months of US frontier progress)",
        "assumption",
    )
    breakthrough_tail: float = param(
        2.0,
        "index",
        1.05,
        10,
        "Pareto tail index of breakthrough jumps (mean min x tail / (tail - 1) before the cap)",
        "assumption (heavy tail: most releases are small, a few are DeepSeek-sized [29])",
    )
    breakthrough_size_max: float = param(
        2.0,
        "log efficiency",
        0,
        10,
        "largest breakthrough jump (Pareto draws are capped here); 2.0 is a 7.4x efficiency gain",
        "[101] (V3: ~11x fewer GPU-hours than a comparable dense model; a bound on one release)",
    )
    crackdown_rate: float = param(
        0.2,
        "1/year",
        0,
        4,
        "hazard of a US enforcement crackdown while controls are in force and no chip is smuggled",
        "assumption",
    )
    crackdown_smuggling_gain: float = param(
        2.0,
        "multiple",
        0,
        20,
        "rise of the crackdown hazard with smuggling: rate x (1 + this x S / (S + ref))",
        "assumption",
    )
    crackdown_smuggling_ref: float = param(
        35_000.0,
        "chips/quarter",
        1,
        1e7,
        "smuggled chips a quarter at which the crackdown hazard has half its rise",
        "[73] (CNAS median ~140,000 chips smuggled in 2024, a quarter of it)",
    )
    crackdown_boost: float = param(
        0.2,
        "share",
        0,
        1,
        "enforcement effort added by a crackdown in its first quarter (effective enforcement "
        "is capped at 1)",
        "assumption",
    )
    crackdown_persistence: float = param(
        0.75,
        "1/quarter",
        0,
        0.99,
        "share of a crackdown's added effort left the next quarter (half-life ~2.4 quarters)",
        "assumption",
    )
    fab_shock_rate: float = param(
        0.2,
        "1/year",
        0,
        4,
        "hazard of a shock to Chinese fabs (tool servicing, yields, a cut-off supplier)",
        "assumption",
    )
    fab_shock_cut: float = param(
        0.3,
        "share",
        0,
        1,
        "share of Chinese domestic chip capacity lost in a fab shock's first quarter",
        "assumption",
    )
    fab_shock_persistence: float = param(
        0.7,
        "1/quarter",
        0,
        0.99,
        "share of a fab shock's capacity cut left the next quarter",
        "assumption",
    )
    memory_shock_rate: float = param(
        0.2,
        "1/year",
        0,
        4,
        "hazard of a memory (HBM) shortage that raises every accelerator's price",
        "assumption (HBM and packaging bind accelerator output [65])",
    )
    memory_shock_rise: float = param(
        0.25,
        "share",
        0,
        5,
        "rise of chip prices in a memory shock's first quarter",
        "assumption",
    )
    memory_shock_persistence: float = param(
        0.85,
        "1/quarter",
        0,
        0.99,
        "share of a memory shock's price rise left the next quarter (half-life ~4 quarters)",
        "assumption",
    )
