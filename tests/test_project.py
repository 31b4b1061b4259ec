"""The set-up stays honest: pinned environment files agree, CI calls the README's command."""

import re
import tomllib
from pathlib import Path

from transformer_lite import config

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _environment_pip():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    return [line.strip()[2:] for line in lines if line.strip().startswith("- ") and "==" in line]


def _lock():
    return dict(line.split("==", 1) for line in (ROOT / "requirements.lock").read_text().split() if "==" in line)


def test_environment_yml_lists_the_same_packages_as_pyproject():
    runtime = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    assert {_name(r) for r in _environment_pip()} == runtime


def test_environment_yml_pins_match_the_lock():
    lock = {k.lower(): v for k, v in _lock().items()}
    for req in _environment_pip():
        name, version = req.split("==")
        assert lock.get(name.lower()) == version, f"{name}: environment.yml {version} vs lock {lock.get(name.lower())}"


def test_torch_is_pinned_in_the_lock_and_a_range_in_pyproject():
    """`make` installs the exact, local CPU build; pyproject states a floor only, so installing the course
    on a hosted notebook keeps the torch it came with (issue 15)."""
    assert _lock()["torch"] == "2.13.0"
    assert "torch==2.13.0" in (ROOT / "environment.yml").read_text()
    (torch,) = [d for d in _pyproject()["project"]["dependencies"] if d.startswith("torch")]
    assert torch.startswith("torch>=") and "==" not in torch and "<" not in torch, torch


def test_ci_runs_the_readme_test_command():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "make test" in ci


def test_fast_mode_switch(monkeypatch):
    monkeypatch.setenv(config.FAST_ENV_VAR, "1")
    assert config.fast_mode() and config.budget(100, 5) == 5
    for off in ("", "0", "false"):
        monkeypatch.setenv(config.FAST_ENV_VAR, off)
        assert not config.fast_mode() and config.budget(100, 5) == 100


def test_pick_device_prefers_what_exists():
    import torch

    assert config.pick_device().type == ("cuda" if torch.cuda.is_available() else "cpu")  # never MPS unasked
    assert config.pick_device("cpu").type == "cpu"


def test_seed_everything_repeats():
    import torch

    config.seed_everything(3)
    a = torch.rand(3)
    config.seed_everything(3)
    assert torch.equal(a, torch.rand(3))


def test_every_module_imports_and_documents_itself():
    import importlib
    import pkgutil

    import transformer_lite

    names = [m.name for m in pkgutil.walk_packages(transformer_lite.__path__, "transformer_lite.")]
    assert len(names) > 25 and "transformer_lite.model.attention" in names
    for name in names:
        mod = importlib.import_module(name)
        assert mod.__doc__ and len(mod.__doc__) > 40, f"{name} has no module docstring"
