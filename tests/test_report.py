"""The misconceptions report (transformer_lite.exercises.report, ``make report``) on 30 simulated submissions
with planted mistakes: autograded notebooks whose check cells carry the checks' machine-readable records as
nbgrader keeps them (the printed verdict, the ``application/json`` record, then the AssertionError of a
failing check). The counts in report.csv, students.csv and index.html equal the plan; tests/test_exchange.py
checks the report on a real class."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from transformer_lite.exercises import report

ROOT = Path(__file__).resolve().parent.parent
HINTS = {"attention": "scale the scores by sqrt(d_k)", "causal_mask": "a query sees itself and its past"}
MISTAKES = {  # exercise -> planted mistakes: key -> Likely cause sentence
    "attention": {
        "no_scale": "the scores are not divided by sqrt(d_k).",
        "mask_inverted": "the mask is read the wrong way round: True means may attend.",
        "softmax_over_queries": "the softmax runs over the queries (dim=-2); it runs over the keys.",
    },
    "causal_mask": {"upper_triangle": "the mask lets each query see the future (triu instead of tril)."},
}
# What a simulated student does on an exercise; the hidden check runs only when the visible one passed.
PLANS = ["passed", "passed", "passed", "not_done", "other", "crash", "hidden:no_scale", *MISTAKES["attention"]]


def _record(exercise: str, status: str, hidden: bool = False, mistake: str | None = None) -> dict:
    text = MISTAKES[exercise].get(mistake) if mistake else None
    check = {"notebook": "03", "exercise": exercise, "hidden": hidden, "status": status, "mistake": mistake}
    check.update(mistake_text=text, hint=HINTS[exercise])
    return {"output_type": "display_data", "data": {report.MIME: {"check": check}}, "metadata": {}}


def _outputs(exercise: str, plan: str) -> list[dict]:
    """The check cell's outputs as nbgrader keeps them."""
    error = {"output_type": "error", "ename": "AssertionError", "evalue": "...", "traceback": []}
    printed = {"output_type": "stream", "name": "stdout", "text": f"verdict on {exercise}\n"}
    if plan == "crash":  # the student's cell raised before the check could run
        return [{**error, "ename": "NameError", "evalue": "name 'my_attention' is not defined"}]
    if plan == "passed":
        return [printed, _record(exercise, "passed"), printed, _record(exercise, "passed", hidden=True)]
    if plan == "not_done":
        return [printed, _record(exercise, "not_done"), error]
    if plan == "other":
        return [printed, _record(exercise, "failed"), error]
    if plan.startswith("hidden:"):
        mistake = plan.split(":", 1)[1]
        return [printed, _record(exercise, "passed"), printed, _record(exercise, "failed", True, mistake), error]
    return [printed, _record(exercise, "failed", mistake=plan), error]


def _expected(plan: str) -> str:
    if plan == "crash":
        return report.NO_RESULT
    if plan in ("passed", "not_done", "other"):
        return {"other": report.OTHER}.get(plan, plan)
    return plan.split(":")[-1]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """30 autograded submissions of notebook 03: every plan three times per exercise, shuffled (seeded)."""
    rng = random.Random(23)
    attention, mask = PLANS * 3, ["passed", "not_done", "upper_triangle"] * 10
    rng.shuffle(attention)
    rng.shuffle(mask)
    course = tmp_path_factory.mktemp("course")
    planned = {}
    for i in range(30):
        student = f"student{i:02d}"
        plans = {"attention": attention[i], "causal_mask": mask[i]}
        planned[student] = plans
        cells = [nbformat.v4.new_markdown_cell("# 03 · Scaled dot-product attention")]
        for exercise, plan in plans.items():
            cell = nbformat.v4.new_code_cell(f"nb03.check_{exercise}(my_{exercise})")
            cell.outputs = [nbformat.from_dict(o) for o in _outputs(exercise, plan)]
            cells.append(cell)
        folder = course / "autograded" / student / "03_scaled_dot_product_attention"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "03_scaled_dot_product_attention.ipynb")
    return course, planned


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_counts_are_what_the_students_did(course, tmp_path):
    folder, planned = course
    counts = report.main(["--course", str(folder), "--out", str(tmp_path)])
    for exercise in ("attention", "causal_mask"):
        expected = Counter(_expected(plans[exercise]) for plans in planned.values())
        assert {k: v for k, v in counts[f"03/{exercise}"].items() if k != "submitted"} == expected
        assert counts[f"03/{exercise}"]["submitted"] == 30
        rows = [r for r in _csv(tmp_path / "report.csv") if r["exercise"] == exercise]
        in_csv = {r["outcome"].removeprefix("mistake:"): int(r["students"]) for r in rows if int(r["students"])}
        assert in_csv == expected
        for row in rows:
            key = row["outcome"].removeprefix("mistake:")
            assert row["hint"] == HINTS[exercise] and row["submitted"] == "30"
            if row["outcome"].startswith("mistake:"):
                assert row["description"] == MISTAKES[exercise][key]
    students = {(r["student"], r["exercise"]): r for r in _csv(tmp_path / "students.csv")}
    assert len(students) == 60
    for student, plans in planned.items():
        for exercise, plan in plans.items():
            got = students[student, exercise]
            if plan.split(":")[-1] in MISTAKES[exercise]:
                assert (got["status"], got["mistake"]) == ("failed", plan.split(":")[-1])


def test_the_page_shows_charts_counts_mistakes_and_hints(course, tmp_path):
    folder, planned = course
    report.main(["--course", str(folder), "--out", str(tmp_path)])
    page = (tmp_path / "index.html").read_text()
    assert page.count('<img src="data:image/png;base64,') == 1 and "http" not in page  # one notebook, offline
    passed = sum(p["attention"] == "passed" for p in planned.values())
    assert f"attention: {passed} of 30 passed" in page
    for exercise, mistakes in MISTAKES.items():
        assert f"<b>Hint for the class:</b> {HINTS[exercise]}" in page
        for key, text in mistakes.items():
            if any(p[exercise].split(":")[-1] == key for p in planned.values()):
                assert text in page
    most = Counter(p["attention"].split(":")[-1] for p in planned.values() if p["attention"] not in PLANS[:6])
    top_key, top_count = most.most_common(1)[0]
    assert f"<li>{top_count} students, notebook 03 (attention): {MISTAKES['attention'][top_key]}" in page


def test_records_are_read_from_the_cells_in_order():
    nb = {"cells": [{"cell_type": "code", "outputs": _outputs("attention", "hidden:no_scale")}]}
    found = report.records(nb)
    assert [(r["status"], r["hidden"]) for r in found] == [("passed", False), ("failed", True)]
    as_text = {"cells": [{"cell_type": "code", "outputs": [{"data": {report.MIME: json.dumps({"check": found[1]})}}]}]}
    assert report.records(as_text) == [found[1]]
    assert report.combine("s", found)[0].mistake == "no_scale"


def test_make_report_says_what_is_missing(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "transformer_lite.exercises.report", "--course", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode != 0 and "no autograded/ folder; run `nbgrader autograde`" in done.stderr
    assert "report: $(STAMP)" in (ROOT / "Makefile").read_text()
