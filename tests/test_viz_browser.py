"""End to end: start `aiblocs viz`, drive it with headless chromium, Step and switch regime."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 40.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"`aiblocs viz` exited with code {proc.returncode}; see its log")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"dashboard did not answer at {url} within {timeout} s")


@pytest.fixture
def server(tmp_path):
    pytest.importorskip("solara")
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"BROWSER TEST SKIPPED: {CHROMIUM} is missing (apt-get install chromium)")
    port = _free_port()
    exe = shutil.which("aiblocs")
    cmd = [exe] if exe and Path(exe).parent == Path(sys.executable).parent else [
        sys.executable, "-m", "aiblocs.cli"]  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    args = [*cmd, "viz", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url, proc)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # our own session: aiblocs + its solara child
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _step_to(page, quarter: str) -> None:
    page.get_by_role("button", name="Step").click()
    page.get_by_text(f"Quarter: {quarter}").wait_for(timeout=15_000)


def test_dashboard_steps_and_switches_regime(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(server)
            page.get_by_role("button", name="Step").wait_for(timeout=30_000)
            page.get_by_text("Quarter: not started").wait_for(timeout=10_000)
            page.get_by_text("Time: 0.0").wait_for(timeout=10_000)
            kpi = page.locator(".kpi-us_chip_revenue_cn")
            assert kpi.inner_text() == "-"
            for q in ("2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1", "2023Q2"):
                _step_to(page, q)
            page.get_by_text("Time: 6.0").wait_for(timeout=10_000)
            historical = kpi.inner_text()
            page.screenshot(path=str(tmp_path / "historical.png"), full_page=True)

            page.get_by_text("historical", exact=True).first.click()
            page.get_by_role("option", name="open", exact=True).click()
            page.get_by_text("Quarter: not started").wait_for(timeout=15_000)
            page.get_by_text("regime open").wait_for(timeout=10_000)
            for q in ("2022Q1", "2022Q2", "2022Q3", "2022Q4", "2023Q1", "2023Q2"):
                _step_to(page, q)
            opened = kpi.inner_text()
            page.screenshot(path=str(tmp_path / "open.png"), full_page=True)
        finally:
            browser.close()
    assert float(historical) != float(opened), (historical, opened)
    assert (tmp_path / "open.png").stat().st_size > 10_000


def test_events_appear_in_both_panes(server, tmp_path):
    """Historical (pins DeepSeek-R1 in 2025Q1) beside containment (draws its events): each pane
    lists its own run's events once the run reaches them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.goto(server)
            page.get_by_role("button", name="Step").wait_for(timeout=30_000)
            page.get_by_text("none", exact=True).first.click()  # the "Compare with" select
            page.get_by_role("option", name="containment", exact=True).click()
            page.get_by_text("vs Containment", exact=False).wait_for(timeout=15_000)
            main, twin = page.locator(".events-main"), page.locator(".events-twin")
            main.get_by_text("no events yet").wait_for(timeout=10_000)
            twin.get_by_text("no events yet").wait_for(timeout=10_000)
            for year in range(2022, 2025):
                for k in range(1, 5):
                    _step_to(page, f"{year}Q{k}")
            # historical: no breakthrough before R1 (its dated rules and drawn deals are listed)
            assert main.locator(".event-breakthrough").count() == 0
            _step_to(page, "2025Q1")
            main.locator(".event-breakthrough").first.wait_for(timeout=10_000)
            rows = main.locator(".event-row").all_inner_texts()
            r1 = main.locator(".event-breakthrough").all_inner_texts()
            twin_rows = twin.locator(".event-row").all_inner_texts()
            page.screenshot(path=str(tmp_path / "events.png"), full_page=True)
        finally:
            browser.close()
    assert r1 and all("2025Q1" in r for r in r1) and any("DeepSeek-R1" in r for r in r1)
    assert any("us_rule" in r and "(random)" not in r for r in rows)  # scripted rules: not drawn
    assert twin_rows and any("(random)" in r for r in twin_rows)
    quarters = [r.split()[1] for r in rows + twin_rows]  # "▼ 2024Q3 crackdown US: ..."
    assert all("2022Q1" <= q <= "2025Q1" for q in quarters), quarters  # none from the future
