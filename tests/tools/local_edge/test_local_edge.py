"""The local edge over real HTTP on loopback: moto S3, the built zip, the stack's site model."""

from __future__ import annotations

import base64
import functools
import http.client
import json
import os
import socket
from pathlib import Path

import pytest

from components.site_model import build_site_model
from components.stack_config import parse_settings
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, serve_in_background
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.http_server import EdgeHTTPServer
from tools.local_edge.local_distribution import LocalDistribution
from tools.local_edge.local_edge import DEFAULT_CONTENT, LocalEdge, LocalEdgeError, LocalEdgeOptions
from tools.stack_files.reader import StackFileError

ROOT = Path(__file__).resolve().parents[3]
LOGO = DEFAULT_CONTENT / "ex-img" / "logo.svg"
HELLO = DEFAULT_CONTENT / "public" / "hello.txt"
# The dev stack case (tests/stacks/), in process and on the command line (dev is the default).
Options = functools.partial(LocalEdgeOptions, stack="dev", stack_dir=STACK_CASES_DIR)


@pytest.fixture(scope="module")
def local():
    lines: list[str] = []
    options = Options(port=0, token=CURRENT_TOKEN, previous_tokens=(PREVIOUS_TOKEN,))
    with LocalEdge(options, log=lines.append) as edge:
        serve_in_background(edge)
        edge.lines = lines
        yield edge


def request(edge, path, method="GET", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", edge.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        # Header names are case-insensitive (the server may send "Etag" for "ETag").
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def bearer(token=CURRENT_TOKEN):
    return {"Authorization": f"Bearer {token}"}


def test_protected_path_without_token_is_the_handlers_401_json(local):
    status, headers, body = request(local, "/ex-img/logo.svg")
    assert status == 401
    assert json.loads(body) == {"meta": {"code": 401, "error_message": "Unauthorized"}, "data": {}}
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert headers["WWW-Authenticate"] == 'Bearer realm="protected-cdn"'
    assert headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"


def test_protected_path_with_token_returns_the_exact_file(local):
    status, headers, body = request(local, "/ex-img/logo.svg", headers=bearer())
    assert status == 200
    assert body == LOGO.read_bytes()
    assert headers["Content-Type"] == "image/svg+xml"
    assert headers["Content-Length"] == str(LOGO.stat().st_size)
    assert headers["ETag"].startswith('"') and headers["Last-Modified"].endswith("GMT")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_raw_token_and_previous_token_are_accepted(local):
    assert request(local, "/ex-img/logo.svg", headers={"Authorization": CURRENT_TOKEN})[0] == 200
    assert request(local, "/ex-img/logo.svg", headers=bearer(PREVIOUS_TOKEN))[0] == 200
    assert request(local, "/ex-img/logo.svg", headers=bearer(CURRENT_TOKEN[:-1]))[0] == 401


def test_unprotected_paths_need_no_token(local):
    status, _headers, body = request(local, "/public/hello.txt")
    assert (status, body) == (200, HELLO.read_bytes())
    status, headers, body = request(local, "/")
    assert status == 200 and b"protected-cdn sample" in body
    assert headers["Content-Type"].startswith("text/html")


def test_missing_key_is_404_with_the_json_error_page(local):
    for path, headers in [("/public/nope.txt", {}), ("/ex-img/nope.svg", bearer())]:
        status, response_headers, body = request(local, path, headers=headers)
        assert status == 404, path
        assert response_headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"meta": {"code": 404, "error_message": "Not Found"}, "data": {}}
        assert response_headers["X-Cache"] == "Error from cloudfront"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        # Encoded unreserved characters and dot segments normalize onto ex-img/*: checked.
        ("/ex%2Dimg/logo.svg", 401),
        ("/public/../ex-img/logo.svg", 401),
        # %2F stays encoded (RFC 3986): the default behavior, whose bucket has no such key.
        ("/ex-img%2Flogo.svg", 404),
        # A doubled leading slash is not folded by RFC 3986 normalization: the default behavior,
        # and the public bucket has no key "/ex-img/logo.svg".
        ("//ex-img/logo.svg", 404),
    ],
)
def test_encoded_or_dotted_paths_cannot_reach_protected_files_without_the_token(
    local, path, status
):
    got, _headers, body = request(local, path)
    assert got == status, (path, body[:80])
    assert LOGO.read_bytes() not in body


def test_each_file_sits_in_the_bucket_of_its_origin(local):
    def keys(origin_id):
        listing = local.s3.list_objects_v2(Bucket=local.buckets[origin_id])
        return sorted(item["Key"] for item in listing.get("Contents", []))

    assert keys("protected") == [
        "ex-img/gradient.png",
        "ex-img/logo.svg",
        "ex-img/partner-a/logo.svg",
        "ex-img/partner-a/readme.txt",
    ]
    public = keys("public")
    assert "index.html" in public and "public/hello.txt" in public
    assert "_errors/404.json" in public
    assert not [key for key in public if key.startswith("ex-img/")]


@pytest.mark.parametrize("value", ["bytes", "bytes 0-4", "bytes:0-4", "items=0-4", "bytes=0-1,3-4"])
def test_a_range_s3_cannot_use_is_ignored_with_a_200(local, value):
    status, _headers, body = request(local, "/public/hello.txt", headers={"Range": value})
    assert (status, body) == (200, HELLO.read_bytes())


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/public/http://x", 404),
        ("/public/a://b/hello.txt", 404),
        ("/x://", 404),
        ("http://any-host/public/hello.txt", 200),  # absolute form: the path after the host
    ],
)
def test_paths_with_a_scheme_separator_keep_their_key(local, path, status):
    got, _headers, body = request(local, path)
    assert got == status, (path, body[:80])
    if status == 404:
        assert json.loads(body)["meta"]["code"] == 404


def test_missing_protected_key_without_token_is_401_not_404(local):
    # The check runs before the origin: nobody learns which keys exist.
    assert request(local, "/ex-img/nope.svg")[0] == 401


def test_head_returns_headers_without_body(local):
    status, headers, body = request(local, "/ex-img/logo.svg", method="HEAD", headers=bearer())
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(LOGO.stat().st_size)
    assert request(local, "/ex-img/logo.svg", method="HEAD")[0] == 401


def test_range_request_gets_206_with_the_slice(local):
    status, headers, body = request(
        local, "/ex-img/logo.svg", headers={**bearer(), "Range": "bytes=5-14"}
    )
    assert status == 206
    assert body == LOGO.read_bytes()[5:15]
    assert headers["Content-Range"] == f"bytes 5-14/{LOGO.stat().st_size}"


def test_unsatisfiable_range_is_416_json(local):
    status, _headers, body = request(local, "/public/hello.txt", headers={"Range": "bytes=9999-"})
    assert status == 416
    assert json.loads(body)["meta"]["code"] == 416


def test_conditional_request_with_matching_etag_is_304(local):
    etag = request(local, "/public/hello.txt")[1]["ETag"]
    status, _headers, body = request(local, "/public/hello.txt", headers={"If-None-Match": etag})
    assert (status, body) == (304, b"")


def test_error_pages_are_served_without_a_token(local):
    status, headers, body = request(local, "/_errors/403.json")
    assert status == 200 and json.loads(body)["meta"]["code"] == 403
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "TRACE", "FOO"])
def test_methods_the_behaviors_do_not_allow_get_403_json(local, method):
    status, _headers, body = request(local, "/public/hello.txt", method=method)
    assert status == 403
    assert json.loads(body)["meta"]["code"] == 403


def test_hostile_requests_get_http_errors_and_the_server_keeps_serving(local):
    assert request(local, "/ex-img/logo.svg", headers={"Authorization": "x" * 60_000})[0] == 401
    assert request(local, "/public/" + "a" * 8000)[0] == 404
    assert request(local, "/public/%00%ff%2e%2e/../../etc/passwd")[0] in (400, 403, 404)
    with socket.create_connection(("127.0.0.1", local.port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
        assert raw.recv(64).split(b" ")[1][:1] == b"4"
    with socket.create_connection(("127.0.0.1", local.port), timeout=10) as raw:
        raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        assert raw.recv(64).startswith(b"HTTP/1.0 400 ")
    assert request(local, "/public/hello.txt")[0] == 200


def test_one_log_line_per_request_with_method_path_behavior_status_and_time(local):
    local.lines.clear()
    request(local, "/ex-img/logo.svg")
    (line,) = local.lines
    assert line.startswith("GET /ex-img/logo.svg behavior=ex-img/* status=401 ")
    assert line.endswith("ms")
    assert CURRENT_TOKEN not in line


def test_behaviors_come_from_the_stack_settings(local):
    expected = build_site_model(
        parse_settings(
            {"authToken": CURRENT_TOKEN, "protectedPaths": ["ex-img/*"]}, "dev"
        ).protected_paths,
        10,
    )
    assert local.site.behaviors == expected.behaviors
    assert local.site.error_responses == expected.error_responses


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        (Options(stack="nosuchstack", port=0), StackFileError, "unknown stack"),
        (Options(content=Path("/nonexistent"), port=0), LocalEdgeError, "does not exist"),
        (Options(token="", port=0), LocalEdgeError, "empty"),
    ],
)
def test_bad_input_is_one_clear_error(options, error, words):
    with pytest.raises(error, match=words):
        LocalEdge(options)


def test_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LocalEdgeError, match=f"port {port} is in use"):
            LocalEdge(Options(port=port))


def test_cli_bad_stack_prints_one_line_and_exits_non_zero(local_edge_main):
    status, _out, err = local_edge_main("--stack", "nosuchstack")
    assert status == 2
    assert err.strip().count("\n") == 0 and "unknown stack 'nosuchstack'" in err
    assert "Traceback" not in err


def test_cli_weak_token_names_the_setting(local_edge_main):
    status, _out, err = local_edge_main(env={"AUTH_TOKEN": "short"})
    assert status == 2
    assert "protected-cdn:authToken" in err and "AUTH_TOKEN" in err


def _serve(app) -> EdgeHTTPServer:
    server = EdgeHTTPServer(app, socket.create_server(("127.0.0.1", 0)))
    serve_in_background(server)
    return server


def test_generated_base64_body_is_decoded_and_a_rewritten_uri_is_fetched(local):
    png = (DEFAULT_CONTENT / "ex-img" / "gradient.png").read_bytes()

    def handler(event, _context):
        request = event["Records"][0]["cf"]["request"]
        if request["uri"].endswith("/inline.png"):
            return {
                "status": "200",
                "headers": {"content-type": [{"key": "Content-Type", "value": "image/png"}]},
                "body": base64.b64encode(png).decode(),
                "bodyEncoding": "base64",
            }
        # The function may rewrite the uri; the fetch stays on the behavior's (protected) origin.
        request["uri"] = "/ex-img/logo.svg"
        return request

    app = LocalDistribution(local.site, handler, local.s3, local.buckets, log=lambda _line: None)
    server = _serve(app)
    try:
        edge = type("Edge", (), {"port": server.port})()
        status, headers, body = request(edge, "/ex-img/inline.png")
        assert (status, body, headers["Content-Type"]) == (200, png, "image/png")
        status, _headers, body = request(edge, "/ex-img/anything")
        assert (status, body) == (200, LOGO.read_bytes())
    finally:
        server.shutdown()


# --- messages for bad arguments: one line, exit 2 ---------------------------------------------


def _cli_error(local_edge_main, *args: str) -> str:
    status, _out, err = local_edge_main(*args, env={"AUTH_TOKEN": CURRENT_TOKEN})
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("local edge: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "args",
    [["--port", "70000"], ["--port", "-1"], ["--port", "http"], ["--stack", "s" * 300]],
)
def test_bad_arguments_are_one_line_and_exit_2(local_edge_main, tmp_path, args):
    _cli_error(local_edge_main, *args)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_file_as_content_is_not_a_folder():
    with pytest.raises(LocalEdgeError, match=r"content folder .*README\.md is not a folder"):
        LocalEdge(Options(content=ROOT / "README.md", port=0))


def test_an_empty_content_path_is_refused_not_the_whole_checkout_served(local_edge_main):
    err = _cli_error(local_edge_main, "--content", "")
    assert "content folder must not be empty" in err


def test_a_missing_content_path_is_printed_escaped():
    with pytest.raises(LocalEdgeError) as caught:
        LocalEdge(Options(content=Path("/nonexistent/\x1b[2Jx"), port=0))
    assert "\x1b" not in str(caught.value)
    assert "/nonexistent/\\x1b[2Jx does not exist" in str(caught.value)


def test_a_stack_name_with_a_space_is_shown_quoted(local_edge_main):
    err = _cli_error(local_edge_main, "--stack", "dev ")
    assert "'dev ' is not a stack name" in err


def test_a_stack_of_another_project_is_refused(local_edge_main):
    err = _cli_error(local_edge_main, "--stack", "acme/other/dev")
    assert "'acme/other/dev' is a stack of project 'other', not protected-cdn" in err


def test_the_auth_token_hint_comes_only_with_a_token_error(local_edge_main, tmp_path):
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  protected-cdn:priceClass: PriceClass_1\n"
    )
    # The real reader and checks, on a stack file in a temporary folder (--stack-dir).
    status, _out, err = local_edge_main(
        "--stack", "bad", "--stack-dir", str(tmp_path), env={"AUTH_TOKEN": CURRENT_TOKEN}
    )
    assert status == 2, err
    assert "protected-cdn:priceClass" in err
    assert "AUTH_TOKEN" not in err
    # A token error keeps it (see test_cli_weak_token_names_the_setting).


# --- the content folder: what a deploy would serve, nothing more -------------------------

UNDER_ERRORS = b"private content under _errors, never deployed"


def _content_with_errors_folder(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "_errors").mkdir(parents=True)
    (content / "ex-img").mkdir()
    (content / "_errors" / "private.txt").write_bytes(UNDER_ERRORS)
    # A content file in place of an error page: the deploy keeps the page Pulumi uploads.
    (content / "_errors" / "404.json").write_bytes(UNDER_ERRORS)
    (content / "ex-img" / "logo.svg").write_bytes(LOGO.read_bytes())
    return content


@pytest.mark.parametrize("stack", ["dev", "everything"])
def test_content_under_errors_is_not_served_only_the_error_pages_the_deploy_uploads(
    tmp_path, stack
):
    content = _content_with_errors_folder(tmp_path)
    options = Options(stack=stack, content=content, port=0, token=CURRENT_TOKEN)
    with LocalEdge(options, log=lambda _line: None) as edge:
        serve_in_background(edge)
        for headers in ({}, bearer()):
            status, _headers, body = request(edge, "/_errors/private.txt", headers=headers)
            # As deployed: no such object in either bucket, so the JSON 404 page.
            assert status == 404, headers
            assert json.loads(body)["meta"]["code"] == 404
            status, _headers, body = request(edge, "/_errors/404.json", headers=headers)
            assert (status, body) == (200, (ROOT / "error_pages" / "404.json").read_bytes())
        status, _headers, body = request(edge, "/ex-img/logo.svg", headers=bearer())
        assert (status, body) == (200, LOGO.read_bytes())
        # Said at start-up, as make upload says it skips them.
        banner = edge.banner()
        assert "_errors/private.txt" in banner and "not served" in banner
        assert len(edge.content.files) == 1


def test_a_content_file_name_that_is_not_utf8_is_one_line_and_exit_2(tmp_path, local_edge_main):
    content = tmp_path / "content"
    content.mkdir()
    (content / "ok.txt").write_text("fine")
    try:
        (content / os.fsdecode(b"caf\xe9.txt")).write_text("latin-1 name")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    err = _cli_error(local_edge_main, "--content", str(content))
    assert "caf\\xe9.txt" in err and "not UTF-8" in err


def test_a_folder_name_that_is_not_utf8_is_refused_too(tmp_path):
    content = tmp_path / "content"
    try:
        (content / os.fsdecode(b"\xff\xfe")).mkdir(parents=True)
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    (content / os.fsdecode(b"\xff\xfe") / "x.txt").write_text("x")
    with pytest.raises(LocalEdgeError, match=r"\\xff\\xfe/x\.txt.*not UTF-8"):
        LocalEdge(Options(content=content, port=0, token=CURRENT_TOKEN))


def test_content_make_upload_refuses_is_refused_here_too(tmp_path):
    """The local edge serves the folder as make upload would put it in the buckets: a public
    link to a protected file, or a link out of the folder, is never served."""
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the content folder")
    content = tmp_path / "content"
    (content / "ex-img").mkdir(parents=True)
    (content / "ex-img" / "logo.svg").write_bytes(LOGO.read_bytes())
    (content / "public").mkdir()
    (content / "public" / "logo.svg").symlink_to(content / "ex-img" / "logo.svg")
    with pytest.raises(LocalEdgeError, match=r"public/logo\.svg' \(public\) is a symlink"):
        LocalEdge(Options(content=content, port=0, token=CURRENT_TOKEN))
    (content / "public" / "logo.svg").unlink()
    (content / "public" / "notes.txt").symlink_to(outside)
    with pytest.raises(LocalEdgeError, match=r"notes\.txt' is a symlink outside the content"):
        LocalEdge(Options(content=content, port=0, token=CURRENT_TOKEN))
