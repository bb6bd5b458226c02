"""Reproducibility: the same seeds give bit-identical results on every executor and process.

One small sweep is run in-process (the reference), then on 2 and 4 local workers (twice on the
same persistent pool), on a Dask LocalCluster, and in a fresh interpreter with another hash
seed. Calibration evaluations are checked the same way. Complements test_experiments_exec.py.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from aiblocs import run
from aiblocs.calibration.simulate import Simulator
from aiblocs.calibration.targets import load_targets
from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_results, run_experiment
from aiblocs.model.scenario import Scenario

SPEC = ExperimentSpec(
    regimes=("historical", "managed_access"),
    n_seeds=3,
    overrides={"n_adopters": 300},
    designs=({}, {"enforcement": 0.9, "bass_q": 0.8}),
)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    run_experiment(SPEC, out, LocalExecutor(1), progress=False)
    return load_results(out)


@pytest.mark.parametrize("workers", [2, 4])
def test_local_pools_identical_and_reusable(reference, tmp_path, workers):
    with LocalExecutor(workers) as ex:  # one persistent pool, used for two sweeps
        for name in ("a", "b"):
            run_experiment(SPEC, tmp_path / name, ex, progress=False, part_runs=3)
            pd.testing.assert_frame_equal(
                load_results(tmp_path / name), reference, check_exact=True
            )


def test_dask_local_cluster_identical(reference, tmp_path):
    pytest.importorskip("distributed")
    from aiblocs.ensemble import DaskExecutor

    with DaskExecutor(local_workers=2) as ex:
        run_experiment(SPEC, tmp_path, ex, progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)


def test_fresh_process_identical(reference, tmp_path):
    code = textwrap.dedent(f"""
        from aiblocs import run
        from aiblocs.ensemble import ExperimentSpec, LocalExecutor, run_experiment
        spec = ExperimentSpec.from_dict({SPEC.to_dict()!r})
        run_experiment(spec, {str(tmp_path / "sweep")!r}, LocalExecutor(1), progress=False)
        run("containment", seed=11, n_adopters=400).to_parquet({str(tmp_path / "one.parquet")!r})
    """)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # set iteration order must not matter
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=300)
    pd.testing.assert_frame_equal(load_results(tmp_path / "sweep"), reference, check_exact=True)
    here = run("containment", seed=11, n_adopters=400)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "one.parquet"), here, check_exact=True)


def test_calibration_evaluations_identical_across_executors():
    targets, _ = load_targets()
    names = ["induced_efficiency", "bass_q"]
    thetas = [np.array([0.5, 0.6]), np.array([1.5, 1.2])]
    results = []
    for ex in (LocalExecutor(1), LocalExecutor(2)):
        with ex:
            sim = Simulator(names, targets, [1000, 1001], Scenario.build(n_adopters=300), ex)
            results.append(sim.evaluate(thetas))
    for a, b in zip(*results, strict=True):
        assert np.array_equal(a, b)
