"""Experiments: executor equivalence and resume after SIGKILL (bit-identical frames and side
tables: the per-country frames and event logs)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from aiblocs.ensemble import ExperimentSpec, LocalExecutor, load_results, run_experiment
from aiblocs.ensemble.tasks import TABLES

SPEC = ExperimentSpec(
    regimes=("containment", "open"),
    n_seeds=3,
    overrides={"n_adopters": 500},
    designs=({}, {"export_stack_support": 0.5, "export_stack_from": "2025Q3"}),
)


@pytest.fixture(scope="module")
def reference_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    run_experiment(SPEC, out, LocalExecutor(1), progress=False)
    return out


@pytest.fixture(scope="module")
def reference(reference_folder):
    return load_results(reference_folder)


def assert_tables_identical(folder, reference_folder):
    """The side tables of two results folders are bit-identical."""
    for table in TABLES:
        pd.testing.assert_frame_equal(
            load_results(folder, table), load_results(reference_folder, table), check_exact=True
        )


def test_stored_layout(reference):
    """One row per run and quarter: ids, the parameters each run sets, then every series."""
    from aiblocs.model.outcomes import SERIES

    cols = list(reference.columns)
    assert cols[:6] == ["run_id", "arm", "regime", "design", "seed_index", "seed"]
    assert cols[6:9] == ["n_adopters", "export_stack_support", "export_stack_from"]
    assert cols[9:] == list(SERIES)
    assert reference.run_id.nunique() == len(SPEC.runs()) == 12
    assert len(reference) == 12 * 56
    assert not reference.duplicated(["run_id", "quarter"]).any()
    base = reference[reference["design"] == 0]
    assert base["export_stack_support"].isna().all() and (base["n_adopters"] == 500).all()


def test_two_workers_identical(reference, reference_folder, tmp_path):
    run_experiment(SPEC, tmp_path, LocalExecutor(2), progress=False, part_runs=2)
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)
    assert_tables_identical(tmp_path, reference_folder)
    # second call resumes a complete folder: nothing run, nothing duplicated
    parts = sorted((tmp_path / "parts").iterdir())
    run_experiment(SPEC, tmp_path, LocalExecutor(2), progress=False)
    assert sorted((tmp_path / "parts").iterdir()) == parts
    assert json.loads((tmp_path / "manifest.json").read_text())["complete"] is True


def test_dask_local_cluster_identical(reference, reference_folder, tmp_path):
    pytest.importorskip("distributed")
    from aiblocs.ensemble import DaskExecutor

    run_experiment(SPEC, tmp_path, DaskExecutor(local_workers=2), progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)
    assert_tables_identical(tmp_path, reference_folder)


def test_resume_after_sigkill(reference, reference_folder, tmp_path):
    code = textwrap.dedent(f"""
        from aiblocs.ensemble import ExperimentSpec, LocalExecutor, run_experiment
        spec = ExperimentSpec.from_dict({SPEC.to_dict()!r})
        run_experiment(spec, {str(tmp_path)!r}, LocalExecutor(1), part_runs=1, progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    parts = tmp_path / "parts"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.exists() and len(list(parts.glob("part-*.parquet"))) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "sweep finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = {p.name for p in parts.glob("part-*.parquet")}
    assert 3 <= len(done) < 12
    # a crash could also leave a torn part or a temp file: both must be detected and redone
    (parts / "part-99999999999999999999-1.parquet").write_bytes(b"PAR1 torn")
    (parts / "part-x.parquet.tmp").write_bytes(b"junk")
    with pytest.warns(UserWarning, match="damaged part"):
        run_experiment(SPEC, tmp_path, LocalExecutor(1), progress=False)
    assert done <= {p.name for p in parts.glob("part-*.parquet")}  # finished parts kept
    pd.testing.assert_frame_equal(load_results(tmp_path), reference, check_exact=True)
    assert_tables_identical(tmp_path, reference_folder)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 2 and manifest["tasks_done"] == 12


def test_side_tables_round_trip_and_a_damaged_group_is_redone(reference_folder, tmp_path):
    """Stored per-country frames and event logs equal run_tables of each run; a damaged or
    missing side part makes its whole group redone, and a side part without its main part
    (a write cut between the two) is deleted."""
    from aiblocs.ensemble.tasks import ID_COLUMNS, run_all_tables
    from aiblocs.model.events import COLUMNS
    from aiblocs.model.metrics import COUNTRY_SERIES
    from aiblocs.model.run import run_tables

    countries = load_results(reference_folder, "countries")
    log = load_results(reference_folder, "events")
    assert list(countries.columns) == [*ID_COLUMNS, "quarter", "country", *COUNTRY_SERIES]
    assert list(log.columns) == [*ID_COLUMNS, *COLUMNS] and log["size"].dtype == "float64"
    run = SPEC.runs()[5]
    direct = run_tables(run.scenario, run.seed)
    mine = countries[countries.run_id == run.run_id].drop(columns=list(ID_COLUMNS))
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), direct.countries, check_exact=True)
    assert len(log[log.run_id == run.run_id]) == len(direct.events)
    assert set(run_all_tables(run, {})) == {"frame", *TABLES}

    run_experiment(SPEC, tmp_path, LocalExecutor(1), progress=False, part_runs=3)
    parts = sorted((tmp_path / "parts").glob("part-*.parquet"))
    assert len(parts) == 4 and all((tmp_path / "parts" / t / parts[0].name).exists()
                                   for t in TABLES)  # fmt: skip
    (tmp_path / "parts" / "countries" / parts[0].name).write_bytes(b"PAR1 torn")
    (tmp_path / "parts" / "events" / parts[1].name).unlink()
    orphan = tmp_path / "parts" / "events" / "part-00000000000000000001-1.parquet"
    orphan.write_bytes((tmp_path / "parts" / "events" / parts[2].name).read_bytes())
    with pytest.warns(UserWarning, match="damaged part"):
        run_experiment(SPEC, tmp_path, LocalExecutor(1), progress=False)
    assert not orphan.exists() and not (tmp_path / "parts" / parts[0].name).exists()
    pd.testing.assert_frame_equal(
        load_results(tmp_path), load_results(reference_folder), check_exact=True
    )
    assert_tables_identical(tmp_path, reference_folder)
