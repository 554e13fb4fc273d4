"""The tree keeps its shape: no import cycles between modules, and thin package faces."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import grimp

import ecoaudit

SOURCE = Path(ecoaudit.__file__).parent


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("ecoaudit", include_external_packages=False)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    try:
        graphlib.TopologicalSorter(imports).prepare()
    except graphlib.CycleError as cycle:
        raise AssertionError(f"import cycle: {' -> '.join(cycle.args[1])}") from None


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
