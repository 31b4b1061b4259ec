"""The translation catalogs: extract the English, update the catalogs, build the translated editions.

    python -m tools.translate update               # refresh every catalog from the English source (make i18n)
    python -m tools.translate notebooks --out DIR  # the Korean notebooks (code cells copied from the English)
    python -m tools.translate markdown             # README.ko.md and notebooks/TEACHING.ko.md
    python -m tools.translate check                # what is untranslated, fuzzy or inconsistent (tests/test_i18n.py)

The English is the source; each language has gettext catalogs (``i18n/<lang>/``), read and written with babel:

* ``messages.po``: every sentence the package shows a student (``_()``, ``tr()``, ``say()`` in
  ``transformer_lite/``) and every ``tr()``/``say()`` string in the notebooks' code cells;
* ``notebooks/NN_name.po``: one entry per markdown cell, its context the cell's id;
* ``README.po``, ``TEACHING.po``: README.md and notebooks/TEACHING.md, paragraph by paragraph (translate-toolkit's
  md2po / po2md, which keep the Markdown's structure, code and links).

When an English cell or string changes, ``update`` keeps its old translation marked fuzzy (with the old English
beside it, ``#| msgid``), so the translator sees what changed; until it is translated again, ``check`` reports it
and ``make test`` fails. Code cells are never translated: the translated notebooks take them from the English.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
NOTEBOOKS = ROOT / "notebooks"
PACKAGE = ROOT / "transformer_lite"
LANGUAGES = ("ko",)
# The translation functions (message first), and the graders' two constructors whose message is an argument:
# a Mistake's sentence (its second argument, after the key) and a Case's name (exercises/, both translated when shown).
KEYWORDS = {"_": None, "N_": None, "tr": (1,), "say": (1,), "Mistake": (2,), "Case": (1,)}
MARKDOWN = {"README": ROOT / "README.md", "TEACHING": NOTEBOOKS / "TEACHING.md"}
PROJECT = "transformer-lite"


def course_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def translated_name(path: Path, lang: str) -> Path:
    """README.md -> README.ko.md."""
    return path.with_name(f"{path.stem}.{lang}{path.suffix}")


# ---- reading catalogs -------------------------------------------------------------------------------
def read_catalog(path: Path, lang: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=lang, project=PROJECT)
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write a catalog with the old English of fuzzy entries (``#| msgid``) and without obsolete ones; the header's
    dates are left out so that an unchanged catalog is byte for byte the same file."""
    catalog.creation_date = catalog.revision_date = None
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=116, include_previous=True, ignore_obsolete=True, omit_header=False)
    text = "\n".join(
        line
        for line in buffer.getvalue().decode("utf-8").splitlines()
        if not line.startswith(('"POT-Creation-Date', '"PO-Revision-Date'))
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


# ---- the English source --------------------------------------------------------------------------------
def markdown_cells(path: Path) -> Iterator[tuple[str, str]]:
    """(cell id, source) of every non-empty markdown cell of a notebook, in order."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            yield cell.id, cell.source


def code_strings(path: Path) -> Iterator[tuple[int, str]]:
    """(cell number, message) of every tr()/say() string in a notebook's code cells (babel's Python extractor)."""
    nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and ("tr(" in cell.source or "say(" in cell.source):
            for _lineno, message, _comments, _context in extract(
                "python", io.BytesIO(cell.source.encode("utf-8")), keywords=KEYWORDS
            ):
                yield number, message


def messages_template() -> Catalog:
    """Every string of the package and of the notebooks' code cells that goes through the translation functions."""
    template = Catalog(project=PROJECT)
    method_map = [("model/**.py", "ignore"), ("**.py", "python")]  # model/ is the paper: nothing a student reads
    for filename, lineno, message, comments, _context in extract_from_dir(
        str(PACKAGE), method_map=method_map, keywords=KEYWORDS
    ):
        template.add(message, locations=[(f"transformer_lite/{filename}", lineno)], auto_comments=comments)
    with (ROOT / "tools" / "assignments.py").open("rb") as f:  # the stubs of nbgrader's release
        for lineno, message, comments, _context in extract("python", f, keywords=KEYWORDS):
            template.add(message, locations=[("tools/assignments.py", lineno)], auto_comments=comments)
    for path in course_notebooks():
        for number, message in code_strings(path):
            template.add(message, locations=[(f"notebooks/{path.name}", number)])
    return template


def notebook_template(path: Path) -> Catalog:
    template = Catalog(project=PROJECT)
    for cell_id, source in markdown_cells(path):
        template.add(source, context=cell_id, locations=[(f"notebooks/{path.name}", 0)])
    return template


# ---- updating ----------------------------------------------------------------------------------------------
def update_by_context(old: Catalog, template: Catalog, lang: str) -> Catalog:
    """A notebook catalog brought up to date cell by cell: an entry keeps its translation while its cell's English
    is unchanged; a changed cell keeps the old translation marked fuzzy, with the old English as ``previous_id``; a new
    cell gets an empty entry; entries of deleted cells go."""
    by_context = {m.context: m for m in old if m.id}
    new = Catalog(locale=lang, project=PROJECT)
    for message in template:
        if not message.id:
            continue
        before = by_context.get(message.context)
        entry = new.add(message.id, context=message.context, locations=message.locations)
        if before is None or not before.string:
            continue
        entry.string = before.string
        if before.id != message.id or before.fuzzy:
            entry.flags.add("fuzzy")
            entry.previous_id = before.previous_id if before.fuzzy and before.previous_id else [before.id]
    return new


def update(lang: str) -> list[Path]:
    """Refresh every catalog of ``lang`` from the English source; returns the catalogs written."""
    written = []
    messages = read_catalog(I18N / lang / "messages.po", lang)
    messages.update(messages_template(), update_header_comment=False)
    write_catalog(messages, I18N / lang / "messages.po")
    written.append(I18N / lang / "messages.po")
    for path in course_notebooks():
        target = I18N / lang / "notebooks" / f"{path.stem}.po"
        write_catalog(update_by_context(read_catalog(target, lang), notebook_template(path), lang), target)
        written.append(target)
    for name, source in MARKDOWN.items():
        written.append(update_markdown(name, source, lang))
    return written


def update_markdown(name: str, source: Path, lang: str) -> Path:
    """``i18n/<lang>/<name>.po`` from a Markdown file, by translate-toolkit's md2po (paragraphs, headings, table
    cells; code blocks stay out), merged into the existing catalog like the package's messages."""
    target = I18N / lang / f"{name}.po"
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / f"{name}.pot"
        run(["md2po", "--duplicates=merge", "-i", str(source), "-o", str(pot)])
        with pot.open("rb") as f:
            template = read_po(f)
    for message in template:  # locations are line numbers: they change with every edit, so leave them out
        message.locations = []
    catalog = read_catalog(target, lang)
    catalog.update(template, update_header_comment=False)
    write_catalog(catalog, target)
    return target


def run(command: list[str]) -> None:
    """A translate-toolkit command from this interpreter's environment."""
    tool = Path(sys.executable).with_name(command[0])
    result = subprocess.run([str(tool), *command[1:]], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


# ---- building the translated editions ------------------------------------------------------------------------
def translations(catalog: Catalog) -> dict[tuple[str | None, str], str]:
    """{(context, English): translation} of the finished entries (translated, not fuzzy)."""
    return {(m.context, m.id): m.string for m in catalog if m.id and m.string and not m.fuzzy}


def translate_notebook(path: Path, lang: str) -> nbformat.NotebookNode:
    """The English notebook with each markdown cell replaced by its translation (the English where there is none:
    ``check`` reports those); code cells, outputs and metadata untouched except the notebook's language."""
    nb = nbformat.read(path, as_version=4)
    done = translations(read_catalog(I18N / lang / "notebooks" / f"{path.stem}.po", lang))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = done.get((cell.id, cell.source), cell.source)
    nb.metadata["transformer_lite"] = {"language": lang}
    return nb


def build_notebooks(out: Path, lang: str = "ko") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in course_notebooks():
        target = out / path.name
        target.write_text(nbformat.writes(translate_notebook(path, lang)) + "\n", encoding="utf-8")
        written.append(target)
    return written


def build_markdown(lang: str = "ko") -> list[Path]:
    """README.<lang>.md and notebooks/TEACHING.<lang>.md from their catalogs (translate-toolkit's po2md)."""
    written = []
    for name, source in MARKDOWN.items():
        target = translated_name(source, lang)
        run(["po2md", "-t", str(source), "-i", str(I18N / lang / f"{name}.po"), "-o", str(target)])
        written.append(target)
    return written


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("update", "notebooks", "markdown", "check"))
    parser.add_argument("--lang", default="ko", choices=LANGUAGES)
    parser.add_argument("--out", default="build/ko/notebooks", help="where `notebooks` writes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "update":
        for path in update(args.lang):
            print(path.relative_to(ROOT))
    elif args.command == "notebooks":
        for path in build_notebooks(Path(args.out), args.lang):
            print(path)
    elif args.command == "markdown":
        for path in build_markdown(args.lang):
            print(path.relative_to(ROOT))
    else:
        from .i18n_check import problems

        found = problems(args.lang)
        print("\n".join(found) or f"{args.lang}: every catalog is complete and consistent")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
