"""Build the course's editions from the instructor notebooks in ``notebooks/``.

    python -m tools.editions slides  --out build/slides    # reveal.js slides, one file per notebook
    python -m tools.editions html    --out build/html      # executed (full mode) HTML + index.html

The student edition is nbgrader's release: ``make assignments`` / ``make student`` (tools/assignments.py).

Slides and pages work with no network when viewed: reveal.js, MathJax, require.js, jQuery and the
widget manager are copied next to them into ``_static/`` (tools/offline.py; npm fetches them once).
Slides are built from executed notebooks, so they carry the figures.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time
from pathlib import Path

import nbformat

from . import offline

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


def notebooks(src: Path | str = NOTEBOOKS_DIR) -> list[Path]:
    """The course notebooks, ``NN_name.ipynb``, in order."""
    return sorted(Path(src).glob(NOTEBOOK_GLOB))


def title(nb) -> str:
    """The notebook's title from its first heading (``# 03 · Scaled ...`` -> ``03 · Scaled ...``)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


# ---- slides --------------------------------------------------------------------------------
def build_slides(
    out: Path, src: Path = NOTEBOOKS_DIR, reveal_prefix: str | None = None, run: bool = True
) -> list[Path]:
    """One reveal.js page per notebook, paginated by the cells' ``slideshow`` metadata, from the
    executed notebook (unless ``run`` is False) so the slides show the figures; viewable offline."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter()
    out.mkdir(parents=True, exist_ok=True)
    offline.configure(exporter, offline.vendor(out))
    if reveal_prefix:
        exporter.reveal_url_prefix = reveal_prefix
    written = []
    for path in notebooks(src):
        nb = nbformat.read(path, as_version=4)
        if run:
            execute(nb, path)
        body, _ = exporter.from_notebook_node(nb)
        body = with_readable_text(with_alt_text(body, nb))
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


# ---- static HTML -------------------------------------------------------------------------
def execute(nb, path: Path, timeout: int = 900):
    """Run ``nb`` (read from the notebook file ``path``) top to bottom in a fresh kernel whose working
    directory is the notebook's folder, in full mode as a student runs it (the training cells train their
    whole step budgets): nothing a reader sees comes from fast mode. A stall report names ``path``."""
    env = {k: v for k, v in os.environ.items() if k != "TRANSFORMER_LITE_FAST"}  # the kernel's environment
    language = nb.metadata.get("transformer_lite", {}).get("language")
    if language:  # a translated notebook (tools/translate.py) prints, labels and grades in its language
        env["TRANSFORMER_LITE_LANG"] = language
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # figures into the page, even if Agg is set
    from . import nbrun  # the one notebook runner: fails fast on a stall (issue 13); needs the package

    nbrun.run_notebook(path, nb=nb, env=env, timeout=timeout)
    return nb


_LINK = re.compile(r"\]\((\d\d_[^)#]*?)\.ipynb")


def build_html(out: Path, src: Path = NOTEBOOKS_DIR, run: bool = True) -> list[Path]:
    """Executed (unless ``run`` is False) HTML pages plus an ``index.html`` linking them all."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    out.mkdir(parents=True, exist_ok=True)
    offline.configure(exporter, offline.vendor(out))
    written, entries = [], []
    for path in notebooks(src):
        nb = nbformat.read(path, as_version=4)
        started = time.perf_counter()
        if run:
            execute(nb, path)
        for cell in nb.cells:  # links between notebooks point at the HTML pages
            if cell.cell_type == "markdown":
                cell.source = _LINK.sub(r"](\1.html", cell.source)
        body, _ = exporter.from_notebook_node(nb)
        body = with_readable_text(with_alt_text(body, nb))
        target = out / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
        entries.append((target.name, title(nb) or path.stem))
        print(f"{target}  ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    items = "\n".join(f'  <li><a href="{html.escape(href)}">{html.escape(text)}</a></li>' for href, text in entries)
    note = "executed in full mode, as a student runs them" if run else "not executed"
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html>\n<html lang='en'>\n<head><meta charset='utf-8'><title>transformer-lite</title></head>\n"
        f"<body>\n<h1>transformer-lite: the course</h1>\n<p>Notebooks, {note}.</p>\n<ol start='0'>\n{items}\n"
        "</ol>\n</body>\n</html>\n",
        encoding="utf-8",
    )
    return [index] + written


# ---- alt text: every figure is named by its caption -------------------------------------------
_MARKUP = [(re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"), (re.compile(r"[*`#>$\\]"), ""), (re.compile(r"\s+"), " ")]


def alt_texts(nb) -> list[str]:
    """One alt text per figure the page shows, in order: the caption before it (the last
    paragraph of the markdown cell above its code cell, without markup), numbered when a cell
    draws several. nbconvert's lab template writes figures without alt text."""
    texts, caption = [], title(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paragraphs = [p for p in cell.source.split("\n\n") if p.strip()]
            text = paragraphs[-1] if paragraphs else ""
            for pattern, repl in _MARKUP:
                text = pattern.sub(repl, text)
            caption = text.strip()[:400] or caption
        elif cell.cell_type == "code":
            shown = [o for o in cell.get("outputs", []) if _drawn_as_img(o)]
            for i in range(len(shown)):
                texts.append(caption if len(shown) == 1 else f"{caption} (figure {i + 1} of {len(shown)})")
    return texts


def _drawn_as_img(output) -> bool:
    """Figures: PNG or JPEG outputs, or HTML ones that are one such picture (lab.access.name_figures)."""
    data = output.get("data", {})
    if "text/html" in data:
        page = "".join(data["text/html"]).lstrip()
        return page.startswith('<img alt="') and "data:image/png;base64," in page
    return ("image/png" in data or "image/jpeg" in data) and "image/svg+xml" not in data


def with_alt_text(body: str, nb) -> str:
    """``body`` with the :func:`alt_texts` of ``nb`` on its figures, in order (in place of
    nbconvert's "No description has been provided for this image")."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, features="html.parser")
    texts = iter(alt_texts(nb))
    for img in soup.select('img[src^="data:image/png;base64,"], img[src^="data:image/jpeg;base64,"]'):
        img["alt"] = next(texts, title(nb))
    return str(soup)


# JupyterLab's light theme greys out prompts (opacity 0.5), colours some code tokens below 4.5:1
# against the code background (#f5f5f5) and tells links from text by colour alone; these stay within
# WCAG AA (tests/test_accessibility.py).
READABLE_CSS = (
    "<style>:root { --jp-cell-prompt-not-active-opacity: 1; --jp-cell-inprompt-font-color: #2b72ae;"
    " --jp-cell-outprompt-font-color: #b05438; --jp-mirror-editor-comment-color: #3c7878;"
    " --jp-mirror-editor-number-color: #008100; --jp-mirror-editor-operator-color: #a521f7;"
    " --jp-mirror-editor-meta-color: #a521f7; --jp-mirror-editor-atom-color: #6565bd;"
    " --jp-mirror-editor-bracket-color: #707057; --jp-mirror-editor-error-color: #e00000;"
    " --jp-mirror-editor-quote-color: #008100; --jp-content-font-color2: rgba(0, 0, 0, 0.7);"
    " --jp-content-font-color3: rgba(0, 0, 0, 0.62); --jp-ui-font-color2: rgba(0, 0, 0, 0.7);"
    " --jp-ui-font-color3: rgba(0, 0, 0, 0.62); }"
    " .jp-RenderedHTMLCommon a { text-decoration: underline !important; }</style>"  # links: not by colour alone
)


# The pages draw the saved widgets (ipywidgets' page code), whose slider handles have no name.
NAME_SLIDERS = (
    "<script>(() => { const name = () => document.querySelectorAll('.widget-slider').forEach(s => {"
    " const h = s.querySelector('.noUi-handle'), l = s.querySelector('.widget-label');"
    " const t = l ? l.textContent.trim() : '';"
    " if (h && t && !h.getAttribute('aria-label')) h.setAttribute('aria-label', t);"
    " }); new MutationObserver(name).observe(document.documentElement, {childList: true, subtree: true});"
    " })();</script>"
)


def with_readable_text(body: str) -> str:
    """``body`` with ``READABLE_CSS`` last in its head, so that it wins, and ``NAME_SLIDERS``."""
    return body.replace("</head>", READABLE_CSS + "\n" + NAME_SLIDERS + "\n</head>", 1)


# ---- command line --------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per edition (tests/test_install.py checks the hub image's calls)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", default=str(NOTEBOOKS_DIR), help="folder of instructor notebooks")
    sub = parser.add_subparsers(dest="edition", required=True)
    for name, default in (("slides", "build/slides"), ("html", "build/html")):
        p = sub.add_parser(name)
        p.add_argument("--out", default=default)
        if name == "slides":
            p.add_argument(
                "--reveal-prefix",
                default=None,
                help="URL or relative path of reveal.js 4 (default: the copy vendored into <out>/_static/)",
            )
        p.add_argument("--no-execute", action="store_true", help="export the notebooks as they are (no outputs)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    out, src = Path(args.out), Path(args.src)
    started = time.perf_counter()
    if args.edition == "slides":
        written = build_slides(out, src, args.reveal_prefix, run=not args.no_execute)
    else:
        written = build_html(out, src, run=not args.no_execute)
    for path in written:
        print(path)
    print(f"{args.edition}: {len(written)} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
