"""What keeps a translation from drifting: every check ``make test`` runs on the catalogs (tests/test_i18n.py).

* Complete: every English markdown cell, package string and README/TEACHING paragraph has a finished translation.
  A cell whose English changed since it was translated is reported with the notebook, the cell id and the new text.
* Placeholders match: inline code, math, link targets, notebook names, numbers and ``{fields}`` are the same in the
  English and the translation (a translated identifier such as ``transpose_output`` -> ``transposeDefput`` fails).
* One vocabulary: where the English uses a term of ``i18n/<lang>/glossary.md``, the translation uses its term.
* The generated Markdown (README.ko.md, notebooks/TEACHING.ko.md) is what the catalogs give today.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog

from . import translate as t

CODE = re.compile(r"`[^`\n]+`")
MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$", re.S)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
NOTEBOOK = re.compile(r"\b\d\d_[a-z0-9_]+\.ipynb")
FIELD = re.compile(r"\{[^{}\s]*\}")
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])\d+(?:[.,]\d+)*")
SHORT = 70  # characters of a message shown in a report


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 3] + "..."


def _prose(text: str) -> str:
    """The text with code spans, math and link targets blanked out: what is left is words and numbers."""
    for pattern in (CODE, MATH):
        text = pattern.sub(" ", text)
    return LINK_TARGET.sub("]( )", text)


def placeholders(text: str) -> Counter:
    """What must survive translation unchanged, as a multiset."""
    found = Counter()
    found.update(f"code {m}" for m in CODE.findall(text))
    found.update(f"math {' '.join(m.split())}" for m in MATH.findall(text))
    found.update(f"link {m}" for m in LINK_TARGET.findall(text))
    prose = _prose(text)
    found.update(f"notebook {m}" for m in NOTEBOOK.findall(prose))
    found.update(f"field {m}" for m in FIELD.findall(prose))
    found.update(f"number {m}" for m in NUMBER.findall(NOTEBOOK.sub(" ", FIELD.sub(" ", prose))))
    return found


def placeholder_problem(english: str, translation: str) -> str | None:
    a, b = placeholders(english), placeholders(translation)
    if a == b:
        return None
    missing, extra = a - b, b - a
    parts = [f"missing {sorted(missing)}" if missing else "", f"not in the English {sorted(extra)}" if extra else ""]
    return "; ".join(p for p in parts if p)


# ---- the glossary ---------------------------------------------------------------------------------------------
def glossary(lang: str) -> list[tuple[str, re.Pattern, list[str]]]:
    """(term, its English pattern, the accepted translations) from ``i18n/<lang>/glossary.md``'s table, longest
    term first, so that "multi-head attention" is matched before "attention"."""
    rows = []
    for line in (t.I18N / lang / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not line.startswith("|") or cells[0] in ("English", "") or set(cells[0]) <= set("-: "):
            continue
        english, forms = cells[0], [f.strip() for f in cells[1].split(" / ") if f.strip()]
        words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", english))
        rows.append((english, re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", re.I), forms))
    return sorted(rows, key=lambda r: -len(r[0]))


def glossary_problems(english: str, translation: str, terms) -> list[str]:
    prose, problems = FIELD.sub(" ", _prose(english)), []  # a field's name ({mask}) is code, not the term
    for term, pattern, forms in terms:
        if pattern.search(prose):
            if not any(f in translation for f in forms):
                problems.append(f"'{term}' should be {' or '.join(repr(f) for f in forms)}")
            prose = pattern.sub(" ", prose)
    return problems


# ---- the catalogs -------------------------------------------------------------------------------------------
def entry_problems(where: str, catalog: Catalog, terms) -> list[str]:
    """Placeholder and glossary problems of a catalog's finished entries."""
    out = []
    for m in catalog:
        if not m.id or not m.string or m.fuzzy:
            continue
        english, translation = str(m.id), str(m.string)
        label = f"{where}{f' cell {m.context}' if m.context else ''}: {short(english)!r}"
        problem = placeholder_problem(english, translation)
        if problem:
            out.append(f"{label}: placeholders differ: {problem}")
        out += [f"{label}: {p}" for p in glossary_problems(english, translation, terms)]
    return out


def completeness(where: str, catalog: Catalog, template: Catalog) -> list[str]:
    """Messages of the English template without a finished translation (no context: package and Markdown)."""
    out = []
    for m in template:
        if not m.id:
            continue
        entry = catalog.get(m.id, m.context)
        if entry is None or not entry.string:
            out.append(f"{where}: not translated: {short(str(m.id))!r}")
        elif entry.fuzzy:
            before = short(" ".join(entry.previous_id)) if entry.previous_id else "?"
            out.append(f"{where}: changed since it was translated: now {short(str(m.id))!r}, was {before!r}")
    return out


def notebook_completeness(path: Path, catalog: Catalog) -> list[str]:
    by_context = {m.context: m for m in catalog if m.id}
    out = []
    for cell_id, source in t.markdown_cells(path):
        entry, label = by_context.get(cell_id), f"{path.name} cell {cell_id}"
        if entry is None or not entry.string:
            out.append(f"{label}: new English cell without a translation: {short(source)!r}")
        elif entry.id != source:
            out.append(f"{label}: the English changed (run `make i18n`, then translate): now {short(source)!r}")
        elif entry.fuzzy:
            before = short(" ".join(entry.previous_id)) if entry.previous_id else "?"
            out.append(f"{label}: changed since it was translated: now {short(source)!r}, was {before!r}")
    return out


def markdown_template(name: str, source: Path) -> Catalog:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / f"{name}.pot"
        t.run(["md2po", "--duplicates=merge", "-i", str(source), "-o", str(pot)])
        return t.read_catalog(pot, "en")


def stale_markdown(lang: str) -> list[str]:
    """Generated Markdown files that differ from what the catalogs give now."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in t.MARKDOWN.items():
            target, fresh = t.translated_name(source, lang), Path(tmp) / f"{name}.md"
            t.run(["po2md", "-t", str(source), "-i", str(t.I18N / lang / f"{name}.po"), "-o", str(fresh)])
            if not target.exists() or target.read_text(encoding="utf-8") != fresh.read_text(encoding="utf-8"):
                out.append(f"{target.relative_to(t.ROOT)} is not what its catalog gives: run `make i18n`")
    return out


def problems(lang: str) -> list[str]:
    """Everything that keeps the ``lang`` edition from matching the English, one line each."""
    terms = glossary(lang)
    messages = t.read_catalog(t.I18N / lang / "messages.po", lang)
    found = completeness("messages.po", messages, t.messages_template())
    found += entry_problems("messages.po", messages, terms)
    for path in t.course_notebooks():
        catalog = t.read_catalog(t.I18N / lang / "notebooks" / f"{path.stem}.po", lang)
        found += notebook_completeness(path, catalog) + entry_problems(path.name, catalog, terms)
    for name, source in t.MARKDOWN.items():
        catalog = t.read_catalog(t.I18N / lang / f"{name}.po", lang)
        found += completeness(f"{name}.po", catalog, markdown_template(name, source))
        found += entry_problems(f"{name}.po", catalog, terms)
    return found + stale_markdown(lang)
