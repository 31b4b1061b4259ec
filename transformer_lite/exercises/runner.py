"""The check runner: run an exercise's cases, stop at the first that fails, say why, and leave a record.

A check prints one verdict (the failing case, how the result differs, ``Likely cause: ...`` when the
mistake is known, the exercise's first hint and where more help is) and, inside IPython, displays a
machine-readable record beside it, ``application/json`` ``{"check": {...}}`` (:func:`record`), with an
empty ``text/plain`` part: the class report reads it from the notebooks, the student sees only the
verdict. Under nbgrader (``config.autograding()``) a failing check then raises ``AssertionError`` with
the same message, after the record is displayed, so autograded notebooks keep both.

Every sentence a student reads is one literal template with named fields (for translation).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..config import autograding
from ..i18n import N_, _, tr
from .compare import mismatch
from .diagnosis import Mistake, diagnose, known_outcomes
from .diagnosis import stub as is_stub
from .edition import LEFT_AS_IS
from .generic import RANDOM_RESULT, confirmed, generic

# Verdict marks in DejaVu Sans (Debian's Chromium has no emoji font); tests/test_notebooks.py greps FAILED.
PASSED, FAILED, NOT_DONE = "\u2713", "\u2717", "..."
RECORD_MIME = "application/json"

PASSED_ALL = N_("{mark} {title}: all {n} cases passed.")
PASSED_ONE = N_("{mark} {title}: the one case passed.")
NOT_DONE_YET = N_("{mark} {title}: not done yet. Write your code in the cell above, in place of the stub.")
NOT_DONE_WORKED = N_(
    "{mark} {title}: not done yet. The cell above still holds the course's worked solution; write yours."
)
FAILED_CASE = N_("{mark} {title}: {passed} of {n} cases passed; case '{case}' failed.")
RAISED = N_("your code raised {error}: {message}")
RAISED_AT = N_("(at line {line}: {code})")
LIKELY = N_("Likely cause: {cause}")
HINT = N_("Hint: {hint}")
MORE = N_('More help: {module}.hint("{exercise}", level=2) describes the approach in words.')
HIDDEN = N_("{title} (hidden tests)")


@dataclass
class Case:
    """One test case: ``run()`` returns (got, expected); ``hint`` a hint for this case (else the exercise's).
    ``name`` is a message of the catalog (``Case`` is a babel keyword, tools/translate.py), with its named
    ``{fields}`` filled from ``fields`` when shown; a case's ``hint`` is marked with ``N_()``."""

    name: str
    run: Callable[[], tuple[object, object]]
    hint: str = ""
    atol: float = 1e-5
    fields: dict = field(default_factory=dict)

    def title(self) -> str:
        return tr(self.name, **self.fields) if self.fields else _(self.name)


class Verdict:
    """What a check returns: true when every case passed; ``status`` is "passed", "failed" or
    "not_done" and ``record`` the check's record. It displays nothing in Jupyter (the check has printed
    its sentence already), so a check cell never ends with a bare ``Out: False``."""

    def __init__(self, passed: bool, message: str, status: str = "", record: dict | None = None):
        self.passed, self.message = passed, message
        self.status = status or ("passed" if passed else "failed")
        self.record = record or {}

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict(passed={self.passed})"

    def _ipython_display_(self) -> None:
        pass


def show_record(record: dict) -> None:
    """Display ``record`` as ``application/json`` with an empty ``text/plain``; outside IPython, nothing."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is None:
        return
    display({RECORD_MIME: record, "text/plain": ""}, raw=True)


@dataclass
class Exercise:
    """One "Your turn": where it is (``notebook`` "03", ``key`` "attention", ``title``), its hints (the
    idea; the approach in words; a skeleton with the key expression left blank), the mistakes students
    make in it and the probes that tell them apart (argument tuples, built once, when first needed;
    ``call(fn, args)`` runs a function on one of them when a plain ``fn(*args)`` does not), and a
    ``reference`` answer for the probes (a mistake is then named even beside a second, smaller one)."""

    notebook: str
    key: str
    title: str
    hints: tuple[str, ...]
    mistakes: Sequence[Mistake] = ()
    probes: Callable[[], Sequence[tuple]] | None = None
    call: Callable | None = None
    reference: Callable | None = None
    _probes: list | None = field(default=None, repr=False)
    _known: tuple | None = field(default=None, repr=False)

    @property
    def module(self) -> str:
        return f"nb{self.notebook}"

    def probe_args(self) -> list:
        if self._probes is None:
            self._probes = list(self.probes()) if self.probes else []
        return self._probes

    def record(self, hidden: bool, status: str, mistake: Mistake | None = None, text: str | None = None) -> dict:
        """The machine-readable record of one check (see the module docstring)."""
        return {
            "check": {
                "notebook": self.notebook,
                "exercise": self.key,
                "hidden": hidden,
                "status": status,
                "mistake": mistake.key if mistake else None,
                "mistake_text": text,
                "hint": _(self.hints[0]),
            }
        }

    def likely(self, fn, got, expected) -> tuple[Mistake, str] | None:
        """The mistake that explains a failure, and its sentence: the exercise's own (probes), else a generic
        one (a result that changes with the random seed; what the failing result or error shows)."""
        mistake, student = None, []
        if self._known is None:
            self._known = known_outcomes(self.mistakes, self.probe_args(), self.call, self.reference)
        if self.probe_args():
            mistake, student = diagnose(fn, self._known, self.probe_args(), self.call)
        if mistake:
            return mistake, _(mistake.why)
        if any(o[0] == "random" for o in student):
            return RANDOM_RESULT, _(RANDOM_RESULT.why)
        found = generic(got, expected)
        if found and confirmed(*found, got, student, self._known[1]):
            return found[0], tr(found[0].why, **found[1])
        return None

    def check(self, fn, cases: Sequence[Case], hidden_cases: Sequence[Case] = (), hidden: bool = False) -> Verdict:
        """Run the visible ``cases`` (or with ``hidden`` the ``hidden_cases``) in order; stop at the first
        failure. Prints the verdict, displays the record; raises under nbgrader when it fails."""
        chosen = hidden_cases if hidden else cases
        title = tr(HIDDEN, title=_(self.title)) if hidden else _(self.title)
        for i, case in enumerate(chosen):
            got = expected = None
            try:
                got, expected = case.run()
                got = tuple(got) if isinstance(got, list) else got
                problem = mismatch(got, expected, case.atol)
            except Exception as err:  # noqa: BLE001 (the student's code raised: say where, briefly)
                if is_stub(err):
                    template = NOT_DONE_WORKED if str(err) == LEFT_AS_IS else NOT_DONE_YET
                    return self._finish(tr(template, mark=NOT_DONE, title=title), "not_done", hidden)
                got, problem = err, _raised(err)
            if problem is None:
                continue
            lines = [tr(FAILED_CASE, mark=FAILED, title=title, passed=i, n=len(chosen), case=case.title())]
            lines.append(f"   {problem}")
            found = self.likely(fn, got, expected)
            if found:
                lines.append("   " + tr(LIKELY, cause=found[1]))
            lines.append("   " + tr(HINT, hint=_(case.hint or self.hints[0])))
            lines.append("   " + tr(MORE, module=self.module, exercise=self.key))
            mistake, text = found if found else (None, None)
            return self._finish("\n".join(lines), "failed", hidden, mistake, text)
        template = PASSED_ALL if len(chosen) > 1 else PASSED_ONE
        return self._finish(tr(template, mark=PASSED, title=title, n=len(chosen)), "passed", hidden)

    def _finish(self, message: str, status: str, hidden: bool, mistake=None, text=None) -> Verdict:
        record = self.record(hidden, status, mistake, text)
        print(message)
        show_record(record)
        if status != "passed" and autograding():
            raise AssertionError(message)
        return Verdict(status == "passed", message, status, record)


def _raised(err: BaseException) -> str:
    problem = tr(RAISED, error=type(err).__name__, message=str(err)[:300])
    frames = traceback.extract_tb(err.__traceback__)
    if frames and frames[-1].line:
        problem += "\n   " + tr(RAISED_AT, line=frames[-1].lineno, code=frames[-1].line)
    return problem
