"""A class from release to grades on a real JupyterHub through nbgrader's exchange (issue 23).

Everyone is a real Unix account, made as JupyterHub makes them on Debian (``adduser``), with a password:
the students log in to the hub (deploy/jupyterhub/jupyterhub_config.py, PAM) and the hub's local spawner
runs each student's server as that student; the teacher works in a shell on the same machine. The exchange
is nbgrader's shared folder with the permissions nbgrader documents (``chmod ugo+rw``), named in a global
nbgrader_config.py (a folder on JUPYTER_CONFIG_PATH standing for /etc/jupyter).

The teacher builds the course (``python -m tools.assignments``) and releases notebook 03. Three students
fetch it through their own servers (nbgrader's assignment list, the Assignments tab's API); ada solves both
exercises, bob solves the mask but forgets attention's 1/sqrt(d_k) (a diagnosed mistake), cy submits the
release untouched. The teacher collects, autogrades, generates and releases feedback, and writes the
misconceptions report. Grades: full, partial (exactly attention's point lost), zero. Each student fetches
their own feedback through their server; ada, from her kernel, tries to list the exchange's submissions and
feedback, to read bob's home, and to fetch bob's feedback: refused, each time. The report counts what the
students did.

Needs root (it makes the accounts, removes them afterwards and, while it runs, lets other accounts traverse,
not read, the folders above the interpreter and the repository), ``jupyterhub`` and nbgrader (dev extras),
and ``configurable-http-proxy`` (``make hub-deps``).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from tools import assignments, classhub

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "03_scaled_dot_product_attention"
COURSE_ID = assignments.COURSE_ID
TEACHER = "tlteacher"
ADA, BOB, CY = STUDENTS = ["tlada", "tlbob", "tlcy"]
BUDGET_S = 420

# Bob's attention: the scores are not divided by sqrt(d_k) (nb03 diagnoses it); his mask is right.
BOB_ATTENTION = """def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights"""

# ---- the machine: accounts, folders, commands run as an account ------------------------------------------
def _make_account(name: str, password: str) -> None:
    _remove_account(name)  # left over by an interrupted run
    subprocess.run(["adduser", "--quiet", "--gecos", "", "--disabled-password", name], check=True)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)


def _remove_account(name: str) -> None:
    import psutil

    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    mine = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == uid]
    for process in mine:  # the account's own processes (servers, kernels) if the hub left any
        process.kill()
    psutil.wait_procs(mine, timeout=10)
    subprocess.run(["deluser", "--quiet", "--remove-home", name], check=False, capture_output=True)


def _grant_traversal(paths) -> list[tuple[Path, int]]:
    """Let other accounts traverse (o+x, not read) every folder above ``paths``; returns what to restore."""
    changed = []
    for path in paths:
        for folder in [Path(path), *Path(path).parents]:
            mode = folder.stat().st_mode
            if folder != Path("/") and not mode & stat.S_IXOTH:
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
                changed.append((folder, stat.S_IMODE(mode)))
    return changed


def as_user(name: str, *command, cwd, env: dict, timeout: float = 600) -> str:
    """Run ``command`` as account ``name`` (its home, its groups); returns stdout, raises on failure."""
    account = pwd.getpwnam(name)
    env = {**env, "HOME": account.pw_dir, "USER": name, "LOGNAME": name}
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        user=account.pw_uid,
        group=account.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{name}: {command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def machine():
    """Accounts, the shared folder (exchange, global nbgrader config), the teacher's environment."""
    if os.geteuid() != 0:
        pytest.skip("needs root: it makes Unix accounts and the hub runs each student's server as one")
    if shutil.which("adduser") is None:
        pytest.skip("needs adduser (Debian's passwd tools) to make the class's accounts")
    if not (classhub.PROXY_BIN / "configurable-http-proxy").exists():
        pytest.fail("configurable-http-proxy is missing: run `make hub-deps` (npm)")
    shared = Path(tempfile.mkdtemp(prefix="transformer-lite-class-"))
    os.chmod(shared, 0o755)
    exchange, config = shared / "exchange", shared / "jupyter"
    exchange.mkdir()
    os.chmod(exchange, 0o777)  # nbgrader's set-up: mkdir <exchange>; chmod ugo+rw <exchange>
    config.mkdir()
    (config / "nbgrader_config.py").write_text(
        f'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "{COURSE_ID}"\nc.Exchange.root = "{exchange}"\n'
    )
    os.chmod(config, 0o755)
    restore = _grant_traversal([Path(sys.base_prefix).resolve(), ROOT, shared])
    passwords = {name: f"pw-{name}-{os.urandom(6).hex()}" for name in [TEACHER, *STUDENTS]}
    try:
        for name, password in passwords.items():
            _make_account(name, password)
        env = {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "JUPYTER_CONFIG_PATH": str(config),
            "LANG": "C.UTF-8",
        }
        as_user(STUDENTS[0], sys.executable, "-c", "import transformer_lite, nbgrader", cwd="/", env=env)
        yield {"shared": shared, "exchange": exchange, "config": config, "passwords": passwords, "env": env}
    finally:
        for name in passwords:
            _remove_account(name)
        for folder, mode in reversed(restore):
            os.chmod(folder, mode)
        shutil.rmtree(shared, ignore_errors=True)


def _solutions(source_nb) -> dict[str, str]:
    """grade_id -> the instructor's code of each exercise, as a student would write it (no markers)."""
    out = {}
    for cell in source_nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            lines = [line for line in cell.source.split("\n") if "### BEGIN SOLUTION" not in line]
            out[meta["grade_id"]] = "\n".join(line for line in lines if "### END SOLUTION" not in line)
    return out


def _answer(nb: dict, code: dict[str, str]) -> dict:
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in code:
            cell["source"] = code[grade_id]
    return nb


def _assignment_action(student, action: str) -> list:
    r = student.request("POST", f"assignments/{action}", data={"assignment_id": ASSIGNMENT, "course_id": COURSE_ID})
    assert r.status_code == 200, f"{student.name}: {action}: {r.status_code} {r.text[:500]}"
    body = r.json()
    assert not (isinstance(body, dict) and body.get("success") is False), f"{student.name}: {action}: {body}"
    return body["value"] if isinstance(body, dict) else body


def _scores(course: Path, student: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: (g.score, g.max_score) for g in sub.grades if g.cell_type == "code"}


TRIES = """
import json, os, subprocess, sys
tried = {{}}
for what, path in (("list submissions", {inbound!r}), ("list feedback", {feedback!r}), ("list bob's home", {home!r})):
    try:
        os.listdir(path)
        tried[what] = "allowed"
    except PermissionError:
        tried[what] = "refused"
try:
    open({bob_copy!r}).read()
    tried["read bob's notebook"] = "allowed"
except PermissionError:
    tried["read bob's notebook"] = "refused"
# nbgrader fetches feedback by the submission secrets in her own cache: asking for bob's gets hers again.
subprocess.run([sys.executable, "-m", "nbgrader", "fetch_feedback", {assignment!r}, "--student", {bob!r}],
               capture_output=True, text=True)
print(json.dumps(tried))
"""


def test_a_class_from_release_to_grades(machine, tmp_path):
    started = time.perf_counter()
    env, teacher_home = machine["env"], Path(pwd.getpwnam(TEACHER).pw_dir)
    course = teacher_home / "course"

    def teacher(*args, timeout=600):
        return as_user(TEACHER, sys.executable, "-m", *args, cwd=course, env=env, timeout=timeout)

    as_user(
        TEACHER, sys.executable, "-m", "tools.assignments", "--out", course, "--only", ASSIGNMENT, cwd=ROOT, env=env
    )
    teacher("nbgrader", "release_assignment", ASSIGNMENT)
    source = nbformat.read(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    right = _solutions(source)
    work = {ADA: right, BOB: {**right, "nb03-attention": BOB_ATTENTION}, CY: {}}

    hub = classhub.ClassHub(
        tmp_path / "hub", STUDENTS, accounts=machine["passwords"], env={"JUPYTER_CONFIG_PATH": str(machine["config"])}
    )
    with hub:
        with pytest.raises(PermissionError):
            hub.login(ADA, password="not-her-password")
        students = {name: hub.login(name) for name in STUDENTS}
        for student in students.values():
            student.start()
        for student in students.values():
            student.wait_ready()
        path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
        for name, student in students.items():
            listed = student.request("GET", f"assignments?course_id={COURSE_ID}").json()["value"]
            assert [(a["assignment_id"], a["status"]) for a in listed] == [(ASSIGNMENT, "released")], listed
            _assignment_action(student, "fetch")
            nb = student.request("GET", f"api/contents/{path}").json()["content"]
            assert "BEGIN SOLUTION" not in json.dumps(nb)
            if work[name]:
                r = student.request(
                    "PUT",
                    f"api/contents/{path}",
                    json={"type": "notebook", "format": "json", "content": _answer(nb, work[name])},
                )
                assert r.status_code == 200, r.text
            _assignment_action(student, "submit")
        assert (Path(pwd.getpwnam(ADA).pw_dir) / path).stat().st_uid == pwd.getpwnam(ADA).pw_uid  # her server, her file

        teacher("nbgrader", "collect", ASSIGNMENT)
        teacher("nbgrader", "autograde", ASSIGNMENT, "--create", timeout=900)
        teacher("nbgrader", "generate_feedback", ASSIGNMENT)
        teacher("nbgrader", "release_feedback", ASSIGNMENT)
        teacher("transformer_lite.exercises.report", "--course", course, "--out", course / "report")

        scores = {name: _scores(course, name) for name in STUDENTS}
        assert all(score == top == 1 for score, top in scores[ADA].values()), scores
        assert {g for g, (score, top) in scores[BOB].items() if score < top} == {"nb03-attention-check"}, scores
        assert sum(s for s, _ in scores[BOB].values()) == sum(t for _, t in scores[BOB].values()) - 1, scores
        assert all(score == 0 for score, _ in scores[CY].values()), scores

        feedback = {}
        for name, student in students.items():
            _assignment_action(student, "fetch_feedback")
            listing = student.request("GET", f"api/contents/{ASSIGNMENT}/feedback").json()["content"]
            assert len(listing) == 1, (name, listing)  # one submission, one feedback
            page = student.request("GET", f"api/contents/{listing[0]['path']}/{ASSIGNMENT}.html").json()["content"]
            assert page == (course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(), name
            feedback[name] = page
        assert "Likely cause: the scores are not divided by sqrt(d_k)" in feedback[BOB]
        # the verdict, not the set-up cell's comment
        assert ": not done yet." in feedback[CY] and ": not done yet." not in feedback[ADA]

        inbound = machine["exchange"] / COURSE_ID / "inbound"
        ada_feedback = Path(pwd.getpwnam(ADA).pw_dir) / ASSIGNMENT / "feedback"
        before = sorted(str(p.relative_to(ada_feedback)) for p in ada_feedback.rglob("*"))
        tries = TRIES.format(
            inbound=str(inbound),
            feedback=str(machine["exchange"] / COURSE_ID / "feedback"),
            home=pwd.getpwnam(BOB).pw_dir,
            bob_copy=str(Path(pwd.getpwnam(BOB).pw_dir) / path),
            assignment=ASSIGNMENT,
            bob=BOB,
        )
        kernel = students[ADA].kernel()
        tried = json.loads(kernel.run(tries).strip().splitlines()[-1])
        kernel.close()
        assert tried == dict.fromkeys(tried, "refused") and len(tried) == 4, tried
        after = sorted(str(p.relative_to(ada_feedback)) for p in ada_feedback.rglob("*"))
        pages = [p.read_text() for p in ada_feedback.rglob("*.html")]
        assert after == before and feedback[BOB] not in pages, "ada fetched bob's feedback"
        assert all(len(p.name.split("+")) == 4 for p in inbound.iterdir())  # student+assignment+time+random

        for student in students.values():
            student.stop()
        code = hub.stop()
    assert code == 0, hub.log_tail()

    outcomes = {(row["student"], row["exercise"]): row for row in _csv(course / "report" / "students.csv")}
    assert {key: row["status"] for key, row in outcomes.items()} == {
        (ADA, "attention"): "passed",
        (ADA, "causal_mask"): "passed",
        (BOB, "attention"): "failed",
        (BOB, "causal_mask"): "passed",
        (CY, "attention"): "not_done",
        (CY, "causal_mask"): "not_done",
    }
    assert outcomes[BOB, "attention"]["mistake_text"].startswith("the scores are not divided by sqrt(d_k)")
    counts = {(row["exercise"], row["outcome"]): int(row["students"]) for row in _csv(course / "report" / "report.csv")}
    mistake = f"mistake:{outcomes[BOB, 'attention']['mistake']}"
    assert {k: n for k, n in counts.items() if n} == {
        ("attention", "passed"): 1,
        ("attention", mistake): 1,
        ("attention", "not_done"): 1,
        ("causal_mask", "passed"): 2,
        ("causal_mask", "not_done"): 1,
    }
    assert (course / "report" / "index.html").read_text().count("<img") == 1  # one notebook, one chart
    took = time.perf_counter() - started
    print(f"class from release to grades: {took:.0f} s")
    assert took < BUDGET_S


def _csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
