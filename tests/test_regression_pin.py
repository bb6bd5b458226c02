"""Bit-identical regression pin: outputs of short runs must match tests/data/pin_*.csv exactly.

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


@pytest.mark.parametrize("stem", sorted(PIN_CASES))
def test_outputs_match_pin(stem):
    path = DATA / f"{stem}.csv"
    if not path.exists():
        pytest.skip(f"no fixture {path.name}; run python tests/make_pin.py")
    expected = pd.read_csv(path)
    got = pin_frame(PIN_CASES[stem])
    assert list(got.columns) == list(expected.columns), "reporter columns changed"
    for col in expected.columns:
        e, g = expected[col].to_numpy(), got[col].to_numpy()
        if e.dtype.kind in "fi" and g.dtype.kind in "fi":
            bad = ~((e == g) | (np.isnan(e.astype(float)) & np.isnan(g.astype(float))))
            assert not bad.any(), (
                f"{col} differs at rows {np.flatnonzero(bad)[:5].tolist()}: "
                f"pinned {e[bad][:3].tolist()} got {g[bad][:3].tolist()} "
                "(intended? refresh with python tests/make_pin.py)"
            )
        else:
            assert (e.astype(str) == g.astype(str)).all(), f"{col} differs"
