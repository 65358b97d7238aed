"""`make local ENGINE=...` over real HTTP: both engines give 401, 200, 403 and 401 expired."""

from __future__ import annotations

import http.client
import io
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from components.checks import SettingsError
from tests.client_support import OPEN_TOKEN, SCOPED_PREVIOUS_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.process_support import HANG_SECONDS, run
from tests.support.locations import STACK_CASES_DIR
from tests.tools.edge_runtime.test_engines import SLOW, signal_slow_calls
from tests.tools.local_edge.test_local_edge import request
from tools.edge_runtime import engines
from tools.local_edge.local_edge import (
    DEFAULT_CONTENT,
    LocalEdge,
    LocalEdgeError,
    LocalEdgeOptions,
    parse_args,
)
from tools.plan.plan import plan_run

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
        serve_in_background(edge)
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


GENERATED = {
    "lambda-edge": "LambdaGeneratedResponse from cloudfront",
    "cloudfront-function": "FunctionGeneratedResponse from cloudfront",
}


@pytest.mark.parametrize(
    ("path", "token"), [("/ex-img/logo.svg", None), ("/ex-img/logo.svg", SCOPED_TOKEN)]
)
def test_generated_401_and_403_name_the_engine_in_x_cache(local, path, token):
    status, headers, _ = request(local, path, headers=bearer(token) if token else None)
    assert status in (401, 403)
    assert headers["x-cache"] == GENERATED[local.engine_name]


def test_a_closed_stdout_leaves_denials_401(local, monkeypatch):
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stdout", closed)  # the engines log to stdout
    for _ in range(3):
        assert request(local, "/ex-img/logo.svg")[0] == 401
        assert request(local, "/ex-img/logo.svg", headers=bearer(SCOPED_TOKEN))[0] == 403
        assert request(local, "/ex-img/logo.svg", headers=bearer(CURRENT_TOKEN))[0] == 200


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


COOKIE_STACK = """\
config:
  aws:region: eu-west-1
  protected-cdn:protectedPaths:
    - ex-img/*
  protected-cdn:authHeader: cookie
"""


def test_an_engine_override_goes_through_the_checks_the_stack_would(tmp_path):
    """A cookie header never reaches a CloudFront Function: make plan refuses the stack that
    says edgeRuntime cloudfront-function, and make local refuses ENGINE=cloudfront-function on
    the stack that does not, by the same check, naming ENGINE."""
    (tmp_path / "Pulumi.cookie.yaml").write_text(COOKIE_STACK)
    (tmp_path / "Pulumi.fn.yaml").write_text(
        COOKIE_STACK + "  protected-cdn:edgeRuntime: cloudfront-function\n"
    )
    with pytest.raises(SettingsError) as plan_refusal:
        plan_run("fn", CURRENT_TOKEN, tmp_path)
    options = LocalEdgeOptions(
        stack="cookie",
        stack_dir=tmp_path,
        port=0,
        token=CURRENT_TOKEN,
        engine="cloudfront-function",
    )
    with pytest.raises(SettingsError) as local_refusal:
        LocalEdge(options)
    assert str(local_refusal.value).startswith(str(plan_refusal.value))
    assert str(plan_refusal.value).startswith("protected-cdn:authHeader: 'cookie' never reaches")
    assert "(ENGINE=cloudfront-function stands for edgeRuntime here; this stack deploys " in (
        str(local_refusal.value)
    )
    # The stack's own engine runs it.
    with LocalEdge(replace(options, engine=None), log=lambda _line: None) as edge:
        assert edge.engine_name == "lambda-edge"


def test_make_local_passes_engine(tmp_path):
    (tmp_path / "Pulumi.cookie.yaml").write_text(COOKIE_STACK)
    command = ["make", "-o", ".venv/.installed", "local", "STACK=cookie", f"STACK_DIR={tmp_path}"]
    result = run([*command, "ENGINE=cloudfront-function"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("local edge:")]
    assert "authHeader" in line and "ENGINE=cloudfront-function" in line


def test_closing_the_edge_stops_a_running_function_call_with_a_503(monkeypatch):
    """A request whose function never ends (its time limit is HANG_SECONDS) is still running
    when the edge closes: closing stops it, and it is answered 503, without waiting."""
    rendered = engines.render_function_code
    monkeypatch.setattr(engines, "render_function_code", lambda *a, **k: rendered(*a, **k) + SLOW)
    started = signal_slow_calls(monkeypatch)
    options = LocalEdgeOptions(
        stack="partners",
        stack_dir=STACK_CASES_DIR,
        port=0,
        token=CURRENT_TOKEN,
        engine="cloudfront-function",
        function_time_limit=HANG_SECONDS,
    )

    def slow_request(port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_SECONDS)
        try:
            connection.request("GET", "/ex-img/slow", headers=bearer(CURRENT_TOKEN))
            return connection.getresponse().status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        with LocalEdge(options, log=lambda _line: None) as edge:
            serve_in_background(edge)
            slow = executor.submit(slow_request, edge.port)
            assert started.wait(HANG_SECONDS)
            assert not slow.done()  # only the time limit or closing can end it
        # Closing stopped the call: CloudFront answers 503 for a function that fails.
        assert slow.result(timeout=HANG_SECONDS) == 503


def many_clients_stack(folder: Path, count: int, edge_runtime: str = "lambda-edge") -> None:
    """``Pulumi.many.yaml``: ``count`` clients, each with an encrypted token and a scope."""
    lines = [
        "config:",
        "  aws:region: eu-west-1",
        f"  protected-cdn:edgeRuntime: {edge_runtime}",
        "  protected-cdn:protectedPaths:",
        "    - ex-img/*",
        "  protected-cdn:clients:",
    ]
    for i in range(count):
        lines += [
            f"    client-{i:03d}:",
            f"      paths: [ex-img/client-{i:03d}/*]",
            "      token:",
            "        secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB",
        ]
    (folder / "Pulumi.many.yaml").write_text("\n".join(lines) + "\n")


def test_80_clients_run_on_the_function_with_the_code_of_none(tmp_path):
    # The clients are in the function's store, not its code: no 10 KB limit on their number.
    codes = {}
    for count in (0, 80):
        many_clients_stack(tmp_path, count, edge_runtime="cloudfront-function")
        options = LocalEdgeOptions(stack="many", stack_dir=tmp_path, port=0, token=CURRENT_TOKEN)
        with LocalEdge(options, log=lambda _line: None) as edge:
            assert edge.engine_name == "cloudfront-function"
            assert len(edge._engine.entries) == count + 1
            codes[count] = edge._engine.code
    assert codes[0] == codes[80]


def plus_stack(folder: Path, scope: str) -> None:
    """``Pulumi.plus.yaml``: ``ex-img/c++/*`` protected; client ``cpp`` scoped to ``scope``."""
    (folder / "Pulumi.plus.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths:\n"
        "    - ex-img/c++/*\n    - ex-img/*\n  protected-cdn:clients:\n    cpp:\n"
        f"      paths: ['{scope}']\n      token:\n        secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBB\n"
    )


def test_a_plus_in_a_client_scope_stops_make_local(tmp_path):
    plus_stack(tmp_path, "ex-img/c++/*")
    with pytest.raises(SettingsError, match=r"^protected-cdn:clients\.cpp\.paths: .* has a \+"):
        LocalEdge(LocalEdgeOptions(stack="plus", stack_dir=tmp_path, token=CURRENT_TOKEN, port=0))


@pytest.mark.parametrize("engine", ["lambda-edge", "cloudfront-function"])
def test_a_plus_in_protected_paths_and_in_request_paths_on_the_local_edge(tmp_path, engine):
    plus_stack(tmp_path, "ex-img/c*/*")
    content = tmp_path / "content"
    (content / "ex-img" / "c++").mkdir(parents=True)
    (content / "ex-img" / "c++" / "x.txt").write_text("c++")
    (content / "ex-img" / "d").mkdir()
    (content / "ex-img" / "d" / "y.txt").write_text("d")
    options = LocalEdgeOptions(
        stack="plus",
        stack_dir=tmp_path,
        content=content,
        port=0,
        token=CURRENT_TOKEN,
        client_env={"CLIENT_TOKEN_CPP": OPEN_TOKEN},
        engine=engine,
    )
    with LocalEdge(options, log=lambda _line: None) as edge:
        serve_in_background(edge)
        assert edge.site.behavior_for("/ex-img/c++/x.txt").path_pattern == "ex-img/c++/*"
        assert request(edge, "/ex-img/c++/x.txt")[0] == 401
        for token in (CURRENT_TOKEN, OPEN_TOKEN):
            status, _, body = request(edge, "/ex-img/c++/x.txt", headers=bearer(token))
            assert (status, body) == (200, b"c++")
        assert request(edge, "/ex-img/d/y.txt", headers=bearer(OPEN_TOKEN))[0] == 403
        # The scope admits the key read as spaces too; no such object here.
        assert request(edge, "/ex-img/c%20%20/x.txt", headers=bearer(OPEN_TOKEN))[0] == 404
