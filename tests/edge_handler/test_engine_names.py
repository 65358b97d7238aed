"""The engine names, the CloudFront Functions runtime and the default client's name are each
written once (edge_handler/engines.py, edge_handler/build.py); everything else imports them."""

from __future__ import annotations

import ast
from pathlib import Path

from edge_handler.build import DEFAULT_CLIENT
from edge_handler.engines import CLOUDFRONT_FUNCTION, ENGINES, FUNCTION_RUNTIME, LAMBDA_EDGE

ROOT = Path(__file__).resolve().parents[2]
# The policy pack is standalone on purpose (its own virtualenv): its copy is compared below.
SCANNED = ("components", "edge_handler", "tools", "benchmarks")
HOME = {
    LAMBDA_EDGE: "edge_handler/engines.py",
    CLOUDFRONT_FUNCTION: "edge_handler/engines.py",
    FUNCTION_RUNTIME: "edge_handler/engines.py",
}


def string_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]


def test_engine_names_and_runtime_are_written_in_one_module():
    found = {
        f"{path.relative_to(ROOT)}: {value!r}"
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for value in string_literals(path)
        if value in HOME and str(path.relative_to(ROOT)) != HOME[value]
    }
    assert not found, f"write these as the names edge_handler/engines.py defines: {found}"
    assert ENGINES == (LAMBDA_EDGE, CLOUDFRONT_FUNCTION)


def test_default_client_name_is_assigned_once():
    assigned = [
        str(path.relative_to(ROOT))
        for folder in SCANNED
        for path in sorted((ROOT / folder).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "DEFAULT_CLIENT" for target in node.targets)
    ]
    assert assigned == ["edge_handler/build.py"]
    assert DEFAULT_CLIENT == "default"


def test_policy_pack_checks_the_runtime_the_component_deploys():
    tree = ast.parse((ROOT / "policy" / "cdn_policies.py").read_text(encoding="utf-8"))
    values = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert values["CLOUDFRONT_FUNCTION_RUNTIME"] == FUNCTION_RUNTIME
