"""examples/existing-distribution under Pulumi mocks: EdgeCheck on a distribution of one's own.

The example is run as the Pulumi CLI would start it (its own project, its own config), on each
engine: the user's one distribution gets the check on `private/*` only, and EdgeCheck adds no
distribution, bucket or origin of its own.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from tests.edge_support import CURRENT_TOKEN
from tests.program_support import CF_FUNCTION, DISTRIBUTION, FUNCTION, edge_associations
from tools.plan.program_run import ProgramRun, run_under_mocks

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "existing-distribution"
PROJECT = "existing-distribution"


def run_example(engine: str) -> ProgramRun:
    config = {
        "aws:region": "eu-west-1",
        f"{PROJECT}:authToken": CURRENT_TOKEN,
        f"{PROJECT}:edgeRuntime": engine,
    }
    return run_under_mocks(
        lambda: runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__"),
        "dev",
        config,
        [f"{PROJECT}:authToken"],
        project=PROJECT,
    )


def test_the_example_is_a_pulumi_project_of_its_own():
    text = (EXAMPLE / "Pulumi.yaml").read_text()
    assert f"name: {PROJECT}" in text and "runtime:" in text


@pytest.mark.parametrize("engine", ["lambda-edge", "cloudfront-function"])
def test_the_check_goes_on_the_users_own_private_behavior_only(engine):
    run = run_example(engine)
    (distribution,) = run.of_type(DISTRIBUTION)
    assert "EdgeCheck" not in (distribution.parent or "")
    inputs = distribution.inputs
    assert edge_associations(inputs["defaultCacheBehavior"]) == []
    (private,) = inputs["orderedCacheBehaviors"]
    assert private["pathPattern"] == "private/*"
    (association,) = edge_associations(private)
    assert association["eventType"] == "viewer-request"
    if engine == "lambda-edge":
        (function,) = run.of_type(FUNCTION)
        assert association["lambdaArn"].endswith(f":{run.outputs['edgeFunctionName']}:1")
        assert association["includeBody"] is False
        assert private.get("functionAssociations") in (None, [])
        assert run.of_type(CF_FUNCTION) == []
    else:
        (function,) = run.of_type(CF_FUNCTION)
        assert association["functionArn"].endswith(f"function/{run.outputs['edgeFunctionName']}")
        assert private.get("lambdaFunctionAssociations") in (None, [])
        assert run.of_type(FUNCTION) == []
    # Lambda@Edge: the zip holds digests, secret. Function: the code holds nothing secret and
    # the store's entries (digests) are. The token is nowhere in the clear.
    if engine == "lambda-edge":
        assert function.secret_input_names == ["code"]
    else:
        assert function.secret_input_names == []
        (entries,) = run.of_type(
            "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"
        )
        assert entries.secret_input_names == ["resourceKeyValuePairs"]
    for _registration, _path, value in run.walk_inputs():
        assert CURRENT_TOKEN not in str(value)


def test_edge_check_adds_no_distribution_bucket_or_origin_of_its_own():
    run = run_example("lambda-edge")
    (check,) = run.of_type("protected-cdn:index:EdgeCheck")
    own = {r.type for r in run.registrations if r.parent == check.urn}
    assert own == {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:lambda/function:Function",
    }
    assert len(run.of_type(DISTRIBUTION)) == 1
