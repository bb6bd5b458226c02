"""Mutation testing of aiblocs: mutmut over the result-producing code, and docs/testing.md.

Usage (``make mutation`` runs ``run``):
    python scripts/mutation.py run [--workers N]   mutmut, then the issue's mutations, then report
    python scripts/mutation.py recheck              test survivors again (after adding tests)
    python scripts/mutation.py listed               only the issue's mutations (scratch copies)
    python scripts/mutation.py report               only rewrite docs/testing.md from mutants/

What is mutated, and which tests run, is configured by paths in ``[tool.mutmut]`` of
pyproject.toml, so the set-up survives code changes; mutmut keeps each mutant's result in
``mutants/`` until the function it lives in changes, so a second run only tests what changed.
Mutants judged equivalent (no test can tell them apart) are listed with the reason in
``scripts/mutation_equivalent.toml``, matched by function and mutated line, not by number.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "testing.md"
EQUIVALENT = ROOT / "scripts" / "mutation_equivalent.toml"
RUNTIME = ROOT / "mutants" / "aiblocs-runtime.json"
# The model's mechanisms and agents: the 80% goal applies here (the outcome registry's labels
# and the calendar's plot ticks are reported with the analysis code).
MECHANISMS = (
    "model",
    "adoption",
    "fastpath",
    "network",
    "chips",
    "capacity",
    "capability",
    "markets",
    "metrics",
    "deals",
    "large_adopters",
    "services",
    "investment",
    "grey",
    "policy_us",
    "policy_cn",
    "inertia",
    "shocks",
    "breakthroughs",
    "hazards",
    "events",
    "streams",
)
CORE = (*(f"aiblocs/model/{m}.py" for m in MECHANISMS), "aiblocs/model/agents/")
INTRO = """\
`make test` runs ruff and the whole suite; its property tests explore with a fresh hypothesis
seed each run (printed in the header and after a failure), and `make test-deep` runs ten times
as many examples. `make mutation` changes the result-producing code one small edit at a time
(mutmut) and checks that a test fails for each change. Scope and test selection are set by
paths in `[tool.mutmut]` of `pyproject.toml`: input validation (world tables, regimes,
scenario, parameters) is not mutated, and each mutant runs only those of the selected fast
tests that call the mutated function, stopping at the first failure.
"""
KILLED = {"killed", "timeout", "segfault", "suspicious", "caught by type check"}

# The mutations named in issue 18, applied by pattern to a scratch copy of the repository.
LISTED = [
    ("US loosening never set", "aiblocs/model/agents/governments.py",
     r"self\.loosened = self\.loosened or self\.pressure > 1\.0", "self.loosened = self.loosened",
     "tests/test_levers.py tests/test_submodel_china.py"),
    ("fast neighbour path always packs 4 bits", "aiblocs/model/fastpath.py",
     r"return 4 if self\.width <= 15 else 8", "return 4", "tests/test_adoption_fastpath.py"),
    ("compare --calibrated drops the per-seed vectors", "aiblocs/cli/compare.py",
     r"seed_overrides=vectors", "seed_overrides=()", "tests/test_analysis_known_answers.py"),
    ("sensitivity regime tags swapped", "aiblocs/sensitivity/design.py",
     r'REGIMES = \("containment", "managed_access"\)',
     'REGIMES = ("managed_access", "containment")', "tests/test_analysis_known_answers.py"),
    ("EDWC optimism ignored", "aiblocs/model/agents/province.py",
     r"optimism = (on\(p, \"edwc_optimism\", p\.edwc_optimism\)|p\.edwc_optimism) \* self\.",
     "optimism = 0.0 * self.",
     "tests/test_levers.py tests/test_submodel_china.py"),
]  # fmt: skip


def run_mutmut(workers: int) -> float:
    """Run mutmut (resuming) and return its wall time in seconds."""
    t0 = time.monotonic()
    cmd = [str(VENV_BIN / "mutmut"), "run", "--max-children", str(workers)]
    with open(ROOT / "mutants-run.log", "w") as log:
        code = subprocess.call(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if code not in (0, 1):
        sys.exit(f"mutmut failed with exit code {code}; see mutants-run.log")
    return time.monotonic() - t0


def recheck(workers: int) -> None:
    """Test surviving mutants again by name: mutmut keeps a verdict until the mutated function
    changes, so tests added since it was reached would otherwise never see it. Mutants listed
    as equivalent are left out (no test can kill them)."""
    eq = equivalents()
    names = [n for path, res in load_results().items() for n, status in res.items()
             if status in ("survived", "no tests")
             and equivalence(n, path, eq)[0] is None]  # fmt: skip
    for k in range(0, len(names), 400):
        cmd = [str(VENV_BIN / "mutmut"), "run", "--max-children", str(workers), *names[k : k + 400]]
        with open(ROOT / "mutants-run.log", "a") as log:
            subprocess.call(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def run_listed() -> list[dict]:
    """Apply each listed mutation to a scratch copy and run the tests that should kill it."""
    out = []
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()  # fmt: skip
    for name, path, pattern, repl, tests in LISTED:
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                dest = Path(tmp) / f
                dest.parent.mkdir(parents=True, exist_ok=True)
                if (ROOT / f).is_file():
                    shutil.copy2(ROOT / f, dest)
            target = Path(tmp) / path
            text = target.read_text() if target.exists() else ""
            new, n = re.subn(pattern, repl, text)
            if n == 0:
                out.append(
                    {
                        "name": name,
                        "path": path,
                        "tests": tests,
                        "result": "pattern not found (the code changed: update LISTED)",
                    }
                )
                continue
            target.write_text(new)
            env = {**os.environ, "PYTHONPATH": tmp}
            cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                   *tests.split()]  # fmt: skip
            res = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
            failed = re.findall(r"^FAILED (\S+)", res.stdout, re.M)
            result = "killed" if res.returncode == 1 else f"NOT killed (exit {res.returncode})"
            out.append({"name": name, "path": path, "result": result, "tests": tests,
                        "by": failed[0] if failed else ""})  # fmt: skip
            print(f"{name}: {result} {failed[:1]}")
    return out


def load_results() -> dict[str, dict[str, str]]:
    """mutant name -> status, per source file, from mutmut's meta files."""
    from mutmut.stats import status_by_exit_code

    results = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        path = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        results[path] = {k: status_by_exit_code[v] for k, v in codes.items()}
    return results


def mutated_line(name: str, path: str) -> str:
    """The first added line of a mutant's diff (what the mutation wrote), stripped."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        diff = get_diff_for_mutant(name, path=path)
    finally:
        os.chdir(cwd)
    added = [ln[1:].strip() for ln in diff.splitlines()
             if ln.startswith("+") and not ln.startswith("+++")]  # fmt: skip
    return added[0] if added else ""


def function_of(name: str) -> str:
    return re.sub(r"__mutmut_\d+$", "", name)


def equivalence(name: str, path: str, eq: list[dict]) -> tuple[str | None, str]:
    """(reason, mutated line) of a mutant: the reason of the first equivalence entry whose
    function and exact mutated line (``mutated``) or line pattern (``pattern``) match, else None.

    The line (a diff, slow to build) is only computed when some entry names its function.
    """
    entries = [e for e in eq if re.fullmatch(e["function"], function_of(name))]
    line = mutated_line(name, path) if entries else ""
    for e in entries:
        if (re.search(e["pattern"], line) is not None) if "pattern" in e else e["mutated"] == line:
            return e["reason"], line
    return None, line


def equivalents() -> list[dict]:
    if not EQUIVALENT.exists():
        return []
    return tomllib.loads(EQUIVALENT.read_text()).get("equivalent", [])


def write_report(listed: list[dict] | None) -> None:
    results = load_results()
    eq = equivalents()
    runtime = json.loads(RUNTIME.read_text()) if RUNTIME.exists() else {}
    if listed is None:
        listed = runtime.get("listed", [])
    rows, survivors = [], defaultdict(list)
    totals = defaultdict(lambda: defaultdict(int))
    for path, res in results.items():
        counts = defaultdict(int)
        for name, status in res.items():
            if status == "check was interrupted by user":  # the run was stopped on it
                status = "not checked"
            if status == "survived" or status == "no tests":
                why, line = equivalence(name, path, eq)
                if why:
                    status = "equivalent"
                if path.startswith(CORE):
                    survivors[path].append((name, line or mutated_line(name, path), status, why))
            counts["killed" if status in KILLED else status] += 1
        counts["total"] = len(res)
        rows.append((path, counts))
        group = "model and agents" if path.startswith(CORE) else "outcomes, calendar, analysis"
        for k, v in counts.items():
            totals[group][k] += v

    def score(c) -> str:
        live = c["total"] - c["equivalent"] - c["not checked"]
        return f"{100 * c['killed'] / live:.0f}%" if live else "-"

    lines = [
        "# Testing",
        "",
        "<!-- generated by scripts/mutation.py from mutmut's results; do not edit by hand -->",
        "",
        *INTRO.splitlines(),
        "",
        f"Last run: {runtime.get('when', '?')} on {runtime.get('workers', '?')} workers; "
        + (
            f"stopped by hand after {runtime['stopped_after'] / 60:.0f} minutes of wall time. "
            if "stopped_after" in runtime
            else f"a run from a fresh clone took {runtime.get('fresh_seconds', 0) / 60:.0f} "
            f"minutes of wall time for mutmut, the last run "
            f"{runtime.get('seconds', 0) / 60:.0f} (a resumed "
            "run tests only the functions that changed, then the survivors not judged equivalent "
            "again; every run then "
            "applies the issue's mutations, a few more minutes). "
        )
        + "Times were measured on 2 cores shared with other jobs."
        + (
            f" Fresh run at commit {runtime['fresh_commit']}, last run at {runtime['commit']}."
            if "fresh_commit" in runtime and "commit" in runtime
            else ""
        ),
        "",
        *([runtime["note"], ""] if runtime.get("note") else []),
        "Score = killed / (mutants - equivalent - not checked); a mutant that no selected test",
        "reaches counts as not killed.",
        "",
    ]
    unchecked = sum(c["not checked"] for c in totals.values())
    if unchecked:
        every = sum(c["total"] for c in totals.values())
        lines += [
            f"**The last run stopped before the end: {unchecked:,} of {every:,} mutants are not "
            "checked yet** (the scores below are over the checked ones; `make mutation` resumes "
            "where it stopped).",
            "",
        ]
    lines += [
        "| module | mutants | killed | survived | no tests | equivalent | not checked | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for path, c in sorted(rows):
        lines.append(f"| `{path}` | {c['total']} | {c['killed']} | {c['survived']} | "
                     f"{c['no tests']} | {c['equivalent']} | {c['not checked']} | "
                     f"{score(c)} |")  # fmt: skip
    for group, c in totals.items():
        lines.append(f"| **{group}** | {c['total']} | {c['killed']} | {c['survived']} | "
                     f"{c['no tests']} | {c['equivalent']} | {c['not checked']} | "
                     f"**{score(c)}** |")  # fmt: skip
    lines += [
        "",
        "## The mutations named in issue 18",
        "",
        "Each is applied to a scratch copy of the repository and must fail the tests named.",
        "",
        "| mutation | file | result | tests | first failure |",
        "|---|---|---|---|---|",
    ]
    for r in listed:
        lines.append(f"| {r['name']} | `{r['path']}` | {r['result']} | `{r['tests']}` | "
                     f"`{r.get('by', '')}` |")  # fmt: skip
    lines += [
        "",
        "## Surviving mutants of the model and agents",
        "",
        "Equivalent ones carry their reason (`scripts/mutation_equivalent.toml`); the others",
        "are not yet killed by any test. `mutmut show NAME` prints a mutant's diff.",
        "",
    ]
    for path, items in sorted(survivors.items()):
        lines.append(f"**`{path}`**")
        lines.append("")
        for name, line, status, why in items:
            lines.append(f"- `{name}` ({status}): `{line}`" + (f" — {why}" if why else ""))
        lines.append("")
    DOC.write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {DOC}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["run", "recheck", "listed", "report"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--note", help="report: a paragraph printed under the run's line (kept)")
    args = ap.parse_args()
    if args.note is not None and RUNTIME.exists():
        RUNTIME.write_text(json.dumps({**json.loads(RUNTIME.read_text()), "note": args.note}))
    listed = None
    if args.what == "run":
        t0 = time.monotonic()
        fresh = not (ROOT / "mutants").exists()
        old = json.loads(RUNTIME.read_text()) if RUNTIME.exists() else {}
        seconds = run_mutmut(args.workers)
        if not fresh:
            recheck(args.workers)
            seconds = time.monotonic() - t0
        listed = run_listed()
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True).stdout.strip()  # fmt: skip
        record = {**old, "seconds": seconds, "workers": args.workers, "listed": listed,
                  "when": time.strftime("%Y-%m-%d"), "commit": head}  # fmt: skip
        if fresh:
            record["fresh_seconds"], record["fresh_commit"] = seconds, head
        RUNTIME.write_text(json.dumps(record))
    elif args.what == "recheck":
        recheck(args.workers)
    elif args.what == "listed":
        listed = run_listed()
        if RUNTIME.exists():
            RUNTIME.write_text(json.dumps({**json.loads(RUNTIME.read_text()), "listed": listed}))
    write_report(listed)


if __name__ == "__main__":
    main()
