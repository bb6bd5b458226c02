"""Dashboard building blocks: guarded frame, adopter grid, KPIs, figures, server settings."""

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgba

pytest.importorskip("solara")

from matplotlib.figure import Figure

from aiblocs.model.adoption import locked as locked_units
from aiblocs.viz.figures import EVENT_ROWS, PANELS, SeriesChart, grid_figure, series_figure
from aiblocs.viz.levers import build_model
from aiblocs.viz.series import (
    KPIS,
    MAX_CELLS,
    PALETTE,
    event_line,
    event_positions,
    frame,
    grid_image,
    kpis,
    run_events,
)
from aiblocs.viz.server import solara_command, solara_env
from aiblocs.viz.style import EVENT_COLOURS, event_colour, event_kinds


@pytest.fixture(scope="module")
def stepped():
    m = build_model("historical", seed=0, n_adopters=2000, compare="open")
    for _ in range(24):
        m.step()
    return m


def test_frame_trims_to_the_shortest_column(stepped):
    m = build_model("open", seed=1, n_adopters=300)
    for _ in range(3):
        m.step()
    m.datacollector.model_vars["adoption_us"].append(0.5)  # a play loop half-way through collect
    df = frame(m)
    assert len(df) == 3
    assert list(df["quarter"]) == ["2022Q1", "2022Q2", "2022Q3"]
    assert len(frame(build_model("open", n_adopters=300))) == 0


def test_grid_image_colours_units_by_stack_and_lock_in(stepped):
    img, labels = grid_image(stepped)
    assert img.ndim == 3 and img.shape[1] == 50 and img.shape[2] == 3
    cells = img.reshape(-1, 3)
    counts = {i: int(np.all(np.isclose(cells, PALETTE[i]), axis=1).sum()) for i in range(6)}
    assert sum(counts[i] for i in range(5)) == 2000  # every unit drawn once
    st = stepped.adopters
    locked = locked_units(st.stack, st.tenure, stepped.p)
    assert counts[2] == int(np.sum(locked & (st.stack == 1)))
    assert counts[4] == int(np.sum(locked & (st.stack == 2)))
    assert counts[0] == int(np.sum(st.stack == 0))
    assert {name for _, name in labels} == {c.country for c in stepped.cohorts}


def test_grid_image_subsamples_large_runs():
    m = build_model("open", seed=0, n_adopters=6000)
    img, _ = grid_image(m)
    drawn = int((~np.all(np.isclose(img.reshape(-1, 3), PALETTE[5]), axis=1)).sum())
    assert drawn == MAX_CELLS


def test_kpis_before_and_after_a_step():
    m = build_model("historical", seed=0, n_adopters=300)
    before = kpis(m)
    assert before["quarter"] == "not started"
    assert all(before[k] == "-" for k in KPIS)
    m.step()
    after = kpis(m)
    assert after["quarter"] == "2022Q1"
    assert after["gs_share_cn_stack"].endswith("%")
    assert float(after["us_chip_revenue_cn"]) == pytest.approx(m.m["us_chip_revenue_cn"], abs=0.01)


def test_series_figure_overlays_the_comparison(stepped):
    df, other = frame(stepped), frame(stepped.twin)
    fig = series_figure(df, other, "historical", "open")
    assert isinstance(fig, Figure)
    axes = fig.axes
    assert len(axes) == len(PANELS) == 6
    dashed = [ln for ax in axes for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    solid = [ln for ax in axes for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    assert len(dashed) == len(solid) == sum(len(c) for _, c in PANELS)
    assert all(len(ln.get_xdata()) == 24 for ln in dashed + solid)
    single = series_figure(df)
    assert all(ln.get_linestyle() == "-" for ax in single.axes for ln in ax.get_lines())


def _marks(model):
    events = run_events(model)
    return event_positions(model, events), [e.kind for e in events]


def test_both_runs_events_are_marked_on_every_panel(stepped):
    """Historical pins DeepSeek-R1 in 2025Q1 (quarter 12); the open run draws its own events."""
    main, twin = _marks(stepped), _marks(stepped.twin)
    assert 12.0 in main[0] and len(twin[0]) > 0
    fig = series_figure(frame(stepped), frame(stepped.twin), "historical", "open",
                        events=main, other_events=twin)  # fmt: skip
    for ax in fig.axes:
        solid, hollow = ax.collections  # the main run's markers, the comparison run's
        assert np.array_equal(solid.get_offsets()[:, 0], main[0])
        assert np.array_equal(hollow.get_offsets()[:, 0], twin[0])
        assert set(solid.get_offsets()[:, 1]) == {EVENT_ROWS[0]}
        assert len(hollow.get_facecolors()) == 0  # hollow: edges only
        r1 = list(main[0]).index(12.0)
        assert solid.get_facecolors()[r1] == pytest.approx(to_rgba(EVENT_COLOURS["breakthrough"]))
    legend = fig.legends[-1]
    assert [t.get_text() for t in legend.get_texts()] == event_kinds(main[1] + twin[1])
    assert "hollow: open" in legend.get_title().get_text()


def test_event_lines_kinds_and_colours():
    m = build_model("historical", seed=0, n_adopters=300)
    while m.quarter != "2025Q1":
        m.step()
    (r1,) = [e for e in run_events(m) if e.kind == "breakthrough"]  # deals, rules are logged too
    assert event_line(r1).startswith("2025Q1  breakthrough  DeepSeek-like: DeepSeek-R1")
    assert "(random)" not in event_line(r1)  # pinned, not drawn
    assert event_kinds(["deal", "zeta", "breakthrough", "alpha", "deal"]) == [
        "breakthrough", "deal", "alpha", "zeta"]  # fmt: skip
    assert event_colour("us_rule") == EVENT_COLOURS["us_rule"]
    assert event_colour("zeta") == event_colour("zeta") and event_colour("zeta").startswith("#")


def test_series_chart_updates_in_place(stepped):
    chart = SeriesChart("2022Q1", 56)
    chart.update(frame(stepped).iloc[:5])
    line = chart.axes[0].get_lines()[0]
    assert len(line.get_xdata()) == 5
    chart.update(frame(stepped))
    assert chart.axes[0].get_lines()[0] is line and len(line.get_xdata()) == 24


def test_grid_figure_draws(stepped):
    fig = grid_figure(*grid_image(stepped), "title")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    assert buf.getvalue()[:4] == b"\x89PNG"


def test_server_settings_are_offline_and_private():
    env = solara_env({})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"].endswith("s")
    cmd = solara_command("127.0.0.1", 8765)
    assert "--production" in cmd and "--no-check-version" in cmd and "--no-open" in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"


def test_serve_rejects_a_bad_port():
    from aiblocs.viz.server import serve

    with pytest.raises(ValueError, match="port"):
        serve(port=0)
