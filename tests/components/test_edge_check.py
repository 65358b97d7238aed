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
from tests.program_support import CF_FUNCTION, FUNCTION, secret_input_names
from tools.plan.program_run import CloudMocks, RecordingMonitor, run_under_mocks

EDGE_CHECK = "protected-cdn:index:EdgeCheck"
STORE = "aws:cloudfront/keyValueStore:KeyValueStore"
ENTRIES = "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"


def _outputs(check: EdgeCheck) -> dict:
    return {
        "arn": check.function_arn,
        "name": check.function_name,
        "logs": check.log_groups,
        "lambda": check.lambda_function_associations,
        "function": check.function_associations,
        "store": check.client_store_arn,
    }


def test_on_lambda_edge_a_numbered_version_and_its_association(tmp_path):
    run, outputs = declare(
        lambda: _outputs(EdgeCheck("edge", {"auth_token": CURRENT_TOKEN}, build_dir=tmp_path))
    )
    assert_children_of(run, EDGE_CHECK)
    function = run.one(FUNCTION)
    # Auto-named: a redeploy after destroy never collides with the function left behind.
    assert "name" not in function.inputs
    assert secret_input_names(function) == ["code"]
    assert re.fullmatch(r"edge-function-[0-9a-f]{7}", outputs["name"])
    assert outputs["arn"].endswith(f":function:{outputs['name']}:1")
    assert outputs["logs"] == f"/aws/lambda/us-east-1.{outputs['name']}"
    assert outputs["lambda"] == [
        {"eventType": "viewer-request", "includeBody": False, "lambdaArn": outputs["arn"]}
    ]
    assert outputs["function"] == []
    assert run.of_type(CF_FUNCTION) == [] and run.of_type(STORE) == []
    assert outputs["store"] == ""  # no store on lambda-edge: its clients are in the zip


def test_on_cloudfront_function_a_published_function_and_its_association():
    run, outputs = declare(
        lambda: _outputs(
            EdgeCheck("edge", {"auth_token": CURRENT_TOKEN, "edge_runtime": "cloudfront-function"})
        )
    )
    assert_children_of(run, EDGE_CHECK)
    assert {r.type for r in run.registrations if r.custom} == {CF_FUNCTION, STORE, ENTRIES}
    function = run.one(CF_FUNCTION)
    assert function.inputs["runtime"] == "cloudfront-js-2.0" and function.inputs["publish"]
    # The code comes from settings alone: nothing secret in it; the store's entries are.
    assert secret_input_names(function) == []
    assert secret_input_names(run.one(ENTRIES)) == ["resourceKeyValuePairs"]
    assert function.inputs["keyValueStoreAssociations"] == [outputs["store"]]
    assert outputs["store"].startswith("arn:aws:cloudfront::123456789012:key-value-store/")
    assert outputs["function"] == [{"eventType": "viewer-request", "functionArn": outputs["arn"]}]
    assert outputs["lambda"] == []
    assert outputs["logs"] == f"/aws/cloudfront/function/{outputs['name']}"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"auth_token": "short"}, "EdgeCheckArgs.auth_token: must be 32 to 256"),
        (
            {"auth_token": CURRENT_TOKEN, "edge_runtime": "lambda"},
            "EdgeCheckArgs.edge_runtime: 'lambda' is not an engine. Fix: did you mean "
            "lambda-edge? pass edge_runtime='lambda-edge'",
        ),
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
    assert secret_input_names(run.one(FUNCTION)) == ["code"]

    client["paths"] = ["other/*"]  # outside the protected paths: refused inside the apply
    with pytest.raises(SettingsError) as error:
        run_under_mocks(body, "dev")
    assert str(error.value).startswith("EdgeCheckArgs.clients['partner']['paths']: 'other/*'")
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


def _function_and_store(clients: dict, tokens: tuple[str, ...] = (CURRENT_TOKEN,)):
    """The function's and the store entries' inputs for one client table, under mocks."""
    run = run_under_mocks(
        lambda: EdgeCheck(
            "edge",
            {
                "auth_token": tokens[0],
                "previous_auth_tokens": list(tokens[1:]),
                "edge_runtime": "cloudfront-function",
                "protected_paths": ["docs/*"],
                "clients": clients,
            },
        ),
        "dev",
    )
    entries = run.one(ENTRIES)
    pairs = entries.inputs["resourceKeyValuePairs"]
    return run.one(CF_FUNCTION).inputs, pairs["value"]


def test_a_client_change_updates_the_store_only_and_the_function_stays_byte_for_byte():
    one = {"partner": {"token": PREVIOUS_TOKEN, "paths": ["docs/a/*"]}}
    other = {
        "partner": {
            "token": PREVIOUS_TOKEN,
            "paths": ["docs/b/*"],
            "expires": "2030-01-01T00:00:00Z",
        },
        "second": {"token": "0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3"},
    }
    function_one, entries_one = _function_and_store(one)
    function_other, entries_other = _function_and_store(
        other, (CURRENT_TOKEN, "9f8e7d6c5b4a39281706f5e4d3c2b1a0fedcba98")
    )
    # Every input of the function is the same (code, runtime, association, comment, tags).
    assert function_one == function_other
    assert entries_one != entries_other
    assert len(entries_one) == 2 and len(entries_other) == 4
    # The code holds no token, no digest and no client name.
    code = function_one["code"]
    for secret in (CURRENT_TOKEN, PREVIOUS_TOKEN, "partner", "second"):
        assert secret not in code
    for pair in entries_one + entries_other:
        assert pair["key"] not in code and pair["key"] not in (CURRENT_TOKEN, PREVIOUS_TOKEN)


def test_the_store_entries_are_the_client_stores_encoding_of_the_checked_clients():
    from edge_handler.client_store import entry_key

    _function, pairs = _function_and_store({"partner": {"token": PREVIOUS_TOKEN}})
    assert pairs == [
        {"key": entry_key(CURRENT_TOKEN), "value": '{"c":"default","e":null,"p":null}'},
        {"key": entry_key(PREVIOUS_TOKEN), "value": '{"c":"partner","e":null,"p":null}'},
    ]
