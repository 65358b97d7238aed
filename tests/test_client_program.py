"""Named clients through the component and the plan, under Pulumi mocks: the archive carries
them, the function's code stays secret, no plaintext token reaches inputs, outputs or plan."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from components.protected_content import ProtectedContent
from edge_handler.artifact import load_handler
from tests.client_support import (
    CLIENT_TOKENS,
    CLIENTS_CONFIG,
    EXPIRED_TOKEN,
    OPEN_TOKEN,
    SCOPED_PREVIOUS_TOKEN,
    SCOPED_TOKEN,
)
from tests.components.test_component_api import declare, leaves
from tests.edge_support import CURRENT_TOKEN
from tests.program_support import FUNCTION, plan_case, read_case, secret_input_names, walk_inputs
from tools.edge_runtime.viewer_event import viewer_request_event
from tools.plan.plan import plan_document, render_tree
from tools.plan.program_run import run_under_mocks
from tools.stack_files.reader import placeholder_client_token

ALL_TOKENS = (*CLIENT_TOKENS, CURRENT_TOKEN)


def assert_no_client_token_in_the_clear(run) -> None:
    for registration, path, value in walk_inputs(run):
        for token in ALL_TOKENS:
            assert token not in str(value), f"{registration.name}.{path} holds a token"
    for value in leaves(run.outputs):
        assert not any(token in str(value) for token in ALL_TOKENS)


def deployed_handler(run):
    code = run.one(FUNCTION).inputs["code"]
    archive = code["value"] if isinstance(code, dict) and "value" in code else code
    return load_handler(Path(archive.path))


def status(edge, token, uri):
    result = edge.handler(viewer_request_event([("Authorization", token)], uri=uri), None)
    return int(result.get("status", 200))


def check_clients_in_archive(edge) -> None:
    assert status(edge, OPEN_TOKEN, "/ex-img/x.png") == 200
    assert status(edge, SCOPED_TOKEN, "/ex-img/partner-a/x.png") == 200
    assert status(edge, SCOPED_PREVIOUS_TOKEN, "/ex-img/partner-a/x.png") == 200
    assert status(edge, SCOPED_TOKEN, "/ex-img/x.png") == 403
    assert status(edge, EXPIRED_TOKEN, "/ex-img/x.png") == 401


def component_clients() -> dict:
    # As a consumer in another language passes them: Python names for nested fields.
    clients = json.loads(json.dumps(CLIENTS_CONFIG))
    clients["partner-a"]["previous_token"] = clients["partner-a"].pop("previousToken")
    return clients


def test_the_component_builds_the_clients_into_a_secret_archive():
    run = declare(
        {
            "auth_token": CURRENT_TOKEN,
            "protected_paths": ["ex-img/*"],
            "clients": component_clients(),
        }
    )
    assert secret_input_names(run.one(FUNCTION)) == ["code"]
    assert_no_client_token_in_the_clear(run)
    check_clients_in_archive(deployed_handler(run))


def test_client_tokens_as_outputs_stay_secret_too():
    def body():
        clients = component_clients()
        for entry in clients.values():
            entry["token"] = pulumi.Output.from_input(entry["token"])
        ProtectedContent(
            "site",
            {"auth_token": CURRENT_TOKEN, "protected_paths": ["ex-img/*"], "clients": clients},
        )

    run = run_under_mocks(body, "dev")
    assert secret_input_names(run.one(FUNCTION)) == ["code"]
    assert_no_client_token_in_the_clear(run)


def tokens_by_name(name: str, field_name: str) -> str:
    table = {
        ("archive-co", "token"): EXPIRED_TOKEN,
        ("partner-a", "token"): SCOPED_TOKEN,
        ("partner-a", "previousToken"): SCOPED_PREVIOUS_TOKEN,
        ("mirror", "token"): OPEN_TOKEN,
    }
    return table[(name, field_name)]


def test_the_plan_of_the_partners_stack_builds_its_clients_and_shows_no_token():
    run = plan_case("partners", CURRENT_TOKEN, client_token=tokens_by_name)
    assert secret_input_names(run.one(FUNCTION)) == ["code"]
    assert_no_client_token_in_the_clear(run)
    check_clients_in_archive(deployed_handler(run))
    document = json.dumps(plan_document(run, "partners", []))
    text = render_tree(run) + document + "\n".join(run.notes)
    for token in ALL_TOKENS:
        assert token not in text
    assert [row["name"] for row in json.loads(document)["clients"]] == [
        "default",
        "archive-co",
        "mirror",
        "partner-a",
    ]


def test_the_plan_uses_client_tokens_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLIENT_TOKEN_PARTNER_A", SCOPED_TOKEN)
    run = plan_case("partners", CURRENT_TOKEN)
    edge = deployed_handler(run)
    assert status(edge, SCOPED_TOKEN, "/ex-img/partner-a/x") == 200
    placeholder = placeholder_client_token("mirror", "token")
    assert status(edge, placeholder, "/ex-img/x") == 200  # no env: a placeholder
    assert any("CLIENT_TOKEN_<NAME>" in note for note in run.notes)


def test_the_program_refuses_clients_the_cli_did_not_mark_secret():
    from tools.plan.program_run import run_program

    config = read_case("partners").offline_config(CURRENT_TOKEN)
    with pytest.raises(Exception, match="protected-cdn:clients: is stored in plaintext"):
        run_program("partners", config, ["protected-cdn:authToken"])
