"""Hints teach without giving the answer (issue 20), and a worked solution shows only when asked.

Every exercise has up to three hint levels (the idea; the approach in words; a skeleton with the key
expression left blank), and no level holds a line of the exercise's solution: each line between the
notebook's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers, whitespace removed, must not occur in
any hint, whitespace removed (lines shorter than 4 characters, such as ``)``, are too short to give anything
away). ``nbNN.solution("<exercise>")`` prints the notebook's solution; nothing else prints it."""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import pytest
import torch

from tools import workspace
from transformer_lite.exercises.help import SOLUTIONS_ENV

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines() -> dict[tuple[str, str], list[str]]:
    """{(notebook, exercise): the lines of its solution}, read from the notebooks themselves: the solution
    cell's function that the check cell calls, the lines between the markers."""
    found = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        blocks: dict[str, list[str]] = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                name, inside = None, False
                for line in cell.source.splitlines():
                    if line.startswith("def "):
                        name = line[4:].split("(")[0]
                    elif line.strip() == BEGIN:
                        inside = True
                    elif line.strip() == END:
                        inside = False
                    elif inside and name:
                        blocks.setdefault(name, []).append(line)
            if cell.cell_type == "code" and meta.get("grade"):
                for exercise, fn in re.findall(r"nb\d\d\.check_(\w+)\((\w+)\)", cell.source):
                    found[(path.name[:2], exercise)] = blocks[fn]
    return found


SOLUTIONS = solution_lines()
EXERCISES = [
    (importlib.import_module(f"transformer_lite.exercises.nb{number}"), number, key) for number, key in SOLUTIONS
]


def test_every_exercise_of_the_notebooks_has_a_grader_with_hints():
    assert len(SOLUTIONS) == 24
    for module, number, key in EXERCISES:
        assert key in module.EXERCISES, f"nb{number}: no Exercise {key!r}"
        hints = module.EXERCISES[key].hints
        assert 1 <= len(hints) <= 3 and all(h.strip() for h in hints), (number, key)
        if len(hints) == 3:
            assert "____" in hints[2], f"nb{number}.{key}: the skeleton leaves no blank"


@pytest.mark.parametrize("module,number,key", EXERCISES, ids=[f"nb{n}.{k}" for _, n, k in EXERCISES])
def test_no_hint_holds_a_line_of_the_solution(module, number, key):
    lines = [_squeeze(line) for line in SOLUTIONS[(number, key)] if len(_squeeze(line)) >= 4]
    assert lines, f"nb{number}.{key}: no solution lines found"
    for level in range(1, len(module.EXERCISES[key].hints) + 1):
        hint = _squeeze(module.hint.text(key, level))
        leaked = [line for line in lines if line in hint]
        assert not leaked, f"nb{number}.{key}: hint level {level} holds the solution line(s) {leaked}"


def test_solutions_module_is_current():
    assert workspace.solutions_current(), "run `python -m tools.workspace solutions`"


def test_hint_levels_print_in_order_and_point_onwards(capsys):
    from transformer_lite.exercises import nb03

    for level in (1, 2, 3):
        nb03.hint("attention", level)
        out = capsys.readouterr().out
        assert f"Hint {level} of 3" in out and nb03.hint.text("attention", level) in out
        assert ("level=" + str(level + 1)) in out if level < 3 else 'nb03.solution("attention")' in out
    with pytest.raises(ValueError, match="no exercise 'attn'"):
        nb03.hint("attn")
    with pytest.raises(ValueError, match="level must be 1, 2 or 3"):
        nb03.hint("attention", 4)


def test_a_solution_shows_only_when_asked(capsys, monkeypatch):
    from transformer_lite.exercises import nb03

    solution = [line.strip() for line in SOLUTIONS[("03", "attention")] if line.strip()]
    nb03.solution()  # no exercise named: it asks which, and shows nothing
    out = capsys.readouterr().out
    assert "Which exercise?" in out and not any(line in out for line in solution)
    nb03.solution("attention")
    out = capsys.readouterr().out
    assert all(line in out for line in solution) and "causal_mask" not in out
    monkeypatch.setenv(SOLUTIONS_ENV, "off")
    nb03.solution("attention")
    out = capsys.readouterr().out
    assert "switched off" in out and not any(line in out for line in solution)


@pytest.mark.parametrize("module,number,key", EXERCISES, ids=[f"nb{n}.{k}" for _, n, k in EXERCISES])
def test_no_check_ever_prints_the_solution(module, number, key):
    """The stub, and every registered wrong answer: the message never holds a solution line."""
    grader = getattr(module, f"check_{key}")
    lines = [_squeeze(line) for line in SOLUTIONS[(number, key)] if len(_squeeze(line)) >= 12]

    def stub(*args, **kwargs):
        raise NotImplementedError

    tries = [stub] + [m.variants[0] for m in module.EXERCISES[key].mistakes][:4]
    for fn in tries:
        with redirect_stdout(io.StringIO()) as out:
            grader(fn)
        text = _squeeze(out.getvalue())
        assert not [line for line in lines if line in text], out.getvalue()


def test_the_solution_text_is_the_notebooks_and_runs():
    """What solution() prints is the teacher's code, and it passes its own check."""
    from transformer_lite.exercises import nb08
    from transformer_lite.exercises.solutions import SOLUTIONS as STORED

    for (number, key), lines in SOLUTIONS.items():
        stored = STORED[number][key]
        assert all(line in stored for line in lines if line.strip()), (number, key)
    from transformer_lite.model.attention import Intervention

    namespace = {"torch": torch, "Intervention": Intervention}
    exec(STORED["08"]["head_ablation"], namespace)  # noqa: S102 (the course's own solution)
    with redirect_stdout(io.StringIO()):
        assert nb08.check_head_ablation(namespace["my_head_off"])
