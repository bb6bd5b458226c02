"""The ODD document stays in step with the code."""

import ast
import math
import re
import runpy
from pathlib import Path

import pytest

from aiblocs.model.params import PARAM_FIELDS, calibrated_values, default_params, param_table

ROOT = Path(__file__).resolve().parents[1]


def test_odd_generated_tables_are_current():
    mod = runpy.run_path(str(ROOT / "scripts" / "odd_tables.py"))
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert mod["render"](text) == text, "run: python scripts/odd_tables.py"


def test_every_parameter_is_documented():
    text = (ROOT / "docs" / "ODD.md").read_text()
    missing = [name for name in PARAM_FIELDS if f"`{name}`" not in text]
    assert not missing


# --- the ODD names every parameter and mechanism of the code; sources support values ------------

SOURCES = ROOT / "aiblocs" / "model" / "data" / "SOURCES.md"
MECHANISMS = ("chips", "capacity", "capability", "markets", "adoption", "network", "metrics")


def odd_prose() -> str:
    """The ODD without its generated tables (a name listed only there is not described)."""
    text = (ROOT / "docs" / "ODD.md").read_text()
    return re.sub(r"<!-- generated[^\n]*-->\n(\|[^\n]*\n)+", "", text)


def test_every_parameter_is_described_outside_the_generated_tables():
    prose = odd_prose()
    missing = [n for n in PARAM_FIELDS if not re.search(rf"\b{n}\b", prose)]
    assert not missing, f"describe these in docs/ODD.md §2-§7: {missing}"


def test_every_parameter_a_mechanism_reads_is_in_the_odd():
    """Each ``p.<name>`` read by the model's code is a Params field named in the ODD's prose."""
    prose = odd_prose()
    model_dir = ROOT / "aiblocs" / "model"
    files = [model_dir / f"{m}.py" for m in ("model", *MECHANISMS)]
    files += list((model_dir / "agents").glob("*.py"))
    read = set()
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            attr = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if attr and node.value.id == "p":
                read.add(node.attr)
    assert len(read) > 80
    unknown = sorted(read - set(PARAM_FIELDS) - {"replace", "validate"})
    assert not unknown, f"p.{unknown} is not a Params field"
    assert not [n for n in read & set(PARAM_FIELDS) if not re.search(rf"\b{n}\b", prose)]


def public_names(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            names.append(node.name)
        if isinstance(node, ast.ClassDef):
            names += [f.name for f in node.body
                      if isinstance(f, ast.FunctionDef) and not f.name.startswith("_")]  # fmt: skip
    return names


def test_every_mechanism_named_in_the_code_is_in_the_odd():
    """Public functions and classes of the mechanism modules, agents' methods, and every call the
    schedule makes in ``AIBlocsModel.step`` appear in the ODD."""
    text = (ROOT / "docs" / "ODD.md").read_text()
    names = []
    for mod in MECHANISMS:
        names += public_names(ast.parse((ROOT / "aiblocs" / "model" / f"{mod}.py").read_text()))
    for f in (ROOT / "aiblocs" / "model" / "agents").glob("*.py"):
        names += [n for n in public_names(ast.parse(f.read_text())) if n not in {"size", "tiers"}]
    model = ast.parse((ROOT / "aiblocs" / "model" / "model.py").read_text())
    step = next(n for n in ast.walk(model) if isinstance(n, ast.FunctionDef) and n.name == "step")
    calls = {c.func.attr for c in ast.walk(step)
             if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)}  # fmt: skip
    calls |= {c.func.id for c in ast.walk(step)
              if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}  # fmt: skip
    names += sorted(c for c in calls if not c.startswith("_") and c not in dir(__builtins__)
                    and c not in {"exp", "log", "get", "values", "collect"})  # fmt: skip
    assert len(names) > 40
    missing = sorted({n for n in names if n not in text})
    assert not missing, f"name these in docs/ODD.md: {missing}"


def source_rows() -> set[int]:
    return {int(n) for n in re.findall(r"^\| (\d+) \|", SOURCES.read_text(), re.M)}


CONVENTIONS = ("assumption", "design brief", "modelling choice", "docking", "logit", "def.",
               "normalisation", "H100 = 1", "5-year life", "H200 vs B200")  # fmt: skip


def test_every_parameter_source_is_a_row_or_says_assumption():
    """A source cites facts rows that exist, or says plainly what kind of value it is."""
    rows = source_rows()
    for r in param_table():
        source = r["source"]
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", source)}
        assert cited <= rows, f"{r['name']}: rows {sorted(cited - rows)} are not in SOURCES.md"
        assert cited or any(c in source for c in CONVENTIONS), f"{r['name']}: {source!r}"
        if r["name"] in calibrated_values():
            assert source.endswith("(calibrated)")


def test_cited_rows_exist():
    """Every facts row the package or its documents cite is in the package's SOURCES.md."""
    rows = source_rows()
    files = [*(ROOT / "aiblocs").rglob("*.py"), *(ROOT / "aiblocs").rglob("*.toml"),
             ROOT / "docs" / "ODD.md", ROOT / "docs" / "calibration.md"]  # fmt: skip
    missing = {}
    for f in files:
        for group in re.findall(r"\[(\d+(?:, ?\d+)*)\]", f.read_text()):
            for n in map(int, group.split(",")):
                if 0 < n < 200 and n not in rows:
                    missing.setdefault(n, set()).add(f.name)
    assert not missing, missing


def test_values_the_sources_pin_down():
    """Where a source gives the number, the value is that number (the sources quote the sums)."""
    p = default_params()
    assert p.price_per_perf_decline == pytest.approx(math.log(1.3), abs=0.005)  # [109] +30%/yr
    assert p.compliant_perf_share == pytest.approx(0.15)  # [56] H20 ~14-15% of an H100
    assert p.loosened_fee == 0.25 and p.loosened_cap == 0.5  # [14], [57]
    assert p.us_price0 == 20.0  # [109] GPT-3.5-level price, Nov 2022
    # [91], [92]: US capex 226 -> 380 bn (2024 -> 2025); the model's growth rate in 2025, after
    # the spend_horizon slowdown, is us_budget_growth * exp(-3.5 / spend_horizon)
    observed = math.log(380 / 226)
    model = p.us_budget_growth * math.exp(-3.5 / p.spend_horizon)
    assert model == pytest.approx(observed, rel=0.15)
    assert p.cn_wafers0 * math.exp(3 * p.cn_wafer_growth) == pytest.approx(50_000, rel=0.15)  # [67]
