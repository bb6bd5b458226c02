"""The package layout's rules (docs/ARCHITECTURE.md): who may import whom, files stay small.

Every ``import`` in aiblocs/, module level or inside a function, is read with ``ast``; a module
may import only from its own package and from the packages listed for it below. The rule makes
the dependency graph a stack with no cycle: the model depends on nothing, the command line on
everything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "aiblocs"
ALLOWED: dict[str, set[str]] = {
    "provenance": set(),
    "model": {"provenance"},
    "viz": {"model", "provenance"},
    "ensemble": {"model", "provenance"},
    "compare": {"model", "ensemble", "viz", "provenance"},
    "sensitivity": {"model", "ensemble", "viz", "provenance"},
    "calibration": {"model", "ensemble", "viz", "provenance"},
    "attribution": {"model", "ensemble", "compare", "viz", "provenance"},
    "cli": {
        "model",
        "ensemble",
        "compare",
        "sensitivity",
        "calibration",
        "attribution",
        "viz",
        "provenance",
    },
    "__init__": {"model", "provenance"},
    "__main__": {"cli"},
}
PACKAGES = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def owner(path: Path) -> str:
    """The package (or top-level module) a source file belongs to."""
    first = path.relative_to(ROOT).parts[0]
    return first.removesuffix(".py")


def targets(path: Path) -> list[tuple[int, str]]:
    """(line, package) of every aiblocs import in a file; ``from aiblocs import x`` -> x."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "aiblocs":
                names = [f"aiblocs.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "aiblocs":
                out.append((node.lineno, parts[1] if len(parts) > 1 else "__init__"))
    return out


def test_every_package_has_a_rule():
    assert set(ALLOWED) >= PACKAGES | {"provenance", "__init__", "__main__"}


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_follow_the_layering(path):
    me = owner(path)
    bad = [(line, pkg) for line, pkg in targets(path) if pkg != me and pkg not in ALLOWED[me]]
    names = {pkg for _, pkg in bad}
    known = {p.removesuffix(".py") for p in (*PACKAGES, "provenance", "__init__")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(names)} (lines "
    f"{[line for line, _ in bad]}); {me} may import only {sorted(ALLOWED[me])} of {sorted(known)}"


def test_the_rule_has_no_cycle():
    seen: dict[str, int] = {}

    def depth(pkg: str, stack: tuple[str, ...] = ()) -> int:
        assert pkg not in stack, f"cycle: {' -> '.join((*stack, pkg))}"
        if pkg not in seen:
            seen[pkg] = 1 + max((depth(d, (*stack, pkg)) for d in ALLOWED[pkg]), default=0)
        return seen[pkg]

    for pkg in ALLOWED:
        depth(pkg)
    assert seen["model"] < seen["ensemble"] < seen["compare"] < seen["cli"]


def test_source_files_stay_small():
    big = {str(p.relative_to(ROOT)): n for p in ROOT.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > 400}  # fmt: skip
    assert not big, f"files over 400 lines: {big}"


def test_the_import_checker_sees_a_violation(tmp_path):
    """The checker is not vacuous: an upward import inside a function is found."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from aiblocs.compare import stats\n    import aiblocs.cli\n")
    assert [pkg for _, pkg in targets(bad)] == ["compare", "cli"]
