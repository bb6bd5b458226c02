"""The vocabulary of regimes (tiers, statuses, stances, overridable fields) and their checks.

Every check raises ``ValueError`` naming the regime field and the allowed values or range, before
any run starts (:func:`validate_regime`).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

from aiblocs.model.calendar import (
    FIRST_QUARTER,
    FIRST_YEAR,
    LAST_QUARTER,
    LAST_YEAR,
    parse_quarter,
    quarter_label,
)
from aiblocs.model.pinned_events import check_events, check_mode

if TYPE_CHECKING:
    from aiblocs.model.regimes import Regime

TIERS = ("frontier", "prev", "compliant")
REGIME_FIELDS: dict[str, tuple[str, str]] = {
    "enforcement": ("share", "probability that a smuggling attempt is stopped"),
    "export_stack_support": ("share", "US support for exporting its AI stack to the Global South"),
    "export_stack_from": ("quarter", "quarter from which 'export the stack' support applies"),
    "equipment_controls_from": ("quarter", "quarter from which fab-equipment controls apply"),
    "domestic_mandate_from": ("quarter", "quarter from which state-funded hubs buy domestic chips"),
    "events": ("choice", "events a run has: drawn, pinned, pinned_and_drawn or off"),
}
"""The regime fields a run may override by name (kind, meaning); this module alone owns them."""
SHARE_FIELDS = tuple(k for k, (kind, _) in REGIME_FIELDS.items() if kind == "share")
QUARTER_FIELDS = tuple(k for k, (kind, _) in REGIME_FIELDS.items() if kind == "quarter")
STATUSES = ("free", "licensed", "banned")
STANCES = ("allow", "discourage", "block")
POLICY_MODES = ("scripted", "adaptive")
LEVEL = {"free": 0, "licensed": 1, "banned": 2}
"""How tight a US status is (a move up one level is one step of tightening)."""
STANCE_LEVEL = {s: i for i, s in enumerate(STANCES)}
MAX_LABEL = 40  # characters: a legend entry or a table column, not a sentence


def _quarter(value: Any, where: str) -> int:
    try:
        return parse_quarter(value)
    except ValueError as e:
        raise ValueError(f"regime field '{where}': {e}") from None


def _share(value: Any, where: str) -> float:
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)  # numpy bools: not Real
    if not real or not 0 <= value <= 1:
        raise ValueError(f"regime field '{where}' = {value!r} must be a number in [0, 1]")
    return float(value)


def _quarter_index(value: Any, where: str) -> None:
    """Check a stored quarter index (e.g. ``2025 * 4 + 2``), so that a bare year is refused."""
    lo, hi = FIRST_QUARTER, LAST_QUARTER
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(
            f"regime field '{where}' = {value!r} must be a quarter label like 2025Q3 "
            f"({FIRST_YEAR}Q1-{LAST_YEAR}Q4)"
        )


def _optional_number(value: Any, where: str, lo: float, hi: float, unit: str) -> None:
    """Check an optional bound (None = no bound) lies in ``(lo, hi]``."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo < value <= hi:
        raise ValueError(f"{where} = {value!r} must be a number in ({lo}, {hi}] ({unit})")


MAX_NAME = 64


def _text(value: Any, where: str, limit: int, empty: bool) -> None:
    """Check a name (printable, non-empty) or a description (any text), within ``limit``."""
    ok = isinstance(value, str) and (empty or value.strip()) and len(value) <= limit
    if not ok or not (empty or value.isprintable()):
        raise ValueError(
            f"regime field '{where}' = {value!r} must be {'a' if empty else 'a non-empty'} "
            f"string of at most {limit} {'characters' if empty else 'printable characters'}"
        )


def _label(value: Any) -> None:
    """Check a regime label: one short printable line of text."""
    if not isinstance(value, str) or len(value) > MAX_LABEL or not value.isprintable():
        raise ValueError(
            f"regime field 'label' = {value!r} must be one line of text of at most "
            f"{MAX_LABEL} characters (the regime's name in words, e.g. 'Managed access')"
        )


def validate_regime(reg: Regime) -> None:
    """Raise ``ValueError`` on a bad name or label, or on contradictory or out-of-range rules."""
    _text(reg.name, "name", MAX_NAME, empty=False)
    _text(reg.description, "description", 2000, empty=True)
    _label(reg.label)
    for key in ("us_policy", "cn_policy"):
        if getattr(reg, key) not in POLICY_MODES:
            side = "US tier rules and enforcement" if key == "us_policy" else (
                "China's import stance, domestic mandate and chip subsidy")  # fmt: skip
            raise ValueError(
                f"regime field '{key}' = {getattr(reg, key)!r} must be 'scripted' (the dated "
                f"lines set the {side}) or 'adaptive' (the government decides them each quarter)"
            )
    for key in SHARE_FIELDS:
        _share(getattr(reg, key), key)
    for key in QUARTER_FIELDS:
        if getattr(reg, key) is not None:
            _quarter_index(getattr(reg, key), key)
    seen: set[tuple[str, int]] = set()
    for r in reg.rules:
        _quarter_index(r.start, f"rule[{r.tier}].from")
        where = f"rule[{r.tier}@{quarter_label(r.start)}]"
        if r.tier not in TIERS:
            raise ValueError(f"{where}: unknown tier {r.tier!r}; allowed: {', '.join(TIERS)}")
        if r.status not in STATUSES:
            raise ValueError(
                f"{where}: unknown status {r.status!r}; allowed: {', '.join(STATUSES)}"
            )
        if (r.tier, r.start) in seen:
            raise ValueError(f"{where}: two rules for the same tier start in the same quarter")
        seen.add((r.tier, r.start))
        _share(r.approval, f"{where}.approval")
        _share(r.fee, f"{where}.fee")
        if r.cap is not None and (
            isinstance(r.cap, bool) or not isinstance(r.cap, int | float) or not 0 <= r.cap <= 10
        ):
            raise ValueError(f"{where}.cap = {r.cap!r} must be in [0, 10] (share of US volume)")
        if r.status == "banned" and (r.fee > 0 or r.cap is not None or r.approval < 1):
            raise ValueError(f"{where}: a banned tier cannot also have a fee, cap or approval rate")
        if r.status == "free" and r.approval < 1:
            raise ValueError(f"{where}: approval < 1 needs status 'licensed', not 'free'")
        _optional_number(r.perf_cap, f"{where}.perf_cap", 0, 10, "H100e")
    seen = set()
    for s in reg.stances:
        if s.tier not in TIERS:
            raise ValueError(f"stance: unknown tier {s.tier!r}; allowed: {', '.join(TIERS)}")
        if s.stance not in STANCES:
            raise ValueError(f"stance: unknown stance {s.stance!r}; allowed: {', '.join(STANCES)}")
        _quarter_index(s.start, f"stance[{s.tier}].from")
        if (s.tier, s.start) in seen:
            raise ValueError(
                f"stance[{s.tier}@{quarter_label(s.start)}]: two stances for the same "
                "tier start in the same quarter"
            )
        seen.add((s.tier, s.start))
    check_mode(reg.events)
    check_events(reg.pinned)
