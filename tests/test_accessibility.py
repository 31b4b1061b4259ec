"""Pages everyone can use (issue 24): axe-core finds no serious or critical violation in what the
course renders, and every figure of the reading copy and the slides has an alt text taken from
its caption.

axe-core (from npm, pinned in the Makefile) runs in headless Chromium over notebook 08 in
JupyterLab with the explorer open and its table view on, and over the reading copy and the slides
of notebooks 03 and 08 (executed in fast mode here; benchmarks/accessibility.py audits the whole
`make html` / `make slides` build and records it). Violations in JupyterLab's own interface are
written to test-artifacts/, not counted. The colour checks are in tests/test_colour.py, keyboard
use in tests/test_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from benchmarks import accessibility as axe
from tools import editions, lab, nbrun

ROOT = Path(__file__).resolve().parent.parent


AUDITED = ("03_scaled_dot_product_attention.ipynb", "08_exploring_attention.ipynb")


def test_every_figure_gets_its_caption_as_alt_text(tmp_path):
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    figure = nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# 99 · Test\n\nAn introduction.\n\nThe **gold** boxes mark [links](x.ipynb)."
            ),
            nbformat.v4.new_code_cell("plot()", outputs=[figure]),
            nbformat.v4.new_markdown_cell("Two pictures of $x$:"),
            nbformat.v4.new_code_cell("plot(); plot()", outputs=[figure, figure]),
        ]
    )
    src = tmp_path / "src"
    src.mkdir()
    nbformat.write(nb, src / "99_test.ipynb")
    expected = [
        "The gold boxes mark links.",
        "Two pictures of x: (figure 1 of 2)",
        "Two pictures of x: (figure 2 of 2)",
    ]
    assert editions.alt_texts(nb) == expected
    for page in (
        editions.build_html(tmp_path / "html", src, run=False)[1],
        editions.build_slides(tmp_path / "slides", src, reveal_prefix="reveal.js", run=False)[0],
    ):
        images = re.findall(r"<img [^>]*>", page.read_text())
        assert [re.search(r'alt="([^"]*)"', i).group(1) for i in images] == expected, page.name


def _browser(p):
    if not Path(lab.CHROMIUM).exists():
        pytest.skip(f"{lab.CHROMIUM} not found: install it with `apt-get install -y chromium`")
    if not axe.AXE.exists():
        pytest.fail(f"{axe.AXE} is missing: `make test` installs axe-core from npm")
    return lab.chromium(p)


def _report(artifacts: Path, results: dict[str, dict]) -> None:
    """Write every page's violations to test-artifacts/, then fail on any that counts."""
    for name, result in results.items():
        (artifacts / f"axe-{name}.json").write_text(json.dumps(result, indent=2))
    counted = {name: r["counted"] for name, r in results.items() if r["counted"]}
    assert not counted, json.dumps(counted, indent=2)[:4000]


@pytest.mark.slow
@pytest.mark.browser
def test_axe_explorer_in_jupyterlab(tmp_path, artifacts, monkeypatch):
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")  # figures as a student sees them
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            with lab.serve(ROOT / "notebooks" / AUDITED[1], tmp_path) as url:
                result = axe.audit_explorer(url, browser)
        finally:
            browser.close()
    _report(artifacts, {"jupyterlab-08": result})


@pytest.mark.slow
@pytest.mark.browser
def test_axe_reading_copy_and_slides(tmp_path, artifacts):
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    if shutil.which("npm") is None:
        pytest.fail("npm is needed once to vendor reveal.js and MathJax (see tools/offline.py)")
    src = tmp_path / "src"
    src.mkdir()
    env = {"TRANSFORMER_LITE_FAST": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    for name in AUDITED:
        shutil.copy(ROOT / "notebooks" / name, src / name)
        client = nbrun.run_notebook(src / name, env={**os.environ, **env}, timeout=600)
        nbformat.write(client.nb, src / name)
    pages = editions.build_html(tmp_path / "html", src, run=False)[1:]
    pages += editions.build_slides(tmp_path / "slides", src, run=False)
    with sync_playwright() as p:
        browser = _browser(p)
        try:
            results = {page.name: axe.audit_file(page, browser) for page in pages}
        finally:
            browser.close()
    _report(artifacts, results)
