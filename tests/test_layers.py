"""The house's one rule of direction: ui -> qa -> index, never upward."""

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

BELOW = {"index": set(), "qa": {"index"}, "ui": {"qa", "index"}}
PACKAGES = set(BELOW)


def imported_packages(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & PACKAGES


@pytest.mark.parametrize("package", sorted(BELOW))
def test_no_module_imports_a_package_above_its_own(package):
    upward = {f"{path.relative_to(ROOT)} imports {sorted(imports - BELOW[package] - {package})}"
              for path in (ROOT / package).rglob("*.py")
              if (imports := imported_packages(path)) - BELOW[package] - {package}}
    assert not upward


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from ui.app import reindex\n    import qa.api\n")
    assert imported_packages(module) == {"ui", "qa"}


def module_imports(path, package: str) -> set[str]:
    """The modules of `package` that the module at `path` imports (at any depth)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        found |= {name for name in names if name.split(".")[0] == package}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles in a graph of module -> modules it imports (one path per cycle found)."""
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def package_graph(package: str) -> dict[str, set[str]]:
    graph = {}
    for path in (ROOT / package).rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = module_imports(path, package) - {name}
    return graph


@pytest.mark.parametrize("package", sorted(BELOW))
def test_no_import_cycle_inside_a_package(package):
    assert cycles(package_graph(package)) == []


def test_the_cycle_check_sees_a_cycle():
    assert cycles({"ui.a": {"ui.b"}, "ui.b": {"ui.a"}, "ui.c": {"ui.a"}}) == [
        ["ui.a", "ui.b", "ui.a"]]


def test_qa_never_names_gradio():
    named = [str(p.relative_to(ROOT)) for p in (ROOT / "qa").rglob("*.py")
             if "gradio" in p.read_text().lower()]
    assert named == []


MOST_MODULE_LINES = 300  # a module past this is split by concept
MOST_FUNCTION_LINES = 50  # a function past this is split into named steps


def long_parts(path: Path) -> list[str]:
    """A module over MOST_MODULE_LINES and its functions over MOST_FUNCTION_LINES."""
    text = path.read_text()
    found = [f"{path.name}: {len(text.splitlines())} lines"] if len(
        text.splitlines()) > MOST_MODULE_LINES else []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1
            if lines > MOST_FUNCTION_LINES:
                found.append(f"{path.name}: {node.name}() {lines} lines")
    return found


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_module_or_function_is_too_long_to_read(package):
    assert [part for path in sorted((ROOT / package).rglob("*.py"))
            for part in long_parts(path)] == []


def test_the_length_check_sees_a_long_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n" + "    x = 1\n" * 60)
    assert long_parts(module) == ["m.py: f() 61 lines"]
