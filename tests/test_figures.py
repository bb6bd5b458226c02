"""The one figure style: every figure builder of the package gives a readable, publishable figure.

Each builder is drawn from synthetic tables (no model runs) and checked after layout: type at
least 6.5 pt, no text overlapping another, nothing outside the figure, legends off the data,
axis labels (with units) or categorical ticks on every panel, arms named in words, and the
PNG + SVG + PDF files written with stable bytes.
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from aiblocs.calibration import report as cal_report
from aiblocs.compare import figures as cmp_figures
from aiblocs.compare import stats
from aiblocs.ensemble import ExperimentSpec
from aiblocs.model.calendar import quarter_label
from aiblocs.model.outcomes import FAN_SERIES, OUTCOMES
from aiblocs.model.regimes import get_regime, preset_names, regime_from_dict
from aiblocs.sensitivity import figures as sa_figures
from aiblocs.sensitivity import prim
from aiblocs.sensitivity.design import ANALYSED
from aiblocs.sensitivity.ranges import Range
from aiblocs.viz import style
from aiblocs.viz.figures import grid_figure, series_figure

MIN_PT = 6.5


@pytest.fixture
def drawn(monkeypatch):
    """Figures passed to ``style.save``, kept for inspection instead of written (that is tested
    once, in test_save_writes_png_svg_pdf_with_stable_bytes)."""
    figs = []

    def keep(fig, path):
        figs.append(fig)
        return path

    monkeypatch.setattr(style, "save", keep)
    return figs


def _ticklabels(axis):
    """Labels of the ticks the axis draws (inside its view), not of every located tick."""
    return [t for tick in axis._update_ticks() for t in (tick.label1, tick.label2)]


def _texts(fig):
    """Every visible, non-empty text the figure draws, with its extent in display pixels."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    out = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        items = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        items += _ticklabels(ax.xaxis) + _ticklabels(ax.yaxis) + ax.texts
        if ax.get_legend() is not None:
            items += [*ax.get_legend().get_texts(), ax.get_legend().get_title()]
        out += [(t, ax) for t in items]
    for leg in fig.legends:
        out += [(t, None) for t in [*leg.get_texts(), leg.get_title()]]
    out += [(t, None) for t in fig.texts] + ([(fig._suptitle, None)] if fig._suptitle else [])
    unique = {id(t): (t, ax) for t, ax in out}.values()  # the suptitle is also in fig.texts
    keep = [(t, ax) for t, ax in unique if isinstance(t, Text) and t.get_visible() and t.get_text()]
    return renderer, [(t, ax, t.get_window_extent(renderer)) for t, ax in keep]


def check_readable(fig):
    """Assert the figure's text is legible, unclipped and non-overlapping, legends off the data."""
    renderer, texts = _texts(fig)
    page = fig.bbox
    for t, _, box in texts:
        assert t.get_fontsize() >= MIN_PT, f"{t.get_text()!r} at {t.get_fontsize()} pt"
        assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1, f"{t.get_text()!r} cut at a side"
        assert box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, (
            f"{t.get_text()!r} cut at top/bottom"
        )
    for (a, _, ba), (b, _, bb) in itertools.combinations(texts, 2):
        inter = ba.intersection(ba, bb)
        if inter is not None and inter.width > 1 and inter.height > 1:
            raise AssertionError(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    for leg in legends:
        lb = leg.get_window_extent(renderer)
        for ax in fig.axes:
            if ax.get_visible():
                inter = lb.intersection(lb, ax.bbox)
                assert inter is None or inter.width < 1 or inter.height < 1, "legend on data"
    rows: dict[float, list] = {}  # a row of panels may share one y label (same quantity)
    for ax in fig.axes:
        if ax.get_visible():
            rows.setdefault(round(ax.get_position().y0, 3), []).append(ax)
    for row in rows.values():
        assert any(ax.get_ylabel() or _words(ax.yaxis) for ax in row), "y axis without label"
        for ax in row:
            xt = [t.get_text() for t in _ticklabels(ax.xaxis) if t.get_visible() and t.get_text()]
            assert ax.get_xlabel() or not xt or _words(ax.xaxis), "x axis without label"


def _words(axis) -> bool:
    """Whether an axis shows categorical tick labels (words, not numbers)."""
    labels = [t.get_text() for t in _ticklabels(axis) if t.get_visible() and t.get_text()]
    return any(not _numeric(s) for s in labels)


def _numeric(s: str) -> bool:
    return (
        s.replace("−", "-").replace(",", "").rstrip("kMbn").lstrip("-").replace(".", "").isdigit()
    )


def _all_text(fig) -> str:
    return " | ".join(t.get_text() for t, _, _ in _texts(fig)[1])


# --- regime labels --------------------------------------------------------------------------


def test_every_preset_has_a_label_and_titles_fall_back_to_words():
    for name in preset_names():
        reg = get_regime(name)
        assert reg.label and "_" not in reg.label and reg.title == reg.label
        assert regime_from_dict(reg.to_dict()) == reg
    bare = regime_from_dict({"name": "my_regime"})
    assert bare.label == "" and bare.title == "my regime" and "label" not in bare.to_dict()
    for bad in ("two\nlines", "x" * 41, 3):
        with pytest.raises(ValueError, match="regime field 'label'"):
            regime_from_dict({"name": "x", "label": bad})
    with pytest.raises(ValueError, match="regime field 'label'"):
        get_regime("open").with_overrides(label="tab\there")


# --- the style ------------------------------------------------------------------------------


def test_save_writes_png_svg_pdf_with_stable_bytes(tmp_path):
    def draw(path):
        fig, (ax,) = style.figure_grid(1)
        ax.plot([0, 1], [0, 2e7], color=style.PALETTE[0])
        style.label(ax, "A title", "year", "H100e")
        return style.save(fig, path)

    first = draw(tmp_path / "a" / "f.png")
    second = draw(tmp_path / "b" / "f.png")
    for suffix in style.FORMATS:
        a, b = first.with_suffix(suffix), second.with_suffix(suffix)
        assert a.stat().st_size > 1000 and a.read_bytes() == b.read_bytes(), suffix
    assert first.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"
    assert b"<svg" in first.with_suffix(".svg").read_bytes()[:400]
    assert style.number(1.5e7) == "15M" and style.number(0.25) == "0.25"


def test_palette_is_okabe_ito_and_arms_differ_beyond_colour():
    assert style.PALETTE[:3] == ("#0072B2", "#D55E00", "#009E73")
    looks = style.arm_styles([f"arm {i}" for i in range(6)])
    pairs = {(s["color"], str(s["ls"])) for s in looks.values()}
    assert len(pairs) == 6 and len({str(s["ls"]) for s in looks.values()}) == 6


# --- compare ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def experiment():
    """A 3-regime spec and synthetic stored rows and outcomes (no model runs)."""
    spec = ExperimentSpec(regimes=("containment", "managed_access", "open"), n_seeds=6)
    rng = np.random.default_rng(0)
    quarters = [quarter_label(2022 * 4 + i) for i in range(56)]
    rows, outs = [], []
    for run in spec.runs():
        walk = np.clip(np.cumsum(rng.normal(0.01, 0.02, (56, len(FAN_SERIES))), axis=0), 0, 1)
        frame = pd.DataFrame(walk, columns=list(FAN_SERIES)).assign(quarter=quarters)
        rows.append(frame.assign(arm=run.arm, run_id=run.run_id))
        o = {k: float(rng.uniform(0, 1)) for k in OUTCOMES}
        state = rng.integers(0, 3)
        o.update(gs_locked_us=float(state == 0), gs_locked_cn=float(state == 1),
                 gs_contested=float(state == 2))  # fmt: skip
        o["lockin_year"] = 2030.25 if state < 2 else np.nan
        outs.append({"run_id": run.run_id, "arm": run.arm, "seed_index": run.seed_index, **o})
    return spec, pd.concat(rows, ignore_index=True), pd.DataFrame(outs)


def test_compare_figures_are_readable_and_name_arms_in_words(experiment, drawn, tmp_path):
    spec, rows, outcomes = experiment
    arms = stats.arm_titles(spec)
    outcomes = outcomes.assign(arm_title=outcomes["arm"].map(arms))
    cmp_figures.fan_charts(rows, arms, tmp_path / "fan.png")
    cmp_figures.lockin_bars(stats.lockin(outcomes, spec), tmp_path / "lockin.png")
    effects = stats.paired_effects(outcomes, spec)
    cmp_figures.forest(effects, tuple(OUTCOMES)[:6], tmp_path / "forest.png", list(arms.values()))
    assert len(drawn) == 3
    for fig in drawn:
        check_readable(fig)
        text = _all_text(fig)
        assert "Managed access" in text and "managed_access" not in text


def test_country_lockin_figure_is_readable(experiment, drawn, tmp_path):
    """Lock-in years by GS country: eight panels, arms in words, contested shares in a margin."""
    spec, _, _ = experiment
    rng = np.random.default_rng(4)
    names = ["Gulf", "India", "Indonesia", "Brazil", "Nigeria", "Egypt", "Vietnam", "Kenya"]
    rows = []
    for run in spec.runs():
        for country in names:
            state = int(rng.integers(0, 3))
            year = np.nan if state == 0 else 2022 + 0.25 * int(rng.integers(0, 56))
            rows.append({"run_id": run.run_id, "arm": run.arm, "country": country,
                         "state": state, "lockin_year": year})  # fmt: skip
    arms = stats.arm_titles(spec)
    cmp_figures.country_lockin_strips(pd.DataFrame(rows), arms, tmp_path / "c.png")
    (fig,) = drawn
    check_readable(fig)
    text = _all_text(fig)
    assert "Managed access" in text and "Kenya" in text and "%" in text


# --- dashboard -------------------------------------------------------------------------------


def test_dashboard_figures_are_readable(experiment):
    _, rows, _ = experiment
    frame = rows[rows["arm"] == 0].groupby("quarter", sort=True).first().reset_index()
    for col in ("gs_locked_in_us", "gs_locked_in_cn", "capability_us", "capability_cn",
                "us_chip_revenue_cn"):  # fmt: skip
        frame[col] = np.linspace(0, 1, len(frame))
    check_readable(series_figure(frame, frame, "Containment", "Open"))
    check_readable(series_figure(frame))
    image = np.zeros((40, 50, 3))
    check_readable(grid_figure(image, [(5.0, "US"), (25.0, "China")], "Adopters, 2030Q4"))


# --- sensitivity and discovery ---------------------------------------------------------------


def test_sensitivity_figures_are_readable(drawn, tmp_path):
    rng = np.random.default_rng(1)
    params = ["induced_efficiency", "open_weight_spillover", "beta_capability",
              "cn_domestic_preference", "smuggle_leak", "export_stack_subsidy"]  # fmt: skip
    morris = pd.DataFrame(
        [
            {
                "outcome": o,
                "param": p,
                "mu_star": rng.uniform(0, 1),
                "sigma": rng.uniform(0, 1),
                "mu": 0.0,
                "mu_star_conf": 0.1,
            }
            for o in ANALYSED
            for p in params
        ]
    )
    sobol = pd.DataFrame(
        [
            {
                "outcome": o,
                "param": p,
                "S1": rng.uniform(0, 0.5),
                "S1_conf": 0.1,
                "ST": rng.uniform(0.3, 1),
                "ST_conf": 0.15,
            }
            for o in ANALYSED
            for p in params
        ]
    )
    sa_figures.morris_figure(morris, tmp_path / "morris.png")
    sa_figures.sobol_figure(sobol, tmp_path / "sobol.png")
    X = rng.uniform(0, 1, (400, 3))
    y = ((X[:, 0] > 0.6) & (X[:, 1] < 0.4)).astype(float)
    boxes, trajs = prim.cover(X, y, ["induced_efficiency", "open_weight_spillover", "bass_q"])
    ranges = [Range(n, 0.0, 1.0, "test") for n in ("induced_efficiency",
                                                   "open_weight_spillover", "bass_q")]  # fmt: skip
    sa_figures.prim_figures(trajs, boxes, ranges, tmp_path)
    assert len(drawn) == 4
    for fig in drawn:
        check_readable(fig)
    assert drawn[-1].get_size_inches()[1] >= 2.4  # the box figure is never a flat strip


# --- attribution -------------------------------------------------------------------------------


def test_attribution_figure_is_readable(drawn, tmp_path):
    from aiblocs.attribution.report import attribution_figure

    mechs = ["headline", "spillover_to_us", "induced_efficiency", "smuggling", "remainder"]
    rng = np.random.default_rng(4)
    rows = [{"outcome": o, "mechanism": m, "mean": 0.3, "share": s, "share_lo": s - 0.1,
             "share_hi": s + 0.1} for o in ("gs_share_cn_stack_2035", "gs_locked_us",
                                           "cn_lag_months_2030")
            for m, s in zip(mechs, rng.uniform(-0.5, 1, len(mechs)), strict=True)]  # fmt: skip
    attribution_figure(pd.DataFrame(rows), tmp_path / "attribution.png")
    check_readable(drawn[0])
    assert "spillover to us" in _all_text(drawn[0])


# --- calibration -----------------------------------------------------------------------------


def test_calibration_figures_are_readable(drawn, tmp_path):
    quarters = [quarter_label(2022 * 4 + i) for i in range(24)]
    bands = pd.concat(
        pd.DataFrame({"output": o, "quarter": quarters, "p05": np.linspace(0, 0.4, 24),
                      "p50": np.linspace(0.1, 0.5, 24), "p95": np.linspace(0.2, 0.6, 24)})
        for o in ("cn_lag_months", "us_compute_share", "cn_hub_compute")
    )  # fmt: skip
    fit = pd.DataFrame(
        [("lag_2023", "fit", "cn_lag_months", "2023Q1..2023Q4", "mean", 0.3, 0.2, 0.4),
         ("share", "holdout", "us_compute_share", "2025Q2..2025Q2", "last", 0.4, 0.3, 0.5),
         ("growth", "fit", "cn_hub_compute", "2024Q4..2025Q3", "growth", 1.5, 1.2, 1.8)],
        columns=["target", "set", "output", "span", "stat", "observed", "lo", "hi"],
    )  # fmt: skip
    trace = pd.DataFrame({"evaluation": range(1, 51), "best_loss": np.geomspace(100, 1, 50)})
    names = ["bass_q", "induced_efficiency", "edwc_optimism"]
    est = pd.DataFrame({"parameter": names, "estimate": [0.5, 1.0, 4.0], "se": 0.1,
                        "lo": [0.0, 0.0, 0.0], "hi": [2.0, 2.0, 8.0]})  # fmt: skip
    rng = np.random.default_rng(2)
    sample = pd.DataFrame(rng.uniform(0, 2, (60, 3)), columns=names)
    prof = pd.DataFrame([(n, v, (v - 1) ** 2) for n in names for v in np.linspace(0, 2, 9)],
                        columns=["parameter", "value", "loss"])  # fmt: skip
    tables = {"target_bands": bands, "fit_table": fit, "loss_trace": trace, "estimates": est,
              "msm_sample": sample, "abc_sample": sample.iloc[:10], "profiles": prof}  # fmt: skip
    for name, table in tables.items():
        table.to_csv(tmp_path / f"{name}.csv", index=False)
    drawn_paths = cal_report.rebuild(tmp_path)  # the report's figures, from its CSV tables
    assert [p.name for p in drawn_paths] == [
        "targets.png",
        "loss_trace.png",
        "marginals.png",
        "profiles.png",
    ]
    assert len(drawn) == 4
    for fig in drawn:
        check_readable(fig)
    assert "bass_q (1/year)" in _all_text(drawn[2])  # parameters with their units
    (tmp_path / "profiles.csv").unlink()  # an older folder: that figure is left as it is
    assert [p.name for p in cal_report.rebuild(tmp_path)][-1] == "marginals.png"
