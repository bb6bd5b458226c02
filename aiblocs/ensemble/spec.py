"""Experiment spec: regimes x designs (parameter overrides) x seeds, with common random numbers.

Every (regime, design) *arm* runs on the same seeds, spawned once from one root
``numpy.random.SeedSequence`` (:func:`spawn_seeds`, the one seed scheme of the package), so regime
effects are paired differences seed by seed. ``independent_seeds`` instead gives each arm its own
seeds (:func:`arm_seeds`), to measure what the common seeds gain; ``draws`` nests seeds in
parameter vectors (K vectors x S seeds, the same S seeds for every vector), so the variance of an
outcome splits into parameter and seed parts. Building a spec validates every input once and
builds every run's :class:`Scenario`; nothing runs before that has succeeded.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aiblocs.model.regimes import Regime, get_regime, regime_from_dict
from aiblocs.model.scenario import Scenario

MAX_SEEDS = 100_000
MAX_RUNS = 1_000_000


def spawn_seeds(root_seed: int, n: int) -> list[int]:
    """``n`` run seeds from ``SeedSequence(root_seed)``: the k-th seed never depends on ``n``."""
    children = np.random.SeedSequence(root_seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def arm_seeds(root_seed: int, arm: int, n: int) -> list[int]:
    """``n`` seeds of arm ``arm`` alone (``independent_seeds``), from ``SeedSequence(root_seed)``.

    They are the children of spawn key ``MAX_SEEDS + arm``, which the common seeds (keys
    ``0 .. MAX_SEEDS - 1``) never use, so no two arms share a seed.
    """
    children = np.random.SeedSequence(root_seed, spawn_key=(MAX_SEEDS + arm,)).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def grid(**values: list[Any]) -> list[dict[str, Any]]:
    """Full-factorial designs: ``grid(a=[1, 2], b=[3])`` -> ``[{a:1,b:3}, {a:2,b:3}]``."""
    keys = list(values)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values.values())]


def design_label(design: dict[str, Any]) -> str:
    """Short label of a design, e.g. ``edwc_optimism=0.8`` (``base`` if it overrides nothing)."""
    return ", ".join(f"{k}={v}" for k, v in design.items()) or "base"


def _plain(v: Any) -> Any:
    """A JSON-ready Python scalar for numpy numbers (bool, int, float, str unchanged)."""
    if isinstance(v, bool | str) or v is None:
        return v
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        return float(v)
    return v


def _count(name: str, v: Any, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not lo <= v <= hi:
        raise ValueError(f"{name} must be a whole number in [{lo}, {hi:,}], got {v!r}")
    return int(v)


@dataclass(frozen=True)
class Run:
    """One model run of an experiment (an arm on one seed).

    Attributes:
        run_id: unique within the experiment and bound to its content (arm, design, seed index
            and a hash of the scenario and seed).
        arm: index of the (regime, design) arm; regime: the regime's label; design: index.
        seed_index, seed: position in the common seed list (with ``draws``: ``draw * n_seeds +
            seed position``), and the seed itself.
        scenario: the validated input of the run.
        values: every parameter or regime field this run sets (fixed overrides, calibrated
            draw, design values): the provenance columns of its rows.
        draw: index of the calibrated parameter vector the run uses (None without one).
    """

    run_id: str
    arm: int
    regime: str
    design: int
    seed_index: int
    seed: int
    scenario: Scenario
    values: dict[str, Any]
    draw: int | None = None


@dataclass(frozen=True)
class ExperimentSpec:
    """What to run.

    Args:
        regimes: regime preset names, TOML paths or :class:`Regime` objects to compare.
        n_seeds: number of seeds; every arm runs on all of them (common random numbers).
        root_seed: root of the ``SeedSequence`` the run seeds are spawned from.
        overrides: fixed parameter / regime-field overrides for every run (``n_adopters``
            included: it is a parameter like any other).
        designs: list of override dicts (use :func:`grid` for a full factorial); one "design"
            per entry, crossed with every regime. ``[{}]`` means no variation.
        reference: regime label the others are compared with (default: the first).
        seed_overrides: optional parameter vectors, one per seed index (cycled): seed i of every
            arm uses vector ``i % len``, so regime contrasts stay paired and also span parameter
            uncertainty (``aiblocs compare --calibrated``).
        draws: 0 (default) for the above; K > 0 for a nested design: the first K vectors of
            ``seed_overrides``, each run on all ``n_seeds`` seeds (the same seeds for every
            vector), ``K * n_seeds`` runs per arm (``aiblocs compare --calibrated --draws K``).
        independent_seeds: give each arm its own seeds instead of the common ones (no common
            random numbers; to measure what they gain).

    Raises:
        ValueError: naming the field, on any invalid input (at construction).
    """

    regimes: tuple[str | Path | Regime, ...]
    n_seeds: int
    root_seed: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)
    designs: tuple[dict[str, Any], ...] = ({},)
    reference: str | None = None
    seed_overrides: tuple[dict[str, Any], ...] = ()
    draws: int = 0
    independent_seeds: bool = False

    def __post_init__(self) -> None:
        def setattr_(k: str, v: Any) -> None:
            object.__setattr__(self, k, v)

        if isinstance(self.regimes, str | Path | Regime):
            setattr_("regimes", (self.regimes,))
        setattr_("regimes", tuple(self.regimes))
        setattr_("overrides", {k: _plain(v) for k, v in dict(self.overrides).items()})
        setattr_(
            "designs",
            tuple({k: _plain(v) for k, v in dict(d).items()} for d in self.designs) or ({},),
        )
        setattr_(
            "seed_overrides",
            tuple({k: _plain(v) for k, v in dict(d).items()} for d in self.seed_overrides),
        )
        setattr_("n_seeds", _count("seeds", self.n_seeds, 1, MAX_SEEDS))
        setattr_("root_seed", _count("root_seed", self.root_seed, 0, 2**63 - 1))
        if self.draws and not self.seed_overrides:
            raise ValueError("draws need calibrated parameter vectors (--calibrated)")
        setattr_("draws", _count("draws", self.draws, 0, max(1, len(self.seed_overrides))))
        if not isinstance(self.independent_seeds, bool | np.bool_):
            raise ValueError(
                f"independent_seeds must be true or false, got {self.independent_seeds!r}"
            )
        setattr_("independent_seeds", bool(self.independent_seeds))
        if not self.regimes:
            raise ValueError("give at least one regime (--regimes)")
        resolved = tuple(get_regime(r) for r in self.regimes)
        labels = [r.name for r in resolved]
        if len(set(labels)) != len(labels):
            dup = sorted({x for x in labels if labels.count(x) > 1})
            raise ValueError(
                f"regimes must be distinct; these names appear twice: {dup} "
                "(a regime file's name is its 'name' field or its file stem)"
            )
        setattr_("_resolved", resolved)
        if self.reference is None:
            setattr_("reference", labels[0])
        if self.reference not in labels:
            raise ValueError(
                f"reference regime {self.reference!r} is not among the regimes {labels}"
            )
        if len({json.dumps(d, sort_keys=True) for d in self.designs}) != len(self.designs):
            raise ValueError("designs must be distinct")
        for d in (self.overrides, *self.designs, *self.seed_overrides):
            for bad in ("regime", "seed"):
                if bad in d:
                    raise ValueError(f"['{bad}'] cannot be overridden; use the dedicated options")
        clash = sorted(set(self.overrides) & {k for d in self.designs for k in d})
        if clash:
            raise ValueError(
                f"{clash} set both as a fixed override (--set) and as a design "
                "axis (--grid); give each parameter once"
            )
        n_runs = len(resolved) * len(self.designs) * self.n_seeds * max(1, self.draws)
        if n_runs > MAX_RUNS:
            raise ValueError(
                f"{n_runs:,} runs exceed the limit of {MAX_RUNS:,}; use fewer "
                "seeds, regimes or designs"
            )
        setattr_("_runs", self._build())

    # --- derived -----------------------------------------------------------------------------
    @property
    def labels(self) -> tuple[str, ...]:
        """Regime labels, in order (a preset's name, a file's ``name`` or stem)."""
        return tuple(r.name for r in self._resolved)

    @property
    def design_keys(self) -> list[str]:
        """Names of the parameters varied across designs (order of first appearance)."""
        return list(dict.fromkeys(k for d in self.designs for k in d))

    def arms(self) -> list[tuple[int, str, int]]:
        """``(arm index, regime label, design index)`` for every arm, in run order."""
        pairs = itertools.product(range(len(self.designs)), self.labels)
        return [(i, label, d) for i, (d, label) in enumerate(pairs)]

    def seeds(self, arm: int | None = None) -> list[int]:
        """The run seeds of ``arm``: the common seeds, or its own with ``independent_seeds``.

        With ``arm=None``, the common seeds.
        """
        if self.independent_seeds and arm is not None:
            return arm_seeds(self.root_seed, arm, self.n_seeds)
        return spawn_seeds(self.root_seed, self.n_seeds)

    @property
    def n_units(self) -> int:
        """Runs per arm: ``n_seeds``, times ``draws`` in a nested design."""
        return self.n_seeds * max(1, self.draws)

    def runs(self) -> list[Run]:
        """All runs, in a fixed order: design, regime, seed."""
        return list(self._runs)

    def _build(self) -> tuple[Run, ...]:
        out = []
        base = {reg.name: Scenario.build(reg, **self.overrides) for reg in self._resolved}
        vectors = self.seed_overrides
        for arm, label, di in self.arms():
            seeds = self.seeds(arm)
            design = self.designs[di]
            arm_scn = base[label].replace(**design)
            for si in range(self.n_units):
                seed = seeds[si % self.n_seeds]
                draw = (
                    (si // self.n_seeds if self.draws else si % len(vectors)) if vectors else None
                )
                vector = vectors[draw] if vectors else {}
                scn = arm_scn.replace(**{k: v for k, v in vector.items() if k not in design})
                values = {**self.overrides, **vector, **design}
                digest = hashlib.sha256(f"{scn.fingerprint()}|{seed}".encode()).hexdigest()[:8]
                run_id = f"a{arm:02d}-d{di:03d}-s{si:05d}-{digest}"
                out.append(Run(run_id, arm, label, di, si, seed, scn, values, draw))
        return tuple(out)

    # --- records -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description; regimes as their full content, so it re-runs as is.

        ``draws`` and ``independent_seeds`` appear only when set (older specs stay the same).
        """
        extra = {"draws": self.draws} if self.draws else {}
        if self.independent_seeds:
            extra["independent_seeds"] = True
        return {
            "regimes": [r.to_dict() for r in self._resolved],
            "n_seeds": self.n_seeds,
            "root_seed": self.root_seed,
            "overrides": self.overrides,
            "designs": list(self.designs),
            "reference": self.reference,
            "seed_overrides": list(self.seed_overrides),
            **extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExperimentSpec:
        """Inverse of :meth:`to_dict` (regimes may also be names or paths)."""
        if not isinstance(data, dict):
            raise ValueError("an experiment spec must be a table of fields")
        allowed = {
            "regimes",
            "n_seeds",
            "root_seed",
            "overrides",
            "designs",
            "reference",
            "seed_overrides",
            "draws",
            "independent_seeds",
        }
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"unknown experiment field(s) {unknown}; allowed: {sorted(allowed)}")
        for key in ("regimes", "n_seeds"):
            if key not in data:
                raise ValueError(f"experiment spec needs '{key}'")
        regimes = [regime_from_dict(r) if isinstance(r, dict) else r for r in data["regimes"]]
        return cls(
            regimes=tuple(regimes),
            n_seeds=data["n_seeds"],
            root_seed=data.get("root_seed", 0),
            overrides=data.get("overrides", {}),
            designs=tuple(data.get("designs", [{}])),
            reference=data.get("reference"),
            seed_overrides=tuple(data.get("seed_overrides", [])),
            draws=data.get("draws", 0),
            independent_seeds=data.get("independent_seeds", False),
        )

    def identity(self) -> dict[str, Any]:
        """Everything that determines the results (content, not paths; not the reference)."""
        d = self.to_dict()
        d.pop("reference")
        return d


def value_columns(runs: list[Run]) -> dict[str, str]:
    """Provenance column kinds: every parameter a run sets -> ``float`` if numeric, else ``str``."""
    keys = list(dict.fromkeys(k for r in runs for k in r.values))
    kinds = {}
    for key in keys:
        vals = [r.values[key] for r in runs if key in r.values]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals)
        kinds[key] = "float" if numeric else "str"
    return kinds


def calibrated_vectors(path: str | Path | None = None) -> list[dict[str, float]]:
    """Parameter vectors from a calibration sample CSV (None: the one shipped with the model).

    Raises:
        ValueError: naming the file and the column if it cannot be read, names something that
            is not a parameter (``n_adopters``, ``start`` and ``end`` are run settings, not
            calibrated values), or holds a non-numeric value.
    """
    import pandas as pd

    from aiblocs.model.params import PARAM_FIELDS

    if path is None:
        from importlib import resources

        path = str(resources.files("aiblocs.model.data") / "calibrated_sample.csv")
    try:
        df = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ValueError(f"--calibrated: cannot read a sample from {path}: {e}") from None
    unknown = sorted(set(df.columns) - set(PARAM_FIELDS))
    settings = sorted(set(df.columns) & {"n_adopters", "start", "end", "well_mixed"})
    if unknown or settings or df.empty:
        raise ValueError(
            f"--calibrated: {path} must have one column per calibrated parameter "
            f"and at least one row; not parameters: {unknown + settings}"
        )
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or df[col].isna().any():
            raise ValueError(f"--calibrated: {path}, column '{col}' must hold numbers in every row")
    return [{k: float(v) for k, v in row.items()} for row in df.to_dict("records")]
