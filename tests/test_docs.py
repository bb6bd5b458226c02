"""The ODD document stays in step with the code."""

import runpy
from pathlib import Path

from aiblocs.model.params import PARAM_FIELDS

ROOT = Path(__file__).resolve().parents[1]


def test_odd_generated_tables_are_current():
    mod = runpy.run_path(str(ROOT / "scripts" / "odd_tables.py"))
    text = (ROOT / "docs" / "ODD.md").read_text()
    assert mod["render"](text) == text, "run: python scripts/odd_tables.py"


def test_every_parameter_is_documented():
    text = (ROOT / "docs" / "ODD.md").read_text()
    missing = [name for name in PARAM_FIELDS if f"`{name}`" not in text]
    assert not missing
