"""Set-up for hosted notebooks (Colab, Kaggle, Binder, a university hub without the course image).

Every notebook's first code cell starts with :data:`SETUP_SNIPPET`. Where ``transformer_lite`` is
importable (``make lab``, the class hub's image) it installs nothing. Elsewhere it installs the course
from :data:`SOURCE` (or ``$TRANSFORMER_LITE_SOURCE``: a repository URL or a local path) with
``--no-deps``, then runs this file as a script, which installs only the requirements that are
missing and marks the install as hosted. An installed torch (a hosted notebook's GPU build) is never
replaced.

Then the snippet calls ``transformer_lite.exercises.edition.student_edition()``: in a hosted session
(the mark is there) a notebook opened from the repository is the teacher's copy, with worked solutions
in its exercise cells; the call says so, and makes the kernel count a worked solution left as it is as
"not done yet", so the exercises work as in the student edition. Elsewhere it does nothing.

This file uses the standard library only: when it runs, the package's own dependencies (torch,
numpy) may still be missing, so it is run as a file, never imported through the package.

    python transformer_lite/hosted.py                      # install the missing requirements
    python transformer_lite/hosted.py --stamp notebooks/*.ipynb   # (re)write the snippet into notebooks
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import json
import os
import re
import subprocess
import sys

# Where hosted notebooks install the course from: the one place to change it (then run --stamp). The
# course has no public address of its own: a teacher puts their copy's here (a pip source such as
# "git+https://<host>/<you>/transformer-lite.git" or a path); until then the cell asks for one.
SOURCE = ""
DISTRIBUTION = "transformer-lite"
MARKER = "# Set-up for hosted notebooks"

SETUP_SNIPPET = f"""{MARKER} (Colab, Kaggle, a hub without the course): installs the course once, keeping their torch.
import importlib.util
import os
import subprocess
import sys

if importlib.util.find_spec("transformer_lite") is None:
    source = os.environ.get("TRANSFORMER_LITE_SOURCE", "{SOURCE}")
    if not source:
        raise RuntimeError("transformer_lite is not installed here: set os.environ['TRANSFORMER_LITE_SOURCE'] "
                           "to the course's pip source (your teacher's repository URL or a folder), then rerun.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", source], check=True)
    importlib.invalidate_caches()
    package = importlib.util.find_spec("transformer_lite").submodule_search_locations[0]
    subprocess.run([sys.executable, os.path.join(package, "hosted.py")], check=True)
from transformer_lite.exercises.edition import student_edition

student_edition()  # hosted sessions only: a worked solution left as it is counts as not done yet
"""
OLD_SNIPPET_ENDS = ('hosted.py")], check=True)\n',)  # what earlier snippets ended with (stamp replaces them)


def missing_requirements(distribution: str = DISTRIBUTION) -> list[str]:
    """The run-time requirements of ``distribution`` that no installed distribution provides
    (extras such as ``dev`` left out). Installed ones count whatever their version."""
    missing = []
    for requirement in metadata.requires(distribution) or []:
        if "extra ==" in requirement.replace('"', "'").replace("'", ""):  # optional extras
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(requirement.split(";")[0].strip())
    return missing


HOSTED_MARK = ".hosted-install"  # beside this file: the set-up cell installed the course (exercises/edition.py)


def install_missing() -> list[str]:
    """pip-install the missing requirements (and nothing else) and mark the install as hosted; returns
    what it installed."""
    missing = missing_requirements()
    if missing:
        print("transformer-lite: installing", ", ".join(missing), flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.exists(os.path.join(here, os.pardir, "pyproject.toml")):  # an install, not a clone
        with open(os.path.join(here, HOSTED_MARK), "w") as mark:
            mark.write("installed by a notebook's set-up cell\n")
    return missing


def stamp(path: str) -> bool:
    """Make :data:`SETUP_SNIPPET` the start of the notebook's first code cell (replacing an older
    snippet), in one read-modify-write of the file. Returns True if the file changed."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(cell["source"])
    if source.startswith(MARKER):  # an older snippet: everything up to its last line
        last = SETUP_SNIPPET.splitlines(keepends=True)[-1]
        ends = [end for end in (last, *OLD_SNIPPET_ENDS) if end in source]
        source = source.split(ends[0], 1)[1].lstrip("\n") if ends else ""
    new = SETUP_SNIPPET + "\n" + source
    if new == "".join(cell["source"]):
        return False
    cell["source"] = new.splitlines(keepends=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Hosted-notebook set-up for transformer-lite.")
    parser.add_argument("--stamp", nargs="+", metavar="NOTEBOOK", help="write the set-up snippet into notebooks")
    args = parser.parse_args(argv)
    if args.stamp:
        for path in args.stamp:
            print(path, "updated" if stamp(path) else "unchanged")
    else:
        install_missing()


if __name__ == "__main__":
    main()
