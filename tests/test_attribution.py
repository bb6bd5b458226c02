"""Attribution (aiblocs explain) and lever checks (aiblocs levers): the arithmetic and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aiblocs.attribution.explain import Explanation, attribute
from aiblocs.attribution.levers import load_levers, verdict
from aiblocs.cli import main
from aiblocs.model.mechanisms import MECHANISMS


def _rows(effects: dict[int, float], n: int = 40, noise: float = 0.05) -> pd.DataFrame:
    """Outcome rows of a planted attribution: design d shrinks the contrast by effects[d]."""
    rng = np.random.default_rng(1)
    base = rng.normal(0, 1, n)  # seed effect, shared by every arm (common random numbers)
    rows = []
    for d in range(len(effects) + 1):
        for regime, contrast in (("containment", 1.0 - effects.get(d, 0.0)), ("open", 0.0)):
            y = base + contrast + rng.normal(0, noise, n) * (regime == "containment")
            rows += [{"seed_index": i, "regime": regime, "design": d,
                      "cn_lag_months_2030": y[i]} for i in range(n)]  # fmt: skip
    return pd.DataFrame(rows)


def test_attribution_recovers_planted_shares():
    mech = ("smuggling", "induced_efficiency", "pooling")
    expl = Explanation(("containment", "open"), ("cn_lag_months_2030",), 40, mech)
    table = attribute(_rows({1: 0.6, 2: 0.3, 3: 0.0}), expl).set_index("mechanism")
    head = table.loc["headline"]
    assert head["ci_lo"] < 1.0 < head["ci_hi"]
    for name, share in (("smuggling", 0.6), ("induced_efficiency", 0.3), ("pooling", 0.0)):
        row = table.loc[name]
        assert row["share_lo"] - 0.02 < share < row["share_hi"] + 0.02, (name, row)
        assert row["explained_lo"] < share < row["explained_hi"]
    rem = table.loc["remainder"]
    assert rem["share"] == pytest.approx(1 - table.loc[list(mech), "share"].sum())
    assert rem["share_lo"] < 0.1 < rem["share_hi"]


def test_explanation_refuses_bad_input():
    with pytest.raises(ValueError, match="unknown outcome"):
        Explanation(("containment", "open"), ("nope",), 3)
    with pytest.raises(ValueError, match="unknown mechanism"):
        Explanation(("containment", "open"), ("cn_lag_months_2030",), 3, ("magic",))
    spec = Explanation(("containment", "open"), ("cn_lag_months_2030",), 2).spec()
    assert len(spec.designs) == 1 + len(MECHANISMS)
    assert spec.designs[1] == {MECHANISMS[next(iter(MECHANISMS))].flag: False}


@pytest.mark.parametrize(("sign", "lo", "hi", "want"), [
    ("+", 0.1, 0.3, "holds"), ("+", -0.3, -0.1, "fails"), ("+", -0.1, 0.1, "unclear"),
    ("-", -0.3, -0.1, "holds"), ("0", -0.1, 0.1, "holds"), ("0", 0.1, 0.2, "fails"),
])  # fmt: skip
def test_lever_verdicts(sign, lo, hi, want):
    assert verdict(sign, lo, hi) == want


def test_shipped_levers_are_valid_and_many():
    levers = load_levers()
    assert len(levers) >= 15
    kinds = {lv.kind for lv in levers}
    assert kinds == {"set", "rule", "regime"}
    for lv in levers:
        lv.spec(2, {"n_adopters": 100})  # every experiment validates


def test_bad_levers_file(tmp_path):
    path = tmp_path / "l.toml"
    path.write_text(
        '[[lever]]\nname = "x"\nkind = "set"\nregime = "open"\nset = "nope"\n'
        'low = 0\nhigh = 1\nexpect = { adoption_gs_2030 = "+" }\nwhy = "w"\n'
    )
    with pytest.raises(ValueError, match="'set' names unknown field 'nope'"):
        load_levers(path)


def test_explain_and_levers_commands_end_to_end(tmp_path, capsys):
    out = tmp_path / "ex"
    argv = [
        "explain",
        "--seeds",
        "2",
        "--n-adopters",
        "150",
        "--workers",
        "1",
        "--no-progress",
        "--mechanisms",
        "smuggling",
        "induced_efficiency",
        "--outcome",
        "smuggled_chips_cum",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    table = pd.read_csv(out / "attribution.csv").set_index("mechanism")
    # smuggling explains all of the smuggled-chips contrast: with it off both arms smuggle 0
    assert table.loc["smuggling", "mean"] == 0 and table.loc["smuggling", "share"] == 1
    assert "## smuggled_chips_cum" in (out / "explain.md").read_text()
    assert (out / "attribution.svg").exists()
    assert main(argv) == 0  # resumes: nothing new to run
    lv = tmp_path / "lv"
    argv = [
        "levers",
        "--only",
        "enforcement",
        "--seeds",
        "3",
        "--n-adopters",
        "150",
        "--workers",
        "1",
        "--no-progress",
        "--out",
        str(lv),
    ]
    assert main(argv) == 0
    t = pd.read_csv(lv / "levers.csv").set_index("outcome")
    assert t.loc["smuggled_chips_cum", "holds"] == "holds"  # stricter enforcement, less smuggling
    assert "enforcement 0.3 -> 0.9" in (lv / "levers.md").read_text()
