"""The exercises' check runner, and one module of graders per notebook: ``nb01`` ... ``nb10``.

A notebook imports its module (``from transformer_lite.exercises import nb03``) and its check cells call
``nb03.check_attention(my_attention)``. A check runs the student's function on a few cases, stops at the
first that fails and says what went wrong: the case, the first differing positions and values (3-4
significant digits), ``Likely cause: ...`` naming the mistake when it is a known one, and the exercise's
first hint. A stub that raises ``NotImplementedError`` is reported as "not done yet", naming the task.
Nothing shows a bare traceback. Beside its verdict a check displays a record for the class report
(``application/json`` ``{"check": {...}}``, :mod:`.runner`).

Help waits until the student asks: ``nb03.hint("attention")`` (the idea), ``level=2`` (the approach in
words), ``level=3`` (a skeleton with the key expression left blank); ``nb03.solution("attention")`` prints
the worked solution of that exercise (:mod:`.help`). In a hosted session that opened the teacher's copy,
:mod:`.edition` counts a worked solution left as it is as "not done yet".

Two modes, one message:
- interactively, a check prints its verdict and returns a :class:`Verdict` (true when every case passed;
  it displays nothing itself, so a check cell shows the sentence and no ``Out: False``);
- under nbgrader (``config.autograding()``: nbgrader sets ``NBGRADER_EXECUTION``) a failing check raises
  ``AssertionError`` with the same message, so nbgrader deducts the cell's points and shows it in feedback.

For whoever writes a notebook's module (``nbNN.py``; docs/CONTRIBUTING-NOTEBOOKS.md has the conventions):
- :class:`Exercise` ``(notebook, key, title, hints, mistakes, probes, call=None)``: one "Your turn";
  ``hints`` = (the idea, the approach in words, a skeleton with ``____`` where the key expression goes);
  ``exercise.check(fn, cases, hidden_cases, hidden)`` is the body of every grader.
- :class:`Case` ``(name, run, hint="", atol=1e-5)``: ``run()`` returns ``(got, expected)``; tensors are
  compared with ``allclose`` (``atol``, ``rtol=1e-4``), Python floats and ints by value and type.
- :class:`Mistake` ``(key, why, *variants)``: a mistake students make, with a stable short ``key``
  ("scale_missing"), the sentence that names it, and the wrong answer(s) written as a student would. A
  failed check names the first mistake one of whose variants gives what the student's function gives on
  every probe (``probes()``: argument tuples that tell the mistakes apart); else a generic mistake
  (:data:`.generic.GENERIC`: a tensor for a number, a transposed or rescaled result, a float used as a
  size, ...).
- Graders are named ``check_<exercise>(fn, hidden=False)`` in notebook order; their docstring names the
  notebook and the "Your turn"; ``hidden=True`` runs only the cases the notebook's hidden test cell adds.
- Each module has ``EXERCISES`` ({key: Exercise}), ``hint = Hints(...)`` and ``solution = Solutions(...)``.
- Every sentence is English in the code and translated when shown (transformer_lite/i18n.py): an Exercise's
  title and hints are marked ``N_("...")`` (a skeleton is one message: its code stays, its English words may
  be translated), a Mistake's ``why`` and a Case's name are string literals (babel keywords), a Case's hint is
  ``N_("...")``, and a name with values is a template, ``Case("length {n}", run, fields={"n": n})``. Keys
  and codes stay English; so do the record's machine fields (status, mistake key).
- Notebook cells: the solution cell has nbgrader metadata ``solution: true``, ``grade_id: nbNN-<exercise>``;
  the check cell ``grade: true, locked: true, points``, ``grade_id: nbNN-<exercise>-check`` (tools/assignments.py).
"""

from .compare import describe, mismatch
from .diagnosis import Mistake
from .generic import GENERIC
from .help import Hints, Solutions
from .runner import FAILED, NOT_DONE, PASSED, RECORD_MIME, Case, Exercise, Verdict

__all__ = [
    "PASSED",
    "FAILED",
    "NOT_DONE",
    "RECORD_MIME",
    "GENERIC",
    "Case",
    "Exercise",
    "Mistake",
    "Verdict",
    "Hints",
    "Solutions",
    "mismatch",
    "describe",
]
