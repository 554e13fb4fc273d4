"""The tree keeps its shape: no import cycles between modules, and thin package faces."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

import ecoaudit

SOURCE = Path(ecoaudit.__file__).parent


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other in a loop (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("ecoaudit", include_external_packages=False)
    assert _cycles(graph) == []


def test_the_top_level_holds_only_the_capture_the_errors_and_the_entry_points() -> None:
    modules = sorted(path.name for path in SOURCE.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "capture.py", "errors.py"]


def test_every_layer_package_shows_its_public_face() -> None:
    """Each layer's __init__.py names what it offers (`__all__`) or is a docstring alone."""
    for init in sorted(SOURCE.glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init} has no docstring saying what the layer is"
        names = {target.id for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
        imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)
                   and node.module != "__future__"]
        if imports:
            assert "__all__" in names, f"{init} re-exports names without an __all__"


def test_no_six_lines_are_repeated_in_the_source() -> None:
    """pylint's copy-paste detector (imports aside) finds no block of 6 lines written twice."""
    sources = [str(path) for path in sorted(SOURCE.rglob("*.py")) if "migrations" not in path.parts]
    result = subprocess.run([sys.executable, "-m", "pylint.checkers.symilar", "--duplicates=6",
                             "--ignore-imports", *sources], capture_output=True, text=True)
    assert "duplicates=0 " in result.stdout, result.stdout[-3000:]
