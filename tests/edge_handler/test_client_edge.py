"""Named clients at the edge, from the built zip: decision order, logs, scope, scale."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from components.site_model import (
    build_site_model,
    normalize_full_decoding,
    normalize_rfc3986,
    remove_dot_segments,
)
from edge_handler.build import EdgeClient, build_archive
from tests.client_support import (
    CLIENT_TOKENS,
    CLIENTS,
    EXPIRED_TOKEN,
    FUTURE,
    OPEN_TOKEN,
    PAST,
    SCOPE,
    SCOPED_PREVIOUS_TOKEN,
    SCOPED_TOKEN,
    URI_PIECES,
)
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, assert_valid_denial, load_built
from tools.edge_runtime.viewer_event import viewer_request_event
from tools.local_edge.local_distribution import InvalidKey, s3_key_for_path

FORBIDDEN = {"meta": {"code": 403, "error_message": "Forbidden"}, "data": {}}
MAX_EDGE_ZIP_BYTES = 1024 * 1024  # Lambda@Edge viewer-request function size limit


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    return load_built(
        tmp_path_factory.mktemp("clients"), [CURRENT_TOKEN, PREVIOUS_TOKEN], clients=CLIENTS
    )


@pytest.fixture(scope="module")
def logging_edge(tmp_path_factory):
    return load_built(
        tmp_path_factory.mktemp("logging"), [CURRENT_TOKEN], clients=CLIENTS, log_allowed=True
    )


def run(edge, token, uri="/ex-img/partner-a/logo.svg"):
    return edge.handler(viewer_request_event([("Authorization", f"Bearer {token}")], uri=uri), None)


def log_line(capsys) -> dict:
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return json.loads(out)


def assert_forbidden(response) -> None:
    assert response["status"] == "403" and response["statusDescription"] == "Forbidden"
    assert json.loads(response["body"]) == FORBIDDEN
    assert response["body"] == json.dumps(FORBIDDEN)
    assert response["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "no-store"}]
    assert "www-authenticate" not in response["headers"]


# --- decision order ------------------------------------------------------------------------


@pytest.mark.parametrize("token", [CURRENT_TOKEN, PREVIOUS_TOKEN, OPEN_TOKEN])
def test_default_and_unrestricted_clients_open_every_protected_path(edge, token, capsys):
    for uri in ("/ex-img/partner-a/logo.svg", "/ex-img/gradient.png", "/ex-img/a/../b"):
        result = run(edge, token, uri)
        assert "status" not in result and "authorization" not in result["headers"], uri
    assert capsys.readouterr().out == ""  # logAllowed off: admitted requests are not logged


def test_unknown_token_is_401_invalid_without_a_client(edge, capsys):
    response = run(edge, "f" * 64)
    assert_valid_denial(response)
    line = log_line(capsys)
    assert line["reason"] == "invalid" and "client" not in line


def test_missing_header_is_still_401_before_any_client_decision(edge, capsys):
    response = edge.handler(viewer_request_event([], uri="/ex-img/partner-a/x"), None)
    assert_valid_denial(response)
    assert log_line(capsys)["reason"] == "missing"


def test_expired_token_is_401_invalid_token_saying_it_expired(edge, capsys):
    response = run(edge, EXPIRED_TOKEN)
    assert_valid_denial(response)
    challenge = response["headers"]["www-authenticate"][0]["value"]
    assert challenge == (
        'Bearer realm="protected-cdn", error="invalid_token", error_description="token expired"'
    )
    assert log_line(capsys) == {
        "event": "denied",
        "reason": "expired",
        "client": "archive-co",
        "uri": "/ex-img/partner-a/logo.svg",
        "requestId": viewer_request_event()["Records"][0]["cf"]["config"]["requestId"],
    }


def test_expiry_takes_effect_at_the_edge_without_a_new_archive(edge, monkeypatch, capsys):
    assert "status" not in run(edge, SCOPED_TOKEN)
    monkeypatch.setattr(edge, "time", lambda: FUTURE)  # the same deployed code, later
    response = run(edge, SCOPED_TOKEN)
    assert response["status"] == "401"
    assert log_line(capsys)["client"] == "partner-a"
    monkeypatch.setattr(edge, "time", lambda: FUTURE - 1)
    assert "status" not in run(edge, SCOPED_TOKEN)
    monkeypatch.setattr(edge, "time", lambda: PAST - 1)
    assert "status" not in run(edge, EXPIRED_TOKEN)  # before its expiry it worked


@pytest.mark.parametrize("token", [SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN])
def test_scoped_client_opens_its_folder_with_either_token(edge, token):
    for uri in ("/ex-img/partner-a/logo.svg", "/ex-img/partner-a/sub/x%20y.txt"):
        result = run(edge, token, uri)
        assert "status" not in result, uri
        assert result["uri"] == uri  # passed on unchanged


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("/ex-img/gradient.png", "out_of_scope"),
        ("/ex-img/partner-b/logo.svg", "out_of_scope"),
        ("/ex-img/partner-a", "out_of_scope"),
        ("/ex-img/partner-ab/x", "out_of_scope"),
        ("/EX-IMG/partner-a/x", "out_of_scope"),  # patterns are case-sensitive
        ("/ex-img/partner-a/../partner-b/x", "not_normalized"),
        ("/ex-img/partner-a/./x", "not_normalized"),
        ("/ex-img/partner-a/%2e%2e/partner-b/x", "not_normalized"),
        ("/ex-img/partner-%61/x", "not_normalized"),  # an encoded unreserved character
        ("/ex-img/partner-a/..%2Fpartner-b/x", "not_normalized"),  # a dot segment once decoded
        ("/ex-img/partner-a/x%2f", "not_normalized"),  # CloudFront upper-cases the hex
        ("/ex-img%2Fpartner-a/x", "out_of_scope"),
    ],
)
def test_scoped_client_outside_its_scope_is_403_with_the_json_envelope(edge, capsys, uri, reason):
    assert_forbidden(run(edge, SCOPED_TOKEN, uri))
    line = log_line(capsys)
    assert (line["event"], line["reason"], line["client"], line["uri"]) == (
        "denied",
        reason,
        "partner-a",
        uri,
    )


def test_logs_never_hold_a_token(edge, capsys):
    for token in (*CLIENT_TOKENS, "f" * 64):
        for uri in ("/ex-img/x", "/ex-img/partner-a/x"):
            run(edge, token, uri)
    out = capsys.readouterr().out
    for token in (*CLIENT_TOKENS, CURRENT_TOKEN):
        assert token not in out


def test_log_allowed_writes_one_line_per_admitted_request(logging_edge, capsys):
    run(logging_edge, SCOPED_TOKEN)
    line = log_line(capsys)
    assert line["event"] == "allowed" and line["client"] == "partner-a"
    assert line["uri"] == "/ex-img/partner-a/logo.svg" and line["requestId"]
    assert "reason" not in line
    run(logging_edge, CURRENT_TOKEN, "/ex-img/a.png")
    assert log_line(capsys)["client"] == "default"


def test_a_failing_log_write_does_not_turn_a_decision_into_an_error(logging_edge, monkeypatch):
    class Broken:
        def write(self, _text):
            raise OSError("log gone")

    monkeypatch.setattr(logging_edge.sys, "stdout", Broken())
    assert "status" not in run(logging_edge, OPEN_TOKEN)
    assert run(logging_edge, SCOPED_TOKEN, "/ex-img/x")["status"] == "403"
    assert run(logging_edge, EXPIRED_TOKEN)["status"] == "401"


def test_a_malformed_uri_for_a_scoped_client_fails_closed(edge):
    event = viewer_request_event([("Authorization", SCOPED_TOKEN)])
    event["Records"][0]["cf"]["request"]["uri"] = None
    assert edge.handler(event, None)["status"] == "401"


# --- the archive -------------------------------------------------------------------------


def archive_text(archive: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        return "".join(zf.read(name).decode() for name in zf.namelist())


def test_the_archive_holds_digests_names_expiry_and_scope_never_a_token():
    archive = build_archive([CURRENT_TOKEN], clients=CLIENTS)
    text = archive_text(archive)
    for token in (*CLIENT_TOKENS, CURRENT_TOKEN):
        assert token not in text and token.encode() not in archive
    assert "partner-a" in text and SCOPE in text and str(PAST) in text


def test_the_archive_is_deterministic_and_changes_with_any_client_field():
    first = build_archive([CURRENT_TOKEN], clients=CLIENTS)
    assert build_archive([CURRENT_TOKEN], clients=CLIENTS) == first
    changed = (EdgeClient("mirror", (OPEN_TOKEN,), expires_at=FUTURE),)
    assert build_archive([CURRENT_TOKEN], clients=changed) != build_archive(
        [CURRENT_TOKEN], clients=CLIENTS[2:]
    )
    assert build_archive([CURRENT_TOKEN], clients=CLIENTS, log_allowed=True) != first


def test_a_token_shared_by_two_clients_cannot_be_built():
    twice = (EdgeClient("a", (OPEN_TOKEN,)), EdgeClient("b", (OPEN_TOKEN,)))
    with pytest.raises(ValueError, match="also another's"):
        build_archive([CURRENT_TOKEN], clients=twice)


def thousand_clients() -> list[EdgeClient]:
    return [
        EdgeClient(
            f"partner-{i:04d}-with-a-long-descriptive-nam"[:40],
            (f"{i:064x}", f"{i + 10**6:064x}"),
            FUTURE,
            (f"ex-img/partner-{i:04d}/*",),
        )
        for i in range(1000)
    ]


def test_1000_clients_with_rotation_tokens_fit_the_edge_size_limit(tmp_path):
    clients = thousand_clients()
    archive = build_archive([CURRENT_TOKEN], clients=clients)
    assert len(archive) < MAX_EDGE_ZIP_BYTES / 4
    (tmp_path / "a").mkdir()
    edge = load_built(tmp_path / "a", [CURRENT_TOKEN], clients=clients)
    assert len(edge.CLIENTS) == 2001
    assert "status" not in run(edge, f"{999:064x}", "/ex-img/partner-0999/x")
    assert run(edge, f"{999:064x}", "/ex-img/partner-0998/x")["status"] == "403"


# --- property tests: the handler's path rules are the site model's --------------------------

PATH_PIECES = st.sampled_from(URI_PIECES)
URIS = st.lists(PATH_PIECES, max_size=12).map(lambda pieces: "/" + "".join(pieces))


@given(URIS)
@example("/ex-img/partner-a/%2e%2e/b")
def test_handler_normalization_agrees_with_the_site_model(edge, uri):
    assert edge.normalize(uri) == normalize_rfc3986(uri)
    assert edge.remove_dot_segments(uri) == remove_dot_segments(uri)


SCOPED_PATTERNS = st.sampled_from(["ex-img/partner-a/*", "ex-img/*/a/*", "ex-img/p?/*", "*.png"])


@given(uri=URIS, pattern=SCOPED_PATTERNS)
def test_handler_scope_agrees_with_the_site_models_pattern_rules(edge, uri, pattern):
    site = build_site_model([pattern], 10)
    problem = edge.scope_problem(uri, (pattern,))
    matched = site.behavior_for(uri).path_pattern == pattern
    if problem is None:  # admitted: CloudFront's reading of the path is in scope
        assert matched and edge.normalize(uri) == uri
    elif "%" not in uri and edge.normalize(uri) == uri:
        assert not matched  # without escapes the two agree exactly


def prefix_free_uri(pieces):
    return "/ex-img/" + "".join(pieces)


@given(st.lists(PATH_PIECES, max_size=14).map(prefix_free_uri))
@example("/ex-img/partner-a/../partner-b/x")
@example("/ex-img/partner-a/%2e%2e/partner-b/x")
@example("/ex-img/partner-a/..%2Fpartner-b/x")
@example("/ex-img/partner-a%2F..%2Fpartner-b/x")
def test_a_scoped_token_never_opens_a_path_outside_its_scope_whatever_the_encoding(edge, uri):
    result = run(edge, SCOPED_TOKEN, uri)
    if "status" in result:
        assert result["status"] == "403"
        return
    # Admitted: under every reading the path is inside ex-img/partner-a/.
    assert normalize_rfc3986(uri).startswith("/ex-img/partner-a/")
    assert normalize_full_decoding(uri).startswith("/ex-img/partner-a/")
    try:
        key = s3_key_for_path(uri)
    except InvalidKey:
        return  # S3 answers 400: nothing is read
    assert key.startswith("ex-img/partner-a/") and "/../" not in key and "/./" not in key
