"""`make local STACK=partners STACK_DIR=tests/stacks` over HTTP: 401, 401 expired, 403, 200."""

from __future__ import annotations

import json

import pytest

from tests.client_support import OPEN_TOKEN, SCOPED_PREVIOUS_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.support.locations import STACK_CASES_DIR
from tests.tools.local_edge.test_local_edge import request
from tools.local_edge.local_edge import DEFAULT_CONTENT, LocalEdge, LocalEdgeError, LocalEdgeOptions

PARTNER_LOGO = DEFAULT_CONTENT / "ex-img" / "partner-a" / "logo.svg"
FORBIDDEN = {"meta": {"code": 403, "error_message": "Forbidden"}, "data": {}}


@pytest.fixture(scope="module")
def local():
    lines: list[str] = []
    env = {
        "CLIENT_TOKEN_PARTNER_A": SCOPED_TOKEN,
        "CLIENT_PREVIOUS_TOKEN_PARTNER_A": SCOPED_PREVIOUS_TOKEN,
        "CLIENT_TOKEN_MIRROR": OPEN_TOKEN,
        # archive-co: none, so the edge generates one and prints it
    }
    options = LocalEdgeOptions(
        stack="partners", stack_dir=STACK_CASES_DIR, port=0, token=CURRENT_TOKEN, client_env=env
    )
    with LocalEdge(options, log=lines.append) as edge:
        serve_in_background(edge)
        edge.lines = lines
        yield edge


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_no_token_is_401(local):
    assert request(local, "/ex-img/partner-a/logo.svg")[0] == 401


def test_unrestricted_and_default_clients_get_every_protected_file(local):
    for token in (OPEN_TOKEN, CURRENT_TOKEN):
        status, _, body = request(local, "/ex-img/partner-a/logo.svg", headers=bearer(token))
        assert status == 200 and body == PARTNER_LOGO.read_bytes()
        assert request(local, "/ex-img/logo.svg", headers=bearer(token))[0] == 200


@pytest.mark.parametrize("token", [SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN])
def test_scoped_client_gets_its_folder(local, token):
    status, headers, body = request(local, "/ex-img/partner-a/logo.svg", headers=bearer(token))
    assert status == 200 and body == PARTNER_LOGO.read_bytes()
    assert headers["content-type"] == "image/svg+xml"


@pytest.mark.parametrize(
    "path",
    [
        "/ex-img/logo.svg",
        "/ex-img/partner-a/../logo.svg",
        "/ex-img/partner-a/%2e%2e/logo.svg",
        "/ex-img/partner-a/..%2Flogo.svg",
        "/ex-img/partner-%61/logo.svg",
    ],
)
def test_scoped_client_outside_its_folder_is_403_json(local, path):
    status, headers, body = request(local, path, headers=bearer(SCOPED_TOKEN))
    assert status == 403
    assert json.loads(body) == FORBIDDEN
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert "www-authenticate" not in headers


def test_expired_client_is_401_token_expired_with_the_generated_token(local):
    token = local.client_tokens[("archive-co", "token")]
    assert token not in (SCOPED_TOKEN, OPEN_TOKEN) and len(token) == 64
    status, headers, _ = request(local, "/ex-img/logo.svg", headers=bearer(token))
    assert status == 401
    assert 'error_description="token expired"' in headers["www-authenticate"]


def test_banner_prints_each_clients_token_and_what_to_try(local):
    banner = local.banner()
    generated = local.client_tokens[("archive-co", "token")]
    assert f"archive-co: token {generated}" in banner and "# 401 expired" in banner
    assert f"partner-a: token {SCOPED_TOKEN}" in banner
    assert "/ex-img/partner-a/logo.svg   # 200" in banner and "# 403 out of scope" in banner
    assert f"mirror: token {OPEN_TOKEN}" in banner


def test_an_empty_client_token_in_the_environment_is_refused():
    options = LocalEdgeOptions(
        stack="partners",
        stack_dir=STACK_CASES_DIR,
        port=0,
        client_env={"CLIENT_TOKEN_MIRROR": " "},
    )
    with pytest.raises(LocalEdgeError, match="CLIENT_TOKEN_MIRROR is set but empty"):
        LocalEdge(options)
