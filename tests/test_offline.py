"""Slides and the reading copy render with no network (tools/offline.py, tools/editions.py).

Builds the deck and the page of one small notebook (05, executed in fast mode), opens both in
headless Chromium from file:// with every non-file request aborted, and checks: nothing asked for
the network, MathJax typeset the equations (no ``$$`` left in the visible text), the deck has more
than one slide, and figures are there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import editions, lab

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_positional_encoding.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# The page's visible text (not scripts or styles), after MathJax has finished.
VISIBLE_TEXT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const hidden = n => ['SCRIPT', 'STYLE', 'TEXTAREA'].includes(n.parentNode.nodeName);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT,
    {acceptNode: n => hidden(n) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  const parts = [];
  while (walker.nextNode()) parts.push(walker.currentNode.nodeValue);
  return {text: parts.join(' '), equations: document.querySelectorAll('mjx-container').length,
          images: [...document.images].filter(i => i.complete && i.naturalWidth > 0).length};
}"""


PRESENT = "() => document.querySelector('.reveal .slides section.present').innerText.slice(0, 80)"
ERRORS = []


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed once to vendor reveal.js and MathJax (see tools/offline.py)")
    src = tmp_path_factory.mktemp("nb")
    shutil.copy(NOTEBOOK, src / NOTEBOOK.name)
    out = tmp_path_factory.mktemp("site")
    deck = editions.build_slides(out / "slides", src)[0]
    page = [p for p in editions.build_html(out / "html", src) if p.name != "index.html"][0]
    return {"deck": deck, "page": page}


def _open_offline(browser, path: Path):
    page = browser.new_page()
    asked = []
    page.on("pageerror", lambda error: ERRORS.append(f"{path.name}: {error}"))

    def cut(route):
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    page.route("**/*", cut)
    page.goto(path.as_uri(), wait_until="load", timeout=60_000)
    return page, asked


@pytest.mark.parametrize("kind", ["deck", "page"])
def test_renders_with_no_network(built, kind):
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = lab.chromium(p)
        try:
            page, asked = _open_offline(browser, built[kind])
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60_000)
            seen = page.evaluate(VISIBLE_TEXT)
            if kind == "deck":  # reveal.js is an AMD module here (no window.Reveal): read its DOM
                page.wait_for_selector(".reveal.ready", timeout=60_000)
                slides = page.evaluate("() => document.querySelectorAll('.reveal .slides section').length")
                first = page.evaluate(PRESENT)
                page.keyboard.press("ArrowRight")  # a slide change also runs the template's MathJax hook
                page.wait_for_function(f"() => ({PRESENT})() !== {first!r}", timeout=10_000)
                assert slides > 1, "the deck is one page"
        finally:
            browser.close()
    assert not asked, f"the {kind} asked for the network: {asked[:5]}"
    assert not ERRORS, ERRORS
    assert seen["equations"] > 0, "MathJax did not typeset anything"
    assert "$$" not in seen["text"], "raw TeX is visible"
    assert seen["images"] > 0, f"the {kind} shows no figure"
