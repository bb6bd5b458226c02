"""The compare report reads right: intervals inside the range of the quantity, years as years,
"n/a" where a difference is identically zero, arms in words, CIs wherever an effect is printed."""

import math

import numpy as np
import pandas as pd
import pytest

from aiblocs.compare import report, stats
from aiblocs.ensemble import ExperimentSpec
from aiblocs.model.outcomes import HEADLINE, OUTCOMES


def test_share_interval_stays_inside_0_1_where_the_t_interval_does_not():
    x = np.array([0.0, 0.0, 0.05, 0.3, 0.2])  # skewed shares near 0 (as in the issue)
    m, lo, hi = stats.mean_ci(x)
    assert lo < 0  # the plain t interval leaves [0, 1]
    m2, lo2, hi2 = stats.share_ci(x)
    assert m2 == m and 0 < lo2 < m < hi2 < 1
    # the delta method on the logit scale, by hand
    half = (hi - m) / (m * (1 - m))
    logit = math.log(m / (1 - m))
    assert lo2 == pytest.approx(1 / (1 + math.exp(-(logit - half))))
    assert hi2 == pytest.approx(1 / (1 + math.exp(-(logit + half))))
    assert stats.share_ci(np.zeros(4)) == (0.0, 0.0, 0.0)
    assert stats.share_ci(np.ones(4)) == (1.0, 1.0, 1.0)
    assert stats.share_ci(np.array([2.0, 3.0])) == stats.mean_ci(np.array([2.0, 3.0]))


def test_newcombe_paired_interval():
    # 50 pairs: 36 both 1, 12 only a, 2 only b; bounds computed by hand from Newcombe (1998)
    # method 10: Wilson limits for 48/50 and 38/50, phi = -24 / sqrt(48 * 2 * 38 * 12)
    a = np.r_[np.ones(48), np.zeros(2)]
    b = np.r_[np.ones(36), np.zeros(12), np.ones(2)]
    d, lo, hi = stats.newcombe_paired(a, b)
    assert d == pytest.approx(0.2) and lo == pytest.approx(0.0569, abs=2e-4)
    assert hi == pytest.approx(0.3404, abs=2e-4)
    d, lo, hi = stats.newcombe_paired(np.zeros(6), np.zeros(6))
    assert d == 0 and -1 < lo < 0 < hi < 1 and lo == pytest.approx(-hi)
    d, lo, hi = stats.newcombe_paired(np.ones(3), np.zeros(3))
    assert d == 1 and 0 < lo < 1 and hi == 1.0


def test_interval_method_follows_the_outcome_kind():
    assert stats.interval(np.array([0, 1, 1, 0.0]), "probability")[3] == "Wilson"
    assert stats.interval(np.array([0.1, 0.2]), "share")[3] == "logit t"
    _, lo, _, method = stats.interval(np.array([0.0, 0.0, 30.0]), "sum")
    assert lo == 0.0 and method == "t, bounded at 0"  # cancelled projects cannot be negative
    assert stats.interval(np.array([2030.0, 2031.0]), "year")[3] == "t"


def _outcomes(spec: ExperimentSpec) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for run in spec.runs():
        row = {k: float(rng.uniform(0.05, 0.15)) for k in OUTCOMES}
        row.update(gs_locked_us=1.0, gs_locked_cn=0.0, gs_contested=0.0, gs_locked_any=1.0)
        row["lockin_year"] = 2031.25 + 0.25 * (run.seed_index % 3)
        row["cn_domestic_chip_share_2030"] = 0.5  # identical in every seed and arm
        row["us_chip_revenue_cn_cum"] = 20.0 + run.arm + rng.normal(0, 0.1)
        rows.append({"run_id": run.run_id, "arm": run.arm, "regime": run.regime,
                     "design": run.design, "seed_index": run.seed_index, **row})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def rep():
    spec = ExperimentSpec(regimes=("containment", "managed_access"), n_seeds=4)
    out = _outcomes(spec)
    out.insert(0, "arm_title", out["arm"].map(stats.arm_titles(spec)))
    effects = stats.paired_effects(out, spec, n_boot=200)
    r = report.Report(out, stats.summary(out, spec), effects, stats.lockin(out, spec),
                      stats.size_warnings(out), pd.DataFrame())  # fmt: skip
    return spec, r


def test_tables_keep_identifiers_and_add_arms_in_words(rep):
    _, r = rep
    assert list(r.summary["arm_label"].unique()) == ["containment", "managed_access"]
    assert list(r.summary["arm_title"].unique()) == ["Containment", "Managed access"]
    assert set(r.effects["reference_title"]) == {"Containment"}
    assert set(r.summary["ci_method"]) >= {"logit t", "Wilson", "t"}
    shares = r.summary[
        r.summary.outcome.map(lambda o: OUTCOMES[o].kind in ("share", "probability"))
    ]
    assert (shares.ci_lo >= 0).all() and (shares.ci_hi <= 1).all()
    eff = r.effects.set_index("outcome")
    assert eff.loc["gs_locked_cn", "ci_method"] == "Newcombe paired"
    assert math.isnan(eff.loc["cn_domestic_chip_share_2030", "sign_frac"])  # identical: no sign


def test_display_reads_right(rep):
    _, r = rep
    wide = report.summary_wide(r).set_index("outcome")
    assert list(wide.columns[:3]) == ["unit", "Containment", "Managed access"]
    year = wide.loc["lockin_year", "Containment"]
    assert year.startswith("2031.") and "e+" not in year and "[2031." in year
    assert wide.loc["us_chip_revenue_cn_cum", "unit"] == "USD bn"
    lock = report.lockin_display(r)
    # median of 2031.25, 2031.5, 2031.75, 2031.25
    assert lock["median lock-in year"].iloc[0] == "2031.4" and lock["arm"].iloc[0] == "Containment"
    eff = report.effects_display(r, list(OUTCOMES)).set_index("outcome")
    assert eff.loc["cn_domestic_chip_share_2030", "sign holds"] == "n/a"
    assert eff.loc["cn_domestic_chip_share_2030", "mean diff [95% CI]"] == "0 [0, 0]"
    assert eff.loc["us_chip_revenue_cn_cum", "sign holds"] == "1"
    assert all("[" in c for c in eff["mean diff [95% CI]"])  # every effect with its CI
    assert "bootstrap 95% CI" in eff and eff.loc["gs_locked_cn", "arm"] == "Managed access"
    assert report.fmt(12345.6) == "12,346" and report.fmt(2031.25, kind="year") == "2031.2"


def test_rendered_report_names_regimes_and_methods(rep):
    spec, r = rep
    text = report.render(spec, r, {"aiblocs_version": "x"}, with_figures=False)
    assert "Containment (`containment`)" in text and "Managed access (`managed_access`)" in text
    assert "logit scale" in text and "Wilson" in text and "Newcombe" in text and "n/a" in text
    assert "e+03" not in text
    assert all(name in text for name in HEADLINE)


def _wilson_by_root(k: int, n: int, z: float = stats.Z95) -> tuple[float, float]:
    """Wilson limits as the roots of |k/n - p| = z sqrt(p (1 - p) / n) (not the closed form)."""
    from scipy.optimize import brentq

    f = lambda p: (k / n - p) ** 2 - z * z * p * (1 - p) / n  # noqa: E731
    lo = 0.0 if k == 0 else brentq(f, 0.0, k / n - 1e-12, xtol=1e-15)  # not the root at k / n = 1
    hi = 1.0 if k == n else brentq(f, k / n + 1e-12, 1.0, xtol=1e-15)
    return lo, hi


def test_newcombe_paired_against_wilson_limits_found_by_root():
    """Newcombe (1998) method 10 on a table with all four cells (4 both, 9 only a, 1 only b,
    3 neither), the Wilson limits found numerically: no symmetry hides a miscount."""
    a = np.r_[np.ones(13), np.zeros(4)]
    b = np.r_[np.ones(4), np.zeros(9), np.ones(1), np.zeros(3)]
    p1, p2 = 13 / 17, 5 / 17
    phi = (4 * 3 - 9 * 1) / math.sqrt(13 * 4 * 5 * 12)
    for z in (stats.Z95, 1.0):
        l1, u1 = _wilson_by_root(13, 17, z)
        l2, u2 = _wilson_by_root(5, 17, z)
        lo = p1 - p2 - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
        hi = p1 - p2 + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
        assert stats.newcombe_paired(a, b, z) == pytest.approx((8 / 17, lo, hi), rel=1e-9)
    assert stats.newcombe_paired(a[:1], b[:1]) == pytest.approx((0.0, -0.7934, 0.7934), abs=1e-4)
    # identical pairs, one of each (phi = 1): the difference is known exactly
    assert stats.newcombe_paired([1, 0], [1, 0]) == pytest.approx((0, 0, 0), abs=1e-12)


def test_wilson_and_t_intervals_at_their_edges():
    assert stats.wilson(1, 2) == pytest.approx(_wilson_by_root(1, 2), abs=1e-12)  # 0.0945
    assert stats.wilson(0, 3)[0] == 0.0 and stats.wilson(10, 10)[1] == 1.0  # exact, not 1e-17
    assert stats.wilson(1, 1) == pytest.approx(_wilson_by_root(1, 1), abs=1e-12)
    assert all(map(math.isnan, stats.wilson(0, 0)))
    assert all(map(math.isnan, stats.mean_ci([])))
    m, lo, hi = stats.mean_ci([3, math.nan])
    assert m == 3.0 and math.isnan(lo) and math.isnan(hi)
    t = 12.706204736174707  # t(0.975, 1 df)
    assert stats.mean_ci([1, 3]) == pytest.approx((2.0, 2 - t, 2 + t), rel=1e-12)
    assert stats.mean_ci([1, 2, 3])[1] == pytest.approx(2 - 4.302652729749464 / math.sqrt(3))
    # shares: the logit interval up to 1 inclusive, mean_ci outside [0, 1], its own level
    m, lo, hi = stats.share_ci([0.5, 1.0])
    assert m == 0.75 and 0 < lo < 0.75 < hi < 1
    assert stats.share_ci([0.5, 1.5]) == stats.mean_ci([0.5, 1.5])
    assert stats.share_ci([1.0, 1.0]) == (1.0, 1.0, 1.0)
    one = stats.share_ci([0.3])
    assert one[0] == 0.3 and math.isnan(one[1]) and math.isnan(one[2])
    x = [0.2, 0.3, 0.5, 0.4]
    assert stats.share_ci(x, 0.5)[2] < stats.share_ci(x)[2]


@pytest.mark.parametrize(("x", "kind", "method"), [
    ([0.0, 0.5], "share", "logit t"),
    ([0.2, 1.0], "share", "logit t"),
    ([0.5, 1.5], "share", "t"),
    ([0.2, 0.4], "level", "t"),
    ([0.0, 9.0], "level", "t"),  # below zero is allowed for a level
    ([0.0, 9.0], "sum", "t, bounded at 0"),
    ([0.0, 0.0], "sum", "t"),  # lo = 0 exactly: nothing to bound
    ([0.5, 0.6, 0.7, 0.5, 0.6, 0.7], "sum", "t"),
    ([-1.0, 5.0], "sum", "t"),  # a sum that can be negative is not bounded
    ([1, 0, 1], "probability", "Wilson"),
    ([1, 0.5], "probability", "t"),
])  # fmt: skip
def test_interval_method_at_the_edges_of_each_kind(x, kind, method):
    m, lo, hi, name = stats.interval(np.array(x), kind)
    assert name == method and m == pytest.approx(np.mean(x))
    if method == "t, bounded at 0":
        assert lo == 0.0 and hi == stats.mean_ci(x)[2]


@pytest.mark.parametrize(("a", "b", "kind", "method", "bounds"), [
    ([1, 0, 1], [0, 0, 1], "probability", "Newcombe paired", None),
    ([1, 0, 1], [0, 0, 1], "share", "paired t", None),
    ([0.5, 1.0], [0.0, 1.0], "probability", "paired t", None),  # not 0/1: no Newcombe
    ([1.0, 0.0], [0.0, 1.0], "share", "paired t", (-1.0, 1.0)),  # shares differ by <= 1
    ([1.0, 0.0], [0.0, 1.0], "level", "paired t", (0 - 12.706204736174707, 12.706204736174707)),
    ([1.5, 0.0], [0.0, 1.0], "share", "paired t", (0.25 - 1.25 * 12.706204736174707,
                                                   0.25 + 1.25 * 12.706204736174707)),
])  # fmt: skip
def test_paired_difference_method_and_bounds(a, b, kind, method, bounds):
    a, b = np.array(a, float), np.array(b, float)
    m, lo, hi, name = stats.difference(a, b, kind)
    assert name == method and m == pytest.approx((a - b).mean())
    if method == "Newcombe paired":
        assert (m, lo, hi) == stats.newcombe_paired(a, b)
    if bounds:
        assert (lo, hi) == pytest.approx(bounds, rel=1e-12)
