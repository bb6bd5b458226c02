"""Interoperability as documented in docs/interop.md: EMA Workbench, SALib, the tour notebook and
the process-pool guard (``mesa.batch_run`` is tested in tests/test_scenario.py)."""

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import aiblocs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.filterwarnings("ignore:ipyparallel not installed")
def test_ema_workbench_runs_aiblocs_with_integer_real_and_categorical_parameters():
    pytest.importorskip(
        "ema_workbench", reason="EMA Workbench is the optional extra: pip install 'aiblocs[ema]'"
    )
    from ema_workbench import SequentialEvaluator, perform_experiments

    ex = _example("ema_workbench")
    model = ex.build_model(n_adopters=200)
    experiments, outcomes = perform_experiments(
        model, scenarios=4, evaluator=SequentialEvaluator(model)
    )
    assert len(experiments) == 4 and set(outcomes) == set(ex.OUTCOMES)
    assert set(experiments["regime"].astype(str)) <= set(ex.REGIMES)
    assert experiments["seed"].dtype.kind == "i" and experiments["bass_q"].between(0.3, 0.7).all()
    row = experiments.iloc[0]
    direct = aiblocs.evaluate(str(row["regime"]), int(row["seed"]), n_adopters=200,
                              bass_q=row["bass_q"], enforcement=row["enforcement"])  # fmt: skip
    for name in ex.OUTCOMES:  # EMA's numbers are the model's own for the same inputs
        assert outcomes[name][0] == pytest.approx(direct[name], nan_ok=True)


def test_salib_example_screens_the_packaged_ranges():
    table = _example("salib_morris").main(trajectories=2, n_adopters=200)
    from aiblocs.sensitivity import load_ranges

    assert sorted(table.index) == sorted(r.name for r in load_ranges())
    assert (table["mu_star"] >= 0).all() and np.isfinite(table["sigma"]).all()
    # inactive under containment (no export-the-stack dates): the dummy screens out exactly
    assert table.loc["export_stack_subsidy", "mu_star"] == 0


def test_tour_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="needs the 'docs' extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the 'docs' extra")
    pytest.importorskip("solara", reason="the dashboard widget needs the 'viz' extra")
    nb = nbformat.read(EXAMPLES / "tour.ipynb", as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")  # stored clean
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = " ".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "Managed access" in html and "[95% CI]" in html
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the fan chart
    assert "application/vnd.jupyter.widget-view+json" in outputs[-1].get("data", {})  # Page()
    assert (tmp_path / "results" / "tour" / "fan_charts.svg").exists()


SCRIPT = """
from aiblocs.ensemble import ExperimentSpec, make_executor, run_experiment

def main():
    spec = ExperimentSpec(regimes=("containment",), n_seeds=2, overrides={"n_adopters": 200})
    with make_executor(2) as executor:
        run_experiment(spec, "out", executor, progress=False)
    print("finished")
"""


@pytest.mark.parametrize("guarded", [True, False])
def test_process_pool_needs_the_main_guard_in_scripts(tmp_path, guarded):
    """What docs/interop.md says: with the guard a script runs; without it the pool breaks."""
    body = SCRIPT + ('\nif __name__ == "__main__":\n    main()\n' if guarded else "\nmain()\n")
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    if guarded:
        assert proc.returncode == 0 and "finished" in proc.stdout, proc.stderr[-2000:]
    else:
        assert proc.returncode != 0 and "BrokenProcessPool" in proc.stderr
