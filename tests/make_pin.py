"""Regenerate the regression pin fixtures in tests/data/ (run after intended output changes).

Usage: python tests/make_pin.py

The pin freezes the model's outputs for a few short runs so that pure performance work on the
hot path (adoption.py, network.py, metrics.py) can be checked to be bit-identical. When a change
is *meant* to alter outputs (e.g. new parameter defaults), rerun this script and commit the CSVs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aiblocs import run

DATA = Path(__file__).parent / "data"

# (file stem, run kwargs): historical on the network, open regime, and the well-mixed path.
PIN_CASES: dict[str, dict] = {
    "pin_historical_s3_n3000": {"regime": "historical", "seed": 3, "n_adopters": 3000},
    "pin_open_s1_n2000": {"regime": "open", "seed": 1, "n_adopters": 2000},
    "pin_containment_s5_n1500_wellmixed": {
        "regime": "containment",
        "seed": 5,
        "n_adopters": 1500,
        "well_mixed": True,
    },
}


def pin_frame(kwargs: dict) -> pd.DataFrame:
    """The run's frame, as it is written to and compared with the fixture."""
    return run(**kwargs)


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for stem, kwargs in PIN_CASES.items():
        path = DATA / f"{stem}.csv"
        pin_frame(kwargs).to_csv(path, index=False, float_format="%.17g")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
