"""MkDocs hooks: pages built from files outside docs/, and fact citations linked to their source.

* The site's home page is the README, its changelog CHANGELOG.md and its sources page the
  package's own ``aiblocs/model/data/SOURCES.md``, so each text has one copy in the repository.
  Paths such as ``docs/ODD.md`` in the README become links between the site's pages.
* A citation of a fact row, ``[27]``, links to that row of the sources page; other bracketed
  numbers (``[0, 3]``, ``[19-25]``) are kept as text, not read as Markdown references.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "aiblocs" / "model" / "data" / "SOURCES.md"
PAGES = {"index.md": ROOT / "README.md", "changelog.md": ROOT / "CHANGELOG.md",
         "sources.md": SOURCES}  # fmt: skip
DOC_PATH = re.compile(r"`docs/([A-Za-z_]+)(\.md|/)`")
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)  # fenced blocks and code spans: left alone
BRACKETS = re.compile(r"(?<![\\\]!])\[([0-9][0-9 ,.\-–]*)\](?!\()")
ROW = re.compile(r"^\| (\d+) \|", re.M)


def _facts() -> set[int]:
    return {int(n) for n in ROW.findall(SOURCES.read_text())}


def _readme(text: str) -> str:
    def link(m: re.Match) -> str:
        target = f"{m[1]}.md" if m[2] == ".md" else f"{m[1]}/report.md"
        return f"[`docs/{m[1]}{m[2]}`]({target})"

    return DOC_PATH.sub(link, text)


def _sources(text: str) -> str:
    return ROW.sub(lambda m: f'| <span id="fact-{m[1]}"></span>{m[1]} |', text)


def on_files(files: Files, config) -> Files:
    """Add the pages made from files outside docs/."""
    for name, source in PAGES.items():
        text = source.read_text()
        text = _readme(text) if name == "index.md" else text
        text = _sources(text) if name == "sources.md" else text
        files.append(File.generated(config, name, content=text))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Link ``[n]`` fact citations to the sources page; keep other bracketed numbers as text."""
    facts = _facts()
    to_sources = posixpath.relpath("sources.md", posixpath.dirname(page.file.src_uri) or ".")

    def cite(m: re.Match) -> str:
        inner = m[1]
        if inner.isdigit() and int(inner) in facts and page.file.src_uri != "sources.md":
            return f"[\\[{inner}\\]]({to_sources}#fact-{inner})"
        return f"\\[{inner}\\]"

    parts = CODE.split(markdown)
    return "".join(p if i % 2 else BRACKETS.sub(cite, p) for i, p in enumerate(parts))
