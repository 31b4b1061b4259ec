"""The student edition in a hosted session that opened the teacher's copy (Colab, Kaggle: a notebook
opened from the course's repository).

The student edition proper is nbgrader's release (``make lab`` opens it, tools/workspace.py). A hosted
session cannot swap the notebook on the screen, and nothing may be downloaded at run time, so the
set-up cell (transformer_lite/hosted.py's SETUP_SNIPPET) calls :func:`student_edition`. In a session whose
course was installed by that cell it says plainly that the exercise cells show worked solutions, and
makes the kernel treat a worked solution left as it is as "not done yet" (an IPython input transformer
replaces it, when it runs, by a stub): the checks, hints and ``nbNN.solution(...)`` then work as in the
student edition. A cell the student has changed runs as written. Anywhere else (``make lab``, a hub
with the course installed, the tests, nbgrader) it does nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..i18n import N_, _
from .solutions import SOLUTIONS

HOSTED_MARK = ".hosted-install"  # written beside the package by `python transformer_lite/hosted.py`
LEFT_AS_IS = "the course's worked solution, left as it is"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
NOTICE = N_(
    "transformer-lite (hosted): a notebook opened from the course's repository is the teacher's copy, and "
    "its exercise cells show worked solutions. In this session a worked solution left as it is counts as "
    "not done yet: replace it with your own code, then run the check. The student edition, with empty "
    "exercises, is the one your teacher hands out, or `make lab` on your own machine."
)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _worked_bodies() -> set[str]:
    """Every stored solution's body (its function's lines after the ``def``), whitespace removed."""
    return {_squeeze("".join(code.splitlines(keepends=True)[1:])) for ex in SOLUTIONS.values() for code in ex.values()}


def stub_worked_solutions(lines: list[str], bodies: set[str] | None = None) -> list[str]:
    """A cell's lines with each solution block that is still the worked solution replaced by a stub."""
    bodies = _worked_bodies() if bodies is None else bodies
    out, block, indent = [], None, ""
    for line in lines:
        if block is None and line.strip() == BEGIN:
            block, indent = [], line[: len(line) - len(line.lstrip())]
            out.append(line)
        elif block is not None and line.strip() == END:
            untouched = _squeeze("".join(block)) in bodies
            out.extend([f"{indent}raise NotImplementedError({LEFT_AS_IS!r})\n"] if untouched else block)
            out.append(line)
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    return out if block is None else out + block


def hosted_install() -> bool:
    """Whether the set-up cell installed this course (a hosted session)."""
    return (Path(__file__).resolve().parent.parent / HOSTED_MARK).exists()


def student_edition(shell=None, force: bool = False) -> bool:
    """In a hosted session (or with ``force``), print the notice and let the kernel treat an untouched
    worked solution as not done yet. Returns whether it did. Called by every notebook's set-up cell."""
    if not (force or hosted_install()):
        return False
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False
    if not any(getattr(t, "__name__", "") == "stub_worked_solutions" for t in shell.input_transformers_post):
        shell.input_transformers_post.append(stub_worked_solutions)
    print(_(NOTICE))
    return True
