"""Notebook 08 in a real browser: JupyterLab + headless Chromium (playwright).

Starts JupyterLab on a free localhost port with a random token (fast mode), opens
08_exploring_attention.ipynb, runs all cells, and checks: every cell ran, no error output,
no unexpected console errors, the explorer's widgets render, and changing the head
dropdown and the decoding-step slider changes the heatmap image. Screenshots go to
test-artifacts/. The server is always stopped.

The notebook is served from a temporary copy of notebooks/ so that JupyterLab's autosave
cannot write outputs into the committed notebook.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "08_exploring_attention.ipynb"
CHROMIUM = "/usr/bin/chromium"
BENIGN_CONSOLE = (
    # JupyterLab asks for optional resources that a bare server does not have (translations,
    # the extension manager's listings, favicons): answered 404, harmless.
    "status of 404",
    "favicon",
    # Chromium's notice about resize observers finishing late: harmless layout timing.
    "ResizeObserver loop",
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def lab(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`")
    pytest.importorskip("playwright.sync_api")
    served = tmp_path / "notebooks"
    served.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, served / NOTEBOOK)
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "TRANSFORMER_LITE_FAST": "1",
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
    }
    log = open(tmp_path / "jupyter.log", "wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--notebook-dir={served}",
            "--ServerApp.port_retries=0",
            "--LabApp.expose_app_in_browser=True",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + (tmp_path / "jupyter.log").read_text()[-3000:]
                    ) from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?reset&token={token}"
    finally:
        if server.poll() is None:
            stop_kernels(port, token)
            os.killpg(server.pid, signal.SIGTERM)  # the server and its kernels (one process group)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
        log.close()


def stop_kernels(port: int, token: str) -> None:
    """Shut every kernel of the server down through its REST API (kernels live in their own
    process groups, so stopping the server's group alone could leave them running)."""
    base = f"http://127.0.0.1:{port}/api/kernels"
    try:
        with urllib.request.urlopen(f"{base}?token={token}", timeout=5) as r:
            kernels = json.load(r)
        for k in kernels:
            req = urllib.request.Request(f"{base}/{k['id']}?token={token}", method="DELETE")
            urllib.request.urlopen(req, timeout=10).close()
    except OSError:
        pass


NOTEBOOK_STATE = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.sessionContext.session || !nb.sessionContext.session.kernel) return null;
  const cells = nb.content.widgets.filter(c => c.model.type === 'code');
  const errors = [];
  cells.forEach((c, i) => {
    const outs = c.model.outputs.toJSON();
    outs.forEach(o => {
      const text = Array.isArray(o.text) ? o.text.join('') : (o.text || '');
      if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      if (o.name === 'stderr' && text.includes('Traceback')) errors.push(`cell ${i} stderr: ${text.slice(0, 500)}`);
    });
  });
  return {counts: cells.map(c => c.model.executionCount), status: nb.sessionContext.session.kernel.status, errors};
}"""


def test_notebook_08_in_the_browser(lab, artifacts):
    from playwright.sync_api import sync_playwright

    console_errors, ignored = [], []
    started = time.time()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def on_console(msg):
                if msg.type == "error":
                    (ignored if any(b in msg.text for b in BENIGN_CONSOLE) else console_errors).append(msg.text)

            page.on("console", on_console)
            page.on("pageerror", lambda exc: console_errors.append(f"page error: {exc}"))
            page.goto(lab, timeout=60_000)
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.wait_for_function(
                "() => { const s = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                " return s && s.sessionContext && s.sessionContext.session && s.sessionContext.session.kernel"
                " && s.sessionContext.session.kernel.status === 'idle'; }",
                timeout=60_000,
            )
            page.screenshot(path=str(artifacts / "browser-08-opened.png"))
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

            deadline = time.time() + 240
            while True:
                state = page.evaluate(NOTEBOOK_STATE)
                if state and state["errors"]:
                    break
                if state and all(c is not None for c in state["counts"]) and state["status"] == "idle":
                    break
                assert time.time() < deadline, f"the notebook did not finish running: {state}"
                time.sleep(1)
            page.screenshot(path=str(artifacts / "browser-08-ran.png"), full_page=True)
            assert not state["errors"], "error output in the notebook:\n" + "\n".join(state["errors"])
            stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            tracebacks = [t for t in stderr.all_text_contents() if "Traceback" in t]
            assert not tracebacks, tracebacks

            # The explorer's widgets rendered.
            explorer = page.locator(".attention-explorer")
            explorer.wait_for(timeout=30_000)
            explorer.scroll_into_view_if_needed()
            assert explorer.locator(".widget-dropdown").count() >= 4
            figure = explorer.locator("img.attention-explorer-figure")
            figure.wait_for(timeout=30_000)
            explorer.screenshot(path=str(artifacts / "browser-08-explorer.png"))

            def changed_image(before: bytes, timeout: float = 30.0) -> bytes:
                end = time.time() + timeout
                while time.time() < end:
                    page.wait_for_timeout(300)
                    after = figure.screenshot()
                    if after != before:
                        return after
                raise AssertionError("the heatmap did not change")

            # Change the head: the image changes.
            before = figure.screenshot()
            head = explorer.locator(".widget-dropdown:has(label:text-is('head')) select")
            current = head.input_value()
            options = [o for o in head.locator("option").all_text_contents() if o != current and o.isdigit()]
            head.select_option(label=options[0])
            after_head = changed_image(before)
            explorer.screenshot(path=str(artifacts / "browser-08-head-changed.png"))

            # Move the decoding-step slider one step: the framed row moves, the image changes.
            step = explorer.locator(".widget-slider:has(label:text-is('step'))")
            readout = step.locator(".widget-readout")
            old = readout.inner_text().strip()
            step.locator(".noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(500)
            if readout.inner_text().strip() == old:  # keyboard not taken: type into the readout
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type(str(int(old) + 1))
                page.keyboard.press("Enter")
            changed_image(after_head)
            assert readout.inner_text().strip() != old
            explorer.screenshot(path=str(artifacts / "browser-08-step-changed.png"))
            message = explorer.locator(".attention-explorer-message").inner_text()
            assert "⚠" not in message, message
        finally:
            browser.close()
    real = [e for e in console_errors if not re.search(r"^\s*$", e)]
    assert not real, f"console errors: {real} (ignored as benign: {ignored})"
    assert time.time() - started < 300
