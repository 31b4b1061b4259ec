"""Notebook 08 in a real browser: JupyterLab + headless Chromium (playwright).

Starts JupyterLab on a free localhost port with a random token (fast mode), opens
08_exploring_attention.ipynb, runs all cells, and checks: every cell ran, no error output,
no unexpected console errors, the explorer's widgets render, and changing the head
dropdown and the decoding-step slider changes the heatmap image. Screenshots go to
test-artifacts/. The server is always stopped.

The notebook is served from a temporary copy of notebooks/ so that JupyterLab's autosave
cannot write outputs into the committed notebook.
"""

import re
import time
from pathlib import Path

import pytest

from tools import lab as lab_tools

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK = ROOT / "notebooks" / "08_exploring_attention.ipynb"
BENIGN_CONSOLE = (
    # JupyterLab asks for optional resources that a bare server does not have (translations,
    # the extension manager's listings, favicons): answered 404, harmless.
    "status of 404",
    "favicon",
    # Chromium's notice about resize observers finishing late: harmless layout timing.
    "ResizeObserver loop",
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture()
def lab(tmp_path):
    if not Path(lab_tools.CHROMIUM).exists():
        pytest.skip(f"{lab_tools.CHROMIUM} not found: install it with `apt-get install -y chromium`")
    pytest.importorskip("playwright.sync_api")
    with lab_tools.serve(NOTEBOOK, tmp_path) as url:
        yield url


def test_notebook_08_in_the_browser(lab, artifacts):
    from playwright.sync_api import sync_playwright

    console_errors, ignored = [], []
    started = time.time()
    with sync_playwright() as p:
        browser = lab_tools.chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def on_console(msg):
                if msg.type == "error":
                    (ignored if any(b in msg.text for b in BENIGN_CONSOLE) else console_errors).append(msg.text)

            page.on("console", on_console)
            page.on("pageerror", lambda exc: console_errors.append(f"page error: {exc}"))
            state = lab_tools.run_all(page, lab, screenshot=artifacts / "browser-08-opened.png")
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
