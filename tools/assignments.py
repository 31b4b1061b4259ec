"""Build the nbgrader course from the instructor notebooks: ``make assignments`` (and ``make student``).

    python -m tools.assignments --out build/course  # nbgrader_config.py, source/<stem>/<stem>.ipynb, release/

One assignment per notebook, named by its file stem (``03_scaled_dot_product_attention``). The instructor
notebooks in ``notebooks/`` are the source: their exercise cells carry nbgrader metadata (solution cells,
locked check cells with points and hidden tests, answer cells), so ``nbgrader generate_assignment`` writes
the student release: solutions and model answers replaced by stubs, hidden tests removed, outputs cleared.
That release is the student edition. The grading commands that follow are in notebooks/TEACHING.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from .editions import NOTEBOOKS_DIR, notebooks  # the course notebooks, in order

COURSE_ID = "transformer-lite"
# nbgrader imports it by name when it starts a kernel (a string here: building the release needs no torch).
CLIENT_CLASS = "transformer_lite.exercises.autograde.CourseKernelClient"
LANG_ENV_VAR = "TRANSFORMER_LITE_LANG"  # transformer_lite.config's, named here: building a release imports no torch
I18N = Path(__file__).resolve().parent.parent / "i18n"


def N_(text: str) -> str:  # noqa: N802 (gettext's name): marks a sentence for the catalog (tools/translate.py)
    return text


# What nbgrader's release puts where a solution or a model answer was: the task, never the solution.
CODE_STUB = N_("Your turn: write your code here (the cell above says what it takes and returns).")
NOT_WRITTEN = N_("Your turn: not written yet")
ANSWER_STUB = N_("Your answer here.")


def translate(text: str, lang: str) -> str:
    """``text`` from ``i18n/<lang>/messages.po`` (babel reads it; English needs nothing), English if untranslated."""
    if lang == "en":
        return text
    from babel.messages.pofile import read_po

    with (I18N / lang / "messages.po").open("rb") as f:
        entry = read_po(f).get(text)
    return entry.string if entry is not None and entry.string and not entry.fuzzy else text


def course_config(lang: str = "en") -> str:
    """The course's nbgrader_config.py. The stubs that replace solutions and model answers say the task, never the
    solution, in the edition's language; a translated edition also runs its kernels in that language (nbgrader's
    kernels inherit the environment this configuration sets)."""
    code = "# " + translate(CODE_STUB, lang) + "\n" + f"raise NotImplementedError({translate(NOT_WRITTEN, lang)!r})"
    language = "" if lang == "en" else f'import os  # noqa: E402\n\nos.environ["{LANG_ENV_VAR}"] = "{lang}"\n'
    return f'''"""nbgrader configuration of the transformer-lite course (written by tools/assignments.py)."""

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "{COURSE_ID}"
c.CourseDirectory.db_assignments = []
c.ClearSolutions.code_stub = {{"python": {code!r}}}
c.ClearSolutions.text_stub = {translate(ANSWER_STUB, lang)!r}
# Under grading nothing trains: the slowest cell (imports, loading checkpoints) takes seconds. The limit also
# bounds a missed zmq wake-up in the client (issue 13: the wait then ends at the limit, with the reply).
c.Execute.timeout = 60
# nbclient, which runs the notebooks for nbgrader, can miss a kernel's reply when an ipywidgets Output widget
# changes mid-cell (issue 13); the course's kernel client re-arms the socket's wake-up after each send.
c.AsyncKernelManager.client_class = "{CLIENT_CLASS}"
{language}'''


def notebook_language(path: Path) -> str:
    """The language a course notebook is written in (tools/translate.py marks translated ones), "en" by default."""
    return nbformat.read(path, as_version=4).metadata.get("transformer_lite", {}).get("language", "en")


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder (the same interpreter's nbgrader, with its
    environment's bin/ on PATH: nbgrader runs ``alembic`` from there); raise on failure."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [sys.executable, "-m", "nbgrader", *args]
    result = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def build_course(out: Path, src: Path = NOTEBOOKS_DIR, only: list[str] | None = None) -> list[str]:
    """Write ``out``/nbgrader_config.py and source/<stem>/<stem>.ipynb for each notebook, then generate every
    assignment into ``out``/release. Returns the assignment names."""
    out.mkdir(parents=True, exist_ok=True)
    sources = notebooks(src)
    lang = notebook_language(sources[0]) if sources else "en"
    (out / "nbgrader_config.py").write_text(course_config(lang), encoding="utf-8")
    names = []
    for path in sources:
        if only and path.stem not in only:
            continue
        folder = out / "source" / path.stem
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        shutil.copy2(path, folder / path.name)
        names.append(path.stem)
    if names:  # one nbgrader run for all of them ("*" is a glob over source/): its start-up costs seconds
        nbgrader(out, "generate_assignment", names[0] if len(names) == 1 else "*", "--force")
    return names


def parser() -> argparse.ArgumentParser:
    """The command line (tests/test_install.py checks the hub image's call against it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="build/course", help="the nbgrader course folder")
    parser.add_argument("--src", default=str(NOTEBOOKS_DIR), help="folder of instructor notebooks")
    parser.add_argument("--only", nargs="*", help="assignment names (notebook stems); default all")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    started = time.perf_counter()
    names = build_course(Path(args.out), Path(args.src), args.only)
    release = Path(args.out) / "release"
    for name in names:
        print(release / name)
    print(f"assignments: {len(names)} generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
