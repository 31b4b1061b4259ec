"""The student's workspace: what ``make lab`` opens, made from nbgrader's release and never overwritten.

    python -m tools.workspace open                  # work/: the student edition of every notebook not there yet
    python -m tools.workspace restore 03            # work/03_*.ipynb pristine again; the old one -> work/backups/
    python -m tools.workspace solutions [--check]   # transformer_lite/exercises/solutions.py from the notebooks

``open`` copies nbgrader's release (tools/assignments.py builds it, into build/workspace/<edition>/) of each
notebook that the workspace lacks: stubs where the solutions are, no hidden tests, "Your answer here."
where the model answers are. It never writes over a notebook that is there, so a student's work survives
another ``make lab`` and a ``git pull`` (work/ is ignored by git); it says which notebooks changed in the
repository since their copy was made (``restore`` brings the new one in). An edition is a source folder
and a workspace folder (:data:`EDITIONS`): a translated edition is one more entry, ``--edition ko``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from .assignments import build_course
from .editions import notebooks

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ".workspace.json"  # what each copy was made from: the source's sha256
BACKUPS = "backups"
SOLUTIONS_MODULE = ROOT / "transformer_lite" / "exercises" / "solutions.py"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


class Edition(NamedTuple):
    """Where an edition's instructor notebooks are and where its student workspace goes (repository-relative)."""

    source: str
    work: str


EDITIONS = {
    "en": Edition(source="notebooks", work="work"),
    # The Korean notebooks are built from the English ones and the catalogs (tools/translate.py), never edited.
    "ko": Edition(source="build/ko/notebooks", work="work-ko"),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(work: Path) -> dict:
    path = work / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_manifest(work: Path, manifest: dict) -> None:
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def release(src: Path, stems: list[str], build: Path) -> dict[str, Path]:
    """nbgrader's release of the notebooks ``stems`` of ``src`` (built in ``build``): {stem: notebook path}."""
    if not stems:
        return {}
    build_course(build, src, only=stems)
    return {stem: build / "release" / stem / f"{stem}.ipynb" for stem in stems}


def open_workspace(src: Path, work: Path, build: Path) -> list[Path]:
    """Copy the student edition of every notebook of ``src`` that ``work`` lacks; never overwrite.
    Returns the notebooks created; prints them, and the copies whose source changed since."""
    work.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(work)
    sources = {path.stem: path for path in notebooks(src)}
    missing = [stem for stem, path in sources.items() if not (work / path.name).exists()]
    created = []
    for stem, built in release(src, missing, build).items():
        target = work / sources[stem].name
        shutil.copy2(built, target)
        manifest[sources[stem].name] = {"source_sha256": _sha256(sources[stem]), "made": time.strftime("%Y-%m-%d")}
        created.append(target)
        print(f"workspace: created {target.relative_to(work.parent)} (the student edition)")
    _save_manifest(work, manifest)
    for name, entry in sorted(manifest.items()):
        path = src / name
        if path.exists() and (work / name).exists() and entry.get("source_sha256") != _sha256(path):
            number = name[:2]
            print(
                f"workspace: {name} changed in the repository since your copy was made; your copy is kept. "
                f"`make restore NB={number}` brings the new one (yours goes to {work.name}/{BACKUPS}/)."
            )
    return created


def find(src: Path, which: str) -> Path:
    """The notebook of ``src`` named by its number ("03") or its stem."""
    number = which.zfill(2) if which.isdigit() else None
    found = [p for p in notebooks(src) if p.stem == which or p.name[:2] == number]
    if len(found) != 1:
        choices = ", ".join(p.name[:2] for p in notebooks(src))
        raise SystemExit(f"restore: no notebook {which!r} in {src}; give its number, one of {choices}")
    return found[0]


def restore(src: Path, work: Path, build: Path, which: str) -> tuple[Path, Path | None]:
    """Make ``work``'s copy of one notebook pristine again; the old copy goes to work/backups/ with the time
    in its name. Returns (the new copy, the backup or None)."""
    path = find(src, which)
    target, backup = work / path.name, None
    built = release(src, [path.stem], build)[path.stem]
    work.mkdir(parents=True, exist_ok=True)
    if target.exists():
        (work / BACKUPS).mkdir(exist_ok=True)
        stamp, n = time.strftime("%Y%m%d-%H%M%S"), 1
        backup = work / BACKUPS / f"{path.stem}.{stamp}.ipynb"
        while backup.exists():  # two restores within a second: never lose a backup
            n += 1
            backup = work / BACKUPS / f"{path.stem}.{stamp}-{n}.ipynb"
        shutil.move(str(target), backup)
        print(f"workspace: your copy is kept as {backup.relative_to(work.parent)}")
    shutil.copy2(built, target)
    manifest = _manifest(work)
    manifest[path.name] = {"source_sha256": _sha256(path), "made": time.strftime("%Y-%m-%d")}
    _save_manifest(work, manifest)
    print(f"workspace: {target.relative_to(work.parent)} is pristine again (the student edition)")
    return target, backup


# ---- the worked solutions, for nbNN.solution("...") -------------------------------------------------------
def _functions(code: str) -> dict[str, list[str]]:
    """The top-level functions of a cell: {name: its lines}."""
    found, name = {}, None
    for line in code.splitlines():
        if line.startswith("def "):
            name = line[4:].split("(")[0].strip()
            found[name] = []
        elif line and not line[0].isspace():
            name = None
        if name:
            found[name].append(line)
    return found


def solutions_from_notebooks(src: Path = ROOT / "notebooks") -> dict[str, dict[str, str]]:
    """{notebook number: {exercise: the worked solution}}: each exercise's function from its solution cell
    (the lines between the solution markers, the markers left out), named by the check cell's call."""
    import re

    import nbformat

    result: dict[str, dict[str, str]] = {}
    for path in notebooks(src):
        nb = nbformat.read(path, as_version=4)
        functions: dict[str, list[str]] = {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                functions.update(_functions(cell.source))
            if cell.cell_type == "code" and meta.get("grade"):
                for exercise, fn in re.findall(r"nb\d\d\.check_(\w+)\((\w+)\)", cell.source):
                    lines = [ln for ln in functions[fn] if ln.strip() not in (BEGIN, END)]
                    text = "\n".join(lines).rstrip() + "\n"
                    result.setdefault(path.name[:2], {})[exercise] = text
    return result


def solutions_module(src: Path = ROOT / "notebooks") -> str:
    """The text of transformer_lite/exercises/solutions.py."""
    table = solutions_from_notebooks(src)
    lines = [
        '"""The worked solutions that ``nbNN.solution("<exercise>")`` prints: each exercise\'s function from the',
        "teacher's copy of its notebook. Written by ``python -m tools.workspace solutions`` from the notebooks'",
        'solution cells; tests/test_hints.py checks that it is current. Do not edit by hand."""',
        "",
        "SOLUTIONS = {",
    ]
    for number, exercises in table.items():
        lines.append(f"    {json.dumps(number)}: {{")
        for exercise, code in exercises.items():
            lines.append(f"        {json.dumps(exercise)}: (")
            for line in code.splitlines(keepends=True):  # long lines in pieces, to stay within 120 columns
                lines.extend(f"            {json.dumps(line[i : i + 90])}" for i in range(0, len(line), 90))
            lines.append("        ),")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def solutions_current(src: Path = ROOT / "notebooks") -> bool:
    """Whether solutions.py holds what the notebooks hold now (compared as data: it may be reformatted)."""
    namespace: dict = {}
    exec(SOLUTIONS_MODULE.read_text(encoding="utf-8"), namespace)  # noqa: S102 (our own generated module)
    return namespace["SOLUTIONS"] == solutions_from_notebooks(src)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["open", "restore", "solutions"])
    parser.add_argument("notebook", nargs="?", help="restore: the notebook's number (03) or stem")
    parser.add_argument("--edition", default="en", choices=sorted(EDITIONS), help="which edition's workspace")
    parser.add_argument("--src", help="instructor notebooks (default: the edition's source folder)")
    parser.add_argument("--work", help="the student workspace (default: the edition's work folder)")
    parser.add_argument("--check", action="store_true", help="solutions: fail if solutions.py is not current")
    args = parser.parse_args(argv)
    edition = EDITIONS[args.edition]
    src = Path(args.src) if args.src else ROOT / edition.source
    work = Path(args.work) if args.work else ROOT / edition.work
    build = ROOT / "build" / "workspace" / args.edition
    if args.edition != "en" and not args.src:  # a translation: its notebooks are built afresh from the catalogs
        from .translate import build_notebooks

        build_notebooks(src, args.edition)
    if args.command == "open":
        open_workspace(src, work, build)
    elif args.command == "restore":
        if not args.notebook:
            parser.error("restore needs the notebook's number, e.g. `restore 03` (make restore NB=03)")
        restore(src, work, build, args.notebook)
    else:
        if args.check:
            if not solutions_current(src):
                raise SystemExit(f"{SOLUTIONS_MODULE} is not current: run `python -m tools.workspace solutions`")
        else:
            SOLUTIONS_MODULE.write_text(solutions_module(src), encoding="utf-8")
            print(f"wrote {SOLUTIONS_MODULE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
