"""EdgeCheck on its own under Pulumi mocks: each engine's resources, the associations it hands
out, its checks before anything is declared, and tokens that are Outputs."""

from __future__ import annotations

import re

import pulumi
import pytest

from components import EdgeCheck
from components.checks import SettingsError
from tests.components.test_components import assert_children_of, declare
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import CF_FUNCTION, FUNCTION
from tools.plan.program_run import CloudMocks, RecordingMonitor, run_under_mocks

EDGE_CHECK = "protected-cdn:index:EdgeCheck"


def _outputs(check: EdgeCheck) -> dict:
    return {
        "arn": check.function_arn,
        "name": check.function_name,
        "logs": check.log_groups,
        "lambda": check.lambda_function_associations,
        "function": check.function_associations,
    }


def test_on_lambda_edge_a_numbered_version_and_its_association(tmp_path):
    run, outputs = declare(
        lambda: _outputs(EdgeCheck("edge", {"auth_token": CURRENT_TOKEN}, build_dir=tmp_path))
    )
    assert_children_of(run, EDGE_CHECK)
    function = run.one(FUNCTION)
    # Auto-named: a redeploy after destroy never collides with the function left behind.
    assert "name" not in function.inputs
    assert function.secret_input_names == ["code"]
    assert re.fullmatch(r"edge-function-[0-9a-f]{7}", outputs["name"])
    assert outputs["arn"].endswith(f":function:{outputs['name']}:1")
    assert outputs["logs"] == f"/aws/lambda/us-east-1.{outputs['name']}"
    assert outputs["lambda"] == [
        {"eventType": "viewer-request", "includeBody": False, "lambdaArn": outputs["arn"]}
    ]
    assert outputs["function"] == []
    assert run.of_type(CF_FUNCTION) == []


def test_on_cloudfront_function_a_published_function_and_its_association():
    run, outputs = declare(
        lambda: _outputs(
            EdgeCheck("edge", {"auth_token": CURRENT_TOKEN, "edge_runtime": "cloudfront-function"})
        )
    )
    assert_children_of(run, EDGE_CHECK)
    assert {r.type for r in run.registrations if r.custom} == {CF_FUNCTION}
    function = run.one(CF_FUNCTION)
    assert function.inputs["runtime"] == "cloudfront-js-2.0" and function.inputs["publish"]
    assert function.secret_input_names == ["code"]
    assert outputs["function"] == [{"eventType": "viewer-request", "functionArn": outputs["arn"]}]
    assert outputs["lambda"] == []
    assert outputs["logs"] == f"/aws/cloudfront/function/{outputs['name']}"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"auth_token": "short"}, "protected-cdn:authToken: must be 32 to 256"),
        ({"auth_token": CURRENT_TOKEN, "edge_runtime": "lambda"}, "protected-cdn:edgeRuntime:"),
        ({"auth_token": CURRENT_TOKEN, "domain_name": "a.example.com"}, "is not an input"),
        ({"auth_token": CURRENT_TOKEN, "auth_headr": "x-token"}, "did you mean auth_header?"),
    ],
)
def test_bad_inputs_stop_before_anything_is_declared(args, words):
    monitor = RecordingMonitor(CloudMocks())
    with pytest.raises(SettingsError) as error:
        run_under_mocks(lambda: EdgeCheck("edge", args), "dev", monitor=monitor)
    assert words in str(error.value)
    assert CURRENT_TOKEN not in str(error.value)
    assert monitor.registrations == []


def test_tokens_and_clients_given_as_outputs_are_checked_once_known():
    client = {"token": pulumi.Output.from_input(PREVIOUS_TOKEN), "paths": ["docs/a/*"]}

    def body():
        EdgeCheck(
            "edge",
            {
                "auth_token": pulumi.Output.from_input(CURRENT_TOKEN),
                "clients": {"partner": client},
                "protected_paths": ["docs/*"],
            },
        )

    run = run_under_mocks(body, "dev")
    assert run.one(FUNCTION).secret_input_names == ["code"]

    client["paths"] = ["other/*"]  # outside the protected paths: refused inside the apply
    with pytest.raises(ValueError) as error:
        run_under_mocks(body, "dev")
    assert "clients.partner.paths" in str(error.value)
    assert PREVIOUS_TOKEN not in str(error.value)


def test_client_scopes_need_no_protected_paths_by_default():
    run, outputs = declare(
        lambda: _outputs(
            EdgeCheck(
                "edge",
                {
                    "auth_token": CURRENT_TOKEN,
                    "clients": {"partner": {"token": PREVIOUS_TOKEN, "paths": ["any/where/*"]}},
                },
            )
        )
    )
    assert run.one(FUNCTION) and outputs["lambda"]


def test_the_function_code_is_rendered_once_for_the_size_check_and_the_deploy():
    from components import ProtectedContent
    from edge_handler.cloudfront_function import render_function_code

    render_function_code.cache_clear()
    run_under_mocks(
        lambda: ProtectedContent(
            "site", {"auth_token": CURRENT_TOKEN, "edge_runtime": "cloudfront-function"}
        ),
        "dev",
    )
    assert render_function_code.cache_info().misses == 1
    assert render_function_code.cache_info().hits >= 2  # EdgeCheck's own check, its code
