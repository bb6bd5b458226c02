"""Measure what common random numbers gain, directly, and splice the result into docs/compare.md.

Usage: python scripts/crn_check.py [--seeds N] [--n-adopters N] [--workers N] [--out DIR]

Runs the same regimes twice on N seeds: once on common seeds (every arm the same seeds, as
``aiblocs compare`` does) and once with ``--independent-seeds`` (each arm its own). The gain the
compare report estimates from the paired runs alone, ``(Var A + Var B) / Var(A - B)``, is then
set beside the gain measured from the two ensembles, ``(Var_ind A + Var_ind B) / Var_crn(A -
B)``: both are how many unpaired runs one paired run is worth. Writes docs/compare/crn_check.csv
and the table between the ``crn check`` markers of docs/compare.md.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from aiblocs.compare import stats, variance
from aiblocs.compare.cells import fmt
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_parts, run_experiment
from aiblocs.model.outcomes import HEADLINE
from aiblocs.viz.tables import markdown_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REGIMES = ("containment", "managed_access", "open")


def ensemble(out: Path, seeds: int, n_adopters: int, workers: int, independent: bool):
    """Run (or resume) one ensemble; return its spec and one row of outcomes per run."""
    spec = ExperimentSpec(regimes=REGIMES, n_seeds=seeds, overrides={"n_adopters": n_adopters},
                          independent_seeds=independent)  # fmt: skip
    with LocalExecutor(workers) as ex:
        run_experiment(spec, out, ex, reduce="outcomes", progress=True)
    return spec, stats.outcome_table(load_parts(out, "run_id"), spec)


def splice(doc: Path, marker: str, body: str) -> None:
    """Replace the generated block named ``marker`` in ``doc`` by ``body``."""
    pattern = re.compile(rf"(<!-- generated: {re.escape(marker)} -->\n).*?(<!-- end generated -->)",
                         re.S)  # fmt: skip
    new, n = pattern.subn(lambda m: m.group(1) + body.strip() + "\n" + m.group(2), doc.read_text())
    if n != 1:
        raise SystemExit(f"{doc}: marker '{marker}' not found exactly once")
    doc.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=50, help="seeds per arm (default: 50)")
    ap.add_argument("--n-adopters", type=int, default=2000, help="adopters (default: 2000)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    ap.add_argument("--out", type=Path, default=Path("results/crn_check"), help="results root")
    a = ap.parse_args()
    crn_spec, crn = ensemble(a.out / "common", a.seeds, a.n_adopters, a.workers, False)
    ind_spec, ind = ensemble(a.out / "independent", a.seeds, a.n_adopters, a.workers, True)
    table = variance.measured_gain(crn, crn_spec, ind, ind_spec, HEADLINE)
    (DOCS / "compare").mkdir(exist_ok=True)
    table.to_csv(DOCS / "compare" / "crn_check.csv", index=False)
    cells = {
        col: [
            variance.gain_cell(*v)
            for v in zip(table[col], table[f"{stem}_lo"], table[f"{stem}_hi"], strict=True)
        ]
        for col, stem in (("estimated_gain", "estimated"), ("measured_gain", "measured"))
    }
    names = {
        "arm_title": "arm",
        "reference_title": "reference",
        "outcome": "outcome",
        "n_crn": "pairs",
        "n_independent": "independent runs per arm",
        "estimated_gain": "estimated from the pairs [95% CI]",
        "measured_gain": "measured against independent seeds [95% CI]",
    }
    shown = table.assign(**cells)[list(names)].rename(columns=names)
    note = (f"{a.seeds} seeds per arm, {fmt(a.n_adopters)} adopters, default parameters; "
            f"command: `python scripts/crn_check.py --seeds {a.seeds} --n-adopters "
            f"{a.n_adopters}`.")  # fmt: skip
    splice(DOCS / "compare.md", "crn check", note + "\n\n" + markdown_table(shown))
    print(markdown_table(shown))


if __name__ == "__main__":
    main()
