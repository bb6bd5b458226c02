"""Smoke test of benchmarks/run.py at tiny sizes: the code paths work (no timing assertions)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import boltzmann_ref  # noqa: E402
import run as bench  # noqa: E402


def test_boltzmann_reference_conserves_wealth():
    res = boltzmann_ref.throughput(n=50, steps=3)
    assert res["total_wealth"] == 50
    assert res["agent_steps_per_s"] > 0


def test_model_and_startup_cases_in_subprocess():
    res = bench.in_subprocess("model", n=300, steps=4)
    assert res["rows"] == 4
    assert res["peak_rss_mb"] > 0
    st = bench.in_subprocess("startup", n=300)
    assert st["import_s"] > 0 and st["build_s"] > 0


def test_ensemble_in_process_and_table(tmp_path):
    res = bench.ensemble(["historical", "open"], seeds=1, n=300, workers=1)
    assert res["runs"] == 2
    rows = [{"name": "x", "target": "t", "measured": "m", "pass": True}]
    out = tmp_path / "results.md"
    bench.write_results(out, rows, bench.machine(), 1.0)
    assert "| x | t | m | PASS |" in out.read_text()
