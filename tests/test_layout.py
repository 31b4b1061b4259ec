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


# ---- the model reads like the paper ------------------------------------------------------------
PAPER_FILES = ("attention.py", "layers.py", "transformer.py", "gpt.py", "rnn.py", "base.py")


def _is_check_call(node) -> bool:
    """A call of a check helper: the model's ``_doors``, the package's ``check``, or a checking method."""
    import ast

    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            f = call.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("_doors", "check"):
                return True
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name.startswith(("_check", "check_")):
                return True
    return False


def check_line_counts(source: str) -> tuple[int, int]:
    """(code lines, check lines) of a module. Code lines: lines of statements, without docstrings,
    comments and blank lines. Check lines: those of ``raise`` and ``assert`` statements, of statements
    calling a check helper, of an ``if`` that only guards checks, and every line of a checking function
    (named ``_check*`` or ``check_*``)."""
    import ast

    tree, text = ast.parse(source), source.splitlines()
    code, checks = set(), set()

    def is_check(stmt) -> bool:
        return isinstance(stmt, (ast.Raise, ast.Assert)) or (not hasattr(stmt, "body") and _is_check_call(stmt))

    def visit(body, inside_check: bool) -> None:
        for stmt in body:
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                continue  # a docstring
            if hasattr(stmt, "body"):  # compound: its own lines are the header, its body is visited
                first = min([d.lineno for d in getattr(stmt, "decorator_list", [])] + [stmt.lineno])
                lines = set(range(first, stmt.body[0].lineno))
                checking = inside_check or getattr(stmt, "name", "").startswith(("_check", "check_"))
                guard = isinstance(stmt, ast.If) and not stmt.orelse and all(is_check(s) for s in stmt.body)
                code.update(lines)
                if checking or guard:
                    checks.update(lines)
                for part in ("body", "orelse", "finalbody"):
                    visit(getattr(stmt, part, []), checking)
                for handler in getattr(stmt, "handlers", []):
                    code.update(range(handler.lineno, handler.body[0].lineno))
                    visit(handler.body, checking)
            else:
                lines = set(range(stmt.lineno, stmt.end_lineno + 1))
                code.update(lines)
                if inside_check or is_check(stmt):
                    checks.update(lines)

    visit(tree.body, False)
    real = {n for n in code if text[n - 1].strip() and not text[n - 1].strip().startswith("#")}
    return len(real), len(checks & real)


def test_checks_are_at_most_8_percent_of_the_model_code_a_student_reads():
    """Inside model/ a layer's code is the paper's computation: its checks stand at the doors, one
    line each, calling model/_doors.py."""
    counts = [check_line_counts((ROOT / "transformer_lite" / "model" / f).read_text()) for f in PAPER_FILES]
    code, checks = sum(c for c, _ in counts), sum(k for _, k in counts)
    assert checks / code <= 0.08, dict(zip(PAPER_FILES, counts))
    assert check_line_counts("def f(x):\n    if x < 0:\n        raise ValueError(x)\n    return x\n") == (4, 2)


def _functions(folder: Path):
    import ast

    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, node


def _parameters(node) -> int:
    a = node.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs] + [v.arg for v in (a.vararg, a.kwarg) if v]
    return len([n for n in names if n not in ("self", "cls")])


def test_no_function_takes_too_many_parameters():
    """At most 6 in model/ (experiment settings travel as one keyword-only object), 8 elsewhere."""
    package = ROOT / "transformer_lite"
    too_many = [
        f"{path.relative_to(package)}:{node.name} takes {_parameters(node)}"
        for path, node in _functions(package)
        if _parameters(node) > (6 if "model" in path.parts else 8)
    ]
    assert too_many == []


def _bare_constants(source: str) -> list[int]:
    """Lines of calls that pass True, False or None by position."""
    import ast

    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and any(isinstance(a, ast.Constant) and (a.value is None or isinstance(a.value, bool)) for a in node.args)
    ]


def test_model_passes_no_bare_true_false_or_none_by_position():
    """``f(x, None, False)`` makes a reader count arguments: in model/ such values go by name."""
    bare = [
        f"{path.name}:{line}"
        for path in sorted((ROOT / "transformer_lite" / "model").glob("*.py"))
        for line in _bare_constants(path.read_text(encoding="utf-8"))
    ]
    assert bare == []
    assert _bare_constants("f(x, None)\ng(x, flag=False)\nh(True)\n") == [1, 3]


def _code_lines(node, text: list[str]) -> int:
    """Lines of a function's body without its docstring, comments and blank lines."""
    import ast

    body = (
        node.body[1:]
        if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        else node.body
    )
    lines = {n for stmt in body for n in range(stmt.lineno, stmt.end_lineno + 1)}
    return len([n for n in lines if text[n - 1].strip() and not text[n - 1].strip().startswith("#")])


def test_the_models_forward_step_and_start_are_short():
    """The longest forward/step/start in model/: at most 25 lines, signature and docstring included
    (the code alone is far shorter), each a box of the figure where it can be."""
    functions = [
        (p, n) for p, n in _functions(ROOT / "transformer_lite" / "model") if n.name in ("forward", "step", "start")
    ]
    longest = max((n.end_lineno - n.lineno + 1, f"{p.name}:{n.name}") for p, n in functions)
    assert longest[0] <= 25, longest
    assert max(_code_lines(n, p.read_text().splitlines()) for p, n in functions) <= 15


def test_an_experiment_travels_as_one_keyword_only_object():
    """``intervene`` (temperature, heads switched off) is keyword-only wherever it is a parameter
    (the door checks of model/_doors.py receive it to check it); no layer or attention takes a
    temperature or head mask of its own."""
    package = ROOT / "transformer_lite"
    positional, loose = [], []
    for path, node in _functions(package):
        names = [a.arg for a in node.args.posonlyargs + node.args.args]
        if "intervene" in names and path.name != "_doors.py":
            positional.append(f"{path.relative_to(package)}:{node.name}")
        if "model" in path.parts and {"temperature", "head_mask"} & {
            a.arg for a in node.args.kwonlyargs + node.args.args
        }:
            loose.append(f"{path.relative_to(package)}:{node.name}")
    assert positional == [] and [f for f in loose if "_doors.py" not in f] == []
