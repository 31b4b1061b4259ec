"""A student alone (issue 20): the student's edition by default, and the walk through an exercise.

- The workspace (tools/workspace.py, what `make lab` opens): the student edition made from nbgrader's
  release, never overwritten (an edit survives another `open`), one notebook restored pristine with the
  old copy kept as a backup, a changed upstream notebook pointed out; the teacher's copy is not there.
- The hosted set-up cell: a worked solution left as it is counts as "not done yet" (the input
  transformer of exercises/edition.py), a changed one runs as written.
- The walk, in JupyterLab + headless Chromium: the student edition of notebooks 03 and 06 opens, an
  untouched check says "not done yet", a wrong answer typed into the exercise gets its diagnosis on the
  page, the right answer gets the pass. The check's record (application/json) is in the notebook and
  shows nothing on the page. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from tools import lab as lab_tools
from tools import workspace

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WALKED = ["03_scaled_dot_product_attention", "06_encoder_decoder_stacks"]


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    """A source folder holding notebooks 03 and 06, and the student workspace `open` made from it."""
    root = tmp_path_factory.mktemp("walk")
    src = root / "notebooks"
    src.mkdir()
    for stem in WALKED:
        (src / f"{stem}.ipynb").write_bytes((NOTEBOOKS / f"{stem}.ipynb").read_bytes())
    work = root / "work"
    started = time.perf_counter()
    created = workspace.open_workspace(src, work, root / "build")
    print(f"workspace: {len(created)} notebooks in {time.perf_counter() - started:.1f} s")
    return src, work, root / "build"


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


@pytest.mark.slow
def test_the_workspace_is_the_student_edition_and_keeps_the_students_work(edition, capsys):
    src, work, build = edition
    nb = nbformat.read(work / f"{WALKED[0]}.ipynb", as_version=4)
    exercise = _cell(nb, "nb03-attention").source
    assert "raise NotImplementedError" in exercise and "BEGIN SOLUTION" not in exercise and "softmax" not in exercise
    assert _cell(nb, "nb03-answers").source.strip() == "Your answer here."
    assert "BEGIN HIDDEN TESTS" not in _cell(nb, "nb03-attention-check").source

    # The student's edit survives another `make lab`.
    mine = work / f"{WALKED[0]}.ipynb"
    cell = _cell(nb, "nb03-attention")
    cell.source = "def my_attention(q, k, v, mask=None):\n    return 'my own try'\n"
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    assert workspace.open_workspace(src, work, build) == [] and mine.read_bytes() == edited

    # Upstream changes: said, not applied.
    capsys.readouterr()
    upstream = nbformat.read(src / mine.name, as_version=4)
    upstream.cells[0].source += "\n\nA sentence added upstream."
    nbformat.write(upstream, src / mine.name)
    workspace.open_workspace(src, work, build)
    assert "make restore NB=03" in capsys.readouterr().out and mine.read_bytes() == edited

    # One pristine notebook back; the old one kept.
    target, backup = workspace.restore(src, work, build, "03")
    assert target == mine and backup.read_bytes() == edited and backup.parent == work / "backups"
    restored = nbformat.read(mine, as_version=4)
    assert "raise NotImplementedError" in _cell(restored, "nb03-attention").source
    assert "A sentence added upstream." in restored.cells[0].source
    workspace.open_workspace(src, work, build)
    assert "changed in the repository" not in capsys.readouterr().out


def test_the_hosted_copy_counts_an_untouched_worked_solution_as_not_done(capsys):
    from transformer_lite import hosted
    from transformer_lite.exercises import edition, nb03

    source = _cell(nbformat.read(NOTEBOOKS / f"{WALKED[0]}.ipynb", as_version=4), "nb03-attention").source
    stubbed = "".join(edition.stub_worked_solutions(source.splitlines(keepends=True)))
    assert "softmax" not in stubbed and edition.LEFT_AS_IS in stubbed
    namespace = {}
    exec("import math, torch\n" + stubbed, namespace)  # noqa: S102 (the course's own cell)
    verdict = nb03.check_attention(namespace["my_attention"])
    assert verdict.status == "not_done" and "still holds the course's worked solution" in capsys.readouterr().out
    changed = source.replace("dim=-1", "dim=-2")
    assert "".join(edition.stub_worked_solutions(changed.splitlines(keepends=True))) == changed

    class Shell:
        input_transformers_post: list = []

    assert not edition.student_edition(Shell()), "not a hosted install: nothing changes"
    assert edition.HOSTED_MARK == hosted.HOSTED_MARK, "the mark hosted.py writes is the one edition.py reads"
    assert edition.student_edition(Shell(), force=True) and "teacher's copy" in capsys.readouterr().out
    assert Shell.input_transformers_post == [edition.stub_worked_solutions]


WALK = {  # notebook: (exercise cell, check cell, a wrong answer, what the page must say, the right answer)
    WALKED[0]: (
        "nb03-attention",
        "nb03-attention-check",
        "def my_attention(q, k, v, mask=None):\n"
        "    scores = q @ k.transpose(-2, -1)\n"
        "    if mask is not None:\n"
        '        scores = scores.masked_fill(~mask, float("-inf"))\n'
        "    weights = torch.softmax(scores, dim=-1)\n"
        "    return weights @ v, weights\n",
        "Likely cause: the scores are not divided by sqrt(d_k).",
        "def my_attention(q, k, v, mask=None):\n"
        "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
        "    if mask is not None:\n"
        '        scores = scores.masked_fill(~mask, float("-inf"))\n'
        "    weights = torch.softmax(scores, dim=-1)\n"
        "    return weights @ v, weights\n",
    ),
    WALKED[1]: (
        "nb06-decoder-mask",
        "nb06-decoder-mask-check",
        "def my_decoder_mask(tgt_in):\n"
        "    T = tgt_in.shape[1]\n"
        "    return (tgt_in != 0)[:, None, None, :] & torch.ones(T, T, dtype=torch.bool).triu()\n",
        "Likely cause: the causal part keeps the upper triangle (triu)",
        "def my_decoder_mask(tgt_in):\n"
        "    T = tgt_in.shape[1]\n"
        "    return (tgt_in != 0)[:, None, None, :] & torch.ones(T, T, dtype=torch.bool).tril()\n",
    ),
}

CELL_INDEX = """(gradeId) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.findIndex(c => ((c.model.getMetadata('nbgrader') || {}).grade_id) === gradeId);
}"""
RUN_CELL = """async (index) => {
  const panel = window.jupyterapp.shell.currentWidget;
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  await window.jupyterapp.commands.execute('notebook:run-cell');
}"""
OUTPUT = """(index) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
  return {count: cell.model.executionCount, text: cell.node.querySelector('.jp-OutputArea') ?
          cell.node.querySelector('.jp-OutputArea').innerText : '',
          mimes: cell.model.outputs.toJSON().map(o => Object.keys(o.data || {}).join('+')).join(' '),
          json: cell.node.querySelectorAll('.jp-RenderedJSON').length};
}"""


def _run(page, index: int, timeout: float = 180) -> dict:
    """Run one cell and wait until its kernel is idle again; returns its output as the page shows it."""
    before = page.evaluate(OUTPUT, index)["count"]
    page.evaluate(RUN_CELL, index)
    deadline = time.time() + timeout
    while time.time() < deadline:
        page.wait_for_timeout(300)
        state = page.evaluate(OUTPUT, index)
        if state["count"] not in (None, before) and page.evaluate(lab_tools.KERNEL_IDLE):
            return state
    raise TimeoutError(f"cell {index} did not finish: {page.evaluate(OUTPUT, index)}")


def _type(page, index: int, code: str) -> None:
    """Replace a cell's text the way a student does: click into its editor, select all, type."""
    editor = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)  # as typed, without the editor's auto-indent and auto-closing brackets


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("stem", WALKED)
def test_the_walk_in_the_browser(stem, edition, artifacts, monkeypatch, tmp_path):
    if not Path(lab_tools.CHROMIUM).exists():
        pytest.skip(f"{lab_tools.CHROMIUM} not found: install it with `apt-get install -y chromium`")
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    _, work, _ = edition
    exercise_id, check_id, wrong, diagnosis, right = WALK[stem]
    student = work / f"{stem}.ipynb"
    assert "NotImplementedError" in _cell(nbformat.read(student, as_version=4), exercise_id).source
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(ROOT / "tools" / "jupyter"))  # as `make lab` serves it
    number = stem[:2]
    with lab_tools.serve(student, tmp_path) as url, sync_playwright() as p:
        browser = lab_tools.chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url, timeout=60_000)
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.wait_for_function(lab_tools.KERNEL_IDLE, timeout=60_000)
            setup = page.evaluate(CELL_INDEX, f"nb{number}-setup")
            exercise, check = page.evaluate(CELL_INDEX, exercise_id), page.evaluate(CELL_INDEX, check_id)
            assert min(setup, exercise, check) >= 0 and check == exercise + 1
            assert "Traceback" not in _run(page, setup)["text"]

            _run(page, exercise)
            untouched = _run(page, check)
            assert "not done yet" in untouched["text"], untouched

            _type(page, exercise, wrong)
            _run(page, exercise)
            failed = _run(page, check)
            page.screenshot(path=str(artifacts / f"walk-{number}-wrong.png"))
            assert "\u2717" in failed["text"] and diagnosis in failed["text"], failed["text"]
            assert "application/json" in failed["mimes"] and failed["json"] == 0, "the record is kept, not shown"

            _type(page, exercise, right)
            _run(page, exercise)
            passed = _run(page, check)
            page.screenshot(path=str(artifacts / f"walk-{number}-right.png"))
            assert "\u2713" in passed["text"] and "passed" in passed["text"], passed["text"]
            assert "Likely cause" not in passed["text"]
        finally:
            browser.close()
    assert os.environ.get("JUPYTER_CONFIG_PATH") == str(ROOT / "tools" / "jupyter")
