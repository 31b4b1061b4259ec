"""The teaching kit: student editions, slides and HTML from the instructor notebooks, and the
notebook conventions (docs/CONTRIBUTING-NOTEBOOKS.md) that those builds rely on."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}

_spec = importlib.util.spec_from_file_location("editions", ROOT / "tools" / "editions.py")
editions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(editions)


def _read(path):
    return nbformat.read(path, as_version=4)


def _regions(source):
    """(hint or None, solution lines) for every solution region of a cell's source."""
    out, lines, hint, body = [], source.split("\n"), None, None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith(editions.BEGIN):
            prev = lines[i - 1].strip() if i else ""
            hint, body = (prev[len(editions.HINT) :].strip() if prev.startswith(editions.HINT) else None), []
        elif s.startswith(editions.END):
            out.append((hint, body))
            body = None
        elif body is not None:
            body.append(line)
    return out


def _outside(source):
    """The lines of a source that are not in a solution region, markers excluded."""
    keep, inside = [], False
    for line in source.split("\n"):
        s = line.strip()
        if s.startswith(editions.BEGIN):
            inside = True
        elif s.startswith(editions.END):
            inside = False
        elif not inside:
            keep.append(line)
    return keep


def _exercise_cells(nb):
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and editions.BEGIN in c.source]


# ---- strip_solutions, on its own ------------------------------------------------------------
def test_strip_keeps_indentation_and_uses_the_hint():
    source = (
        "def f(x):\n"
        "    y = 1\n"
        "    ### HINT: add one to x\n"
        "    ### BEGIN SOLUTION\n"
        "    return x + y\n"
        "    ### END SOLUTION\n"
        "\n"
        "print('after')"
    )
    new, hints = editions.strip_solutions(source)
    assert new == (
        "def f(x):\n"
        "    y = 1\n"
        "    ### HINT: add one to x\n"
        '    raise NotImplementedError("Your turn: add one to x")\n'
        "\n"
        "print('after')"
    )
    assert hints == ["add one to x"]
    namespace = {}
    exec(new.replace("print('after')", ""), namespace)
    with pytest.raises(NotImplementedError, match="Your turn: add one to x"):
        namespace["f"](1)


def test_strip_without_hint_and_with_two_regions():
    source = (
        "class A:\n"
        "    def f(self):\n"
        "        ### BEGIN SOLUTION\n"
        "        return 1\n"
        "        ### END SOLUTION\n"
        "\n"
        "    def g(self):\n"
        '        ### HINT: quote "this"\n'
        "        ### BEGIN SOLUTION\n"
        "        return 2\n"
        "        ### END SOLUTION"
    )
    new, hints = editions.strip_solutions(source)
    assert "return 1" not in new and "return 2" not in new
    assert f'        raise NotImplementedError("Your turn: {editions.GENERIC_HINT}")' in new
    assert '        raise NotImplementedError("Your turn: quote \\"this\\"")' in new
    assert hints == [editions.GENERIC_HINT, 'quote "this"']
    compile(new, "student", "exec")


@pytest.mark.parametrize(
    "source, problem",
    [
        ("### BEGIN SOLUTION\nx = 1", "without '### END SOLUTION'"),
        ("x = 1\n### END SOLUTION", "without '### BEGIN SOLUTION'"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ],
)
def test_unbalanced_markers_are_clear_errors(source, problem):
    with pytest.raises(editions.EditionError, match=re.escape(problem)):
        editions.strip_solutions(source, "nb.ipynb cell 4")


# ---- the student edition of the real notebooks ---------------------------------------------
@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    editions.main(["student", "--out", str(out)])
    return out


def test_student_build_has_one_notebook_per_instructor_notebook(student_dir):
    assert NOTEBOOKS, "no notebooks yet"
    assert sorted(p.name for p in student_dir.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    readme = (student_dir / "README.md").read_text()
    assert "Your turn" in readme
    assert not list(student_dir.glob("TEACHING*")), "the teacher guide stays out of the student edition"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_edition_differs_only_in_solutions(path, student_dir):
    teacher, student = _read(path), _read(student_dir / path.name)
    assert teacher.metadata == student.metadata
    assert len(teacher.cells) == len(student.cells)
    for i, (t, s) in enumerate(zip(teacher.cells, student.cells)):
        assert (t.cell_type, t.metadata) == (s.cell_type, s.metadata), f"cell {i}"
        if t.cell_type != "code":
            assert t.source == s.source, f"cell {i}"
            continue
        assert s.outputs == [] and s.execution_count is None, f"cell {i} keeps outputs"
        regions = _regions(t.source)
        if not regions:
            assert t.source == s.source, f"cell {i}"
            continue
        stubs = [line for line in s.source.split("\n") if "raise NotImplementedError(" in line]
        assert len(stubs) == len(regions), f"cell {i}: one stub per solution region"
        for (hint, _), stub in zip(regions, stubs):
            assert f"Your turn: {hint or editions.GENERIC_HINT}" in stub.replace('\\"', '"')
        kept = [line for line in s.source.split("\n") if line not in stubs]
        assert kept == _outside(t.source), f"cell {i}: only the solution lines may change"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solution_text_leaks(path, student_dir):
    text = (student_dir / path.name).read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    teacher, student = _read(path), _read(student_dir / path.name)
    for i in _exercise_cells(teacher):
        student_lines = {line.strip() for line in student.cells[i].source.split("\n")}
        for _, body in _regions(teacher.cells[i].source):
            leaked = [line for line in body if line.strip() and line.strip() in student_lines]
            assert not leaked, f"cell {i}: {leaked}"


def _check_cells(nb):
    """For each exercise cell: (its hints, the index of the next code cell that calls a check)."""
    pairs = []
    for i in _exercise_cells(nb):
        check = next(
            (
                j
                for j in range(i + 1, len(nb.cells))
                if nb.cells[j].cell_type == "code" and "checks." in nb.cells[j].source
            ),
            None,
        )
        pairs.append(([h or editions.GENERIC_HINT for h, _ in _regions(nb.cells[i].source)], check))
    return pairs


WITH_EXERCISES = [p for p in NOTEBOOKS if editions.BEGIN in p.read_text()]


@pytest.mark.slow
@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: p.stem)
def test_student_edition_runs_and_says_not_done_yet(path, student_dir):
    nb = _read(student_dir / path.name)
    editions.execute(nb, path.parent, timeout=600, fast=True)  # a smoke test; raises CellExecutionError on a traceback
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    for hints, check in _check_cells(_read(path)):
        assert check is not None, "every exercise is followed by a checks.* cell"
        printed = "".join(o.get("text", "") for o in nb.cells[check].outputs if o.output_type == "stream")
        assert "not done yet" in printed, printed
        assert "Traceback" not in printed
        assert any(h in printed for h in hints), (hints, printed)


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
    if not (ROOT / "docs" / "answers" / f"{path.name[:2]}.md").exists():
        problems.append(f"docs/answers/{path.name[:2]}.md is missing")
    if number >= 1:
        exercises = _exercise_cells(nb)
        turns = len(re.findall(r"^### Your turn \d+", text, flags=re.M))
        checks = sum(1 for c in nb.cells if c.cell_type == "code" and re.search(r"\bchecks\.\w+\(", c.source))
        if len(exercises) < 2 or turns < 2 or checks < 2:
            problems.append(
                f"needs >= 2 exercises: {turns} 'Your turn', {len(exercises)} solution cells, {checks} checks"
            )
        for i in exercises:
            for line in nb.cells[i].source.split("\n"):
                if line.startswith(editions.BEGIN):
                    problems.append(f"cell {i}: solution at top level; put it inside a function")
        if any(check is None for _, check in _check_cells(nb)):
            problems.append("an exercise without a checks.* cell after it")
    if any(c.cell_type == "code" and (c.outputs or c.execution_count) for c in nb.cells):
        problems.append("outputs committed")
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_editions_module_knows_the_titles():
    for path in NOTEBOOKS:
        assert editions.title(_read(path)).startswith(path.name[:2])
