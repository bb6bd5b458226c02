import pandas as pd

from aiblocs import run
from aiblocs.cli import main


def test_run_writes_frame_and_plot(tmp_path, capsys):
    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                "--regime",
                "containment",
                "--seed",
                "3",
                "--n-adopters",
                "800",
                "--out",
                str(out),
                "--set",
                "enforcement=0.8",
            ]
        )
        == 0
    )
    df = pd.read_parquet(out / "quarterly.parquet")
    assert len(df) == 56 and (out / "quarterly.csv").exists()
    # --set reaches the run: the frame is the one of enforcement 0.8, not of the preset's 0.6
    want = run("containment", 3, n_adopters=800, enforcement=0.8)
    pd.testing.assert_frame_equal(df[list(want.columns)], want)
    assert df["enforcement"].eq(0.8).all() and df["seed"].eq(3).all()  # ids and what --set set
    preset = run("containment", 3, n_adopters=800)
    assert df["smuggled_chips"].sum() < preset["smuggled_chips"].sum()
    assert (out / "key_series.png").stat().st_size > 10_000
    assert "adoption_gs" in capsys.readouterr().out


def test_regimes_lists_presets(capsys):
    assert main(["regimes"]) == 0
    text = capsys.readouterr().out
    for name in ("open", "containment", "managed_access", "managed_access_cn_block", "historical"):
        assert name in text
