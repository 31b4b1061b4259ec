"""The package's import graph, read from the source (every ``import``, function-level ones too).

    python -m tools.import_graph                 # modules, arrows, cycles, layer-rule breaks
    python -m tools.import_graph --arrows        # and every arrow
    python -m tools.import_graph --root /tmp/old-checkout/transformer_lite

The layers (``tests/test_layout.py`` asserts them): ``model`` (only torch, the standard library
and itself) <- the top-level modules <- ``measure`` <- ``lab`` <- ``exercises``; a module may
import its own layer and the layers to its left, never one to its right. An arrow means a
module names another in an import statement; importing a submodule also runs its package's
``__init__``, which is not counted as a separate arrow.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = "transformer_lite"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
LAYERS = ("model", "top", "measure", "lab", "exercises")
MAX_LINES = 400


@dataclass
class Graph:
    modules: dict[str, Path]  # dotted name -> file
    arrows: set[tuple[str, str]] = field(default_factory=set)  # (importer, imported), package modules only
    external: dict[str, set[str]] = field(default_factory=dict)  # module -> top-level names outside the package

    def cycles(self) -> list[list[str]]:
        """Strongly connected components with more than one module (or a module importing itself)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        out: list[list[str]] = []
        nexts = {m: sorted(b for a, b in self.arrows if a == m) for m in self.modules}

        def visit(m: str) -> None:  # Tarjan's algorithm
            index[m] = low[m] = len(index)
            stack.append(m)
            on_stack.add(m)
            for n in nexts[m]:
                if n not in index:
                    visit(n)
                    low[m] = min(low[m], low[n])
                elif n in on_stack:
                    low[m] = min(low[m], index[n])
            if low[m] == index[m]:
                component = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    component.append(n)
                    if n == m:
                        break
                if len(component) > 1 or (m, m) in self.arrows:
                    out.append(sorted(component))

        for m in sorted(self.modules):
            if m not in index:
                visit(m)
        return out


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _resolve(importer: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name ``from <level dots><target>`` means inside ``importer``."""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def _known(name: str, modules: dict) -> str | None:
    """The longest package module that ``name`` is or lies in (a.b.c -> a.b if c is a function)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def build(root: Path = ROOT) -> Graph:
    modules = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph = Graph(modules)
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        graph.external[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.level, node.module) if node.level else node.module or ""
                # `from pkg import sub` names the submodule; `from mod import func` names the module.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
                ]
            for target in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    known = _known(target, modules)
                    if known and known != name:
                        graph.arrows.add((name, known))
                else:
                    graph.external[name].add(target.split(".")[0])
    return graph


def layer(module: str) -> str:
    """Which layer a module belongs to (see the module docstring)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("model", "measure", "lab", "exercises"):
        return parts[1]
    return "top"


def upward_arrows(graph: Graph) -> list[tuple[str, str]]:
    """Arrows into a higher layer than the importer's (package __init__ files excepted: the root
    package re-exports config only)."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    return sorted((a, b) for a, b in graph.arrows if rank[layer(b)] > rank[layer(a)])


def beyond_stdlib_and_torch(names: set[str]) -> set[str]:
    """The names among ``names`` that are neither the standard library nor torch."""
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("torch", "__future__")}


def rule_breaks(graph: Graph) -> list[str]:
    """Every broken layout rule, as a sentence (empty when the layout holds)."""
    problems = [f"cycle: {' <-> '.join(c)}" for c in graph.cycles()]
    problems += [f"upward import: {a} ({layer(a)}) imports {b} ({layer(b)})" for a, b in upward_arrows(graph)]
    for name, path in graph.modules.items():
        if layer(name) == "model":
            others = beyond_stdlib_and_torch(graph.external[name])
            problems += [f"model/ imports {n}: {name}" for n in sorted(others)]
        if "ipywidgets" in graph.external[name] and layer(name) != "lab":
            problems.append(f"ipywidgets outside lab/: {name}")
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            problems.append(f"{lines} lines (> {MAX_LINES}): {name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the package folder (default: this checkout's)")
    parser.add_argument("--arrows", action="store_true", help="print every arrow")
    args = parser.parse_args(argv)
    graph = build(args.root)
    cycles = graph.cycles()
    print(f"{len(graph.modules)} modules, {len(graph.arrows)} arrows, {len(cycles)} cycles")
    for c in cycles:
        print("  cycle:", " <-> ".join(c))
    if args.arrows:
        for a, b in sorted(graph.arrows):
            print(f"  {a} -> {b}")
    problems = rule_breaks(graph)
    print(f"{len(problems)} layout rule breaks")
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
