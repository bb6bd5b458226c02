"""Experiment spec: regimes x designs (parameter overrides) x seeds, with common random numbers.

Every (regime, design) *arm* runs on the same list of seeds, drawn once from one root
``numpy.random.SeedSequence``. Regime effects are therefore paired differences seed by seed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

REGIME_FIELDS = frozenset(
    {
        "enforcement",
        "export_stack_support",
        "equipment_controls_from",
        "domestic_mandate_from",
        "export_stack_from",
    }
)


def parse_value(raw: str) -> Any:
    """Parse a command-line value as int, float, bool or (otherwise) string."""
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    return raw


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``name=value`` into ``(name, value)``; ValueError if there is no ``=``."""
    if "=" not in text or not text.split("=", 1)[0]:
        raise ValueError(f"override {text!r} must look like name=value")
    key, raw = text.split("=", 1)
    return key.strip(), parse_value(raw.strip())


def grid(**values: list[Any]) -> list[dict[str, Any]]:
    """Full-factorial designs: ``grid(a=[1, 2], b=[3])`` -> ``[{a:1,b:3}, {a:2,b:3}]``."""
    keys = list(values)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values.values())]


def spawn_seeds(root_seed: int, n: int) -> list[int]:
    """``n`` run seeds from ``SeedSequence(root_seed)``: the k-th seed never depends on ``n``."""
    children = np.random.SeedSequence(root_seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def design_label(design: dict[str, Any]) -> str:
    """Short label of a design, e.g. ``edwc_optimism=0.8`` (``base`` if it overrides nothing)."""
    return ", ".join(f"{k}={v}" for k, v in design.items()) or "base"


@dataclass(frozen=True)
class Run:
    """One model run of an experiment (an arm on one seed)."""

    run_id: str
    regime: str
    design: int
    seed_index: int
    seed: int
    params: dict[str, Any]


@dataclass(frozen=True)
class ExperimentSpec:
    """What to run.

    Args:
        regimes: regime preset names (or TOML paths) to compare.
        n_seeds: number of seeds; every arm runs on all of them (common random numbers).
        n_adopters: adopter units per run.
        root_seed: root of the ``SeedSequence`` the run seeds are spawned from.
        overrides: fixed parameter / regime-field overrides applied to every run.
        designs: list of override dicts (use :func:`grid` for a full factorial); one "design"
            per entry, crossed with every regime. ``[{}]`` means no variation.
        reference: regime the others are compared with (default: the first).
        seed_overrides: optional parameter vectors, one per seed index (cycled): seed i of every
            arm uses vector ``i % len``, so regime contrasts stay paired and also span parameter
            uncertainty (``aiblocs compare --calibrated``).
    """

    regimes: tuple[str, ...]
    n_seeds: int
    n_adopters: int = 20_000
    root_seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    designs: tuple[dict[str, Any], ...] = ({},)
    reference: str | None = None
    seed_overrides: tuple[dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "regimes", tuple(self.regimes))
        object.__setattr__(self, "designs", tuple(dict(d) for d in self.designs) or ({},))
        object.__setattr__(self, "overrides", dict(self.overrides))
        object.__setattr__(self, "seed_overrides", tuple(dict(d) for d in self.seed_overrides))
        if self.reference is None and self.regimes:
            object.__setattr__(self, "reference", self.regimes[0])

    # --- validation --------------------------------------------------------------------
    def validate(self) -> None:
        """Raise ValueError with a clear message if anything is wrong (nothing is run)."""
        from aiblocs.model.model import check_memory
        from aiblocs.model.params import make_params
        from aiblocs.model.regimes import get_regime

        if not self.regimes:
            raise ValueError("give at least one regime (--regimes)")
        if len(set(self.regimes)) != len(self.regimes):
            raise ValueError(f"regimes must be distinct, got {list(self.regimes)}")
        for name, v in (("seeds", self.n_seeds), ("n_adopters", self.n_adopters)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if (
            isinstance(self.root_seed, bool)
            or not isinstance(self.root_seed, int)
            or self.root_seed < 0
        ):
            raise ValueError(f"root_seed must be a non-negative integer, got {self.root_seed!r}")
        if self.reference not in self.regimes:
            raise ValueError(
                f"reference regime {self.reference!r} is not among the regimes {list(self.regimes)}"
            )
        for d in self.designs:
            clash = {"regime", "n_adopters", "seed"} & (set(d) | set(self.overrides))
            if clash:
                raise ValueError(f"{sorted(clash)} cannot be overridden; use the dedicated options")
        if len({json.dumps(d, sort_keys=True) for d in self.designs}) != len(self.designs):
            raise ValueError("designs must be distinct")
        for row in self.seed_overrides:
            make_params(n_adopters=self.n_adopters, **{**self.overrides, **row})
        for regime in self.regimes:
            reg = get_regime(regime)
            for d in self.designs:
                over = {**self.overrides, **d}
                reg_over = {k: v for k, v in over.items() if k in REGIME_FIELDS}
                par_over = {k: v for k, v in over.items() if k not in REGIME_FIELDS}
                p = make_params(n_adopters=self.n_adopters, **par_over)
                check_memory(p.n_adopters, p.network_degree)  # refuse before any run starts
                if reg_over:
                    reg.with_overrides(**reg_over)

    # --- derived -----------------------------------------------------------------------
    @property
    def design_keys(self) -> list[str]:
        """Names of the parameters varied across designs (order of first appearance)."""
        return list(dict.fromkeys(k for d in self.designs for k in d))

    def seeds(self) -> list[int]:
        """The common run seeds (same for every arm)."""
        return spawn_seeds(self.root_seed, self.n_seeds)

    def runs(self) -> list[Run]:
        """All runs, in a fixed order: design, regime, seed."""
        out = []
        seeds = self.seeds()
        for di, design in enumerate(self.designs):
            for regime in self.regimes:
                tag = re.sub(r"[^A-Za-z0-9_.-]", "_", regime)
                for si, seed in enumerate(seeds):
                    vector = self.seed_overrides[si % len(self.seed_overrides)] if (
                        self.seed_overrides) else {}  # fmt: skip
                    params = {
                        "regime": regime,
                        "n_adopters": self.n_adopters,
                        **self.overrides,
                        **vector,
                        **design,
                    }
                    out.append(Run(f"{tag}__d{di:03d}__s{si:05d}", regime, di, si, seed, params))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (stored in the manifest)."""
        return {
            "regimes": list(self.regimes),
            "n_seeds": self.n_seeds,
            "n_adopters": self.n_adopters,
            "root_seed": self.root_seed,
            "overrides": self.overrides,
            "designs": list(self.designs),
            "reference": self.reference,
            "seed_overrides": list(self.seed_overrides),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            regimes=tuple(data["regimes"]),
            n_seeds=data["n_seeds"],
            n_adopters=data["n_adopters"],
            root_seed=data["root_seed"],
            overrides=data.get("overrides", {}),
            designs=tuple(data.get("designs", [{}])),
            reference=data.get("reference"),
            seed_overrides=tuple(data.get("seed_overrides", [])),
        )

    def fingerprint(self) -> str:
        """Hash of everything that determines the results (the reference does not)."""
        d = self.to_dict()
        d.pop("reference")
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]
