"""The widgets in a real JupyterLab, in headless Chromium driven by Playwright.

Starts JupyterLab on 127.0.0.1 (random port, a token, temporary root/settings/workspaces folders,
the kernel-selection dialog and the news prompt switched off), opens tests/browser/fixtures/widgets-tour.ipynb,
waits for the kernel's websocket, runs all cells, then clicks the widgets at a laptop's 1280 x 800: moves
the mobile node (and measures the time from the click to the redrawn page; the picture is shown unscaled
and the state tables are not clipped), steps the algorithm tracer forward from its first step, selects a
packet in the inspector (whose filters show their values), looks at an ESP-protected Binding Update
(the Mobility Header's layout, the lock drawn) and picks another scenario in the dashboard. Screenshots go
to a temporary folder (paths printed).

Skipped when /usr/bin/chromium or the playwright package is missing. Never runs
``playwright install``: the system Chromium is used.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = Path(__file__).resolve().parent / "fixtures" / "widgets-tour.ipynb"  # a fixture, not a chapter
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KERNEL_READY = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const s = w && w.sessionContext && w.sessionContext.session;
  const k = s && s.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""
KERNEL_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  return k.status === 'idle';
}"""

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_settings(folder: Path) -> None:
    settings = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for rel, value in settings.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(value))


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A running JupyterLab serving a copy of the tour notebook; yields (url, folder)."""
    root, settings, workspaces = tmp_path / "root", tmp_path / "settings", tmp_path / "workspaces"
    for d in (root, settings, workspaces):
        d.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    _write_settings(settings)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.expose_app_in_browser=True",
        "--ServerApp.port_retries=0",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    log = open(tmp_path / "jupyterlab.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()[-3000:])
            time.sleep(0.2)
        yield f"{base}/lab/tree/{NOTEBOOK.name}?token={token}", tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_widgets_tour_in_jupyterlab(jupyterlab: tuple[str, Path]) -> None:
    url, folder = jupyterlab
    shots = folder / "screenshots"
    shots.mkdir()
    t_start = time.monotonic()
    with playwright_sync.sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(folder / "chromium-profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(url)
            page.wait_for_function(KERNEL_READY, timeout=45_000)
            page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
            page.locator(".mip6lab-dashboard").first.wait_for(state="attached", timeout=45_000)
            page.wait_for_function(KERNEL_IDLE, timeout=30_000)

            # every widget rendered, no cell shows an error
            for css in (".mip6lab-network", ".mip6lab-sequence", ".mip6lab-inspector", ".mip6lab-tracer"):
                assert page.locator(css).count() >= 1, css
            errors = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
            assert not [e for e in errors if "Error" in e or "Traceback" in e], errors
            assert page.get_by_text("Error displaying widget").count() == 0
            page.screenshot(path=str(shots / "1-after-run-all.png"))

            # move the mobile node: pick a link, click Move, wait for the new picture and status
            net = page.locator(".mip6lab-network").first
            net.scroll_into_view_if_needed()
            status = net.locator(".mip6lab-status")
            image = net.locator("img").first
            latencies, kernel_ms = [], []
            for link in ("foreign1", "foreign2", "home", "foreign2"):
                net.locator(".widget-dropdown select").nth(1).select_option(link)
                src_before = image.get_attribute("src")
                t0 = time.monotonic()
                net.get_by_role("button", name="Move", exact=True).click()
                status.get_by_text(f"moved mn to {link}").wait_for(timeout=10_000)
                page.wait_for_function(
                    "([el, before]) => el.getAttribute('src') !== before", arg=[image.element_handle(), src_before]
                )
                latencies.append(time.monotonic() - t0)
                m = re.search(r"redraw (\d+) ms", status.inner_text())
                kernel_ms.append(int(m.group(1)) if m else -1)
            tables = net.locator(".mip6lab-tables")
            assert "away from home" in tables.inner_text()
            box = tables.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1280  # inside the page, not cut off
            assert tables.evaluate("el => el.scrollWidth <= el.clientWidth + 1")  # wraps, nothing clipped sideways
            shown = image.evaluate("el => [el.naturalWidth, el.getBoundingClientRect().width]")
            assert abs(shown[0] - shown[1]) <= 1, shown  # the picture is not scaled down (labels stay 11 px)
            page.screenshot(path=str(shots / "2-moved.png"))

            # an invalid move (to where it is) shows a message and nothing else
            net.locator(".widget-dropdown select").nth(1).select_option("foreign2")
            net.get_by_role("button", name="Move", exact=True).click()
            status.get_by_text("already on foreign2").wait_for(timeout=10_000)

            # the tracer opens on the first step, Next enabled; step forward
            tracer = page.locator(".mip6lab-tracer").first
            tracer.scroll_into_view_if_needed()
            position = tracer.locator(".mip6lab-step-position")
            position.get_by_text("step 1 of 12").wait_for(timeout=10_000)
            assert tracer.get_by_role("button", name="Next >").is_enabled()
            tracer.get_by_role("button", name="Next >").click()
            position.get_by_text("step 2 of 12").wait_for(timeout=10_000)
            assert tracer.locator('svg g.current[data-step="2"]').count() == 1
            detail = tracer.locator(".mip6lab-step-detail")
            box = detail.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1280  # beside or below the chart, not cut off
            page.screenshot(path=str(shots / "3-tracer.png"))
            detail.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "3b-tracer-detail.png"))

            # the inspector: filters show their values, the list opens on signalling; select a packet
            insp = page.locator(".mip6lab-inspector").first
            insp.scroll_into_view_if_needed()
            selected = insp.locator(".widget-dropdown select").evaluate_all(
                "els => els.slice(0, 2).map(e => e.options[e.selectedIndex] ? e.options[e.selectedIndex].text : '')"
            )
            assert [t.replace("\xa0", " ") for t in selected] == ["(all links)", "(all nodes)"], selected
            rows = insp.locator(".mip6lab-capture select")
            assert " NS " not in rows.inner_text() and " RA " not in rows.inner_text()  # ND hidden at first
            rows.select_option(index=3)
            insp.locator(".mip6lab-layers").get_by_text("Hop Limit").first.wait_for(timeout=10_000)
            value = rows.evaluate(
                "el => el.options[el.selectedIndex].text.replace(/\\u00a0/g, ' ').trim().split(/\\s+/)[0]"
            )
            assert f"#{value} " in insp.locator(".mip6lab-packet-title").inner_text()
            page.screenshot(path=str(shots / "4-inspector.png"))

            # an ESP-protected BU with the keys known: the Mobility Header's layout (Figure 2), a drawn lock
            esp = page.locator(".mip6lab-esp-tour").first
            esp.scroll_into_view_if_needed()
            esp.locator("caption").get_by_text("Mobility Header (Figure 2)").wait_for(timeout=10_000)
            assert esp.locator("svg.mip6lab-lock").count() >= 1
            page.screenshot(path=str(shots / "5-esp-bu.png"))
            esp.get_by_role("tab", name="Layers").click()
            opened = esp.locator(".mip6lab-esp").first
            opened.wait_for(timeout=10_000)
            opened.scroll_into_view_if_needed()
            lock = opened.locator("svg.mip6lab-lock").first.bounding_box()
            assert lock is not None and lock["width"] >= 8 and lock["height"] >= 8  # drawn, not an empty box
            page.screenshot(path=str(shots / "5b-esp-lock.png"))

            # the dashboard's scenario picker reaches a scenario without typing its name
            dash = page.locator(".mip6lab-dashboard").first
            dash.scroll_into_view_if_needed()
            picker = dash.locator(".mip6lab-scenario-picker select")
            assert picker.locator("option").count() >= 20
            index = picker.evaluate(
                "el => [...el.options].findIndex(o => o.text.replace(/\\u00a0/g, ' ').startsWith('ha-discovery '))"
            )
            picker.select_option(index=index)
            dash.locator(".mip6lab-scenario-about").get_by_text("Figures 24, 25").wait_for(timeout=30_000)
            page.screenshot(path=str(shots / "6-dashboard-picker.png"))
        finally:
            ctx.close()
    total = time.monotonic() - t_start
    median = sorted(latencies)[len(latencies) // 2]
    print(
        f"\nbrowser: move + redraw latency (click -> new picture and status in the page): "
        f"median {median * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
        f"in the kernel: {', '.join(f'{k} ms' for k in kernel_ms)}"
    )
    print(f"browser: whole test {total:.1f} s; screenshots:")
    for p in sorted(shots.iterdir()):
        print(f"  {p}")
    assert max(kernel_ms) < 500  # the Python side of a move: action, tables, picture
    assert median < 1.0  # plus the websocket round trip and the PNG transfer on a loaded 2-core machine
