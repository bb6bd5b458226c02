"""Experiment spec files: ``aiblocs compare --spec FILE`` (TOML, or a results folder's manifest).

A TOML spec names what ``compare``'s options would::

    description = "Containment vs managed access"   # free text (optional)
    regimes = ["containment", "managed_access"]     # presets, .toml paths (relative to this
                                                    # file) or inline tables of regime fields
    seeds = 100                                     # seeds per arm, shared by every arm
    root_seed = 0
    n_adopters = 20000
    reference = "containment"                       # default: the first regime
    calibrated = "shipped"                          # or a sample CSV path; default: none
    draws = 20                                      # with calibrated: 20 vectors x seeds each
    independent_seeds = false                       # true: each arm its own seeds (no CRN)
    outcomes = ["gs_share_cn_stack_2035"]           # outcomes the summary shows first
    [overrides]                                     # fixed for every run
    enforcement = 0.8
    [grid]                                          # full factorial of designs ...
    edwc_optimism = [0.8, 1.0, 1.2]
    # ... or [[design]] tables, one design each

A results folder's ``manifest.json`` (or the JSON its ``spec`` entry holds, which
``ExperimentSpec.to_dict`` writes) re-runs as is. Every error names ``--spec``, the file and the
field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiblocs.ensemble.spec import ExperimentSpec, calibrated_vectors, grid
from aiblocs.model.outcomes import OUTCOMES
from aiblocs.model.regimes import regime_from_dict
from aiblocs.model.tomlfile import read_toml

FIELDS = {
    "description": "free text",
    "regimes": "presets, .toml paths or tables",
    "seeds": "whole number",
    "root_seed": "whole number",
    "n_adopters": "whole number",
    "reference": "regime name",
    "calibrated": "'shipped', a CSV path, or false",
    "draws": "whole number (with calibrated)",
    "independent_seeds": "true or false",
    "outcomes": "outcome names",
    "overrides": "table of name = value",
    "grid": "table of name = [values]",
    "design": "array of tables",
}
"""The fields of a TOML spec file and what each holds."""


@dataclass(frozen=True)
class SpecFile:
    """A loaded spec file: the experiment, the outcomes to show first, a description."""

    spec: ExperimentSpec
    outcomes: tuple[str, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_spec_file(path: str | Path) -> SpecFile:
    """Read and validate a spec file (TOML, or JSON from a results folder).

    Raises:
        ValueError: ``--spec FILE: ...`` naming the field, before anything runs.
    """
    path = Path(path)
    where = f"--spec {path}"
    if path.suffix == ".json":
        data = _read_json(path, where)
        try:
            return SpecFile(ExperimentSpec.from_dict(data))
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
    data = read_toml(path, "--spec")
    try:
        return _from_toml(data, path.parent)
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from None


def _read_json(path: Path, where: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{where} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{where} is not a readable JSON file ({e})") from None
    if isinstance(data, dict) and isinstance(data.get("kind"), str):  # a results manifest
        if data["kind"] != "compare" or "spec" not in data:
            raise ValueError(f"{where} is the manifest of {data['kind']} results, not a compare")
        data = data["spec"]
    if not isinstance(data, dict):
        raise ValueError(f"{where} must hold an experiment spec (a table of fields)")
    return data


def _from_toml(data: dict[str, Any], base: Path) -> SpecFile:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; allowed: {sorted(FIELDS)}")
    if "regimes" not in data or "seeds" not in data:
        raise ValueError("a spec needs 'regimes' and 'seeds'")
    regimes = data["regimes"]
    if not isinstance(regimes, list) or not regimes:
        raise ValueError("'regimes' must be a non-empty array")
    resolved = [_regime(r, base, i) for i, r in enumerate(regimes)]
    overrides = _table(data, "overrides")
    if "n_adopters" in data:
        if "n_adopters" in overrides:
            raise ValueError("n_adopters is given both as a field and in [overrides]")
        overrides["n_adopters"] = data["n_adopters"]
    designs = _designs(data)
    cal = data.get("calibrated", False)
    if cal is not False and not isinstance(cal, str):
        raise ValueError(f"'calibrated' must be 'shipped', a CSV path or false, got {cal!r}")
    vectors = ()
    if cal:
        csv = None if cal == "shipped" else (cal if Path(cal).is_absolute() else base / cal)
        vectors = tuple(calibrated_vectors(csv))
    outcomes = data.get("outcomes", [])
    if not isinstance(outcomes, list) or not all(isinstance(o, str) for o in outcomes):
        raise ValueError("'outcomes' must be an array of outcome names")
    bad = sorted(set(outcomes) - set(OUTCOMES))
    if bad:
        raise ValueError(f"unknown outcome(s) {bad}; see aiblocs/model/outcomes.py")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ValueError("'description' must be text")
    spec = ExperimentSpec(
        regimes=tuple(resolved),
        n_seeds=data["seeds"],
        root_seed=data.get("root_seed", 0),
        overrides=overrides,
        designs=designs,
        reference=data.get("reference"),
        seed_overrides=vectors,
        draws=data.get("draws", 0),
        independent_seeds=data.get("independent_seeds", False),
    )
    return SpecFile(spec, tuple(outcomes), description)


def _regime(entry: Any, base: Path, i: int) -> Any:
    """A regime entry: a preset name, a path relative to the spec file, or an inline table."""
    if isinstance(entry, dict):
        try:
            return regime_from_dict(entry, name=f"regime{i + 1}")
        except ValueError as e:
            raise ValueError(f"regimes[{i}]: {e}") from None
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError(f"regimes[{i}] = {entry!r} must be a preset name, a path or a table")
    if entry.endswith(".toml") and not Path(entry).is_absolute():
        return base / entry
    return entry


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' must be a table ([{key}])")
    return dict(value)


def _designs(data: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    """Designs from ``[grid]`` (full factorial) or ``[[design]]`` tables (not both)."""
    if "grid" in data and "design" in data:
        raise ValueError("give designs either as [grid] or as [[design]] tables, not both")
    if "design" in data:
        rows = data["design"]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("'design' must be an array of tables ([[design]] blocks)")
        return tuple(rows) or ({},)
    axes = _table(data, "grid")
    for key, values in axes.items():
        if not isinstance(values, list) or not values:
            raise ValueError(f"grid '{key}' must be a non-empty array of values")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"grid '{key}' lists a value twice")
    return tuple(grid(**axes)) if axes else ({},)
