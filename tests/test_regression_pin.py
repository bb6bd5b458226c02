"""Regression pin: outputs of short runs must match tests/data/pin_*.csv.

Why a tolerance and not bit-identity: numpy chooses SIMD kernels for ``exp``, ``log`` and
reductions per CPU, so the same code on another machine can differ in the last one or two units
of a float (seen: 2.3e-15 relative). Floats are therefore compared with ``rtol = 1e-9`` and
``atol = 1e-12``: six orders of magnitude above that noise and far below any real change (one
adopter unit in 3,000 moves a share by 3e-4; a parameter moved by 1e-6 relative moves outputs
by about 1e-7 or more). Integer, count and text columns (``quarter``) must match exactly.
Bit-identity is still required where it holds by construction, on one machine: the same inputs
in another process, on 1 or 2 workers or Dask, and a resumed sweep against an uninterrupted one
(tests/test_reliability_repro.py, test_experiments_exec.py, test_reliability_crash.py).

If outputs change on purpose (parameter defaults, model equations), refresh the fixtures with
``python tests/make_pin.py``. A failure after a pure performance change means the change is wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from make_pin import DATA, PIN_CASES, pin_frame

RTOL, ATOL = 1e-9, 1e-12


def differences(expected: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """One message per column that differs beyond the tolerance (exact for non-floats)."""
    if list(got.columns) != list(expected.columns):
        return [f"reporter columns changed: {list(expected.columns)} -> {list(got.columns)}"]
    if len(got) != len(expected):
        return [f"row count changed: {len(expected)} -> {len(got)}"]
    out = []
    for col in expected.columns:
        e, g = expected[col].to_numpy(), got[col].to_numpy()
        if e.dtype.kind == "f" or g.dtype.kind == "f":
            bad = ~np.isclose(g.astype(float), e.astype(float), rtol=RTOL, atol=ATOL,
                              equal_nan=True)  # fmt: skip
        else:  # integers, counts and labels: exactly equal
            bad = e.astype(str) != g.astype(str)
        if bad.any():
            rows = np.flatnonzero(bad)
            out.append(f"{col} differs at rows {rows[:5].tolist()}: pinned {e[bad][:3].tolist()} "
                       f"got {g[bad][:3].tolist()}")  # fmt: skip
    return out


@pytest.mark.parametrize("stem", sorted(PIN_CASES))
def test_outputs_match_pin(stem):
    path = DATA / f"{stem}.csv"
    assert path.exists(), f"no fixture {path.name}; run python tests/make_pin.py"
    expected = pd.read_csv(path)
    problems = differences(expected, pin_frame(PIN_CASES[stem]))
    assert not problems, "; ".join(problems) + " (intended? refresh with python tests/make_pin.py)"


def test_pin_tolerance_separates_noise_from_change():
    frame = pd.DataFrame({"quarter": ["2022Q1", "2022Q2"], "x": [5.160849165968249, 0.3]})
    noise = frame.assign(x=frame["x"] * (1 + 2.3e-15))  # last-bit differences across CPUs
    assert differences(frame, noise) == []
    change = frame.assign(x=frame["x"] * (1 + 1e-7))
    assert differences(frame, change) and "x differs" in differences(frame, change)[0]
    relabel = frame.assign(quarter=["2022Q1", "2022Q3"])
    assert "quarter differs" in differences(frame, relabel)[0]


def _dispatched_features() -> list[str]:
    """numpy's SIMD dispatch targets above the build baseline that this CPU enables."""
    from numpy._core import _multiarray_umath as umath

    return [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f)]


def test_pin_holds_with_other_simd_kernels():
    """Emulate another CPU: rerun the pin with numpy's extra SIMD kernels switched off.

    On the machine that wrote the fixtures this reproduces last-bit differences (AVX-512 off
    changes ``exp``/``log`` results); the pin must still pass.
    """
    import os
    import subprocess

    features = _dispatched_features()
    if not features:
        pytest.skip("this CPU runs numpy's baseline kernels only: nothing to switch off")
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(features)}
    test = f"{__file__}::test_outputs_match_pin"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
                          env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
