"""Algorithmic breakthroughs: rare, heavy-tailed jumps in a lab's algorithmic efficiency.

Each quarter, before labs train, every lab ``i`` draws ``(u, v)`` from its own keyed stream
``stream("breakthrough", i, q)`` (two draws whether or not anything happens, so the draws of a
lab never depend on policy). Its hazard (per year) rises with its training compute relative to
the largest lab's and, for a Chinese lab, with its bloc's compute scarcity::

    rate_i = breakthrough_rate * (C_i / max_j C_j) ** breakthrough_compute_elasticity
             * (1 + breakthrough_scarcity * s_CN   [Chinese labs only])

A breakthrough happens iff ``u < 1 - exp(-rate_i / 4)``; its size is the capped Pareto draw
``J = min(breakthrough_size_max, breakthrough_size_min * (1 - v) ** (-1 / breakthrough_tail))``
and ``log_eff_i += J``. An open-weight lab's jump then reaches every other lab through the
open-weight spillover of :meth:`ModelLab.train` (and, once it shows in capability, through
distillation). Pinned breakthroughs (the regime's ``[[event]]`` entries) add their size in their
quarter the same way.
"""

from __future__ import annotations

from aiblocs.model import events
from aiblocs.model.hazards import pareto_size, quarter_probability
from aiblocs.model.mechanisms import on
from aiblocs.model.pinned_events import draws, pins


def hazard(model, lab, compute: dict[str, float], scarcity: dict[str, float]) -> float:
    """Breakthrough hazard of ``lab`` this quarter (1/year).

    Args:
        model: the running model (parameters, labs).
        lab: a :class:`~aiblocs.model.agents.ModelLab`.
        compute: each bloc's training compute this quarter (H100e).
        scarcity: each bloc's compute scarcity in [0, 1].
    """
    p = model.p
    own = compute[lab.bloc] * lab.weight
    largest = max(compute[b.bloc] * b.weight for b in model.labs)
    relative = own / largest if largest > 0 else 0.0
    rate = on(p, "breakthroughs", p.breakthrough_rate) * relative**p.breakthrough_compute_elasticity
    if lab.bloc == "CN":
        rate *= 1 + p.breakthrough_scarcity * scarcity["CN"]
    return rate


def _open(model, lab) -> str:
    return " (open weights)" if lab.openness >= model.p.open_weight_threshold else ""


def apply_breakthroughs(model, compute: dict[str, float], scarcity: dict[str, float]) -> None:
    """Draw this quarter's breakthroughs (if the regime draws events), then apply pinned ones."""
    p, q, mode = model.p, model.q, model.regime.events
    if draws(mode):
        for i, lab in enumerate(model.labs):
            u, v = model.stream("breakthrough", i, q).random(2)
            if u < quarter_probability(hazard(model, lab, compute, scarcity)):
                size = pareto_size(v, p.breakthrough_size_min, p.breakthrough_tail,
                                   p.breakthrough_size_max)  # fmt: skip
                lab.log_eff += size
                events.log(model, "breakthrough", lab.name,
                           f"algorithmic breakthrough{_open(model, lab)}: log efficiency "
                           f"+{size:.2f}", size, drawn=True)  # fmt: skip
    if pins(mode):
        by_name = {lab.name: lab for lab in model.labs}
        for e in model.regime.pinned:
            if e.kind == "breakthrough" and e.quarter == q:
                lab = by_name[e.actor]
                lab.log_eff += e.size
                events.log(model, "breakthrough", lab.name,
                           f"{e.what or 'algorithmic breakthrough'}{_open(model, lab)}: "
                           f"log efficiency +{e.size:.2f}", e.size, drawn=False)  # fmt: skip
