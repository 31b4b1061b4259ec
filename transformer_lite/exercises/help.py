"""Help a student asks for: tiered hints, and a worked solution on explicit request.

``nbNN.hint("attention")`` prints the idea; ``level=2`` the approach in words; ``level=3`` a skeleton
with the key expression left blank (``____``). No hint holds a line of the solution
(tests/test_hints.py checks every level of every exercise). ``nbNN.solution("attention")`` prints the
worked solution of that one exercise, the code of the teacher's copy (kept in :mod:`.solutions`), and
nothing ever prints it unasked. A class hub can switch solutions off with
``TRANSFORMER_LITE_SOLUTIONS=off``.
"""

from __future__ import annotations

import os

from ..i18n import N_, _, tr
from .solutions import SOLUTIONS

SOLUTIONS_ENV = "TRANSFORMER_LITE_SOLUTIONS"
LEVEL_NAMES = (N_("the idea"), N_("the approach in words"), N_("a skeleton to fill in"))

# What a student reads goes through the catalog; the errors (a wrong exercise name or level) stay English.
HINT_HEADER = N_("Hint {level} of {levels} for {title} ({name}):")
NEXT_HINT = N_('Still stuck? {module}.hint("{exercise}", level={level}) gives {name}.')
LAST_HINT = N_('Still stuck after trying the skeleton? {module}.solution("{exercise}") shows a worked solution.')
NO_EXERCISE = "{module}.{what}: no exercise {exercise!r}; choose one of {choices}."
BAD_LEVEL = "{module}.hint: level must be 1, 2 or 3; got {level!r}."
WHICH = N_('Which exercise? Call {module}.solution("<exercise>") with one of: {choices}.')
SOLUTIONS_OFF = N_("Worked solutions are switched off for this class ({env}); ask your teacher.")
SOLUTION_HEADER = N_("A worked solution of {title}. Read it, close it, then write your own and run the check again:")


class Hints:
    """A notebook module's ``hint(exercise, level=1)``; ``exercises`` maps each key to its Exercise."""

    def __init__(self, module: str, exercises: dict):
        self.module, self.exercises = module, exercises

    def _exercise(self, exercise: str, what: str = "hint"):
        if exercise not in self.exercises:
            choices = ", ".join(sorted(self.exercises))
            raise ValueError(NO_EXERCISE.format(module=self.module, what=what, exercise=exercise, choices=choices))
        return self.exercises[exercise]

    def text(self, exercise: str, level: int = 1) -> str:
        """The hint in the course's language (a skeleton's code is the same in both)."""
        hints = self._exercise(exercise).hints
        if level not in range(1, len(hints) + 1) or isinstance(level, bool):
            raise ValueError(BAD_LEVEL.format(module=self.module, level=level))
        return _(hints[level - 1])

    def __call__(self, exercise: str, level: int = 1) -> None:
        text, ex = self.text(exercise, level), self.exercises[exercise]
        levels = len(ex.hints)
        name = _(LEVEL_NAMES[level - 1])
        print(tr(HINT_HEADER, level=level, levels=levels, title=_(ex.title), name=name))
        print(text)
        if level < levels:
            print(tr(NEXT_HINT, module=self.module, exercise=exercise, level=level + 1, name=_(LEVEL_NAMES[level])))
        else:
            print(tr(LAST_HINT, module=self.module, exercise=exercise))


class Solutions:
    """A notebook module's ``solution(exercise)``: prints that exercise's worked solution, only when asked."""

    def __init__(self, module: str, notebook: str, exercises: dict):
        self.module, self.notebook, self.exercises = module, notebook, exercises

    def text(self, exercise: str) -> str:
        if exercise not in self.exercises:
            choices = ", ".join(sorted(self.exercises))
            raise ValueError(
                NO_EXERCISE.format(module=self.module, what="solution", exercise=exercise, choices=choices)
            )
        return SOLUTIONS[self.notebook][exercise]

    def __call__(self, exercise: str | None = None) -> None:
        if exercise is None:
            print(tr(WHICH, module=self.module, choices=", ".join(sorted(self.exercises))))
            return
        code = self.text(exercise)
        if os.environ.get(SOLUTIONS_ENV, "").strip().lower() in ("off", "0", "no", "false"):
            print(tr(SOLUTIONS_OFF, env=SOLUTIONS_ENV))
            return
        print(tr(SOLUTION_HEADER, title=_(self.exercises[exercise].title)))
        print(code)
