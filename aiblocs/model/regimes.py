"""Export-control regimes as data: dated rules per chip tier, China's stance, and US support.

A regime is a timeline. Each US rule says, from a quarter on, whether a chip tier may be sold to
China (``free``, ``licensed`` with an approval probability, a fee and a volume cap, or ``banned``)
and the performance ceiling of the export-compliant part. China's stance rules say whether its
buyers may import a tier (``allow``, ``discourage``, ``block``). Presets live in
``aiblocs/model/data/regimes/*.toml``; any TOML file of the same shape is a regime. An optional
``label`` names the regime in words for reports, figures and the dashboard (:attr:`Regime.title`).

Who sets the rules is part of the regime: ``us_policy`` and ``cn_policy`` are ``"scripted"``
(default: the dated lines are the policy) or ``"adaptive"`` (the government decides each quarter
by the rules of :mod:`aiblocs.model.policy_us` and :mod:`aiblocs.model.policy_cn`; the dated lines
in force at the first quarter are then only its starting settings).
An optional ``events`` field and ``[[event]]`` tables say which random events a run draws and
which realised events it pins (:mod:`aiblocs.model.pinned_events`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from aiblocs.model.calendar import quarter_label
from aiblocs.model.pinned_events import PinnedEvent, check_mode, parse_events
from aiblocs.model.regime_checks import (
    LEVEL,
    MAX_LABEL,
    POLICY_MODES,
    QUARTER_FIELDS,
    REGIME_FIELDS,
    SHARE_FIELDS,
    STANCE_LEVEL,
    STANCES,
    STATUSES,
    TIERS,
    _quarter,
    _share,
    validate_regime,
)
from aiblocs.model.tomlfile import read_toml

__all__ = [  # the regime vocabulary lives in regime_checks; importers may take it from here
    "LEVEL",
    "MAX_LABEL",
    "POLICY_MODES",
    "QUARTER_FIELDS",
    "REGIME_FIELDS",
    "SHARE_FIELDS",
    "STANCES",
    "STANCE_LEVEL",
    "STATUSES",
    "TIERS",
    "Regime",
    "StanceRule",
    "TierRule",
    "get_regime",
    "load_regime_file",
    "preset_names",
    "regime_from_dict",
    "validate_regime",
]  # fmt: skip


@dataclass(frozen=True)
class TierRule:
    """US rule for one chip tier sold to China, in force from ``start`` (quarter index)."""

    tier: str
    start: int
    status: str = "free"
    approval: float = 1.0  # probability a licence is granted (licensed only)
    fee: float = 0.0  # share of sale value paid to the US Treasury
    cap: float | None = None  # max China volume as a share of US-customer volume
    perf_cap: float | None = None  # H100e ceiling of the compliant part

    @property
    def terms(self) -> tuple:
        """What the rule sets, without its start: two rules with equal terms are the same."""
        return self.status, self.approval, self.fee, self.cap, self.perf_cap

    def describe(self) -> str:
        """The rule in words, e.g. ``prev: licensed, approval 80%, fee 25%, cap 0.5``."""
        text = f"{self.tier}: {self.status}"
        if self.status == "licensed":
            text += f", approval {self.approval:.0%}, fee {self.fee:.0%}"
            text += f", cap {self.cap:g}" if self.cap is not None else ""
        if self.perf_cap is not None and self.status != "banned":
            text += f", perf cap {self.perf_cap:g} H100e"
        return text


@dataclass(frozen=True)
class StanceRule:
    """China's import stance on a US tier from ``start`` (quarter index)."""

    tier: str
    start: int
    stance: str


@dataclass(frozen=True)
class Regime:
    """A named, validated export-control regime (``label``: its name in words, optional)."""

    name: str
    description: str = ""
    rules: tuple[TierRule, ...] = ()
    stances: tuple[StanceRule, ...] = ()
    enforcement: float = 0.6
    equipment_controls_from: int | None = None
    domestic_mandate_from: int | None = None
    export_stack_support: float = 0.0
    export_stack_from: int | None = None
    label: str = ""
    us_policy: str = "scripted"  # who sets the US rules: the dated lines, or the adaptive rule
    cn_policy: str = "scripted"  # who sets China's stance, mandate and subsidy
    events: str = "drawn"  # drawn, pinned, pinned_and_drawn or off (pinned_events.EVENT_MODES)
    pinned: tuple[PinnedEvent, ...] = ()  # the [[event]] entries

    @property
    def title(self) -> str:
        """The regime in words: its ``label``, else its name with spaces for underscores."""
        return self.label or self.name.replace("_", " ")

    def rule(self, tier: str, q: int) -> TierRule:
        """The US rule for ``tier`` in force at quarter index ``q`` (free before any rule)."""
        current = TierRule(tier=tier, start=-(10**9))
        for r in self.rules:
            if r.tier == tier and r.start <= q and r.start >= current.start:
                current = r
        return current

    def stance(self, tier: str, q: int) -> str:
        """China's import stance on ``tier`` at quarter ``q``."""
        best, start = "allow", -(10**9)
        for s in self.stances:
            if s.tier == tier and start <= s.start <= q:
                best, start = s.stance, s.start
        return best

    def equipment_controls(self, q: int) -> bool:
        """Whether fab-equipment controls cap China's process node at quarter ``q``."""
        return self.equipment_controls_from is not None and q >= self.equipment_controls_from

    def domestic_mandate(self, q: int) -> bool:
        """Whether state-funded data centres must use domestic chips at quarter ``q``."""
        return self.domestic_mandate_from is not None and q >= self.domestic_mandate_from

    def stack_support(self, q: int) -> float:
        """US 'export the stack' support in [0, 1] at quarter ``q``."""
        if self.export_stack_from is None or q < self.export_stack_from:
            return 0.0
        return self.export_stack_support

    def to_dict(self) -> dict[str, Any]:
        """The regime as a mapping shaped like the TOML files (quarters as labels).

        ``regime_from_dict(reg.to_dict())`` gives back an equal regime; manifests store this
        content, so a result folder knows what it ran even if the file is later edited.
        """
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.label:
            out["label"] = self.label
        for key in ("us_policy", "cn_policy"):  # written only when adaptive: scripted is implied
            if getattr(self, key) != "scripted":
                out[key] = getattr(self, key)
        for key in REGIME_FIELDS:
            value = getattr(self, key)
            if value is not None:
                out[key] = quarter_label(value) if key in QUARTER_FIELDS else value
        out["rule"] = [
            {"tier": r.tier, "from": quarter_label(r.start), "status": r.status,
             "approval": r.approval, "fee": r.fee,
             **({"cap": r.cap} if r.cap is not None else {}),
             **({"perf_cap": r.perf_cap} if r.perf_cap is not None else {})}
            for r in self.rules
        ]  # fmt: skip
        out["stance"] = [
            {"tier": x.tier, "from": quarter_label(x.start), "stance": x.stance}
            for x in self.stances
        ]
        out["event"] = [e.to_dict() for e in self.pinned]
        return out

    def with_overrides(self, **kw: Any) -> Regime:
        """Copy with top-level fields replaced (e.g. ``enforcement=0.9``), validated.

        Quarter fields take labels (``"2025Q3"``); share fields take any real number type.
        """
        unknown = set(kw) - {"name", "description", "label", *REGIME_FIELDS}
        if unknown:
            raise ValueError(
                f"unknown regime field(s) {sorted(unknown)}; allowed: {sorted(REGIME_FIELDS)}"
            )
        data = dict(kw)
        for key in QUARTER_FIELDS:
            if isinstance(data.get(key), str):
                data[key] = _quarter(data[key], key)
        for key in SHARE_FIELDS:
            if key in data:
                data[key] = _share(data[key], key)
        if "events" in data:
            check_mode(data["events"])
        new = replace(self, **data)
        validate_regime(new)
        return new


def regime_from_dict(data: dict[str, Any], name: str | None = None) -> Regime:
    """Build and validate a regime from a mapping shaped like the preset TOML files."""
    if not isinstance(data, dict):
        raise ValueError("a regime must be a table of fields")
    allowed = {"name", "description", "label", "rule", "stance", "event", "us_policy", "cn_policy",
               *REGIME_FIELDS}  # fmt: skip
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"unknown regime field(s) {unknown}; allowed: {sorted(allowed)}")
    for key in ("rule", "stance"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise ValueError(f"regime field '{key}' must be an array of tables ([[{key}]] blocks)")
    rules = []
    for i, r in enumerate(data.get("rule", [])):
        extra = sorted(set(r) - {"tier", "from", "status", "approval", "fee", "cap", "perf_cap"})
        if extra or "tier" not in r or "from" not in r:
            raise ValueError(f"rule #{i + 1} needs 'tier' and 'from' and has unknown keys {extra}")
        rules.append(
            TierRule(
                tier=r["tier"],
                start=_quarter(r["from"], f"rule #{i + 1}.from"),
                status=r.get("status", "free"),
                approval=r.get("approval", 1.0),
                fee=r.get("fee", 0.0),
                cap=r.get("cap"),
                perf_cap=r.get("perf_cap"),
            )
        )
    stances = []
    for i, s in enumerate(data.get("stance", [])):
        if set(s) != {"tier", "from", "stance"}:
            raise ValueError(f"stance #{i + 1} needs exactly 'tier', 'from' and 'stance'")
        stances.append(
            StanceRule(s["tier"], _quarter(s["from"], f"stance #{i + 1}.from"), s["stance"])
        )
    opt = {k: _quarter(data[k], k) for k in QUARTER_FIELDS if k in data}
    reg = Regime(
        name=data.get("name", name or "custom"),
        description=data.get("description", ""),
        label=data.get("label", ""),
        rules=tuple(rules),
        stances=tuple(stances),
        enforcement=data.get("enforcement", 0.6),
        export_stack_support=data.get("export_stack_support", 0.0),
        us_policy=data.get("us_policy", "scripted"),
        cn_policy=data.get("cn_policy", "scripted"),
        events=check_mode(data.get("events", "drawn")),
        pinned=parse_events(data.get("event", [])),
        **opt,
    )
    validate_regime(reg)
    return reg


def load_regime_file(path: str | Path) -> Regime:
    """Load a regime from a TOML file, with a clear error if it is malformed."""
    path = Path(path)
    data = read_toml(path, "regime file")
    try:
        return regime_from_dict(data, name=path.stem)
    except ValueError as e:
        raise ValueError(f"regime file {path}: {e}") from None


def preset_names() -> list[str]:
    """Names of the shipped regime presets."""
    folder = resources.files("aiblocs.model.data") / "regimes"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def get_regime(regime: str | Regime | Path) -> Regime:
    """Resolve a preset name, a path to a TOML file, or a :class:`Regime` instance."""
    if isinstance(regime, Regime):
        validate_regime(regime)
        return regime
    text = str(regime)
    if text.endswith(".toml") or isinstance(regime, Path):
        return load_regime_file(text)
    names = preset_names()
    if text not in names:
        raise ValueError(
            f"unknown regime {text!r}; choose one of {', '.join(names)} or a .toml file"
        )
    with resources.as_file(resources.files("aiblocs.model.data") / "regimes") as folder:
        data = read_toml(folder / f"{text}.toml", "regime preset")
    return regime_from_dict(data, name=text)
