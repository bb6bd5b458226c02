"""Publishing: the documentation site builds without warnings and offline, the licence and the
citation file agree with the package, and every fact the package cites has its source."""

import io
import re
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "aiblocs" / "model" / "data" / "SOURCES.md"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CITE = re.compile(r"(?<![\w(=\]])\[(\d{1,3}(?:\s*[-–,]\s*\d{1,3})*)\]")
CODE = re.compile(r"``.*?``", re.S)


def test_site_builds_strict_and_offline(tmp_path):
    pytest.importorskip("mkdocs", reason="the documentation site needs the 'docs' extra")
    pytest.importorskip("mkdocstrings_handlers.python", reason="needs the 'docs' extra")
    site = tmp_path / "site"
    argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "WARNING" not in proc.stderr
    pages = {p.name for p in site.glob("*.html")}
    assert {"index.html", "ODD.html", "ARCHITECTURE.html", "calibration.html", "api.html",
            "interop.html", "figures.html", "sources.html", "changelog.html"} <= pages  # fmt: skip
    assert (site / "sensitivity" / "report.html").exists()
    external = re.compile(r"<(?:script|link)[^>]*(?:src|href)=\"(?:https?:)?//", re.I)
    for page in site.rglob("*.html"):
        assert not external.search(page.read_text()), f"{page.name} loads an external asset"
    api = (site / "api.html").read_text()
    assert "aiblocs.model.run.evaluate" in api and "share_ci" in api  # from the docstrings
    home = (site / "index.html").read_text()
    assert "A tour in ten lines" in home and 'href="ODD.html"' in home  # the README
    calibration = (site / "calibration.html").read_text()
    assert 'href="sources.html#fact-' in calibration  # fact citations link to their source
    assert 'id="fact-27"' in (site / "sources.html").read_text()


def test_licence_citation_and_changelog_agree_with_the_package():
    yaml = pytest.importorskip("yaml", reason="CITATION.cff is YAML (PyYAML comes with mkdocs)")
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    assert cff["version"] == PYPROJECT["project"]["version"] and cff["authors"]
    assert f"## {PYPROJECT['project']['version']}" in (ROOT / "CHANGELOG.md").read_text()


def _rows(group: str) -> set[int]:
    out: set[int] = set()
    for part in re.split(r"\s*,\s*", group):
        ends = [int(x) for x in re.split(r"\s*[-–]\s*", part)]
        out |= set(range(ends[0], ends[-1] + 1))
    return out


def cited_rows() -> dict[int, set[str]]:
    """Fact rows cited as ``[n]`` in the package's data files, parameter sources and comments."""
    from aiblocs.model.params import PARAM_FIELDS

    texts = [("params", f.metadata.get("source", "")) for f in PARAM_FIELDS.values()]
    for path in (ROOT / "aiblocs").rglob("*"):
        if path.suffix == ".toml":
            texts.append((path.name, path.read_text()))
        elif path.suffix == ".py":
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
            texts += [(path.name, t.string) for t in tokens
                      if t.type in (tokenize.COMMENT, tokenize.STRING)]  # fmt: skip
    found: dict[int, set[str]] = {}
    for where, text in texts:
        for m in CITE.finditer(CODE.sub("", text)):
            rows = _rows(m[1])
            if min(rows) >= 1:  # [0, 1] is a range, not a citation
                for n in rows:
                    found.setdefault(n, set()).add(where)
    return found


def test_every_cited_fact_has_a_primary_source():
    text = SOURCES.read_text()
    table = {int(line.split("|")[1]): [c.strip() for c in line.strip().strip("|").split("|")]
             for line in text.splitlines() if re.match(r"^\| \d+ \|", line)}  # fmt: skip
    gaps = {
        int(n) for n in re.findall(r"\d+", re.search(r"Row numbers ([\d, and]+) do not", text)[1])
    }
    cited = cited_rows()
    assert len(cited) > 80 and {8, 27, 129, 136} <= set(cited)
    missing = {n: sorted(w) for n, w in cited.items() if n not in table and n not in gaps}
    assert not missing, f"cited but not in SOURCES.md: {missing}"
    kinds = ("original", "publisher's site or index", "consulted copy", "no public address")
    for n, cells in table.items():
        primary, address, kind = cells[6], cells[7], cells[8]
        assert len(primary) > 15 and re.search(r"(19|20)\d\d", primary), f"row {n}: {primary}"
        assert kind.startswith(kinds), f"row {n}: address kind {kind!r}"
        if kind == "no public address":
            assert address == "—" and "Rosa & Roubini" in primary
        else:
            assert re.fullmatch(r"<https?://[^\s>]+>", address), f"row {n}: {address}"
