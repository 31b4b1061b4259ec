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
