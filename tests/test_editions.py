"""The teaching kit: slides and HTML from the instructor notebooks, and the
notebook conventions (docs/CONTRIBUTING-NOTEBOOKS.md) that those builds rely on."""

import re
from pathlib import Path

import nbformat
import pytest

from tools import editions

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}


def _read(path):
    return nbformat.read(path, as_version=4)


BEGIN = "### BEGIN SOLUTION"
CHECK_CALL = re.compile(r"\bnb\d\d\.check_\w+\(")


def _exercise_cells(nb):
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and BEGIN in c.source]


def _check_cells(nb):
    """For each exercise cell: the index of the next code cell that calls a check (nbNN.check_*), or None."""
    return [
        next(
            (
                j
                for j in range(i + 1, len(nb.cells))
                if nb.cells[j].cell_type == "code" and CHECK_CALL.search(nb.cells[j].source)
            ),
            None,
        )
        for i in _exercise_cells(nb)
    ]


# ---- slides and html --------------------------------------------------------------------------
def test_slides_one_page_per_notebook(tmp_path):
    written = editions.build_slides(tmp_path, reveal_prefix="reveal.js", run=False)  # executed: test_offline.py
    assert sorted(p.name for p in written) == [f"{p.stem}.slides.html" for p in NOTEBOOKS]
    for page in written:
        text = page.read_text()
        assert "reveal.js/dist/reveal.js" in text  # the local prefix was used
        assert text.count("<section") >= 2, page.name


def test_html_one_page_per_notebook_and_an_index(tmp_path):
    written = editions.build_html(tmp_path, run=False)  # the executed build runs in test_notebooks.py's time
    pages = sorted(p.name for p in tmp_path.glob("*.html") if p.name != "index.html")
    assert pages == [f"{p.stem}.html" for p in NOTEBOOKS]
    index = (tmp_path / "index.html").read_text()
    for page in pages:
        assert f'href="{page}"' in index
    assert len(written) == len(NOTEBOOKS) + 1
    if (tmp_path / "00_toy_translation_task.html").exists():  # links between notebooks point at the pages
        text = (tmp_path / "00_toy_translation_task.html").read_text()
        assert 'href="01_what_limits_rnns.html"' in text and 'href="01_what_limits_rnns.ipynb"' not in text


# ---- the conventions ------------------------------------------------------------------------
def _md(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_slide_metadata(path):
    nb = _read(path)
    bad = [i for i, c in enumerate(nb.cells) if c.metadata.get("slideshow", {}).get("slide_type") not in SLIDE_TYPES]
    assert not bad, f"cells without slideshow.slide_type: {bad}"
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide"
    for i, c in enumerate(nb.cells):
        if c.cell_type == "markdown" and c.source.startswith("## "):
            assert c.metadata["slideshow"]["slide_type"] == "slide", f"cell {i}: '##' sections start a slide"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_conventions(path):
    """The shape in docs/CONTRIBUTING-NOTEBOOKS.md. Fails for notebooks still being written."""
    nb, number = _read(path), int(path.name[:2])
    head = nb.cells[0].source
    problems = []
    if not head.startswith(f"# {path.name[:2]} · "):
        problems.append("title must be '# NN · Title'")
    for part in ("**Learning objectives**", "**Estimated time:**", "**Prerequisites:**"):
        if part not in head:
            problems.append(f"title cell lacks {part}")
    if not re.search(r"\*\*Estimated time:\*\*\s*\d+\s*minutes", head):
        problems.append("'**Estimated time:** N minutes'")
    names = {int(p.name[:2]): p.name for p in NOTEBOOKS}
    for other in (number - 1, number + 1):
        if other in names and f"({names[other]})" not in head:
            problems.append(f"no link to {names[other]} in the title cell")
    setup = next((c.source for c in nb.cells if c.cell_type == "code"), "")
    if "seed_everything(0)" not in setup or "pick_device()" not in setup:
        problems.append("first code cell must call seed_everything(0) and pick_device()")
    text = _md(nb)
    if "## Key takeaways" not in text:
        problems.append("no '## Key takeaways'")
    understanding = next((c.source for c in nb.cells if c.source.startswith("## Check your understanding")), "")
    if len(re.findall(r"^\s*[1-3]\.\s", understanding, flags=re.M)) < 3:
        problems.append("'## Check your understanding' needs three numbered questions")
    answered = any(c.metadata.get("nbgrader", {}).get("grade_id") == f"nb{path.name[:2]}-answers" for c in nb.cells)
    if not answered and not (ROOT / "docs" / "answers" / f"{path.name[:2]}.md").exists():
        problems.append(f"no answers: an nbgrader answer cell nb{path.name[:2]}-answers (teacher copy only)")
    if number >= 1:
        exercises = _exercise_cells(nb)
        turns = len(re.findall(r"^### Your turn \d+", text, flags=re.M))
        checks = sum(1 for c in nb.cells if c.cell_type == "code" and CHECK_CALL.search(c.source))
        if len(exercises) < 2 or turns < 2 or checks < 2:
            problems.append(
                f"needs >= 2 exercises: {turns} 'Your turn', {len(exercises)} solution cells, {checks} checks"
            )
        for i in exercises:
            for line in nb.cells[i].source.split("\n"):
                if line.startswith(BEGIN):
                    problems.append(f"cell {i}: solution at top level; put it inside a function")
        if any(check is None for check in _check_cells(nb)):
            problems.append("an exercise without an nbNN.check_* cell after it")
    if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in nb.cells):
        problems.append("outputs committed")
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_editions_module_knows_the_titles():
    for path in NOTEBOOKS:
        assert editions.title(_read(path)).startswith(path.name[:2])
