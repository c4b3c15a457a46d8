"""The house's one rule of direction: ui -> qa -> index, never upward."""

import ast

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
