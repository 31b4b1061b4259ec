"""The real nbgrader grades the course (issue 14): ``make assignments`` builds the course, then for every
assignment ``nbgrader autograde`` grades three submissions: the untouched release (0 of the exercise
points, no crash), the instructor's source (full points) and the source with its first exercise answered
wrongly (exactly that exercise's points lost); ``nbgrader generate_feedback`` shows the check's message.
Each notebook autogrades within 60 s (measured and printed per notebook)."""

from __future__ import annotations

import shutil
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402

from tools import assignments  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _graded_code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


GRADED = [p for p in assignments.notebooks() if _graded_code_cells(nbformat.read(p, as_version=4))]
STUDENTS = ("untouched", "solutions", "onewrong")
AUTOGRADE_LIMIT_S = 60


def _one_wrong(nb):
    """The source with its first exercise answered by ``return None`` (it runs, and is wrong)."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    lines, out, inside = cell.source.split("\n"), [], False
    for line in lines:
        if line.strip() == "### BEGIN SOLUTION":
            inside = True
            out.append(line[: len(line) - len(line.lstrip())] + "return None")
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif not inside:
            out.append(line)
    cell.source = "\n".join(out)
    return nb, cell.metadata["nbgrader"]["grade_id"]


def _seconds(path: Path) -> float:
    """How long nbgrader's kernel took over a notebook: first cell sent to last cell answered."""
    cells = [c.metadata["execution"] for c in nbformat.read(path, as_version=4).cells if "execution" in c.metadata]
    first = datetime.fromisoformat(cells[0]["iopub.execute_input"].replace("Z", "+00:00"))
    last = datetime.fromisoformat(cells[-1]["shell.execute_reply"].replace("Z", "+00:00"))
    return (last - first).total_seconds()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course as ``make assignments`` builds it, with three submissions per graded assignment, all
    autograded by one ``nbgrader autograde "*"`` (seconds per notebook printed and kept)."""
    out = tmp_path_factory.mktemp("course")
    names = assignments.build_course(out, only=[p.stem for p in GRADED])
    wrong_ids = {}
    for name in names:
        source = nbformat.read(out / "source" / name / f"{name}.ipynb", as_version=4)
        wrong, wrong_ids[name] = _one_wrong(source)
        copies = {
            "untouched": nbformat.read(out / "release" / name / f"{name}.ipynb", as_version=4),
            "solutions": source,
            "onewrong": wrong,
        }
        for student, nb in copies.items():
            folder = out / "submitted" / student / name
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{name}.ipynb")
    started = time.perf_counter()
    assignments.nbgrader(out, "autograde", "*", "--create", "--force")
    print(f"nbgrader autograde: {len(names) * len(STUDENTS)} submissions in {time.perf_counter() - started:.0f} s")
    seconds = {}
    for name in names:
        seconds[name] = max(_seconds(out / "autograded" / s / name / f"{name}.ipynb") for s in STUDENTS)
        print(f"autograde {name}: {seconds[name]:.1f} s (the slowest of its {len(STUDENTS)} submissions)")
    return out, names, wrong_ids, seconds


def _scores(out: Path, name: str, student: str) -> dict[str, tuple[float, float]]:
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(name, name, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades if g.cell_type == "code"}


def test_every_exercise_notebook_is_graded():
    assert len(GRADED) >= 9, [p.name for p in GRADED]


def test_release_has_no_solutions_answers_or_hidden_tests(course):
    out, names, _, _ = course
    for name in names:
        text = (out / "release" / name / f"{name}.ipynb").read_text()
        for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True", "**Your answers**"):
            assert secret not in text, f"{name}: the release still holds {secret!r}"


def test_untouched_release_scores_zero(course):
    out, names, _, _ = course
    for name in names:
        scores = _scores(out, name, "untouched")
        assert scores and all(score == 0 for score, _ in scores.values()), (name, scores)


def test_solutions_score_full_points(course):
    out, names, _, _ = course
    for name in names:
        scores = _scores(out, name, "solutions")
        assert scores and all(score == top > 0 for score, top in scores.values()), (name, scores)


def test_one_wrong_exercise_loses_exactly_its_points(course):
    out, names, wrong_ids, _ = course
    for name in names:
        scores = _scores(out, name, "onewrong")
        lost = {cell for cell, (score, top) in scores.items() if score < top}
        assert lost == {f"{wrong_ids[name]}-check"}, (name, scores)


def test_feedback_shows_the_friendly_message(course):
    out, names, _, _ = course
    name = names[0]
    assignments.nbgrader(out, "generate_feedback", name, "--force")
    page = (out / "feedback" / "onewrong" / name / f"{name}.html").read_text()
    assert "cases passed; case" in page and "got a NoneType" in page
    untouched = (out / "feedback" / "untouched" / name / f"{name}.html").read_text()
    assert "not done yet" in untouched


def test_each_notebook_autogrades_within_a_minute(course):
    _, _, _, seconds = course
    slow = {name: round(s, 1) for name, s in seconds.items() if s > AUTOGRADE_LIMIT_S}
    assert not slow, f"autograde seconds per submission over {AUTOGRADE_LIMIT_S}: {slow}"


def test_gradebook_exports_to_csv(course):
    out, _, _, _ = course
    assignments.nbgrader(out, "export")
    table = (out / "grades.csv").read_text()
    assert "onewrong" in table and "solutions" in table


def test_make_student_is_the_release(tmp_path):
    """``make student`` writes no notebooks of its own: it is nbgrader's release (tools/editions.py has no
    student edition any more)."""
    makefile = (ROOT / "Makefile").read_text()
    assert "student: assignments" in makefile
    editions = (ROOT / "tools" / "editions.py").read_text()
    assert "def student_notebook" not in editions
    shutil.rmtree(tmp_path)


def test_autograde_kernels_use_the_course_client(tmp_path):
    """The course's nbgrader_config.py selects the kernel client with the stall fix (issue 13) by name, and
    nbgrader's Execute preprocessor builds its kernels' clients from it: no patched nbclient."""
    from nbgrader.preprocessors import Execute
    from traitlets.config.loader import PyFileConfigLoader

    from transformer_lite.exercises.autograde import CourseKernelClient, RearmedChannel

    (tmp_path / "nbgrader_config.py").write_text(assignments.course_config())
    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    execute = Execute(config=config)
    client = execute.kernel_manager_class(config=execute.config).client()  # as nbclient makes it
    assert type(client) is CourseKernelClient and client.shell_channel_class is RearmedChannel
    assert execute.timeout == 60
