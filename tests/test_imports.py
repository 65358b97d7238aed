"""The import graph of the whole repository: no cycle, no private name taken from another
package, the product (components/, edge_handler/) never imports a tool or a test, no tool
imports a test, and code outside a package takes only the names its ``__init__`` declares.

Tests may import the product's and the tools' modules directly: a test checks the module it
mirrors (tests/tools/plan/test_plan.py checks tools/plan/plan.py), and widening ``__all__`` to
every name a test touches would make the declared API mean nothing. Private names stay private
to their package for tests too."""

from __future__ import annotations

import ast
import importlib
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("components", "edge_handler")
# Where code must go through a package's declared names (``from components import X``).
DECLARED_API_ONLY = ("tools", "benchmarks", "examples", "provider", "policy", "__main__")
# benchmarks/ measures the edge on the test suite's corpus, kept once, in tests/support/.
CORPUS = "tests.support.adversarial"


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


def _imports(module: str, source: str, is_init: bool = False) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import, wherever it stands."""
    package = module if is_init else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
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


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


GRAPH = {
    module: _imports(module, _read(path), path.name == "__init__.py")
    for module, path in MODULES.items()
}
# Code outside the importable tree: the example program (its folder name has a dash).
EXAMPLES = {
    path.relative_to(ROOT).as_posix(): path
    for path in sorted((ROOT / "examples").rglob("*.py"))
    if path not in MODULES.values()
}


def _package(module: str) -> str:
    """The package that declares ``module``'s public names: a tools group, else the top folder."""
    parts = module.split(".")
    group = ".".join(parts[:2])
    if parts[0] == "tools" and len(parts) > 1 and MODULES.get(group, Path()).name == "__init__.py":
        return group
    return parts[0]


def _declared(package: str) -> set[str]:
    return set(importlib.import_module(package).__all__)


def import_problems(module: str, source: str, is_init: bool = False) -> list[str]:
    """What ``module`` (its text ``source``) imports against the rules in this file's docstring."""
    problems = []
    here = _package(module)
    for target, names, line in _imports(module, source, is_init):
        there = _package(target)
        if there == here:
            continue
        where = f"{module}:{line}"
        problems += [
            f"{where} takes private {name} from {target}" for name in names if name.startswith("_")
        ]
        if here.split(".")[0] == "tools" and there == "tests":
            problems.append(f"{where} imports {target}: a tool never uses a test")
        if here.split(".")[0] not in DECLARED_API_ONLY or target == CORPUS:
            continue
        if target != there:
            problems.append(f"{where} imports {target}: take its names from {there}")
        else:
            undeclared = sorted(
                n for n in names if n not in _declared(there) and not n.startswith("_")
            )
            problems += [f"{where} takes {name}, not in {there}.__all__" for name in undeclared]
    return problems


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


def test_code_outside_a_package_takes_only_its_declared_names():
    problems = [
        problem
        for module, path in MODULES.items()
        for problem in import_problems(module, _read(path), path.name == "__init__.py")
    ]
    problems += [
        problem
        for name, path in EXAMPLES.items()
        for problem in import_problems("examples." + Path(name).stem, _read(path))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "tools.plan.plan",
            "from components.checks import PROJECT",
            "take its names from components",
        ),
        ("tools.plan.plan", "from components import _EXPORTS", "takes private _EXPORTS"),
        ("tools.plan.plan", "from components import site_model", "take its names from components"),
        (
            "benchmarks.edge_bench",
            "from edge_handler import handler",
            "take its names from edge_handler",
        ),
        (
            "tools.upload.upload",
            "from tools.stack_files import cli_yaml",
            "from tools.stack_files",
        ),
        (
            "tools.upload.upload",
            "from tools.local_edge import LocalEdge",
            "not in tools.local_edge.__all__",
        ),
        (
            "tools.upload.upload",
            "from tests.support import locations",
            "never uses a test",
        ),
        (
            "__main__",
            "from edge_handler.build import build_archive",
            "take its names from edge_handler",
        ),
        ("tests.tools.test_x", "from tools.plan.program_run import _alias_record", "takes private"),
    ],
)
def test_the_rules_name_a_violating_import(module, source, expected):
    problems = import_problems(module, source)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("tools.plan.plan", "from components import PROJECT, SettingsError"),
        ("tools.plan.plan", "from tools.plan.program_run import ProgramRun"),
        ("tests.tools.test_x", "from tools.plan.program_run import run_under_mocks"),
        ("benchmarks.edge_bench", "from tests.support.adversarial import LONGEST_URIS"),
    ],
)
def test_the_rules_let_a_declared_import_pass(module, source):
    assert import_problems(module, source) == []


def test_every_product_package_and_tools_group_declares_its_names():
    packages = [
        module
        for module, path in MODULES.items()
        if path.name == "__init__.py" and module.split(".")[0] in (*PRODUCT, "tools")
    ]
    assert {"components", "edge_handler", "tools.plan", "tools.stack_files"} <= set(packages)
    for package in packages:
        imported = importlib.import_module(package)
        assert isinstance(getattr(imported, "__all__", None), list), f"{package} has no __all__"
        missing = [name for name in imported.__all__ if not hasattr(imported, name)]
        assert missing == [], f"{package}.__all__ names what it does not have: {missing}"


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
    # The team's examples come and go: whichever exist are read by the rules.
    for program in (ROOT / "examples").glob("*/__main__.py"):
        assert program.relative_to(ROOT).as_posix() in EXAMPLES
    assert any(
        target == "components.inputs" for _, imports in GRAPH.items() for target, *_ in imports
    )
