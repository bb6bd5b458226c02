import pandas as pd

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
    assert (out / "key_series.png").stat().st_size > 10_000
    assert "adoption_gs" in capsys.readouterr().out


def test_regimes_lists_presets(capsys):
    assert main(["regimes"]) == 0
    text = capsys.readouterr().out
    for name in ("open", "containment", "managed_access", "managed_access_cn_block", "historical"):
        assert name in text
