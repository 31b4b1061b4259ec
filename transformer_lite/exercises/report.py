"""What the class got wrong: the misconceptions report a teacher reads after autograding (``make report``).

    python -m transformer_lite.exercises.report --course build/course --out build/report

Every check shows, beside its printed verdict, a machine-readable record (an ``application/json`` output of
the check cell): ``{"check": {"notebook": "03", "exercise": "attention", "hidden": false, "status": "passed" |
"failed" | "not_done", "mistake": <key> or null, "mistake_text": <the Likely cause sentence> or null,
"hint": <the conceptual hint>}}``. nbgrader keeps the cells' outputs in ``autograded/<student>/<assignment>/``;
this module reads them and counts, per exercise: the submissions, how many passed, how many had not done it,
how many made each diagnosed mistake, how many failed otherwise, and in how many the check did not run (an
error before it). It writes ``index.html`` (a bar chart per notebook, the counts, each mistake's sentence and
the hint to give the class; one self-contained page), ``report.csv`` (the counts) and ``students.csv`` (each
student's outcome per exercise). notebooks/TEACHING.md shows how to use it in the next lesson. Its sentences
are in the course's language (``TRANSFORMER_LITE_LANG``); the records' mistake sentences and hints are in the
language the students' checks ran in, and the outcome codes (passed, mistake keys) are the same in every language.
"""

from __future__ import annotations

import argparse
import base64
import csv
import html
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..config import language
from ..i18n import N_, _, tr

MIME = "application/json"
PASSED, FAILED, NOT_DONE = "passed", "failed", "not_done"
NO_RESULT = "no_result"  # the submission has no record of this exercise: an error stopped the cell first
OTHER = "other"  # failed, with no known mistake diagnosed
# Bar colours (Okabe-Ito, distinguishable with colour-vision deficiencies); mistakes take the rest in turn.
COLOURS = {PASSED: "#009E73", NOT_DONE: "#BBBBBB", NO_RESULT: "#666666", OTHER: "#000000"}
LABELS = {
    PASSED: N_("passed"),
    NOT_DONE: N_("not done"),
    NO_RESULT: N_("check did not run"),
    OTHER: N_("failed, no known mistake"),
}
MISTAKE_COLOURS = ("#E69F00", "#D55E00", "#CC79A7", "#0072B2", "#56B4E9", "#F0E442")


@dataclass
class Outcome:
    """One student's result on one exercise (visible and hidden checks together)."""

    student: str
    notebook: str
    exercise: str
    status: str  # PASSED, FAILED, NOT_DONE or NO_RESULT
    mistake: str | None = None
    mistake_text: str | None = None


@dataclass
class Tally:
    """The class's results on one exercise."""

    notebook: str
    exercise: str
    hint: str = ""
    counts: Counter = field(default_factory=Counter)  # PASSED, NOT_DONE, NO_RESULT, OTHER, or a mistake key
    mistakes: dict[str, str] = field(default_factory=dict)  # mistake key -> its Likely cause sentence

    @property
    def submitted(self) -> int:
        return sum(self.counts.values())

    def rows(self) -> list[tuple[str, int, str]]:
        """(outcome, students, description), passed first, then mistakes by count, then the rest."""
        ranked = sorted(self.mistakes, key=lambda key: (-self.counts[key], key))
        rows = [(PASSED, self.counts[PASSED], "")]
        rows += [(f"mistake:{key}", self.counts[key], self.mistakes[key]) for key in ranked]
        rows += [(OTHER, self.counts[OTHER], _("the check failed and recognised no known mistake"))]
        rows += [
            (NOT_DONE, self.counts[NOT_DONE], _("still the stub")),
            (NO_RESULT, self.counts[NO_RESULT], _(_NO_RUN)),
        ]
        return rows


_NO_RUN = N_("an error stopped the check cell before the check ran (see the student's feedback)")


def records(notebook: dict) -> list[dict]:
    """The check records shown in a notebook's cell outputs, in order."""
    found = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data", {}).get(MIME)
            if isinstance(data, str):
                data = json.loads(data)
            if isinstance(data, dict) and isinstance(data.get("check"), dict):
                found.append(data["check"])
    return found


def combine(student: str, checks: list[dict]) -> list[Outcome]:
    """One outcome per exercise from its records: not done if any says so, passed if all passed, else
    failed with the first diagnosed mistake (the visible check's before the hidden one's)."""
    by_exercise: dict[tuple[str, str], list[dict]] = {}
    for check in checks:
        by_exercise.setdefault((str(check["notebook"]), str(check["exercise"])), []).append(check)
    outcomes = []
    for (notebook, exercise), found in by_exercise.items():
        statuses = {c["status"] for c in found}
        if NOT_DONE in statuses:
            outcomes.append(Outcome(student, notebook, exercise, NOT_DONE))
        elif statuses == {PASSED}:
            outcomes.append(Outcome(student, notebook, exercise, PASSED))
        else:
            failing = sorted((c for c in found if c["status"] == FAILED), key=lambda c: bool(c.get("hidden")))
            cause = next((c for c in failing if c.get("mistake")), failing[0])
            outcomes.append(
                Outcome(student, notebook, exercise, FAILED, cause.get("mistake"), cause.get("mistake_text"))
            )
    return outcomes


def read_course(autograded: Path) -> tuple[list[Outcome], dict[tuple[str, str], str]]:
    """Every student's outcomes from ``autograded/<student>/<assignment>/*.ipynb``, and each exercise's
    hint. An exercise some submissions of an assignment record and another does not counts as NO_RESULT there."""
    outcomes, hints, seen = [], {}, {}
    submissions = sorted(p for p in Path(autograded).glob("*/*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    per_submission = []
    for path in submissions:
        student, assignment = path.parent.parent.name, path.parent.name
        checks = records(json.loads(path.read_text(encoding="utf-8")))
        for check in checks:
            key = (str(check["notebook"]), str(check["exercise"]))
            hints.setdefault(key, check.get("hint") or "")
            seen.setdefault((assignment, path.name), {})[key] = None  # exercises in order of appearance
        per_submission.append((student, assignment, path.name, combine(student, checks)))
    for student, assignment, name, found in per_submission:
        outcomes += found
        have = {(o.notebook, o.exercise) for o in found}
        outcomes += [
            Outcome(student, n, e, NO_RESULT) for n, e in seen.get((assignment, name), {}) if (n, e) not in have
        ]
    return outcomes, hints


def tally(outcomes: list[Outcome], hints: dict[tuple[str, str], str] | None = None) -> list[Tally]:
    """The class's counts per exercise, in notebook order (exercises in order of first appearance)."""
    tallies: dict[tuple[str, str], Tally] = {}
    for o in outcomes:
        t = tallies.setdefault(
            (o.notebook, o.exercise), Tally(o.notebook, o.exercise, (hints or {}).get((o.notebook, o.exercise), ""))
        )
        if o.status == FAILED and o.mistake:
            t.counts[o.mistake] += 1
            t.mistakes.setdefault(o.mistake, o.mistake_text or o.mistake)
        else:
            t.counts[OTHER if o.status == FAILED else o.status] += 1
    return sorted(tallies.values(), key=lambda t: t.notebook)


def _label(outcome: str) -> str:
    return _(LABELS[outcome]) if outcome in LABELS else outcome.removeprefix("mistake:")


def chart(tallies: list[Tally]) -> str:
    """One notebook's exercises as stacked horizontal bars (students per outcome), a base64 PNG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 0.9 + 0.55 * len(tallies)), layout="constrained")
    ax = fig.add_subplot()
    colours, labelled = dict(COLOURS), set()  # each mistake its own colour, in order of appearance
    for y, t in enumerate(tallies):
        left = 0
        for outcome, count, _text in t.rows():
            if not count:
                continue
            label = _label(outcome)
            colours.setdefault(outcome, MISTAKE_COLOURS[(len(colours) - len(COLOURS)) % len(MISTAKE_COLOURS)])
            ax.barh(
                y,
                count,
                left=left,
                color=colours[outcome],
                edgecolor="white",
                label=None if label in labelled else label,
            )
            labelled.add(label)
            left += count
    ax.set_yticks(range(len(tallies)), [t.exercise for t in tallies])
    ax.invert_yaxis()
    ax.set_xlabel(_("students"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode()


PASSED_OF = N_("{exercise}: {passed} of {n} passed")


def _section(notebook: str, tallies: list[Tally]) -> str:
    alt = "; ".join(tr(PASSED_OF, exercise=t.exercise, passed=t.counts[PASSED], n=t.submitted) for t in tallies)
    parts = [
        "<h2>" + tr("Notebook {notebook}", notebook=html.escape(notebook)) + "</h2>",
        f'<img src="data:image/png;base64,{chart(tallies)}" alt="{html.escape(alt)}">',
    ]
    for t in tallies:
        rows = "".join(
            f"<tr><td>{html.escape(_label(o))}</td><td>{n}</td><td>{html.escape(d)}</td></tr>"
            for o, n, d in t.rows()
            if n or o == PASSED
        )
        heads = "".join(f"<th>{_(head)}</th>" for head in (N_("Outcome"), N_("Students"), N_("What it means")))
        passed = tr(PASSED_OF, exercise=html.escape(t.exercise), passed=t.counts[PASSED], n=t.submitted)
        hint, for_class = html.escape(t.hint) or _("(none recorded)"), _("Hint for the class:")
        parts.append(f"<h3>{passed}</h3><table><tr>{heads}</tr>{rows}</table><p><b>{for_class}</b> {hint}</p>")
    return "\n".join(parts)


def write_report(outcomes: list[Outcome], hints: dict, out: Path) -> dict:
    """Write index.html, report.csv and students.csv into ``out``; return the tallies as plain numbers."""
    out.mkdir(parents=True, exist_ok=True)
    tallies = tally(outcomes, hints)
    with open(out / "report.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["notebook", "exercise", "submitted", "outcome", "students", "description", "hint"])
        for t in tallies:
            for outcome, count, text in t.rows():
                writer.writerow([t.notebook, t.exercise, t.submitted, outcome, count, text, t.hint])
    with open(out / "students.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "notebook", "exercise", "status", "mistake", "mistake_text"])
        for o in sorted(outcomes, key=lambda o: (o.student, o.notebook)):
            writer.writerow([o.student, o.notebook, o.exercise, o.status, o.mistake or "", o.mistake_text or ""])
    common = sorted(
        ((t.counts[key], t, key) for t in tallies for key in t.mistakes), key=lambda x: (-x[0], x[1].notebook, x[2])
    )
    top = "".join(
        "<li>"
        + tr(
            "{n} students, notebook {notebook} ({exercise}): {mistake}",
            n=n,
            notebook=t.notebook,
            exercise=html.escape(t.exercise),
            mistake=html.escape(t.mistakes[key]),
        )
        + "</li>"
        for n, t, key in common[:5]
    )
    students = len({o.student for o in outcomes})
    sections = "\n".join(
        _section(nb, [t for t in tallies if t.notebook == nb]) for nb in sorted({t.notebook for t in tallies})
    )
    title, most_common = _("What the class got wrong"), _("Most common mistakes")
    none = "<li>" + _("none diagnosed") + "</li>"
    intro = tr(
        "{students} students, {exercises} exercises, from nbgrader's autograded notebooks. Each check recorded "
        "its verdict and the mistake it recognised.",
        students=students,
        exercises=len(tallies),
    )
    page = (
        f"<!DOCTYPE html>\n<html lang='{language()}'>\n<head><meta charset='utf-8'><title>{title}</title>\n"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto} table{border-collapse:collapse} "
        "td,th{border:1px solid #999;padding:.2em .5em;text-align:left}</style></head>\n<body>\n"
        f"<h1>{title}</h1>\n<p>{intro}</p>\n<h2>{most_common}</h2>\n"
        f"<ol>{top or none}</ol>\n{sections}\n</body>\n</html>\n"
    )
    (out / "index.html").write_text(page, encoding="utf-8")
    return {f"{t.notebook}/{t.exercise}": {"submitted": t.submitted, **dict(t.counts)} for t in tallies}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--course", default="build/course", help="the nbgrader course folder (after autograde)")
    parser.add_argument("--out", default="build/report", help="where index.html and the CSV files go")
    args = parser.parse_args(argv)
    autograded = Path(args.course) / "autograded"
    if not autograded.is_dir():
        raise SystemExit(f"--course {args.course}: no autograded/ folder; run `nbgrader autograde` there first")
    outcomes, hints = read_course(autograded)
    if not outcomes:
        raise SystemExit(f"{autograded}: no check records in the autograded notebooks")
    counts = write_report(outcomes, hints, Path(args.out))
    students = len({o.student for o in outcomes})
    print(
        tr(
            "{path}: {students} students, {exercises} exercises",
            path=Path(args.out) / "index.html",
            students=students,
            exercises=len(counts),
        )
    )
    return counts


if __name__ == "__main__":
    main()
