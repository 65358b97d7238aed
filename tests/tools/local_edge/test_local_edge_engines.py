"""`make local ENGINE=...` over real HTTP: both engines give 401, 200, 403 and 401 expired."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.client_support import OPEN_TOKEN, SCOPED_PREVIOUS_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN
from tests.tools.local_edge.test_local_edge import request
from tools.local_edge.local_edge import (
    DEFAULT_CONTENT,
    LocalEdge,
    LocalEdgeError,
    LocalEdgeOptions,
    parse_args,
)
from tools.plan.locations import STACK_CASES_DIR

ROOT = Path(__file__).resolve().parents[3]
PARTNER_LOGO = DEFAULT_CONTENT / "ex-img" / "partner-a" / "logo.svg"
UNAUTHORIZED = {"meta": {"code": 401, "error_message": "Unauthorized"}, "data": {}}
FORBIDDEN = {"meta": {"code": 403, "error_message": "Forbidden"}, "data": {}}


@pytest.fixture(scope="module", params=["lambda-edge", "cloudfront-function"])
def local(request):
    env = {
        "CLIENT_TOKEN_PARTNER_A": SCOPED_TOKEN,
        "CLIENT_PREVIOUS_TOKEN_PARTNER_A": SCOPED_PREVIOUS_TOKEN,
        "CLIENT_TOKEN_MIRROR": OPEN_TOKEN,
    }
    options = LocalEdgeOptions(
        stack="partners",
        stack_dir=STACK_CASES_DIR,
        port=0,
        token=CURRENT_TOKEN,
        client_env=env,
        engine=request.param,
    )
    with LocalEdge(options, log=lambda _line: None) as edge:
        edge.serve_in_background()
        yield edge


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_banner_names_the_engine(local):
    assert f"edge engine: {local.engine_name} (" in local.banner()


def test_no_token_is_401_with_the_challenge(local):
    status, headers, body = request(local, "/ex-img/partner-a/logo.svg")
    assert status == 401 and json.loads(body) == UNAUTHORIZED
    assert headers["www-authenticate"] == 'Bearer realm="protected-cdn"'
    assert headers["cache-control"] == "no-store"


def test_a_wrong_token_is_401_invalid_token(local):
    status, headers, _ = request(local, "/ex-img/logo.svg", headers=bearer("nope"))
    assert status == 401 and 'error="invalid_token"' in headers["www-authenticate"]


@pytest.mark.parametrize("token", [CURRENT_TOKEN, OPEN_TOKEN, SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN])
def test_valid_tokens_get_the_file(local, token):
    status, _, body = request(local, "/ex-img/partner-a/logo.svg", headers=bearer(token))
    assert status == 200 and body == PARTNER_LOGO.read_bytes()


@pytest.mark.parametrize("path", ["/ex-img/logo.svg", "/ex-img/partner-a/%2e%2e/logo.svg"])
def test_a_scoped_client_outside_its_folder_is_403(local, path):
    status, headers, body = request(local, path, headers=bearer(SCOPED_TOKEN))
    assert status == 403 and json.loads(body) == FORBIDDEN
    assert "www-authenticate" not in headers


def test_an_expired_client_is_401_token_expired(local):
    token = local.client_tokens[("archive-co", "token")]
    status, headers, _ = request(local, "/ex-img/logo.svg", headers=bearer(token))
    assert status == 401 and 'error_description="token expired"' in headers["www-authenticate"]


def test_concurrent_requests_share_one_engine_safely(local):
    def fetch(i):
        token = CURRENT_TOKEN if i % 2 else "nope"
        return request(local, "/ex-img/partner-a/logo.svg", headers=bearer(token))[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(fetch, range(40)))
    assert statuses == [401, 200] * 20


def test_engine_argument_and_unknown_engine():
    assert parse_args(["--engine", "cloudfront-function"]).engine == "cloudfront-function"
    assert parse_args([]).engine is None
    options = LocalEdgeOptions(
        stack="dev", stack_dir=STACK_CASES_DIR, port=0, token=CURRENT_TOKEN, engine="wasm"
    )
    with pytest.raises(LocalEdgeError, match="engine wasm is unknown"):
        LocalEdge(options)


def test_make_local_passes_engine_only_when_set():
    def dry_run(*args):
        command = ["make", "-n", "-o", ".venv/.installed", "local", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    assert "--engine cloudfront-function" in dry_run("ENGINE=cloudfront-function")
    assert "--engine" not in dry_run()
