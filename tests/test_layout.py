"""The package's layout rules, read from the source by ``tools/import_graph.py``: no import
cycles (function-level imports included), ``model/`` self-contained (torch, the standard
library and itself), nothing importing a higher layer (model <- top-level <- measure <- lab <-
exercises), ipywidgets only in ``lab/``, no module over 400 lines."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def graph_tool():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


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


# ---- labels that cannot drift ------------------------------------------------------------------
_NUMBERS = r"(\d\d(?:(?:, | and |, and )\d\d)*)"


def _notebook_identifiers() -> dict[str, set[str]]:
    """Notebook number ("03") -> every name its code cells use: variables, attributes, imported
    names and the parts of imported module paths."""
    import ast
    import json

    found = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        tree = ast.parse("\n".join(line for line in code.split("\n") if not line.lstrip().startswith(("%", "!"))))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(a.name.split(".")[-1] for a in node.names)
                names.update(getattr(node, "module", None) and node.module.split(".") or [])
        found[path.name[:2]] = names
    return found


def _labels() -> list[tuple[str, str, str, set[str]]]:
    """Every "Taught in notebook NN" label of the package: (where, the name a notebook must use,
    the label, the notebooks it names). A method's name is its own, except ``forward``, which a
    notebook uses by calling the module: its class name; a module's label names the module."""
    import ast
    import re

    labels = []
    for path in sorted((ROOT / "transformer_lite").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
        places = [(module, path.stem, tree)]
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                places.append((f"{module}.{node.name}", node.name, node))
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        name = node.name if item.name in ("forward", "__call__", "__init__") else item.name
                        places.append((f"{module}.{node.name}.{item.name}", name, item))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.col_offset == 0:
                places.append((f"{module}.{node.name}", node.name, node))
        for where, name, node in places:
            doc = " ".join((ast.get_docstring(node) or "").split())
            for match in re.finditer(rf"Taught in notebooks? {_NUMBERS}(?:; used again in {_NUMBERS})?", doc):
                numbers = set(re.findall(r"\d\d", match.group(0)))
                labels.append((where, name, match.group(0), numbers))
    return labels


def test_every_taught_in_notebook_label_names_notebooks_that_use_the_name():
    """A label says where a student meets the code; the notebook's code cells must use the name
    (import it, call it or show its source), or the label has drifted."""
    used = _notebook_identifiers()
    labels = _labels()
    assert len(labels) > 100
    drifted = [
        f"{where}: '{label}' but notebook {nb} never uses {name}"
        for where, name, label, numbers in labels
        for nb in sorted(numbers)
        if name not in used.get(nb, set())
    ]
    assert drifted == []


def test_the_label_checker_catches_a_drifted_label():
    used = {"03": {"scaled_dot_product_attention", "torch"}}
    assert "scaled_dot_product_attention" in used["03"] and "merge_heads" not in used["03"]
    found = [(w, n, lab, nums) for w, n, lab, nums in _labels() if w.endswith("attention.merge_heads")]
    assert found and "04" in found[0][3]  # merge_heads is taught in 04, and 04 uses it
