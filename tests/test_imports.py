"""The import graph of the whole repository: no cycle, no private name taken from another
folder, and the product (components/, edge_handler/) never imports a tool or a test."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("components", "edge_handler")


def _modules() -> dict[str, Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    modules = {}
    for name in listed:
        path = ROOT / name
        if not path.is_file():
            continue
        parts = list(Path(name).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import, wherever it stands."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [alias.name for alias in node.names]
            # `from package import module` imports the module itself.
            submodules = [n for n in names if f"{base}.{n}" in MODULES]
            found += [(f"{base}.{n}", [], node.lineno) for n in submodules]
            taken = [n for n in names if n not in submodules]
            if taken:
                found.append((base, taken, node.lineno))
    return [(name, names, line) for name, names, line in found if name in MODULES]


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _folder(module: str) -> str:
    path = MODULES[module].relative_to(ROOT)
    return path.parent.as_posix()


def test_the_import_graph_has_no_cycle():
    edges = {m: {target for target, _, _ in imports if target != m} for m, imports in GRAPH.items()}
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in trail:
            cycle = [*trail[trail.index(module) :], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for target in sorted(edges[module]):
            visit(target, [*trail, module])
        done.add(module)

    for module in sorted(edges):
        visit(module, [])


def test_no_private_name_is_imported_from_another_folder():
    crossings = [
        f"{MODULES[module].relative_to(ROOT)}:{line} takes {name} from {target}"
        for module, imports in GRAPH.items()
        for target, names, line in imports
        for name in names
        if name.startswith("_") and _folder(module) != _folder(target)
    ]
    assert crossings == []


def test_the_product_imports_no_tool_and_no_test():
    reaches = [
        f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}"
        for module, imports in GRAPH.items()
        if module.split(".")[0] in PRODUCT
        for target, _, line in imports
        if target.split(".")[0] not in PRODUCT
    ]
    assert reaches == []


def test_the_graph_sees_the_product_the_tools_and_the_tests():
    roots = {module.split(".")[0] for module in MODULES}
    assert {"components", "edge_handler", "tools", "tests", "benchmarks"} <= roots
    assert any(
        target == "components.inputs" for _, imports in GRAPH.items() for target, *_ in imports
    )
