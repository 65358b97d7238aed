"""The programs under examples/ under Pulumi mocks: only what holds for ANY example.

examples/ is the team's as much as their stack files are: the shipped one
(existing-distribution, EdgeCheck on a distribution of one's own) is there to read, edit,
copy or delete. So each folder of examples/ holding a Pulumi.yaml is run as the Pulumi CLI
would start it (its own project, its declared config, a test token for each secret key, each
engine when it declares edgeRuntime), and held to what EdgeCheck promises any program: the
token is nowhere in the clear, the check's code or store entries are secret, EdgeCheck adds no
distribution, bucket or origin of its own, and every edge association of a distribution points
at a function the program declares. tests/test_user_edits.py runs ``check_example`` on edited,
renamed and deleted copies.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import yaml

from components.checks import EDGE_RUNTIMES
from tests.edge_support import CURRENT_TOKEN
from tests.program_support import (
    CF_FUNCTION,
    DISTRIBUTION,
    FUNCTION,
    edge_associations,
    secret_input_names,
    walk_inputs,
)
from tools.plan.program_run import ProgramRun, run_under_mocks

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EDGE_CHECK = "protected-cdn:index:EdgeCheck"
STORE_ENTRIES = "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"
ENGINE_KEY = "edgeRuntime"


def example_dirs(root: Path = EXAMPLES_DIR) -> list[Path]:
    """Every folder of ``root`` that is a Pulumi project (none when examples/ is gone)."""
    return sorted(path.parent for path in root.glob("*/Pulumi.yaml"))


def project_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))


def engines_of(folder: Path) -> list[str | None]:
    """Each engine when the example lets its config choose one, else its own choice (None)."""
    return list(EDGE_RUNTIMES) if ENGINE_KEY in (project_of(folder).get("config") or {}) else [None]


def run_example(folder: Path, engine: str | None) -> ProgramRun:
    project = project_of(folder)
    name = project["name"]
    config, secret_keys = {"aws:region": "eu-west-1"}, []
    for key, spec in (project.get("config") or {}).items():
        spec = spec if isinstance(spec, dict) else {"default": spec}
        full = key if ":" in key else f"{name}:{key}"
        if spec.get("secret"):
            config[full] = CURRENT_TOKEN
            secret_keys.append(full)
        elif "default" in spec:
            config[full] = str(spec["default"])
    if engine:
        config[f"{name}:{ENGINE_KEY}"] = engine
    return run_under_mocks(
        lambda: runpy.run_path(str(folder / "__main__.py"), run_name="__main__"),
        "dev",
        config,
        secret_keys,
        project=name,
    )


def check_example(folder: Path) -> None:
    project = project_of(folder)
    assert project.get("name") and project.get("runtime"), f"{folder}/Pulumi.yaml"
    for engine in engines_of(folder):
        run = run_example(folder, engine)
        for registration, path, value in walk_inputs(run):
            assert CURRENT_TOKEN not in str(value), f"{registration.urn} {path} holds the token"
        assert CURRENT_TOKEN not in str(run.outputs)
        for check in run.of_type(EDGE_CHECK):
            own = {r.type for r in run.registrations if r.parent == check.urn}
            assert not own & {DISTRIBUTION, "aws:s3/bucket:Bucket"}, own
        for function in run.of_type(FUNCTION):
            assert secret_input_names(function) == ["code"]  # the zip holds digests
        for function in run.of_type(CF_FUNCTION):
            assert secret_input_names(function) == []  # the code holds nothing secret ...
        for entries in run.of_type(STORE_ENTRIES):
            assert secret_input_names(entries) == ["resourceKeyValuePairs"]  # ... the store does
        # Functions are auto-named: their logical name and a random suffix.
        declared = [f.name for f in (*run.of_type(FUNCTION), *run.of_type(CF_FUNCTION))]
        for distribution in run.of_type(DISTRIBUTION):
            inputs = distribution.inputs
            for behavior in [
                inputs["defaultCacheBehavior"],
                *inputs.get("orderedCacheBehaviors", []),
            ]:
                for association in edge_associations(behavior):
                    arn = association.get("lambdaArn") or association.get("functionArn")
                    assert any(name in arn for name in declared), arn


@pytest.mark.parametrize("folder", example_dirs(), ids=lambda folder: folder.name)
def test_example(folder):
    check_example(folder)
