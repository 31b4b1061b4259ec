"""The graders speak the course's language (issue 21), shown by a pseudo-translation.

With ``TRANSFORMER_LITE_LANG=ko`` and a stand-in catalog that "translates" every message babel extracts from the
package into ``"KO:" + English`` (each line of a message marked, so a skeleton's code lines are marked too), checks
run on an untouched stub, a named mistake of every notebook, generic mistakes with fields, an error and a right
answer; every hint level of every exercise is printed, and the worked solution, the hosted notice, the
comparison clauses and the class report are shown. Every line a student (or teacher) reads must start with
``KO:``, or hold no letters, or be data the test gave (a solution's code, a mistake sentence in a record).
The record's machine fields (status, mistake key) stay English; its sentences are translated. A sentence the
graders write without the catalog, or with a message babel cannot extract, stays English and fails here.
"""

from __future__ import annotations

import ast
import csv
import functools
import html
import importlib
import re
from pathlib import Path

import pytest
import torch

from tools import translate
from transformer_lite import config, i18n
from transformer_lite.exercises import GENERIC, edition, help, mismatch, nb03, nb04, nb08, report, runner
from transformer_lite.exercises.solutions import SOLUTIONS

MARK = "KO:"
LETTERS = re.compile(r"[^\W\d_]")  # a letter of any script
EXERCISES_DIR = Path(translate.PACKAGE) / "exercises"
MODULES = [importlib.import_module(f"transformer_lite.exercises.nb{n:02d}") for n in range(1, 11)]


@functools.cache
def package_messages() -> frozenset[str]:
    return frozenset(
        m.id
        for m in translate.messages_template()
        if m.id and any(path.startswith("transformer_lite/") for path, _line in m.locations)
    )


def pseudo(message: str) -> str:
    return "\n".join(MARK + line for line in message.split("\n"))


@pytest.fixture()
def korean(monkeypatch):
    """The Korean edition with a pseudo-catalog: every package message becomes "KO:" + its English."""
    catalog = {message: pseudo(message) for message in package_messages()}
    monkeypatch.setenv(config.LANG_ENV_VAR, "ko")
    monkeypatch.setattr(i18n, "catalog", lambda lang: catalog if lang == "ko" else {})
    return catalog


def english(text: str, data=()) -> list[str]:
    """The lines of ``text`` a reader would read in English: neither marked, nor free of letters, nor data."""
    allowed = {d.strip() for d in data}
    found = []
    for line in str(text).splitlines():
        t = line.strip()
        if t and not t.startswith(MARK) and LETTERS.search(t) and t not in allowed:
            found.append(t)
    return found


def assert_korean(text: str, data=()):
    left = english(text, data)
    assert not left, f"{len(left)} lines are not from the catalog: {left}\n---\n{text}"


def stub(*args, **kwargs):
    raise NotImplementedError("write your code here")


def worked(*args, **kwargs):
    raise NotImplementedError(edition.LEFT_AS_IS)


def first_exercise(module):
    key, exercise = next(iter(module.EXERCISES.items()))
    return getattr(module, f"check_{key}"), exercise


# ---- every message can be extracted ------------------------------------------------------------------------------
def _literal(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _marked(node) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_" and _literal(node.args[0])


def test_every_grader_sentence_is_written_for_babel():
    """A Mistake's sentence and a Case's name are literals (babel keywords); an Exercise's title and hints and a
    Case's hint are ``N_("...")``; no f-string hides a message."""
    problems = []
    for path in sorted(EXERCISES_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        fstrings = [n for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)]
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            where, name, args = f"{path.name}:{node.lineno}", node.func.id, node.args
            kwargs = {k.arg: k.value for k in node.keywords}
            if name in translate.KEYWORDS and args and _literal(args[0]) and any(node in ast.walk(f) for f in fstrings):
                problems.append(f"{where}: {name}(...) inside an f-string (babel does not look there)")
            if name == "Mistake" and not (len(args) >= 2 and _literal(args[1])):
                problems.append(f"{where}: a Mistake's sentence is not a string literal")
            if name == "Case" and not (args and _literal(args[0])):
                problems.append(f"{where}: a Case's name is not a string literal (use fields=...)")
            if name == "Case" and (len(args) >= 3 or "hint" in kwargs):
                if not _marked(args[2] if len(args) >= 3 else kwargs["hint"]):
                    problems.append(f"{where}: a Case's hint is not N_(...)")
            if name == "Exercise":
                hints = kwargs["hints"].elts if isinstance(kwargs.get("hints"), ast.Tuple) else [None]
                if not (len(args) >= 3 and _marked(args[2]) and all(_marked(h) for h in hints)):
                    problems.append(f"{where}: an Exercise's title or hint is not N_(...)")
    assert problems == []


def test_the_catalog_has_every_title_hint_and_mistake():
    messages = package_messages()
    exercises = [e for m in MODULES for e in m.EXERCISES.values()]
    assert len(exercises) == 24
    for exercise in exercises:
        missing = [t for t in (exercise.title, *exercise.hints) if t not in messages]
        missing += [m.why for m in exercise.mistakes if m.why not in messages]
        assert not missing, (exercise.key, missing)
    assert all(m.why in messages for m in GENERIC)
    assert set(help.LEVEL_NAMES) <= messages and edition.NOTICE in messages
    exercise_messages = {m.id for m in translate.messages_template() if any("exercises/" in p for p, _ in m.locations)}
    assert len(exercise_messages) > 500, len(exercise_messages)


def test_english_stays_english(capsys):
    nb03.check_causal_mask(stub)
    nb03.hint("causal_mask", 3)
    out = capsys.readouterr().out
    assert MARK not in out and "not done yet" in out and "return keep" in out


# ---- checks ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__[-4:])
def test_a_check_speaks_the_course_language(module, korean, capsys):
    """A stub, a worked solution left as it is, a named mistake (visible and hidden), and the right answer."""
    grader, exercise = first_exercise(module)
    mistake = exercise.mistakes[0]
    verdicts = [grader(stub), grader(worked), grader(mistake.variants[0]), grader(mistake.variants[0], hidden=True)]
    verdicts += [grader(exercise.reference), grader(exercise.reference, hidden=True)]
    out = capsys.readouterr().out
    assert [v.status for v in verdicts] == ["not_done", "not_done", "failed", "failed", "passed", "passed"]
    assert f"{MARK}Likely cause: {pseudo(mistake.why)}" in out
    assert_korean(out)
    check = verdicts[2].record["check"]
    assert check["status"] == "failed" and check["mistake"] == mistake.key  # machine fields: as in English
    assert check["mistake_text"] == pseudo(mistake.why) and check["hint"] == pseudo(exercise.hints[0])
    assert verdicts[2].message in out


def test_generic_mistakes_and_errors_speak_the_course_language(korean, capsys):
    floats = nb03.check_causal_mask(lambda n: torch.ones(n, n).tril())  # the right mask as floats: {got} {expected}
    heads = nb04.check_split_heads(lambda x, h: x.view(x.shape[0], x.shape[1], h, x.shape[2] / h).transpose(1, 2))
    nb08.check_head_ablation(lambda n_layers, n_heads, layer, head: {"cross": torch.ones(n_layers, n_heads)})
    out = capsys.readouterr().out
    assert f'{MARK}expected "{MARK}an Intervention with head_mask' in out and f"got '{MARK}a dict, not" in out
    assert floats.record["check"]["mistake"] == "wrong_dtype" and heads.record["check"]["mistake"] == "float_size"
    assert f"{MARK}Likely cause: {MARK}the result has dtype float32" in out
    assert f"{MARK}your code raised TypeError" in out and f"{MARK}(at line" in out
    assert_korean(out)


def test_every_comparison_clause(korean):
    t = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    clauses = [
        mismatch(t + 1, t),
        mismatch(3, t),
        mismatch(t[0], t),
        mismatch(t > 2, t < 2),
        mismatch(t.bool(), t > 2),
        mismatch(t * float("nan"), t),
        mismatch(1.0, (1.0, 2.0)),
        mismatch((1.0,), (1.0, 2.0)),
        mismatch((1.0, 3.0), (1.0, 2.0)),
        mismatch("a", "b"),
        mismatch(t, 2.0),
        mismatch(torch.randn(20), 2),
        mismatch("x", 2),
        mismatch(2.5, 2.0),
    ]
    assert all(clauses)
    assert_korean("\n".join(clauses), data=())


# ---- help ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__[-4:])
def test_every_hint_level_speaks_the_course_language(module, korean, capsys):
    for key, exercise in module.EXERCISES.items():
        for level in range(1, len(exercise.hints) + 1):
            module.hint(key, level)
            out = capsys.readouterr().out
            assert pseudo(exercise.hints[level - 1]) in out
            assert_korean(out)


def test_a_worked_solution_and_its_refusals(korean, capsys, monkeypatch):
    nb03.solution()
    nb03.solution("attention")
    monkeypatch.setenv(help.SOLUTIONS_ENV, "off")
    nb03.solution("attention")
    out = capsys.readouterr().out
    assert_korean(out, data=SOLUTIONS["03"]["attention"].splitlines())


def test_the_hosted_notice(korean, capsys):
    class Shell:
        input_transformers_post: list = []

    assert edition.student_edition(Shell(), force=True)
    assert_korean(capsys.readouterr().out)


# ---- the class report -------------------------------------------------------------------------------------------
TEXT = re.compile(r">([^<]+)<")


def test_the_class_report_speaks_the_course_language(korean, tmp_path):
    cause = MARK + "the scores are not divided by sqrt(d_k)."  # a record's sentence: in the students' language
    outcomes = [
        report.Outcome("ann", "03", "attention", report.PASSED),
        report.Outcome("bob", "03", "attention", report.FAILED, "scale_missing", cause),
        report.Outcome("cat", "03", "attention", report.FAILED),
        report.Outcome("dan", "03", "attention", report.NOT_DONE),
        report.Outcome("eve", "03", "causal_mask", report.NO_RESULT),
    ]
    report.write_report(outcomes, {("03", "attention"): MARK + "a hint"}, tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    texts = [html.unescape(t) for t in TEXT.findall(page) if "{" not in t]  # not the style sheet
    texts += [html.unescape(a) for a in re.findall(r'alt="([^"]*)"', page)]
    data = {"attention", "causal_mask", "scale_missing", cause}
    assert "<html lang='ko'>" in page
    assert_korean("\n".join(texts), data)
    with (tmp_path / "report.csv").open(encoding="utf-8") as f:
        descriptions = [row["description"] for row in csv.DictReader(f)]
    assert_korean("\n".join(descriptions), data)
    assert_korean("\n".join(report._label(o) for o in report.LABELS))
    report.write_report(outcomes[:1], {}, tmp_path)  # nothing diagnosed
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert_korean("\n".join(html.unescape(t) for t in TEXT.findall(page) if "{" not in t), data)


def test_the_runner_templates_are_in_the_catalog():
    templates = [runner.PASSED_ALL, runner.FAILED_CASE, runner.LIKELY, runner.HINT, runner.MORE, runner.HIDDEN]
    assert set(templates) <= package_messages()
