"""edgeRuntime: the engine choice in settings, the component, the plan and alarms."""

from __future__ import annotations

import hashlib
import json

import pytest

from components.alarms import EdgeAlarms, EdgeAlarmsArgs
from components.checks import MAX_LAMBDA_EDGE_ARCHIVE_BYTES, SettingsError
from components.client_checks import check_clients
from components.protected_content import ProtectedContent
from components.stack_config import parse_settings
from edge_handler.build import build_archive
from edge_handler.client_store import MAX_STORE_BYTES, store_bytes, store_entries
from edge_handler.cloudfront_function import MAX_CODE_BYTES, code_size
from edge_handler.engines import FUNCTION_RUNTIME
from tests.components.stack_runs import stack_run
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import (
    CF_FUNCTION,
    DISTRIBUTION,
    behaviors,
    engine_of,
    secret_input_names,
    stack_cases,
    walk_inputs,
)
from tools.plan.policy_run import run_policies
from tools.plan.program_run import run_under_mocks

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FN_STACKS = [s for s in stack_cases() if engine_of(s) == "cloudfront-function"]


def many_clients(count: int) -> dict:
    """``count`` named clients with distinct, valid tokens (64 hex characters each)."""
    return {
        f"client-{n:04d}": {"token": hashlib.sha256(f"client-{n}".encode()).hexdigest()}
        for n in range(count)
    }


def parse(**values):
    return parse_settings({"authToken": CURRENT_TOKEN, **values}, "dev")


# --- settings --------------------------------------------------------------------------


def test_lambda_edge_is_the_default_and_both_engines_are_accepted():
    assert parse().edge_runtime == "lambda-edge"
    assert parse(edgeRuntime="cloudfront-function").edge_runtime == "cloudfront-function"
    assert parse(edgeRuntime=" lambda-edge ").edge_runtime == "lambda-edge"


def test_an_unknown_engine_is_one_line_with_the_key_and_the_fix():
    with pytest.raises(SettingsError) as caught:
        parse(edgeRuntime="cloudfront-functions")
    message = str(caught.value)
    assert message.startswith("protected-cdn:edgeRuntime: 'cloudfront-functions' is not")
    assert "did you mean cloudfront-function?" in message
    assert "pulumi config set edgeRuntime cloudfront-function" in message and "\n" not in message


def test_clients_do_not_count_against_the_functions_10_kb():
    # The function reads its clients from its KeyValueStore: its code is one size for any count.
    count = 400
    parse(edgeRuntime="cloudfront-function", clients=json.dumps(many_clients(count)))
    assert code_size("authorization") <= MAX_CODE_BYTES * 2 // 3


KEY_VALUE_STORE = "aws:cloudfront/keyValueStore:KeyValueStore"
STORE_ENTRIES = "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"


def full_clients(count: int, name_chars: int = 12, paths: int = 1) -> dict:
    """``count`` clients, each with a previous token, an expiry and ``paths`` scopes."""
    clients = {}
    for n in range(count):
        name = f"c{n:05d}".ljust(name_chars, "x")
        clients[name] = {
            "token": hashlib.sha256(f"current-{n}".encode()).hexdigest(),
            "previousToken": hashlib.sha256(f"previous-{n}".encode()).hexdigest(),
            "expires": "2030-01-01T00:00:00Z",
            "paths": [f"ex-img/{name}/{k:02d}/*" for k in range(paths)],
        }
    return clients


def store_parse(clients: dict, runtime: str = "cloudfront-function"):
    return parse(
        edgeRuntime=runtime, protectedPaths=json.dumps(["ex-img/*"]), clients=json.dumps(clients)
    )


def test_10000_clients_with_rotation_expiry_and_scope_fit_the_function_engines_store():
    settings = store_parse(full_clients(10_000))
    entries = store_entries(settings.accepted_tokens, settings.clients)
    assert len(settings.clients) == 10_000 and len(entries) == 20_001
    assert store_bytes(entries) < MAX_STORE_BYTES


def test_10000_clients_fit_the_lambda_edge_archive_measured():
    settings = store_parse(full_clients(10_000), runtime="lambda-edge")
    size = len(build_archive(settings.accepted_tokens, "authorization", settings.clients))
    assert len(settings.clients) == 10_000 and size < MAX_LAMBDA_EDGE_ARCHIVE_BYTES


def test_beyond_the_lambda_edge_archives_limit_one_line_says_how_many_fit(monkeypatch):
    # The same search as at 1 MB, on a smaller limit: each step builds a smaller zip.
    limit = 64 * 1024
    monkeypatch.setattr("components.checks.MAX_LAMBDA_EDGE_ARCHIVE_BYTES", limit)
    clients = full_clients(1_000, name_chars=40, paths=3)
    with pytest.raises(SettingsError) as caught:
        store_parse(clients, runtime="lambda-edge")
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients: the Lambda@Edge archive would be ")
    assert f"over its {limit}-byte limit; " in message
    fit = int(message.split("limit; ")[1].split(" of ")[0])
    assert 0 < fit < 1_000
    assert "Fix: pulumi config set edgeRuntime cloudfront-function" in message
    assert "\n" not in message
    # The count is the largest that fits, measured on the archive itself.
    checked = check_clients(clients, ("ex-img/*",), (CURRENT_TOKEN,))
    tokens = (CURRENT_TOKEN,)  # parse sets authToken only
    sizes = [len(build_archive(tokens, "authorization", checked[:n])) for n in (fit, fit + 1)]
    assert sizes[0] <= limit < sizes[1]


def test_beyond_the_stores_5_mb_one_line_says_how_many_clients_fit():
    clients = full_clients(9_000, name_chars=40, paths=6)
    # Counted independently: the largest prefix (by name) whose entries fit in 5 MB.
    names = sorted(clients)
    sizes = []
    for name in names:
        c = clients[name]
        value = json.dumps({"c": name, "e": 1893456000, "p": c["paths"]}, separators=(",", ":"))
        sizes.append(2 * (43 + len(value)))
    total = len(json.dumps({"c": "default", "e": None, "p": None}, separators=(",", ":"))) + 43
    fit = 0
    for size in sizes:
        total += size
        if total > MAX_STORE_BYTES:
            break
        fit += 1
    assert 0 < fit < len(clients)
    with pytest.raises(SettingsError) as caught:
        store_parse(clients)
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients: the client store would hold ")
    assert f"KeyValueStore limit; {fit} of the 9000 clients fit" in message
    assert "Fix: " in message and "\n" not in message
    for token in (CURRENT_TOKEN, clients[names[0]]["token"]):
        assert token not in message
    kept = {name: clients[name] for name in names[:fit]}
    store_parse(kept)


def test_a_client_over_1_kb_in_the_store_is_one_line_naming_it():
    clients = full_clients(2, name_chars=40, paths=20)
    with pytest.raises(SettingsError) as caught:
        store_parse(clients)
    message = str(caught.value)
    name = sorted(clients)[0]
    assert message.startswith(f"protected-cdn:clients.{name}: takes ")
    assert "over CloudFront's 1024-byte limit" in message and "\n" not in message
    store_parse(clients, runtime="lambda-edge")  # no per-client limit in the archive


# --- the component ---------------------------------------------------------------------


def test_the_component_refuses_a_bad_engine_naming_its_argument():
    with pytest.raises(SettingsError) as caught:
        run_under_mocks(
            lambda: ProtectedContent("site", {"auth_token": CURRENT_TOKEN, "edge_runtime": "v8"}),
            "dev",
        )
    with pytest.raises(SettingsError) as stack:
        parse(edgeRuntime="v8")
    assert str(stack.value) == (
        "protected-cdn:edgeRuntime: 'v8' is not an engine. Fix: pulumi config set edgeRuntime "
        "lambda-edge (or cloudfront-function)"
    )
    assert str(caught.value) == (
        "ProtectedContentArgs.edge_runtime: 'v8' is not an engine. Fix: pass "
        "edge_runtime='lambda-edge' (or cloudfront-function)"
    )


def test_the_component_builds_the_same_function_code_for_400_clients_as_for_none():
    def code_of(clients: dict) -> str:
        args = {"auth_token": CURRENT_TOKEN, "edge_runtime": "cloudfront-function"}
        run = run_under_mocks(lambda: ProtectedContent("site", {**args, "clients": clients}), "dev")
        (function,) = run.of_type(CF_FUNCTION)
        return json.dumps(function.inputs["code"])

    assert code_of(many_clients(400)) == code_of({})


def test_the_component_checks_the_store_size_before_declaring_the_store():
    clients = full_clients(2, name_chars=40, paths=20)  # each over a value's 1 KB

    def program():
        args = {
            "auth_token": CURRENT_TOKEN,
            "edge_runtime": "cloudfront-function",
            "protected_paths": ["ex-img/*"],
            "clients": clients,
        }
        return ProtectedContent("site", args)

    with pytest.raises(SettingsError) as caught:
        run_under_mocks(program, "dev")
    message = str(caught.value)
    assert message.startswith(f"ProtectedContentArgs.clients[{sorted(clients)[0]!r}]: takes ")
    assert CURRENT_TOKEN not in str(caught.value)


# --- a stack on each engine ------------------------------------------------------------


def test_a_committed_stack_uses_the_cloudfront_function_engine():
    assert FN_STACKS, "no committed stack sets edgeRuntime: cloudfront-function"
    assert all(engine_of(s) == "cloudfront-function" for s in FN_STACKS)


@pytest.mark.parametrize("stack", FN_STACKS)
def test_a_cloudfront_function_stack_declares_no_lambda_and_no_iam(stack):
    run = stack_run(stack)
    kinds = {r.type for r in run.registrations}
    assert not [k for k in kinds if k.startswith(("aws:lambda/", "aws:iam/"))], kinds
    assert len(run.of_type("protected-cdn:index:EdgeCheck")) == 1
    (function,) = run.of_type(CF_FUNCTION)
    assert function.inputs["runtime"] == FUNCTION_RUNTIME == "cloudfront-js-2.0"
    assert function.inputs["publish"] is True
    # The code is from settings only (not secret); the store's entries, digests, are secret.
    assert secret_input_names(function) == []
    (store,) = run.of_type(KEY_VALUE_STORE)
    (entries,) = run.of_type(STORE_ENTRIES)
    assert function.inputs["keyValueStoreAssociations"] == [run.outputs["clientStoreArn"]]
    assert entries.inputs["keyValueStoreArn"] == run.outputs["clientStoreArn"]
    assert secret_input_names(entries) == ["resourceKeyValuePairs"]
    assert store.parent == function.parent == entries.parent
    for _registration, _path, value in walk_inputs(run):
        assert CURRENT_TOKEN not in str(value) and PREVIOUS_TOKEN not in str(value)
    assert run_policies(run) == []
    name = run.outputs["edgeFunctionName"]
    assert name.startswith(f"{function.name}-")
    assert run.outputs["edgeFunctionVersionArn"] == (
        f"arn:aws:cloudfront::123456789012:function/{name}"
    )
    assert run.outputs["edgeFunctionLogGroups"] == f"/aws/cloudfront/function/{name}"
    assert run.outputs["clientStoreArn"].startswith(
        "arn:aws:cloudfront::123456789012:key-value-store/"
    )


@pytest.mark.parametrize("stack", stack_cases())
def test_each_stack_runs_its_engine_on_the_protected_behaviors_only(stack):
    run = stack_run(stack)
    engine = engine_of(stack)
    protected = set(run.outputs["protectedPaths"])
    own, other = (
        ("functionAssociations", "lambdaFunctionAssociations")
        if engine == "cloudfront-function"
        else ("lambdaFunctionAssociations", "functionAssociations")
    )
    for behavior in behaviors(run):
        pattern = behavior["pathPattern"] or "*"
        assert not behavior.get(other), pattern
        associations = behavior.get(own) or []
        if pattern in protected:
            assert [a["eventType"] for a in associations] == ["viewer-request"], pattern
        else:
            assert associations == [], pattern
    assert (run.of_type(CF_FUNCTION) != []) == (engine == "cloudfront-function")
    if engine == "cloudfront-function":
        arn = run.outputs["edgeFunctionVersionArn"]
        for behavior in behaviors(run):
            for association in behavior.get("functionAssociations") or []:
                assert association["functionArn"] == arn
    assert run.one(DISTRIBUTION)


def test_switching_a_lambda_edge_stack_to_the_function_keeps_every_other_resource():
    before = stack_run("dev")
    after = stack_run("dev", edgeRuntime="cloudfront-function")
    edge = ("EdgeCheck", "aws:lambda/", "aws:iam/", CF_FUNCTION)

    def urns(run):
        return {r.urn for r in run.registrations if not any(e in r.urn for e in edge)}

    assert urns(before) == urns(after)


# --- alarms ----------------------------------------------------------------------------


def test_function_alarms_watch_the_functions_errors_by_function_name():
    def body():
        EdgeAlarms(
            "alarms",
            EdgeAlarmsArgs(
                distribution_id="E2EXAMPLE1234",
                email="ops@example.com",
                edge_runtime="cloudfront-function",
                function_name="site-edge-check-function-abc1234",
            ),
        )

    run = run_under_mocks(body, "dev")
    alarms = {r.name.removeprefix("alarms-"): r.inputs for r in run.of_type(ALARM)}
    assert set(alarms) == {
        "5xx-rate",
        "edge-execution-errors",
        "edge-validation-errors",
        "edge-throttles",
        "401-surge",
    }
    function_dims = {"FunctionName": "site-edge-check-function-abc1234", "Region": "Global"}
    for name, metric in (
        ("edge-execution-errors", "FunctionExecutionErrors"),
        ("edge-validation-errors", "FunctionValidationErrors"),
        # Over its compute budget the function is throttled: viewers get a 503.
        ("edge-throttles", "FunctionThrottles"),
    ):
        alarm = alarms[name]
        assert alarm["metricName"] == metric and alarm["namespace"] == "AWS/CloudFront"
        assert alarm["dimensions"] == function_dims and alarm["region"] == "us-east-1"
        assert alarm["statistic"] == "Sum" and alarm["threshold"] == 0
    assert alarms["5xx-rate"]["dimensions"] == {
        "DistributionId": "E2EXAMPLE1234",
        "Region": "Global",
    }
    assert not any(a.get("metricName", "").startswith("Lambda") for a in alarms.values())


def test_a_function_stack_with_alarms_names_its_function_and_passes_every_policy():
    stack = FN_STACKS[0]
    run = stack_run(stack, alarmEmail="ops@example.com")
    alarms = {r.name: r.inputs for r in run.of_type(ALARM)}
    execution = next(a for n, a in alarms.items() if n.endswith("edge-execution-errors"))
    assert execution["dimensions"]["FunctionName"] == run.outputs["edgeFunctionName"]
    assert run_policies(run) == []
