"""The grant inputs: off by default, refused on lambda-edge in one line with the fix, counted in
the store's size, and the /_grant behavior that runs the function for the cookie session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from components.checks import SettingsError
from components.site_model import build_site_model
from edge_handler.client_store import (
    MAX_STORE_BYTES,
    entry_key,
    grant_entry_key,
    store_bytes,
    store_entries,
)
from edge_handler.cloudfront_function import MAX_CODE_BYTES, code_size, render_function_code
from tests.components.stack_runs import stack_run
from tests.components.test_edge_engine import full_clients, parse
from tests.edge_support import CURRENT_TOKEN
from tests.support.js_syntax import forbidden_syntax

FUNCTION = "cloudfront-function"


def test_grants_are_off_by_default_and_last_a_day_at_most():
    settings = parse(edgeRuntime=FUNCTION)
    assert settings.grants is False and settings.max_grant_seconds == 86400
    assert parse(edgeRuntime=FUNCTION, grants="true", maxGrantSeconds="600").grants is True


def test_grants_on_lambda_edge_is_one_line_naming_the_engine_and_why():
    with pytest.raises(SettingsError) as caught:
        parse(grants="true")
    message = str(caught.value)
    assert message.startswith("protected-cdn:grants: needs the cloudfront-function engine")
    assert "lambda:GetFunction" in message and "\n" not in message
    assert "pulumi config set edgeRuntime cloudfront-function" in message


def test_grants_on_lambda_edge_from_a_program_names_the_argument():
    from components.inputs import EDGE_CHECK, check_inputs

    values = {"auth_token": CURRENT_TOKEN, "grants": True}
    with pytest.raises(SettingsError) as caught:
        check_inputs(values, EDGE_CHECK)
    assert str(caught.value).startswith("EdgeCheckArgs.grants: needs the cloudfront-function")
    assert "pass edge_runtime='cloudfront-function'" in str(caught.value)


@pytest.mark.parametrize("seconds", ["59", "31536001", "1.5", "day"])
def test_a_max_grant_outside_its_range_is_one_line(seconds):
    with pytest.raises(SettingsError) as caught:
        parse(edgeRuntime=FUNCTION, maxGrantSeconds=seconds)
    assert str(caught.value).startswith("protected-cdn:maxGrantSeconds:")


def test_the_store_gets_one_grant_entry_per_client_only_with_grants():
    settings = parse(edgeRuntime=FUNCTION, clients=json.dumps(full_clients(3)))
    plain = store_entries(settings.accepted_tokens, settings.clients)
    with_grants = store_entries(settings.accepted_tokens, settings.clients, grants=True)
    assert not any(key.startswith("grant:") for key in plain)
    grant_keys = set(with_grants) - set(plain)
    assert grant_keys == {grant_entry_key(n) for n in ("default", *full_clients(3))}
    client = settings.clients[0]
    entry = json.loads(with_grants[grant_entry_key(client.name)])
    # Each key is HMAC-SHA256(token, "protected-cdn grant v1"): not the token, not its digest.
    expected = [
        base64.b64encode(
            hmac.new(t.encode(), b"protected-cdn grant v1", hashlib.sha256).digest()
        ).decode()
        for t in client.tokens
    ]
    assert entry == {"k": expected, "e": client.expires_at, "p": list(client.paths)}
    for token in client.tokens:
        digest = base64.b64encode(hashlib.sha256(token.encode()).digest()).decode()
        assert token not in entry["k"] and digest not in entry["k"]
        assert entry_key(token) not in json.dumps(entry)


def test_10000_clients_with_grants_fit_the_store_measured():
    settings = parse(edgeRuntime=FUNCTION, grants="true", clients=json.dumps(full_clients(10_000)))
    entries = store_entries(settings.accepted_tokens, settings.clients, grants=True)
    assert len(entries) == 30_002
    assert store_bytes(entries) < MAX_STORE_BYTES


def test_the_store_check_counts_the_grant_entries():
    # Clients that fit without grants but not with them: the settings say so in one line.
    # Large clients, so a few thousand reach the store's limit (grants add one entry each).
    clients = json.dumps(full_clients(4_500, name_chars=40, paths=6))
    parse(edgeRuntime=FUNCTION, clients=clients)
    with pytest.raises(SettingsError) as caught:
        parse(edgeRuntime=FUNCTION, grants="true", clients=clients)
    assert "client store would hold" in str(caught.value)


def test_the_grant_code_fits_10_kb_with_the_longest_settings_and_is_absent_without():
    longest = "x-" + "a" * 126
    assert code_size(longest, True, True) <= MAX_CODE_BYTES
    assert len(render_function_code(longest, True, True, 31536000).encode()) <= MAX_CODE_BYTES
    # Only what runtime 2.0 documents (the harness's V8 would accept more).
    assert forbidden_syntax(render_function_code("authorization", True, True)) == []
    without = render_function_code("authorization", True)
    assert "grant" not in without and "Buffer" not in without


def test_the_grant_session_gets_a_behavior_that_runs_the_check():
    site = build_site_model(["ex-img/*"], 10, grants=True)
    assert [b.path_pattern for b in site.ordered_behaviors] == ["_errors/*", "_grant", "ex-img/*"]
    session = site.behavior_for("/_grant")
    assert session.protected and session.origin_id == "protected"
    # Nothing else changes: public paths stay public.
    assert not site.behavior_for("/public/a.png").protected
    assert not site.behavior_for("/_grantx").protected
    assert build_site_model(["ex-img/*"], 10).behavior_for("/_grant").protected is False
    # With everything protected the default behavior runs the check on /_grant already.
    everything = build_site_model(["*"], 10, grants=True)
    assert everything.behavior_for("/_grant").protected
    assert len(everything.ordered_behaviors) == 1


def test_the_grant_behavior_counts_against_cloudfronts_limit():
    from components import cloudfront_facts as facts

    patterns = json.dumps([f"p{n}/*" for n in range(facts.MAX_CACHE_BEHAVIORS - 1)])
    parse(edgeRuntime=FUNCTION, protectedPaths=patterns)
    with pytest.raises(SettingsError) as caught:
        parse(edgeRuntime=FUNCTION, protectedPaths=patterns, grants="true")
    assert str(caught.value).startswith("protected-cdn:grants: adds the /_grant behavior")


def test_a_stack_with_grants_runs_the_function_on_grant_and_stores_the_grant_keys():
    from tests.program_support import (
        CF_FUNCTION,
        behaviors,
        secret_input_names,
        walk_inputs,
    )

    run = stack_run("fn", grants="true", maxGrantSeconds="600")
    (function,) = run.of_type(CF_FUNCTION)
    assert "var MAX_GRANT=600," in function.inputs["code"]
    arn = run.outputs["edgeFunctionVersionArn"]
    by_pattern = {b["pathPattern"]: b for b in behaviors(run)}
    session = by_pattern["_grant"]
    assert [a["functionArn"] for a in session["functionAssociations"]] == [arn]
    assert session["targetOriginId"] == "protected"
    assert list(by_pattern)[:2] == ["_errors/*", "_grant"]
    assert not by_pattern[None].get("functionAssociations")
    (entries,) = run.of_type("aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive")
    keys = [pair["key"] for pair in entries.inputs["resourceKeyValuePairs"]["value"]]
    assert "grant:default" in keys and secret_input_names(entries) == ["resourceKeyValuePairs"]
    for _registration, _path, value in walk_inputs(run):
        assert CURRENT_TOKEN not in str(value)


def test_a_stack_without_grants_declares_no_grant_behavior_or_entry():
    from tests.program_support import (
        CF_FUNCTION,
        behaviors,
    )

    run = stack_run("fn")
    assert "_grant" not in [b["pathPattern"] for b in behaviors(run)]
    assert "MAX_GRANT" not in run.one(CF_FUNCTION).inputs["code"]
