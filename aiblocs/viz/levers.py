"""Dashboard levers -> a model: pure functions, no Solara, so they are unit-testable.

Regime levers (fee, volume cap, enforcement, 'export the stack' support, China's stance on
previous-generation imports) modify a preset :class:`Regime`; ``None`` keeps the preset value.
Parameter levers (network effect, switching-cost growth, EDWC optimism) override
:class:`Params` fields. :class:`DashboardModel` adds an optional twin run of another regime,
stepped in lockstep on the same seed, for the side-by-side comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aiblocs.model.calendar import parse_quarter
from aiblocs.model.model import AIBlocsModel
from aiblocs.model.params import PARAM_FIELDS, default_params
from aiblocs.model.regimes import STANCES, Regime, StanceRule, get_regime, validate_regime

DEFAULT_ADOPTERS = PARAM_FIELDS["n_adopters"].default  # the model's one default
EXPORT_STACK_FROM = "2025Q2"  # used when a preset has no 'export the stack' start date
STANCE_FROM = "2022Q1"  # a stance lever applies from the first simulated quarter
PARAM_LEVERS = ("network_effect", "switch_cost_growth", "edwc_optimism")
NO_COMPARE = "none"


@dataclass(frozen=True)
class Lever:
    """One dashboard control: its label, unit, tooltip text and slider range."""

    name: str
    label: str
    unit: str
    doc: str
    lo: float
    hi: float
    step: float


def _param_lever(name: str, label: str, hi: float, step: float) -> Lever:
    meta = PARAM_FIELDS[name].metadata
    return Lever(name, label, meta["unit"], meta["doc"], float(meta["lo"]), hi, step)


LEVERS: dict[str, Lever] = {
    lv.name: lv
    for lv in (
        Lever("fee", "Fee on licensed sales", "fraction of sale value",
              "US fee/tariff on every chip tier the regime licenses to China "
              "(no effect on free or banned tiers)", 0.0, 1.0, 0.05),
        Lever("cap", "Volume cap on licensed sales", "share of US-customer volume",
              "maximum China volume of every licensed tier, as a share of US-customer volume",
              0.0, 2.0, 0.05),
        Lever("enforcement", "Enforcement", "fraction",
              "strength of export-control enforcement: smuggling leak scales with 1 - this",
              0.0, 1.0, 0.05),
        Lever("export_stack_support", "'Export the stack' support", "fraction",
              f"US support for exporting its AI stack (price cut to GS adopters); starts at the "
              f"preset's date or {EXPORT_STACK_FROM}", 0.0, 1.0, 0.05),
        _param_lever("network_effect", "Network-effect strength", 10.0, 0.25),
        _param_lever("switch_cost_growth", "Switching-cost growth", 1.0, 0.05),
        _param_lever("edwc_optimism", "EDWC optimism", 3.0, 0.1),
    )
}  # fmt: skip
STANCE_LEVER = Lever("cn_prev_stance", "China's stance on H200-class imports", "choice",
                     "China's import stance on the previous-generation US tier, from "
                     f"{STANCE_FROM}; 'preset' keeps the regime's own dates", 0, 0, 0)  # fmt: skip
STANCE_CHOICES = ("preset", *STANCES)


def lever_regime(
    base: str | Regime,
    fee: float | None = None,
    cap: float | None = None,
    enforcement: float | None = None,
    export_stack_support: float | None = None,
    cn_prev_stance: str | None = None,
) -> Regime:
    """Return ``base`` with the regime levers applied (``None``/'preset' keeps a value).

    Args:
        base: preset name, TOML path or regime.
        fee: share of sale value paid to the US on every licensed tier.
        cap: China volume cap (share of US-customer volume) on every licensed tier.
        enforcement: enforcement strength in [0, 1].
        export_stack_support: 'export the stack' support in [0, 1].
        cn_prev_stance: 'allow', 'discourage' or 'block' on the prev tier, or 'preset'.
    """
    reg = get_regime(base)
    changed: dict[str, Any] = {}
    if fee is not None or cap is not None:
        rules = []
        for r in reg.rules:
            if r.status == "licensed":
                r = replace(r, fee=r.fee if fee is None else float(fee),
                            cap=r.cap if cap is None else float(cap))  # fmt: skip
            rules.append(r)
        changed["rules"] = tuple(rules)
    if enforcement is not None:
        changed["enforcement"] = float(enforcement)
    if export_stack_support is not None:
        changed["export_stack_support"] = float(export_stack_support)
        if reg.export_stack_from is None:
            changed["export_stack_from"] = parse_quarter(EXPORT_STACK_FROM)
    if cn_prev_stance not in (None, "preset"):
        if cn_prev_stance not in STANCES:
            raise ValueError(
                f"cn_prev_stance {cn_prev_stance!r} must be one of {', '.join(STANCE_CHOICES)}"
            )
        kept = tuple(s for s in reg.stances if s.tier != "prev")
        changed["stances"] = (*kept, StanceRule("prev", parse_quarter(STANCE_FROM), cn_prev_stance))
    if not changed:
        return reg
    new = replace(reg, **changed)
    validate_regime(new)
    return new


def preset_value(reg: Regime, name: str) -> float:
    """The value a regime lever shows before it is touched (max over licensed rules for fee/cap)."""
    if name in ("fee", "cap"):
        vals = [getattr(r, name) for r in reg.rules if r.status == "licensed"]
        vals = [v for v in vals if v is not None]
        return float(max(vals)) if vals else (0.0 if name == "fee" else LEVERS["cap"].hi)
    if name in PARAM_LEVERS:
        return float(getattr(default_params(), name))  # the values the model runs with
    return float(getattr(reg, name))


class DashboardModel(AIBlocsModel):
    """An :class:`AIBlocsModel` built from dashboard levers, with an optional twin regime.

    Constructible from keyword arguments only, so Mesa's Reset can re-create it. ``compare``
    names a second regime run with the same seed and levers; ``step`` advances both.
    """

    def __init__(
        self,
        regime: str = "historical",
        seed: int = 0,
        n_adopters: int = DEFAULT_ADOPTERS,
        compare: str = NO_COMPARE,
        fee: float | None = None,
        cap: float | None = None,
        enforcement: float | None = None,
        export_stack_support: float | None = None,
        cn_prev_stance: str | None = None,
        scenario: Any = None,  # passed by Mesa's Reset; unused
        **param_levers: float,
    ) -> None:
        unknown = sorted(set(param_levers) - set(PARAM_LEVERS))
        if unknown:
            raise ValueError(f"unknown lever(s) {unknown}; allowed: {sorted([*LEVERS, 'compare'])}")
        reg_kw = {
            "fee": fee, "cap": cap, "enforcement": enforcement, "cn_prev_stance": cn_prev_stance,
            "export_stack_support": export_stack_support,
        }  # fmt: skip
        super().__init__(lever_regime(regime, **reg_kw), rng=int(seed),
                         n_adopters=int(n_adopters), **param_levers)  # fmt: skip
        self.regime_name = str(regime)
        self.twin: AIBlocsModel | None = None
        if compare and compare != NO_COMPARE:
            self.twin = AIBlocsModel(lever_regime(compare, **reg_kw), rng=int(seed),
                                     n_adopters=int(n_adopters), **param_levers)  # fmt: skip
            self.twin_name = str(compare)

    def step(self) -> None:
        """Advance this run and its twin by one quarter."""
        super().step()
        if self.twin is not None:
            self.twin.step()


def build_model(
    regime_name: str = "historical",
    seed: int = 0,
    n_adopters: int = DEFAULT_ADOPTERS,
    **levers: Any,
) -> DashboardModel:
    """Build the dashboard's model from a preset name, a seed, a size and lever values."""
    return DashboardModel(regime=regime_name, seed=seed, n_adopters=n_adopters, **levers)
