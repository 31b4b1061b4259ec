"""The package's layout rules, read from the source by ``tools/import_graph.py``: no import
cycles (function-level imports included), ``model/`` self-contained (torch, the standard
library and itself), nothing importing a higher layer (model <- top-level <- measure <- lab <-
exercises), ipywidgets only in ``lab/``, no module over 400 lines."""

from pathlib import Path

import pytest

from tools import import_graph

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph_tool():
    return import_graph


@pytest.fixture(scope="module")
def graph(graph_tool):
    return graph_tool.build()


def test_the_graph_is_read_from_every_module(graph):
    assert (
        len(graph.modules) >= 30 and ("transformer_lite.lab.explorer", "transformer_lite.measure.heads") in graph.arrows
    )


def test_no_import_cycles(graph):
    assert graph.cycles() == []


def test_model_imports_only_torch_the_standard_library_and_itself(graph, graph_tool):
    model = [m for m in graph.modules if graph_tool.layer(m) == "model"]
    assert "transformer_lite.model.attention" in model
    for m in model:
        assert graph_tool.beyond_stdlib_and_torch(graph.external[m]) == set(), m
        assert all(graph_tool.layer(b) == "model" for a, b in graph.arrows if a == m), m


def test_nothing_imports_a_higher_layer(graph, graph_tool):
    assert graph_tool.upward_arrows(graph) == []


def test_ipywidgets_only_in_lab(graph, graph_tool):
    users = {m for m, names in graph.external.items() if "ipywidgets" in names}
    assert users and all(graph_tool.layer(m) == "lab" for m in users), users


def test_no_module_over_400_lines(graph):
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in graph.modules.items()}
    assert {m: n for m, n in sizes.items() if n > 400} == {}


def test_the_checker_catches_what_it_should(graph_tool, tmp_path):
    """A throw-away package with a cycle, an upward import and ipywidgets in the model."""
    pkg = tmp_path / "transformer_lite"
    (pkg / "model").mkdir(parents=True)
    (pkg / "lab").mkdir()
    (pkg / "__init__.py").write_text('"""root"""\n')
    (pkg / "model" / "__init__.py").write_text('"""model"""\n')
    (pkg / "lab" / "__init__.py").write_text('"""lab"""\n')
    (pkg / "model" / "a.py").write_text("import ipywidgets\n\n\ndef f():\n    from ..lab import b\n")
    (pkg / "lab" / "b.py").write_text("from ..model.a import f\n")
    graph = graph_tool.build(pkg)
    assert graph.cycles() == [["transformer_lite.lab.b", "transformer_lite.model.a"]]
    problems = graph_tool.rule_breaks(graph)
    assert any("upward import: transformer_lite.model.a" in p for p in problems)
    assert any("model/ imports ipywidgets" in p for p in problems)
    assert any("ipywidgets outside lab/" in p for p in problems)


def _notebook_names() -> dict[tuple[str, str], set[str]]:
    """(module, name) -> the notebooks whose code uses it, read from their import statements
    and ``module.name`` attribute uses."""
    import ast
    import importlib
    import json

    uses: dict[tuple[str, str], set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        tree = ast.parse("\n".join(line for line in code.split("\n") if not line.lstrip().startswith(("%", "!"))))
        modules = {}  # local name -> module imported as a whole
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("transformer_lite"):
                for alias in node.names:
                    try:
                        modules[alias.asname or alias.name] = importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        uses.setdefault((node.module, alias.name), set()).add(path.name[:2])
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                uses.setdefault((modules[node.value.id].__name__, node.attr), set()).add(path.name[:2])
    return uses


def test_notebook_facing_functions_say_which_notebook_teaches_them():
    """d2l style: every function or class a notebook calls says "Taught in notebook NN." The
    course-wide set-up helpers (config: seeds, device, budget) and the graders (which live in
    one module per notebook) are exempt."""
    import importlib

    uses = _notebook_names()
    assert len(uses) > 50
    silent = []
    for (module, name), notebooks in sorted(uses.items()):
        obj = getattr(importlib.import_module(module), name, None)
        home = getattr(obj, "__module__", module) or module
        if not callable(obj) or home == "transformer_lite.config" or "checks" in home or "exercises" in home:
            continue
        if "Taught in notebook" not in (obj.__doc__ or ""):
            silent.append(f"{home}.{name} (used in {', '.join(sorted(notebooks))})")
    assert silent == []
