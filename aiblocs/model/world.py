"""The model's world: countries, sectors, firms and hubs, read from validated data files.

Four TOML files in ``aiblocs/model/data/`` hold the tables the model is built from:

- ``countries.toml``: ``[[country]]`` (region, income, infrastructure, alignment, hosting rule,
  cloud presence, market access, weight within the region);
- ``sectors.toml``: ``[[sector]]`` (share of each country's units, affordability, hosting rule);
- ``firms.toml``: ``[[designer]]`` chip designers, ``[[cloud]]`` cloud providers and ``[[lab]]``
  model labs, each with its bloc and its weight within the bloc;
- ``hubs.toml``: ``[[hub]]`` the EDWC hubs (east or west, optimism, share of the EDWC budget).

Each entry becomes a frozen record (:class:`Country`, :class:`Sector`, :class:`Designer`,
:class:`Cloud`, :class:`Lab`, :class:`Hub`). Loading checks every field's type and range, refuses
missing and unknown fields and duplicate names, and checks that weights sum to 1 within their
group (per bloc for firms, per region for countries, over all sectors and all hubs); an error is a
``ValueError`` naming the file, the entry and the field with its allowed range.
"""

from __future__ import annotations

import functools
import math
import numbers
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

BLOCS = ("US", "CN")
REGIONS = ("US", "CN", "GS")
WEIGHT_TOLERANCE = 1e-9  # weights are decimals typed by hand: 0.05 + 0.30 + ... is not exactly 1


def spec(
    kind: str,
    doc: str,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    *,
    choices: tuple[str, ...] = (),
    lo_open: bool = False,
) -> Any:
    """Declare a record field: ``kind`` is ``name``, ``choice``, ``number`` or ``flag``.

    A number lies in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``), a choice in ``choices``.
    """
    meta = {"kind": kind, "doc": doc, "lo": lo, "hi": hi, "unit": unit, "choices": choices,
            "lo_open": lo_open}  # fmt: skip
    return field(metadata=meta)


def allowed(f: Any) -> str:
    """The allowed values of a record field, as shown in messages and the ODD."""
    m = f.metadata
    if m["kind"] == "choice":
        return "one of " + ", ".join(m["choices"])
    if m["kind"] == "flag":
        return "true or false"
    if m["kind"] == "name":
        return "a non-empty string"
    bounds = f"{'(' if m['lo_open'] else '['}{m['lo']:g}, {m['hi']:g}]"
    return f"{bounds} ({m['unit']})" if m["unit"] else bounds


def _share(doc: str) -> Any:
    return spec("number", doc, 0, 1, "share", lo_open=True)


@dataclass(frozen=True)
class Country:
    """A country (or group of countries) whose adopters the model simulates."""

    name: str = spec("name", "country name")
    region: str = spec("choice", "region", choices=REGIONS)
    weight: float = _share("share of its region's adopter units")
    income: float = spec("number", "GDP per head", 0, 1000, "USD thousand", lo_open=True)
    population: float = spec("number", "people aged 15-64", 0, 5000, "million", lo_open=True)
    infra: float = spec("number", "digital infrastructure index", 0, 1, "index")
    alignment: float = spec("number", "political alignment, -1 China to +1 US", -1, 1, "index")
    sovereignty: bool = spec("flag", "data must be hosted locally")
    us_presence: float = spec("number", "US cloud regions in or near the country", 0, 1, "index")
    cn_presence: float = spec("number", "Chinese cloud regions in or near it", 0, 1, "index")
    access_us: float = spec("number", "market access of the US stack (0: not sold)", 0, 1, "share")
    access_cn: float = spec("number", "market access of the Chinese stack", 0, 1, "share")


@dataclass(frozen=True)
class Sector:
    """A sector of adopters within every country."""

    name: str = spec("name", "sector name")
    share: float = _share("share of each country's adopter units")
    afford: float = spec("number", "relative usefulness and readiness", 0, 1, "ratio")
    must_host: bool = spec("flag", "data must be hosted locally whatever the country's rule")


@dataclass(frozen=True)
class Designer:
    """A chip designer; its ecosystem maturity is a multiple of its bloc's parameter."""

    name: str = spec("name", "firm name")
    bloc: str = spec("choice", "bloc", choices=BLOCS)
    weight: float = _share("share of its bloc's capacity and sales")
    ecosystem_mult: float = spec(
        "number", "ecosystem vs ecosystem_us (US) or ecosystem_cn0 (CN)", 0, 1, "ratio"
    )
    cost_mult: float = spec("number", "cost vs the bloc's price per H100e", 0.1, 10, "ratio")


@dataclass(frozen=True)
class Cloud:
    """A cloud provider (hyperscaler or Chinese cloud)."""

    name: str = spec("name", "firm name")
    bloc: str = spec("choice", "bloc", choices=BLOCS)
    weight: float = _share("share of its bloc's commercial chip budget and fleet")


@dataclass(frozen=True)
class Lab:
    """A model lab."""

    name: str = spec("name", "firm name")
    bloc: str = spec("choice", "bloc", choices=BLOCS)
    weight: float = _share("share of its bloc's training compute")
    openness: float = spec("number", "share of its models released as open weights", 0, 1, "share")


@dataclass(frozen=True)
class Hub:
    """An EDWC computing hub and its province's government."""

    name: str = spec("name", "hub name")
    east: bool = spec("flag", "eastern hub (close to demand) rather than western")
    optimism_mult: float = spec("number", "multiplier of edwc_optimism", 0, 10, "ratio")
    weight: float = _share("share of the EDWC build budget")


@dataclass(frozen=True)
class Table:
    """One ``[[key]]`` array of a data file: its record type and how its weights are grouped."""

    key: str
    record: type
    weight: str
    group: str | None = None  # field whose values group the weights (None: one group)
    groups: tuple[str, ...] = ()  # groups that must be present


COUNTRY = Table("country", Country, "weight", "region", REGIONS)
SECTOR = Table("sector", Sector, "share")
DESIGNER = Table("designer", Designer, "weight", "bloc", BLOCS)
CLOUD = Table("cloud", Cloud, "weight", "bloc", BLOCS)
LAB = Table("lab", Lab, "weight", "bloc", BLOCS)
HUB = Table("hub", Hub, "weight")
FILES: dict[str, tuple[Table, ...]] = {
    "countries.toml": (COUNTRY,),
    "sectors.toml": (SECTOR,),
    "firms.toml": (DESIGNER, CLOUD, LAB),
    "hubs.toml": (HUB,),
}


@dataclass(frozen=True)
class World:
    """Every table of the world, in file order (the order agents are built and summed in)."""

    countries: tuple[Country, ...]
    sectors: tuple[Sector, ...]
    designers: tuple[Designer, ...]
    clouds: tuple[Cloud, ...]
    labs: tuple[Lab, ...]
    hubs: tuple[Hub, ...]


def _value(f: Any, v: Any, where: str) -> Any:
    """``v`` checked against field ``f`` (plain Python type), or ``ValueError`` naming it."""
    m = f.metadata
    bad = f"{where}: field '{f.name}' = {v!r} must be {allowed(f)}"
    if m["kind"] == "flag":
        if not isinstance(v, bool):
            raise ValueError(bad)
        return v
    if m["kind"] in ("name", "choice"):
        if not isinstance(v, str) or not v.strip():
            raise ValueError(bad)
        if m["kind"] == "choice" and v not in m["choices"]:
            raise ValueError(bad)
        return v
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ValueError(bad)
    x = float(v)
    below = x <= m["lo"] if m["lo_open"] else x < m["lo"]
    if not math.isfinite(x) or below or x > m["hi"]:
        raise ValueError(
            f"{where}: field '{f.name}' = {v!r} is outside its allowed range {allowed(f)}"
        )
    return x


def _record(table: Table, row: Any, i: int, file: str) -> Any:
    name = row.get("name") if isinstance(row, dict) else None
    where = f"{file}: {table.key} " + (f"'{name}'" if isinstance(name, str) else f"#{i + 1}")
    if not isinstance(row, dict):
        raise ValueError(f"{where} must be a table ([[{table.key}]] block)")
    spec_fields = fields(table.record)
    names = [f.name for f in spec_fields]
    unknown = sorted(set(row) - set(names))
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}; allowed: {', '.join(names)}")
    missing = [n for n in names if n not in row]
    if missing:
        f = next(f for f in spec_fields if f.name == missing[0])
        raise ValueError(f"{where}: missing field '{f.name}' ({f.metadata['doc']}; {allowed(f)})")
    return table.record(**{f.name: _value(f, row[f.name], where) for f in spec_fields})


def _check_weights(table: Table, records: tuple, file: str) -> None:
    groups: dict[str | None, list[float]] = {g: [] for g in table.groups}
    for r in records:
        groups.setdefault(getattr(r, table.group) if table.group else None, []).append(
            getattr(r, table.weight)
        )
    for g, weights in groups.items():
        of = f" of {table.group} '{g}'" if table.group else ""
        if not weights:
            raise ValueError(f"{file}: no {table.key}{of}; every {table.group} needs at least one")
        total = math.fsum(weights)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise ValueError(
                f"{file}: field '{table.weight}' of the {table.key} entries{of} sums to "
                f"{total:.12g}, not 1"
            )


def parse_file(text: str, file: str) -> dict[str, tuple]:
    """Validate the text of the data file named ``file`` (a key of :data:`FILES`).

    Returns ``{table key: records}``. Messages start with ``file``.
    """
    tables = FILES[Path(file).name]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{file} is not valid TOML: {e}") from None
    keys = [t.key for t in tables]
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise ValueError(
            f"{file}: unknown table(s) {unknown}; expected [[{']], [['.join(keys)}]] blocks"
        )
    out: dict[str, tuple] = {}
    for t in tables:
        rows = data.get(t.key)
        if not isinstance(rows, list) or not rows:
            raise ValueError(f"{file}: expected a non-empty array of [[{t.key}]] tables")
        records = tuple(_record(t, row, i, file) for i, row in enumerate(rows))
        seen: set[str] = set()
        for r in records:
            if r.name in seen:
                raise ValueError(f"{file}: {t.key} '{r.name}' appears more than once")
            seen.add(r.name)
        _check_weights(t, records, file)
        out[t.key] = records
    return out


def load_file(path: str | Path) -> dict[str, tuple]:
    """Read and validate one data file; its name (``firms.toml`` ...) says which tables it holds."""
    path = Path(path)
    if path.name not in FILES:
        raise ValueError(f"{path}: not a world data file; expected one of {', '.join(FILES)}")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: cannot read it ({e})") from None
    return parse_file(text, str(path))


@functools.cache
def load_world(folder: str | Path | None = None) -> World:
    """The world tables from ``folder`` (default: the packaged data), validated; read once."""
    tables: dict[str, tuple] = {}
    for name in FILES:
        if folder is None:
            text = (resources.files("aiblocs.model.data") / name).read_text()
            tables |= parse_file(text, name)
        else:
            tables |= load_file(Path(folder) / name)
    return World(
        countries=tables["country"],
        sectors=tables["sector"],
        designers=tables["designer"],
        clouds=tables["cloud"],
        labs=tables["lab"],
        hubs=tables["hub"],
    )
