"""The exercises' check runner, and one module of graders per notebook: ``nb01`` ... ``nb10``.

A notebook imports its module (``from transformer_lite.exercises import nb03``) and its check cells call
``nb03.check_attention(my_attention)``. A check runs the student's function on a few cases, stops at the
first that fails and says what went wrong: the case, the first differing positions and values (3-4
significant digits), the likely mistake when the answer matches a known wrong one, and a conceptual hint.
The concrete hint waits until the student asks: ``nb03.hint("attention", level=2)``. A stub that raises
``NotImplementedError`` is reported as "not done yet", naming the task. Nothing shows a bare traceback.

Two modes, one message:
- interactively, a check prints its verdict and returns a :class:`Verdict` (true when every case passed;
  it displays nothing itself, so a check cell shows the sentence and no ``Out: False``);
- under nbgrader (``config.autograding()``: nbgrader sets ``NBGRADER_EXECUTION``) a failing check raises
  ``AssertionError`` with the same message, so nbgrader deducts the cell's points and shows it in feedback.

Runner API, for whoever writes a notebook's module (``nbNN.py``; notebook 10's follows it too):
- :class:`Case` ``(name, run, hint="", atol=1e-5)``: ``run()`` returns ``(got, expected)``; tensors are
  compared with ``allclose`` (``atol``, ``rtol=1e-4``), Python floats and ints by value and type.
- :class:`Mistake` ``(why, variant)`` and :class:`Probe` ``(args, mistakes)``: a known wrong answer; when the
  student's ``fn(*args)`` equals ``variant(*args)``, the verdict says ``Likely cause: why``.
- :func:`run_cases` ``(title, cases, *, fn=None, probes=(), hint="", more="") -> Verdict``.
- :class:`Hints` ``(module, {exercise: (conceptual, concrete)})``: a module's ``hint(exercise, level=1)``.
- Graders are named ``check_<exercise>(fn, hidden=False)`` in notebook order, their docstring names the
  notebook and the "Your turn"; ``hidden=True`` runs only the cases the notebook's hidden test cell adds
  (``### BEGIN HIDDEN TESTS``): cases the visible check does not try.
- Notebook cells: the solution cell has nbgrader metadata ``solution: true``, ``grade_id: nbNN-<exercise>``;
  the check cell ``grade: true, locked: true, points``, ``grade_id: nbNN-<exercise>-check`` (tools/assignments.py).
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from ..config import autograding

# Verdict marks in DejaVu Sans (Debian's Chromium has no emoji font); tests/test_notebooks.py greps FAILED.
PASSED, FAILED = "\u2713", "\u2717"

__all__ = ["PASSED", "FAILED", "Case", "Mistake", "Probe", "Verdict", "Hints", "run_cases", "mismatch", "describe"]


@dataclass
class Case:
    """One test case: ``run()`` returns (got, expected); ``hint`` a conceptual hint for this case."""

    name: str
    run: Callable[[], tuple[object, object]]
    hint: str = ""
    atol: float = 1e-5


@dataclass
class Mistake:
    """A known wrong answer: ``variant`` computes it; ``why`` says what the student did."""

    why: str
    variant: Callable


@dataclass
class Probe:
    """Inputs on which the ``mistakes`` are told apart from the right answer (and from each other)."""

    args: tuple
    mistakes: Sequence[Mistake] = field(default_factory=list)


class Verdict:
    """What a check returns: true when every case passed. It displays nothing in Jupyter (the check has
    printed its sentence already), so a check cell never ends with a bare ``Out: False``."""

    def __init__(self, passed: bool, message: str):
        self.passed, self.message = passed, message

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict(passed={self.passed})"

    def _ipython_display_(self) -> None:
        pass


class Hints:
    """A module's tiered hints: ``hint(exercise, level=1)`` prints the conceptual hint, ``level=2`` the
    concrete one. ``{exercise: (conceptual, concrete)}``."""

    def __init__(self, module: str, table: dict[str, tuple[str, str]]):
        self.module, self.table = module, table

    def text(self, exercise: str, level: int = 1) -> str:
        if exercise not in self.table:
            raise ValueError(f"{self.module}.hint: no exercise {exercise!r}; choose one of {sorted(self.table)}")
        if level not in (1, 2):
            raise ValueError(f"{self.module}.hint: level must be 1 (conceptual) or 2 (concrete); got {level!r}")
        return self.table[exercise][level - 1]

    def __call__(self, exercise: str, level: int = 1) -> None:
        print(f"Hint (level {level}): {self.text(exercise, level)}")
        if level == 1:
            print(f'Still stuck? {self.module}.hint("{exercise}", level=2) is more concrete.')

    def more(self, exercise: str) -> str:
        """The sentence that points a failing student at the concrete hint."""
        return f'Stuck? {self.module}.hint("{exercise}", level=2) gives a more concrete hint.'


# ---- how values are shown and compared -----------------------------------------------------------
def _num(x) -> str:
    """A number with 4 significant digits (booleans and integers as they are)."""
    if isinstance(x, bool) or isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        text = "nan" if math.isnan(x) else f"{x:.4g}"
        return text if any(c in text for c in ".ein") else text + ".0"
    return str(x)


def _nested(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _num(values)


def describe(x) -> str:
    """A short description of a value: a tensor's shape and (small) values, with 4 significant digits."""
    if isinstance(x, torch.Tensor):
        body = x.detach().cpu()
        if body.numel() <= 12:
            return f"shape {tuple(x.shape)}, {_nested(body.tolist())}"
        return f"shape {tuple(x.shape)}, values like {_nested(body.flatten()[:6].tolist())} ..."
    if isinstance(x, float):
        return _num(x)
    return repr(x)


def _first_differences(got: torch.Tensor, expected: torch.Tensor, bad: torch.Tensor, shown: int = 3) -> str:
    where = bad.nonzero()[:shown].tolist()
    lines = [
        f"    at {tuple(i)}: expected {_num(expected[tuple(i)].item())}, got {_num(got[tuple(i)].item())}"
        for i in where
    ]
    return f"{int(bad.sum())} of {bad.numel()} values differ; the first:\n" + "\n".join(lines)


def _tensor_mismatch(got, expected: torch.Tensor, atol: float) -> str | None:
    if not isinstance(got, torch.Tensor):
        return f"expected a tensor, got a {type(got).__name__}"
    if tuple(got.shape) != tuple(expected.shape):
        return f"expected shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
    if expected.dtype == torch.bool or got.dtype == torch.bool:
        if got.dtype != expected.dtype:
            return f"expected dtype {expected.dtype}, got {got.dtype}"
        bad = got != expected
        return _first_differences(got, expected, bad) if bad.any() else None
    got_f, exp_f = got.detach().cpu().double(), expected.detach().cpu().double()
    if torch.isnan(got_f).any() and not torch.isnan(exp_f).any():
        return f"your result contains NaN ({int(torch.isnan(got_f).sum())} of {got_f.numel()} values)"
    bad = ~torch.isclose(got_f, exp_f, atol=atol, rtol=1e-4, equal_nan=True)
    return _first_differences(got_f, exp_f, bad) if bad.any() else None


def mismatch(got, expected, atol: float = 1e-5) -> str | None:
    """None if ``got`` matches ``expected``, else a sentence saying how they differ."""
    if isinstance(expected, torch.Tensor):
        return _tensor_mismatch(got, expected, atol)
    if isinstance(expected, tuple) and not isinstance(got, (tuple, list)):
        return f"expected a tuple of {len(expected)} results, got a {type(got).__name__}"
    if isinstance(expected, tuple):
        if len(got) != len(expected):
            return f"expected {len(expected)} results, got {len(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = mismatch(g, e, atol)
            if problem:
                return f"result {i}: {problem}"
        return None
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return None if got == expected else f"expected {expected!r}, got {got!r}"
    kind = "float" if isinstance(expected, float) else "int"
    if isinstance(got, torch.Tensor):
        return f"expected a Python {kind}, got a tensor ({describe(got)}): convert it with {kind}(...) or .item()"
    if isinstance(got, bool) or not isinstance(got, (int, float)) or (kind == "int" and isinstance(got, float)):
        return f"expected a Python {kind}, got a {type(got).__name__}: {got!r:.60}"
    if math.isclose(got, expected, rel_tol=1e-4, abs_tol=atol):
        return None
    return f"expected {_num(expected)}, got {_num(got)}"


# ---- diagnosis ----------------------------------------------------------------------------------------
def _call(fn, args):
    """``fn(*args)``, with a list result as a tuple."""
    got = fn(*args)
    return tuple(got) if isinstance(got, list) else got


def diagnose(fn, probes: Sequence[Probe]) -> str | None:
    """The first mistake whose variant the student's ``fn`` reproduces on its probe, or None."""
    for probe in probes:
        try:
            got = _call(fn, probe.args)
        except Exception:
            continue
        for mistake in probe.mistakes:
            try:
                if mismatch(got, mistake.variant(*probe.args)) is None:
                    return mistake.why
            except Exception:
                continue
    return None


def _finish(message: str, passed: bool) -> Verdict:
    print(message)
    if not passed and autograding():
        raise AssertionError(message)
    return Verdict(passed, message)


def run_cases(
    title: str,
    cases: Sequence[Case],
    *,
    fn=None,
    probes: Sequence[Probe] = (),
    hint: str = "",
    more: str = "",
) -> Verdict:
    """Run ``cases`` in order and stop at the first failure. The message names the case, says how the
    result differs, the likely cause (``probes``, tried on ``fn``) and a hint (the case's, else ``hint``;
    ``more`` points at the concrete one). Printed; raised under nbgrader when it fails."""
    lines: list[str] = []
    for i, case in enumerate(cases):
        try:
            got, expected = case.run()
            problem = mismatch(tuple(got) if isinstance(got, list) else got, expected, case.atol)
        except NotImplementedError:
            lines.append(f"... {title}: not done yet. Write your code in the cell above, in place of the stub.")
            return _finish("\n".join(lines), False)
        except Exception as err:  # the student's code raised: where, briefly
            frame = traceback.extract_tb(err.__traceback__)[-1]
            problem = f"raised {type(err).__name__}: {str(err)[:300]}"
            if frame.line:
                problem += f"\n   (at line {frame.lineno}: {frame.line})"
        if problem is None:
            continue
        lines.append(f"{FAILED} {title}: {i} of {len(cases)} cases passed; case '{case.name}' failed.")
        lines.append(f"   {problem}")
        cause = diagnose(fn, probes) if fn is not None else None
        if cause:
            lines.append(f"   Likely cause: {cause}")
        if case.hint or hint:
            lines.append(f"   Hint: {case.hint or hint}")
        if more:
            lines.append(f"   {more}")
        return _finish("\n".join(lines), False)
    passed = f"all {len(cases)} cases" if len(cases) > 1 else "the one case"
    return _finish(f"{PASSED} {title}: {passed} passed.", True)


def exercise(hints: Hints, key: str, title: str, cases, fn, probes=(), hidden=(), show_hidden=False):
    """The common body of a grader: the visible ``cases``, or with ``show_hidden`` the ``hidden`` ones,
    with the exercise's conceptual hint and the pointer to its concrete one."""
    chosen, label = (hidden, f"{title} (hidden tests)") if show_hidden else (cases, title)
    return run_cases(label, chosen, fn=fn, probes=probes, hint=hints.text(key, 1), more=hints.more(key))
