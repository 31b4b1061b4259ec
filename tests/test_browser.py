"""Notebooks 08 and 03 in a real browser, worked with the keyboard only (issue 24).

Starts JupyterLab on a free localhost port with a random token (fast mode), opens the notebook,
runs all cells, and checks: every cell ran, no error output, no unexpected console errors. Then,
without the mouse: Tab reaches every control of the widget, each with a visible focus ring; a
list (Down), a slider (arrow keys), a text box (Enter), a button and a checkbox
(Space) each change the picture, and the test reads the new picture's accessible name and text
twin. Screenshots go to test-artifacts/. The server is always stopped.

The notebook is served from a temporary copy so that JupyterLab's autosave cannot write outputs
into the committed notebook. (Plain Up/Down on a focused list reach the list because the widgets
keep their keys from JupyterLab's notebook shortcuts: lab.access.focus_style.)
"""

import re
import time
from pathlib import Path

import pytest

from tools import lab as lab_tools

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = ROOT / "notebooks"
BENIGN_CONSOLE = (
    # JupyterLab asks for optional resources that a bare server does not have (translations,
    # the extension manager's listings, favicons): answered 404, harmless.
    "status of 404",
    "favicon",
    # Chromium's notice about resize observers finishing late: harmless layout timing.
    "ResizeObserver loop",
)
FOCUSABLE = "select, input, button, textarea, summary, [contenteditable='true'], [tabindex]:not([tabindex='-1'])"
ACTIVE = f"""root => {{
  const e = document.activeElement;
  if (!e || !root.contains(e)) return null;
  const s = getComputedStyle(e);
  return {{index: [...root.querySelectorAll("{FOCUSABLE}")].indexOf(e), tag: e.tagName,
          text: (e.closest('.widget-inline-hbox, button, summary, .widget-checkbox') || e).innerText.slice(0, 40),
          ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}};
}}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def serve(notebook: str, tmp_path, monkeypatch):
    # The kernel inherits the test run's environment; its figures go into the page as PNG,
    # as for a student (the tests' own MPLBACKEND=Agg would leave only "<Figure size ...>").
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if not Path(lab_tools.CHROMIUM).exists():
        pytest.skip(f"{lab_tools.CHROMIUM} not found: install it with `apt-get install -y chromium`")
    pytest.importorskip("playwright.sync_api")
    return lab_tools.serve(NOTEBOOKS / notebook, tmp_path)


class Session:
    """One page with the notebook run, console errors collected."""

    def __init__(self, browser, url, artifacts: Path, name: str):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors, self.ignored = [], []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        state = lab_tools.run_all(self.page, url, screenshot=artifacts / f"browser-{name}-opened.png")
        self.page.screenshot(path=str(artifacts / f"browser-{name}-ran.png"), full_page=True)
        assert not state["errors"], "error output in the notebook:\n" + "\n".join(state["errors"])
        stderr = self.page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
        tracebacks = [t for t in stderr.all_text_contents() if "Traceback" in t]
        assert not tracebacks, tracebacks

    def _console(self, msg):
        if msg.type == "error":
            (self.ignored if any(b in msg.text for b in BENIGN_CONSOLE) else self.errors).append(msg.text)

    def check_console(self):
        real = [e for e in self.errors if not re.search(r"^\s*$", e)]
        assert not real, f"console errors: {real} (ignored as benign: {self.ignored})"

    def tab_through(self, widget) -> list[dict]:
        """Focus the widget's first control, then press Tab until focus leaves the widget."""
        widget.locator(FOCUSABLE).first.focus()
        seen = []
        for _ in range(60):
            here = widget.evaluate(ACTIVE)
            if here is None:
                break
            seen.append(here)
            self.page.keyboard.press("Tab")
        return seen

    def tab_to(self, widget, target) -> None:
        """Press Tab (from the widget's first control) until ``target`` has the focus."""
        widget.locator(FOCUSABLE).first.focus()
        for _ in range(60):
            if target.evaluate("e => e === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {target}")


def assert_every_control_reached_with_a_ring(session, widget):
    reached = session.tab_through(widget)
    controls = widget.evaluate(f'root => root.querySelectorAll("{FOCUSABLE}").length')
    assert len({r["index"] for r in reached}) == controls, (controls, reached)
    no_ring = [r["text"] for r in reached if not r["ring"]]
    assert not no_ring, f"no visible focus on: {no_ring}"
    return reached


def changed(page, read, before, timeout: float = 30.0):
    """Wait until ``read()`` differs from ``before``; return the new value."""
    end = time.time() + timeout
    while time.time() < end:
        page.wait_for_timeout(200)
        now = read()
        if now != before:
            return now
    raise AssertionError(f"nothing changed: still {before!r}")


def test_notebook_08_explorer_by_keyboard(tmp_path, artifacts, monkeypatch):
    from playwright.sync_api import sync_playwright

    started = time.time()
    with serve("08_exploring_attention.ipynb", tmp_path, monkeypatch) as url, sync_playwright() as p:
        browser = lab_tools.chromium(p)
        try:
            s = Session(browser, url, artifacts, "08")
            page, explorer = s.page, s.page.locator(".attention-explorer")
            explorer.wait_for(timeout=30_000)
            explorer.scroll_into_view_if_needed()
            figure = explorer.locator("img.attention-explorer-figure")
            figure.wait_for(timeout=30_000)
            twin = explorer.locator("p:has(b:text-is('In words:'))")
            reached = assert_every_control_reached_with_a_ring(s, explorer)
            assert len(reached) >= 20  # model, kind, sentence, corpus, split, pair #, layer, head, 3 sliders, ...
            explorer.scroll_into_view_if_needed()  # Tab left the widget: the page scrolled on

            def picture():
                return figure.get_attribute("title"), figure.screenshot()

            # A list: Down chooses the next head (JupyterLab's own Down, "next cell", is kept out).
            head = explorer.locator(".widget-dropdown:has(label:text-is('head')) select")
            title, pixels = picture()
            s.tab_to(explorer, head)
            old_head = head.input_value()
            page.keyboard.press("ArrowDown")
            title = changed(page, lambda: figure.get_attribute("title"), title)
            assert head.input_value() != old_head and f"head {head.input_value()}" in title
            assert figure.screenshot() != pixels and f"head {head.input_value()}" in twin.inner_text()
            explorer.screenshot(path=str(artifacts / "browser-08-head-by-keyboard.png"))

            # A slider: the right arrow moves the decoding step; the text twin follows.
            step = explorer.locator(".widget-slider:has(label:text-is('step'))")
            s.tab_to(explorer, step.locator(".noUi-handle"))
            before = twin.inner_text()
            page.keyboard.press("ArrowRight")
            changed(page, lambda: step.locator(".widget-readout").inner_text().strip(), "0")
            words = changed(page, lambda: twin.inner_text(), before)
            assert "At step 2," in words, words

            # A text box: type a sentence, Enter translates it.
            text = explorer.locator(".widget-text:has(label:text-is('sentence')) input")
            s.tab_to(explorer, text)
            page.keyboard.press("Control+A")
            page.keyboard.type("the small dog sleeps")
            before = twin.inner_text()
            page.keyboard.press("Enter")
            changed(page, lambda: twin.inner_text(), before)
            every_row = explorer.locator("details p").text_content()  # read out when the details open
            assert re.search(r"→ dog \(\d\.\d\d\)", every_row), every_row

            # A button: Space switches the shown head off; the picture's name says so.
            toggle = explorer.locator("button", has_text=re.compile(r"^L\d H0$"))
            title = figure.get_attribute("title")
            s.tab_to(explorer, toggle)
            page.keyboard.press("Space")
            assert "1 head off" in changed(page, lambda: figure.get_attribute("title"), title)

            # A checkbox: Space shows the weights as a table, read by its caption and headers.
            box = explorer.locator(".widget-checkbox input")
            s.tab_to(explorer, box)
            page.keyboard.press("Space")
            table = explorer.locator("table.tl-weights")
            table.wait_for(timeout=30_000)
            assert "attention weights, rows are queries" in table.locator("caption").inner_text()
            assert table.locator("th[scope='row']").count() >= 4
            explorer.screenshot(path=str(artifacts / "browser-08-table.png"))
            assert "⚠" not in explorer.locator(".attention-explorer-message").inner_text()
            s.check_console()
        finally:
            browser.close()
    assert time.time() - started < 300


def test_notebook_03_mask_widget_by_keyboard(tmp_path, artifacts, monkeypatch):
    from playwright.sync_api import sync_playwright

    with serve("03_scaled_dot_product_attention.ipynb", tmp_path, monkeypatch) as url, sync_playwright() as p:
        browser = lab_tools.chromium(p)
        try:
            s = Session(browser, url, artifacts, "03")
            page = s.page
            widget = page.locator(".tl-lab:has(.widget-slider:has(label:text-is('padding')))")
            widget.wait_for(timeout=30_000)
            widget.scroll_into_view_if_needed()
            assert_every_control_reached_with_a_ring(s, widget)
            widget.scroll_into_view_if_needed()  # Tab left the widget: the page scrolled on
            output = widget.locator(".widget-output")
            figure = output.locator("img")
            figure.wait_for(timeout=30_000)

            def words():  # the printed text twin under the picture
                return output.locator("pre, .jp-RenderedText").last.inner_text()

            # The padding slider: one more <pad> after the whole sentence, its words kept.
            handle = widget.locator(".widget-slider:has(label:text-is('padding')) .noUi-handle")
            before, pixels = words(), figure.screenshot()
            s.tab_to(widget, handle)
            page.keyboard.press("ArrowRight")
            after = changed(page, words, before)
            assert after.count("<pad> may attend") == 3 and "<eos> may attend to the, cat, sleeps, <eos>" in after
            assert figure.screenshot() != pixels

            # The mask kind: Tab to "causal", Space chooses it.
            causal = widget.locator("button:text-is('causal')")
            s.tab_to(widget, causal)
            page.keyboard.press("Space")
            after = changed(page, words, after)
            assert after.startswith("Mask (causal)") and "the may attend to the;" in after
            widget.screenshot(path=str(artifacts / "browser-03-mask-by-keyboard.png"))
            s.check_console()
        finally:
            browser.close()
