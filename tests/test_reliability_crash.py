"""Crash safety: SIGKILL at random moments, then resume, gives exactly the uninterrupted answer.

Sweeps: several trials, each killing ``aiblocs compare``-style sweeps (1 and 2 workers) more than
once at random delays (during start-up, a run, or a part write), then finishing in-process. The
final dataset must equal the uninterrupted one bit for bit, with every run stored exactly once
and no temporary or damaged file read as complete. Calibration: ``aiblocs calibrate --out DIR``
killed mid-search and rerun must reach the uninterrupted estimate. Complements
test_experiments_exec.py::test_resume_after_sigkill (one kill at a fixed point).
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from aiblocs.cli import main
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_results, run_experiment
from aiblocs.ensemble.store import Store

SPEC = ExperimentSpec(
    regimes=("containment", "open"),
    n_seeds=3,
    overrides={"n_adopters": 300},
    designs=({}, {"export_stack_support": 0.5, "export_stack_from": "2025Q3"}),
)
N_RUNS = len(SPEC.runs())  # 12 runs, 6 parts of 2


def kill_when(argv, ready, jitter, timeout=120.0):
    """Start ``argv`` in its own process group; SIGKILL the group ``jitter`` s after ``ready()``.

    Waiting for progress (not a fixed delay) puts the kill at the chosen point of the work on a
    fast or a slow machine; the random jitter lands it anywhere within a run or a file write.
    Returns True if the process was killed, False if it finished first.
    """
    proc = subprocess.Popen(argv, start_new_session=True)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(jitter)
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGKILL)  # the child and any pool workers it started
    proc.wait()
    return True


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    run_experiment(SPEC, out, LocalExecutor(1), progress=False)
    return load_results(out)


def sweep_argv(out, workers):
    code = textwrap.dedent(f"""
        from aiblocs.ensemble import ExperimentSpec, LocalExecutor, run_experiment
        spec = ExperimentSpec.from_dict({SPEC.to_dict()!r})
        with LocalExecutor({workers}) as ex:
            run_experiment(spec, {str(out)!r}, ex, part_runs=2, flush_seconds=0.2,
                           progress=False)
    """)
    return [sys.executable, "-c", code]


def assert_each_run_stored_once(out):
    counts = Counter()
    for path in (out / "parts").glob("part-*.parquet"):
        assert Store.check_part(path) is not None, f"damaged part kept: {path.name}"
        counts.update(set(pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist()))
    assert set(counts) == {r.run_id for r in SPEC.runs()}
    assert max(counts.values()) == 1, [k for k, v in counts.items() if v > 1]
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(4))
def test_sweep_killed_at_random_points_resumes_exactly(reference, tmp_path, trial):
    rng = np.random.default_rng(trial)
    workers = 1 + trial % 2
    parts = tmp_path / "parts"
    kills = 0
    first = int(rng.integers(0, 3))  # parts on disk at the first kill (0: during start-up)
    for target in (first, int(rng.integers(first + 1, 5))):  # then resume and kill again

        def ready(target=target):
            n = len(list(parts.glob("part-*.parquet"))) if parts.exists() else 0
            return n >= target and (tmp_path / "manifest.json").exists()

        kills += kill_when(sweep_argv(tmp_path, workers), ready, float(rng.uniform(0, 0.05)))
    assert kills == 2, "the sweep ended before it could be killed"
    run_experiment(SPEC, tmp_path, LocalExecutor(1), progress=False)
    assert_each_run_stored_once(tmp_path)
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["tasks_done"] == N_RUNS


def test_half_written_part_is_not_read_as_complete(reference, tmp_path):
    """A part cut at any length (as a kill mid-write would leave it) is redone, never read."""
    run_experiment(SPEC, tmp_path, LocalExecutor(1), progress=False, part_runs=N_RUNS)
    (part,) = (tmp_path / "parts").glob("part-*.parquet")
    data = part.read_bytes()
    for cut in np.linspace(0, len(data) - 1, 9).astype(int):
        part.write_bytes(data[:cut])
        assert Store.check_part(part) is None
    with pytest.warns(UserWarning, match="damaged part"):
        run_experiment(SPEC, tmp_path, LocalExecutor(1), progress=False)
    assert_each_run_stored_once(tmp_path)
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


# --- calibration -------------------------------------------------------------------------------
SPACE = """
[[param]]
name = "induced_efficiency"
lo = 0.0
hi = 2.0

[[param]]
name = "cn_domestic_preference"
lo = 0.0
hi = 5.0
"""


def answer(out):
    """Everything calibration.json reports except the wall time."""
    result = json.loads((out / "calibration.json").read_text())
    result.pop("seconds")
    return result


def calibrate_argv(out, space):
    return ["calibrate", "--budget", "8", "--seeds", "1", "--n-adopters", "300", "--workers",
            "1", "--space", str(space), "--out", str(out), "--quiet"]  # fmt: skip


def stored_tasks(out):
    """Task keys in the intact parts of a results folder (a part is renamed into place whole)."""
    keys = []
    for path in sorted((out / "parts").glob("part-*.parquet")) if (out / "parts").exists() else []:
        keys += pq.read_table(path, columns=["task"]).column("task").to_pylist()
    return keys


@pytest.mark.slow
def test_calibration_killed_and_rerun_gives_the_same_estimate(tmp_path):
    space = tmp_path / "space.toml"
    space.write_text(SPACE)
    ref = tmp_path / "ref"
    assert main(calibrate_argv(ref, space)) == 0
    expected = answer(ref)
    total = len(stored_tasks(ref))
    code = "import sys; from aiblocs.cli import main; sys.exit(main())"
    rng = np.random.default_rng(0)
    kills = 0
    for trial in range(2):
        out = tmp_path / f"trial{trial}"
        target = int(rng.integers(1, total - 4))  # evaluations finished when the kill comes

        def ready(out=out, target=target):
            return len(stored_tasks(out)) >= target

        argv = [sys.executable, "-c", code, *calibrate_argv(out, space)]
        kills += kill_when(argv, ready, float(rng.uniform(0, 0.2)))
        before = set(stored_tasks(out))
        assert main(calibrate_argv(out, space)) == 0
        assert answer(out) == expected  # estimate, SEs, J, condition, evaluation count
        after = stored_tasks(out)
        assert len(after) == len(set(after)), "an evaluation was stored twice"
        assert before <= set(after)  # finished work before the kill was kept
    assert kills == 2, "the calibration ended before it could be killed"
