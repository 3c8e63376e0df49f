"""The imports inside ``cnnviz`` run one way: no module imports, directly or through others, itself.

The graph is read statically (``ast``) from every module of the package, with every import
statement counted wherever it stands (a function-level import closes a cycle at run time too).
An edge goes to the module an import names (``from cnnviz.ops import conv2d`` → ``cnnviz.ops``;
``from cnnviz import plots`` → ``cnnviz.plots``); the parent packages Python loads on the way are
not edges, so a package's ``__init__`` may re-export its own modules.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cnnviz"


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name, for its ``__init__``)."""
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``path`` (module ``name``) imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..y import z
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    return (found & modules.keys()) - {name}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imported(name, path, modules) for name, path in modules.items()}


def test_the_import_graph_of_cnnviz_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 50 and graph["cnnviz.ops"]  # the walk found the package and its imports
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail("Import cycle: " + " → ".join(error.args[1]))


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The check itself: a package whose modules import each other (one lazily, one relatively) fails it."""
    package = tmp_path / "cnnviz"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from cnnviz.b import g\n    return g\n")
    (package / "b.py").write_text("from . import a\n\ndef g():\n    return a\n")
    graph = import_graph(package)
    assert graph == {"cnnviz": set(), "cnnviz.a": {"cnnviz.b"}, "cnnviz.b": {"cnnviz.a"}}
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter(graph).static_order())


def test_the_convolution_modules_import_one_way():
    """ops → conv_variants / conv_engine → conv_geometry, never back (the cycle issue 30 removed)."""
    graph = import_graph()
    assert {"cnnviz.conv_geometry", "cnnviz.conv_variants", "cnnviz.conv_engine"} <= graph["cnnviz.ops"]
    assert "cnnviz.ops" not in graph["cnnviz.conv_variants"] | graph["cnnviz.conv_engine"]
    assert graph["cnnviz.conv_geometry"] == {"cnnviz.errors"}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for name in graph[todo.pop()] - seen:
            seen.add(name)
            todo.append(name)
    return seen


def test_the_training_worker_does_not_reach_the_pages_job_module():
    """The Dask worker's code (and what it imports) never needs the web server's per-session job."""
    graph = import_graph()
    assert "cnnviz.training.errors" in graph["cnnviz.training.worker"]
    assert "cnnviz.training.job" not in reachable(graph, "cnnviz.training.worker")
