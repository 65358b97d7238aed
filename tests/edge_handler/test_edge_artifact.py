"""The deployed artifact: build the zip, import the handler from it, run it on CloudFront events."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from edge_handler.build import build_archive, render_config_module
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, assert_valid_denial
from tools.edge_runtime.viewer_event import viewer_request_event


def run(edge, headers=(), **kwargs):
    return edge.handler(viewer_request_event(headers, **kwargs), None)


def test_valid_token_passes_the_request_through_without_the_header(edge):
    event = viewer_request_event(
        [("Authorization", CURRENT_TOKEN), ("Accept", "image/jpeg")], uri="/ex-img/a.jpg"
    )
    result = edge.handler(event, None)
    assert result is event["Records"][0]["cf"]["request"]
    assert "authorization" not in result["headers"]
    assert result["headers"]["accept"] == [{"key": "Accept", "value": "image/jpeg"}]
    assert result["uri"] == "/ex-img/a.jpg"


def test_bearer_scheme_is_accepted_in_any_case(edge):
    for scheme in ("Bearer", "bearer", "BEARER"):
        result = run(edge, [("Authorization", f"{scheme} {CURRENT_TOKEN}")])
        assert "status" not in result, scheme


def test_previous_token_is_still_accepted_during_rotation(edge):
    assert "status" not in run(edge, [("Authorization", PREVIOUS_TOKEN)])


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("wrong-token-0123456789abcdef0123456789abcdef", "invalid"),
        (CURRENT_TOKEN[:-1], "invalid"),  # prefix
        (CURRENT_TOKEN + "0", "invalid"),  # suffix
        ("x" + CURRENT_TOKEN, "invalid"),
        (CURRENT_TOKEN.upper(), "invalid"),  # case matters in the token
        (f"Basic {CURRENT_TOKEN}", "invalid"),  # wrong scheme
        (f"Bearer  {CURRENT_TOKEN}", "invalid"),  # two spaces is not the token
        ("Bearer ", "invalid"),
        ("", "empty"),
        (CURRENT_TOKEN + "é", "non_ascii"),
        ("é" * 40, "non_ascii"),
        ("a" * 1025, "oversized"),
        ("a" * 100_000, "oversized"),
    ],
)
def test_anything_but_a_configured_token_is_denied(edge, capsys, value, reason):
    response = run(edge, [("Authorization", value)])
    assert_valid_denial(response)
    line = json.loads(capsys.readouterr().out)
    assert line["reason"] == reason


def test_missing_header_is_401_with_plain_challenge(edge, capsys):
    response = run(edge, [("Accept", "*/*")])
    assert_valid_denial(response)
    challenge = response["headers"]["www-authenticate"][0]["value"]
    assert challenge == 'Bearer realm="protected-cdn"'
    assert json.loads(capsys.readouterr().out)["reason"] == "missing"


def test_wrong_token_challenge_says_invalid_token(edge):
    response = run(edge, [("Authorization", "nope")])
    challenge = response["headers"]["www-authenticate"][0]["value"]
    assert challenge == 'Bearer realm="protected-cdn", error="invalid_token"'


def test_two_values_of_the_header_are_denied_even_if_one_is_valid(edge, capsys):
    response = run(edge, [("Authorization", CURRENT_TOKEN), ("authorization", "other")])
    assert_valid_denial(response)
    assert json.loads(capsys.readouterr().out)["reason"] == "multiple"


def test_the_401_body_is_the_documented_json(edge):
    response = run(edge)
    assert response["status"] == "401"
    assert response["statusDescription"] == "Unauthorized"
    assert json.loads(response["body"]) == {
        "meta": {"code": 401, "error_message": "Unauthorized"},
        "data": {},
    }
    assert response["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "no-store"}]
    assert response["headers"]["content-type"][0]["value"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        {"Records": []},
        {"Records": [{"cf": {}}]},
        {"Records": [{"cf": {"request": {}}}]},
        {"Records": [{"cf": {"request": {"headers": None}}}]},
        {"Records": [{"cf": {"request": {"headers": {"authorization": "raw-string"}}}}]},
        {"Records": [{"cf": {"request": {"headers": {"authorization": [{"key": "a"}]}}}}]},
        {"Records": [{"cf": {"request": {"headers": {"authorization": [{"value": 42}]}}}}]},
        {"Records": [{"cf": {"request": {"headers": {"authorization": [None]}}}}]},
        {"Records": [{"cf": {"request": {"headers": {"authorization": 7}}}}]},
        "not an event",
    ],
)
def test_malformed_events_fail_closed_without_raising(edge, event):
    assert_valid_denial(edge.handler(event, None))


def test_unexpected_error_fails_closed_with_no_detail(edge, monkeypatch):
    def broken_hash(_value):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(edge, "sha256", broken_hash)
    response = run(edge, [("Authorization", CURRENT_TOKEN)])
    assert_valid_denial(response)
    assert "internal" not in json.dumps(response)


def test_denial_log_is_one_line_without_token_or_header_value(edge, capsys):
    run(edge, [("Authorization", CURRENT_TOKEN[:-1] + "Z")], uri="/ex-img/x.jpg")
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    record = json.loads(out)
    assert record == {
        "event": "denied",
        "reason": "invalid",
        "uri": "/ex-img/x.jpg",
        "requestId": viewer_request_event()["Records"][0]["cf"]["config"]["requestId"],
    }
    assert CURRENT_TOKEN[:-1] not in out


def test_allow_path_logs_nothing(edge, capsys):
    run(edge, [("Authorization", CURRENT_TOKEN)])
    assert capsys.readouterr().out == ""


def test_custom_header_name_is_read_and_stripped(tmp_path):
    from tests.edge_support import load_built

    edge = load_built(tmp_path, [CURRENT_TOKEN], header="x-cdn-token")
    assert "status" in run(edge, [("Authorization", CURRENT_TOKEN)])
    event = viewer_request_event([("X-CDN-Token", CURRENT_TOKEN)])
    result = edge.handler(event, None)
    assert "status" not in result and "x-cdn-token" not in result["headers"]


def test_zip_holds_only_the_handler_its_normalization_and_digests_never_the_token():
    archive = build_archive([CURRENT_TOKEN, PREVIOUS_TOKEN])
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        assert zf.namelist() == ["auth_config.py", "handler.py", "uri_normalization.py"]
        contents = b"".join(zf.read(name) for name in zf.namelist())
    for token in (CURRENT_TOKEN, PREVIOUS_TOKEN):
        assert token.encode() not in contents
        assert token.encode() not in archive
    assert b"CLIENTS" in contents


def test_builds_are_byte_identical_and_change_with_the_token():
    first = build_archive([CURRENT_TOKEN])
    assert build_archive([CURRENT_TOKEN]) == first
    assert build_archive([CURRENT_TOKEN + "x"]) != first
    assert build_archive([CURRENT_TOKEN], header="x-token") != first


def test_zip_entries_have_fixed_dates_and_modes():
    with zipfile.ZipFile(io.BytesIO(build_archive([CURRENT_TOKEN]))) as zf:
        for info in zf.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o644


@pytest.mark.parametrize(
    ("tokens", "header"),
    [([], "authorization"), ([""], "authorization"), ([CURRENT_TOKEN], "Authorization")],
)
def test_builder_rejects_inputs_that_would_deploy_a_broken_check(tokens, header):
    with pytest.raises(ValueError):
        render_config_module(tokens, header)


def test_each_denial_returns_its_own_headers_a_caller_may_change(edge):
    first = run(edge, [])
    first["headers"]["www-authenticate"][0]["value"] = "changed"
    first["headers"]["x-extra"] = [{"key": "X-Extra", "value": "1"}]
    second = run(edge, [])
    assert second["headers"]["www-authenticate"][0]["value"].startswith("Bearer realm=")
    assert "x-extra" not in second["headers"]
    bad = run(edge, [("Authorization", "wrong-token-0123456789abcdef0123456789abcdef")])
    bad["headers"]["cache-control"].clear()
    again = run(edge, [("Authorization", "wrong-token-0123456789abcdef0123456789abcdef")])
    assert again["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "no-store"}]
