"""Installing the course outside `make`: a regular `pip install`, and a hosted notebook's set-up cell.

- Regular install: the wheel (built from a copy of the sources, so the repository is left alone)
  installs into a fresh virtual environment; from a folder outside the repository it loads a shipped
  checkpoint and translates a sentence, so the corpus, vocabularies and checkpoints came with it.
- Hosted notebook: a fresh environment with torch 2.13.0 and Jupyter preinstalled and no course runs
  notebook 00, whose set-up cell installs the course from a local path; torch stays as it was.
- Another torch: pip's resolver, asked to install the course next to a torch 2.5.0 (metadata only:
  no other torch build is installable offline), keeps that torch.

Environments reuse the local package index (no downloads); the first two take a minute or two each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from transformer_lite import hosted

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["pyproject.toml", "setup.py", "README.md", "transformer_lite", "data", "i18n"]
NOTEBOOK = ROOT / "notebooks" / "00_toy_translation_task.ipynb"
LOCK = ROOT / "requirements.lock"
TORCH = "torch==2.13.0"


def run(*cmd, cwd=None, env=None, timeout=600) -> str:
    cwd = cwd or tempfile.gettempdir()  # never the repository: python -c would import its package
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def clean_env(**extra) -> dict:
    """The environment without this virtual environment's traces, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def venv(path: Path) -> Path:
    """A fresh virtual environment; returns its python."""
    run(sys.executable, "-m", "venv", path)
    return path / "bin" / "python"


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory) -> Path:
    """The files a build needs, copied out of the repository (builds write build/ and *.egg-info)."""
    copy = tmp_path_factory.mktemp("src") / "transformer-lite"
    copy.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "_data"))
        else:
            shutil.copy(src, copy / name)
    return copy


@pytest.fixture(scope="module")
def wheel(source_copy, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", source_copy, "-w", out)
    return next(out.glob("transformer_lite-*.whl"))


@pytest.mark.slow
def test_wheel_ships_the_data_and_stays_small(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("corpus/vocab.en.txt", "corpus/fr/train.tsv", "checkpoints/transformer-fr.pt"):
        assert f"transformer_lite/_data/{needed}" in names
    assert "transformer_lite/hosted.py" in names
    assert wheel.stat().st_size < 20e6, f"wheel is {wheel.stat().st_size / 1e6:.1f} MB"


@pytest.mark.slow
def test_regular_install_translates_from_outside_the_repo(wheel, tmp_path):
    python = venv(tmp_path / "env")
    # The dependencies are this environment's (a path line, so its editable course is NOT visible);
    # pip sees them installed and adds only the course: a regular, non-editable install.
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    ours = run(sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    Path(site, "_course_deps.pth").write_text(ours + "\n")
    run(python, "-m", "pip", "install", "-q", wheel, env=clean_env())
    script = textwrap.dedent("""
        import transformer_lite, transformer_lite.config as config
        from transformer_lite.data import load_corpus
        from transformer_lite.decode import translate
        from transformer_lite.recipes import load_pretrained
        print(transformer_lite.__file__)
        print(config.DATA_DIR)
        corpus = load_corpus("fr")
        model, _ = load_pretrained("transformer", "fr")
        pair = corpus["test"][0]
        assert (config.DATA_DIR / "corpus" / "fr" / "test.tsv").is_file()
        print(" ".join(pair.src))
        print(" ".join(translate(model, " ".join(pair.src), corpus.src_vocab, corpus.tgt_vocab)))
        print(" ".join(pair.tgt))
    """)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    lines = run(python, "-c", script, cwd=outside, env=clean_env()).strip().splitlines()
    package, data_dir, source, output, reference = lines[-5:]
    assert package.startswith(str(tmp_path / "env")) and "site-packages" in package
    assert data_dir.endswith("transformer_lite/_data")
    assert output.split()[:3] == reference.split()[:3], (source, output, reference)


@pytest.mark.slow
def test_pip_keeps_another_torch(wheel, tmp_path):
    """A torch 2.5.0 that is metadata only (what pip sees of an installed torch): the resolver keeps it."""
    python = venv(tmp_path / "env")
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    info = site / "torch-2.5.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: torch\nVersion: 2.5.0\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "RECORD").write_text("")
    report = tmp_path / "report.json"
    run(python, "-m", "pip", "install", "-q", "--dry-run", "--report", report, wheel, env=clean_env(), timeout=300)
    installs = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    assert "transformer-lite" in installs and "torch" not in installs, installs


@pytest.mark.slow
def test_hosted_notebook_keeps_its_torch(source_copy, tmp_path):
    python = venv(tmp_path / "env")
    constraints = ["-c", LOCK]
    run(python, "-m", "pip", "install", "-q", *constraints, TORCH, env=clean_env())
    run(python, "-m", "pip", "install", "-q", *constraints, "jupyterlab", "ipykernel", "nbclient", env=clean_env())
    before = _torch(python)
    assert run(python, "-c", "import importlib.util as u; print(u.find_spec('transformer_lite'))").strip() == "None"
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    hosted.stamp(work / NOTEBOOK.name)  # a no-op on the committed notebook (test_every_notebook_has_the_set_up_cell)
    script = textwrap.dedent(f"""
        import nbformat
        from nbclient import NotebookClient
        nb = nbformat.read({str(work / NOTEBOOK.name)!r}, as_version=4)
        resources = {{"metadata": {{"path": {str(work)!r}}}}}
        NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
        print("ran", sum(c.cell_type == "code" for c in nb.cells), "cells")
    """)
    env = clean_env(
        TRANSFORMER_LITE_SOURCE=str(source_copy), TRANSFORMER_LITE_FAST="1", MPLBACKEND="Agg", PIP_CONSTRAINT=str(LOCK)
    )
    out = run(python, "-c", script, cwd=work, env=env, timeout=900)
    assert "ran" in out
    assert _torch(python) == before, "the set-up cell replaced torch"
    installed = run(python, "-c", "import transformer_lite; print(transformer_lite.__file__)").strip()
    assert installed.startswith(str(tmp_path / "env"))


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_has_the_set_up_cell(path):
    assert "".join(_first_code_cell(path)).startswith(hosted.SETUP_SNIPPET), (
        "run: python transformer_lite/hosted.py --stamp"
    )


def _first_code_cell(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return next(c["source"] for c in nb["cells"] if c["cell_type"] == "code")


def _torch(python: Path) -> str:
    """torch's version and where it lives (a reinstall would change at least the file's time)."""
    code = "import os, torch; print(torch.__version__, torch.__file__, os.stat(torch.__file__).st_mtime_ns)"
    return run(python, "-c", code).strip()


def test_deployment_files_agree_with_the_lock():
    """environment.yml, the hub image and Binder install the torch and packages requirements.lock pins."""
    import re

    import yaml

    lock = dict(line.split("==") for line in LOCK.read_text().split() if "==" in line)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = [p for d in env["dependencies"] if isinstance(d, dict) for p in d["pip"] if "==" in p]
    assert pins and all(lock.get(p.split("==")[0]) == p.split("==")[1] for p in pins), pins
    for path in ("deploy/jupyterhub/Dockerfile", "binder/postBuild"):
        text = (ROOT / path).read_text()
        assert re.findall(r"torch==([\d.]+)", text) == [lock["torch"]], path
        assert "-c requirements.lock ." in text, f"{path}: the course at the locked versions"
    values = yaml.safe_load((ROOT / "deploy/jupyterhub/zero-to-jupyterhub/config.yaml").read_text())
    assert values["singleuser"]["cpu"]["limit"] == 1


def test_dockerfile_runs_only_valid_tool_commands():
    """Every ``python -m tools.<name> ...`` the hub image runs parses with that tool's own command line (a
    retired subcommand, like ``editions.py student``, would fail only at build time; tests/test_image.py
    builds the image where a container engine runs), and the students' notebooks come from nbgrader's
    release, as ``make student`` builds them."""
    import importlib
    import re
    import shlex

    text = (ROOT / "deploy/jupyterhub/Dockerfile").read_text()
    runs = [line for line in text.replace("\\\n", " ").splitlines() if line.startswith("RUN ")]
    calls = [
        re.search(r"-m tools\.(\w+)(.*)", command).groups()
        for run in runs
        for command in re.split(r"&&|;|\|\|", run)
        if re.search(r"tools[./]\w+", command)
    ]
    assert [name for name, _ in calls] == ["assignments"], calls
    for name, args in calls:
        module = importlib.import_module(f"tools.{name}")
        try:
            module.parser().parse_args(shlex.split(args))
        except SystemExit as exit:  # argparse's way of saying the call is wrong
            pytest.fail(f"Dockerfile: python -m tools.{name}{args}: not a valid command ({exit})")
    assert "editions.py student" not in text
    assert "release/*/*.ipynb /srv/course/" in text


def test_pick_device_cuda_then_cpu_and_mps_only_when_asked(monkeypatch):
    import torch

    from transformer_lite import config

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.pick_device().type == "cpu"  # never MPS by default, even on a Mac
    for missing in ("cuda", "cuda:1", "mps"):
        if missing not in config.available_devices():
            with pytest.raises(ValueError, match=f"prefer='{missing}'.*available"):
                config.pick_device(missing)
    with pytest.raises(ValueError, match="not a device name"):
        config.pick_device("gpu")
    assert config.pick_device("cpu").type == "cpu"
