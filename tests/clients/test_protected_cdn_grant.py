"""The grant helper a client copies: the contract's bytes, computed apart (hmac and base64 here,
Node's crypto in a subprocess), read back, and every input it must refuse refused in one line
without the token."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients import protected_cdn_grant
from clients.protected_cdn_grant import (
    GrantError,
    grant_parts,
    mint_grant,
    session_link,
    signed_link,
    signing_key,
    verify_grant,
)
from edge_handler import render_function_code, store_entries
from tests.client_support import CLIENTS, OPEN_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime
from tools.edge_runtime.engines import function_event
from tools.edge_runtime.viewer_event import viewer_request_event

NODE = shutil.which("node")
NOW = 1_800_000_000
HELPER = Path(protected_cdn_grant.__file__)
# The contract's known answer, computed once with Node's crypto (see the Node test below):
# client partner-a, token CURRENT_TOKEN, /ex-img/partner-a/* for an hour from NOW.
KEY_HEX = "ac676dfe3ab958b8411d478c78b732655741f25ff5a3dba4796611db0b6c96b9"
GRANT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InBhcnRuZXItYSJ9"
    ".eyJleHAiOjE4MDAwMDM2MDAsInBhdGgiOiIvZXgtaW1nL3BhcnRuZXItYS8qIiwiaWF0IjoxODAwMDAwMDAwfQ"
    ".oBQbCj-b9kBES87-qpYS_PHyb02bRo6CmaLVdaJH-yA"
)
BASE = "https://assets.example.com"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def grant_for(path: str = "/ex-img/partner-a/*", **kwargs) -> str:
    return mint_grant(CURRENT_TOKEN, "partner-a", path, 3600, now=NOW, **kwargs)


def test_signing_key_is_the_hmac_of_the_context_under_the_token():
    expected = hmac.new(CURRENT_TOKEN.encode(), b"protected-cdn grant v1", hashlib.sha256)
    assert signing_key(CURRENT_TOKEN) == expected.digest()
    assert signing_key(CURRENT_TOKEN).hex() == KEY_HEX
    assert len(signing_key("é")) == 32 and signing_key("é") != signing_key("e")


def test_a_grant_is_the_contracts_jwt_byte_for_byte():
    grant = grant_for()
    assert grant == GRANT
    header, claims, signature = grant.split(".")
    assert header == b64url(b'{"alg":"HS256","typ":"JWT","kid":"partner-a"}')
    assert claims == b64url(b'{"exp":1800003600,"path":"/ex-img/partner-a/*","iat":1800000000}')
    mac = hmac.new(bytes.fromhex(KEY_HEX), f"{header}.{claims}".encode(), hashlib.sha256)
    assert signature == b64url(mac.digest())


@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_node_crypto_derives_the_same_key_and_signs_the_same_grant():
    script = r"""
    const c = require('crypto');
    const [token, kid, path, exp, iat] = process.argv.slice(1);
    const key = c.createHmac('sha256', Buffer.from(token, 'utf8'))
      .update('protected-cdn grant v1').digest();
    const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = part({alg: 'HS256', typ: 'JWT', kid}) + '.' +
      part({exp: +exp, path, iat: +iat});
    process.stdout.write(JSON.stringify({
      key: key.toString('hex'),
      grant: input + '.' + c.createHmac('sha256', key).update(input).digest('base64url'),
    }));
    """
    args = [CURRENT_TOKEN, "partner-a", "/ex-img/partner-a/*", str(NOW + 3600), str(NOW)]
    done = subprocess.run(
        [NODE, "-e", script, "--", *args], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == {"key": KEY_HEX, "grant": grant_for()}


def test_a_grant_reads_back_and_verifies_with_its_token_only():
    grant = grant_for("/ex-img/partner-a/a.png", nbf=NOW + 60)
    header, claims = grant_parts(grant)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "partner-a"}
    expected = {"exp": NOW + 3600, "path": "/ex-img/partner-a/a.png", "iat": NOW}
    assert claims == {**expected, "nbf": NOW + 60}
    assert verify_grant(CURRENT_TOKEN, grant, now=NOW + 60) == claims
    with pytest.raises(GrantError, match="not valid yet"):
        verify_grant(CURRENT_TOKEN, grant, now=NOW + 59)
    with pytest.raises(GrantError, match="expired"):
        verify_grant(CURRENT_TOKEN, grant, now=NOW + 3600)
    with pytest.raises(GrantError, match="signature"):
        verify_grant(CURRENT_TOKEN + "x", grant, now=NOW + 60)


def test_the_clock_gives_iat_and_exp_when_now_is_not_given():
    claims = grant_parts(mint_grant("t", "a", "/x", 90))[1]
    assert claims["exp"] - claims["iat"] == 90 and isinstance(claims["iat"], int)


def tampered() -> list[str]:
    header, claims, signature = GRANT.split(".")
    none = b64url(b'{"alg":"none","typ":"JWT","kid":"partner-a"}')
    wider = b64url(json.dumps({"exp": NOW + 3600, "path": "/*", "iat": NOW}).encode())
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [
        f"{none}.{claims}.",
        f"{none}.{claims}.{signature}",
        f"{header}.{wider}.{signature}",
        f"{header}.{claims}.{flipped}",
        f"{header}.{claims}",
        f"{header}.{claims}.{signature}.x",
        f"{header}.{claims}.{signature}=",
        "not a grant",
    ]


@pytest.mark.parametrize("grant", tampered())
def test_a_tampered_grant_is_refused_without_the_token(grant):
    with pytest.raises(GrantError) as refused:
        verify_grant(CURRENT_TOKEN, grant, now=NOW)
    assert CURRENT_TOKEN not in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("ex-img/a.png", "must start with /"),
        ("", "must start with /"),
        ("/ex-img/*.png", "* is allowed only as the last segment"),
        ("/ex-img*", "* is allowed only as the last segment"),
        ("/ex-img/../secret/*", ". or .. segment"),
        ("/ex-img/./a.png", ". or .. segment"),
        ("/ex-img/%2e%2e/a.png", "unencoded"),
        ("/ex-img%2Fa.png", "unencoded"),
        ("/ex-img\\a.png", "backslash"),
        ("/ex-img/a\r\nSet-Cookie: x", "control character"),
        ("/ex-img//a.png", "empty segment"),
        ("/" + "a" * 1024, "longer than 1024 bytes"),
        ("/é" * 200, "longer than 1024 bytes"),
    ],
)
def test_a_path_the_edge_could_not_read_alike_is_refused(path, words):
    with pytest.raises(GrantError, match=re.escape(words)) as refused:
        grant_for(path)
    assert str(refused.value).startswith("path")


@pytest.mark.parametrize(
    ("token", "client", "ttl", "words"),
    [
        ("", "partner-a", 60, "token: give the client's token"),
        (CURRENT_TOKEN, "Partner-A", 60, "not a client name"),
        (CURRENT_TOKEN, "a" * 41, 60, "not a client name"),
        (CURRENT_TOKEN, "", 60, "not a client name"),
        (CURRENT_TOKEN, "-partner", 60, "starting with a letter or digit"),
        (CURRENT_TOKEN, "partner-a", 0, "above 0"),
        (CURRENT_TOKEN, "partner-a", -5, "above 0"),
        (CURRENT_TOKEN, "partner-a", 1.5, "whole number"),
        (CURRENT_TOKEN, "partner-a", "60", "number of seconds"),
        (CURRENT_TOKEN, "partner-a", True, "number of seconds"),
    ],
)
def test_bad_inputs_are_refused_in_one_line_without_the_token(token, client, ttl, words):
    with pytest.raises(GrantError, match=words) as refused:
        mint_grant(token, client, "/ex-img/a.png", ttl, now=NOW)
    assert CURRENT_TOKEN not in str(refused.value) and "\n" not in str(refused.value)


def test_nbf_must_come_before_the_expiry():
    with pytest.raises(GrantError, match="nbf"):
        grant_for(nbf=NOW + 3600)


@pytest.mark.parametrize(
    ("path", "url_path"),
    [
        ("/ex-img/partner-a/a.png", "/ex-img/partner-a/a.png"),
        ("/ex-img/partner-a/a b#1?.png", "/ex-img/partner-a/a%20b%231%3F.png"),
        ("/ex-img/partner-a/café+(1).png", "/ex-img/partner-a/caf%C3%A9+(1).png"),
    ],
)
def test_a_signed_link_quotes_the_files_path(path, url_path):
    link = signed_link(BASE + "/", path, grant_for())
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    assert parts.path == url_path
    assert parse_qs(parts.query) == {"grant": [grant_for()]}


def test_an_exact_grant_holds_the_path_as_sent_and_refuses_what_needs_escapes():
    exact = grant_for("/ex-img/partner-a/a+(1),b=c;d@e:f!$&'~.png")
    claim = grant_parts(exact)[1]["path"]
    assert claim == "/ex-img/partner-a/a+(1),b=c;d@e:f!$&'~.png"
    assert urlsplit(signed_link(BASE, claim, exact)).path == claim
    for name in ("a b.png", "café.png", "a#b.png", "a?b.png", 'a"b.png'):
        with pytest.raises(GrantError, match="grant its folder instead"):
            grant_for(f"/ex-img/partner-a/{name}")


@pytest.mark.parametrize(
    ("base", "path", "words"),
    [
        (BASE, "/ex-img/partner-b/a.png", "the grant is for '/ex-img/partner-a/*'"),
        (BASE, "/ex-img/partner-a", "the grant is for"),
        (BASE, "/ex-img/partner-a/*", "not in a file's path"),
        ("assets.example.com", "/ex-img/partner-a/a.png", "base_url"),
        ("ftp://assets.example.com", "/ex-img/partner-a/a.png", "base_url"),
        (BASE + "/cdn", "/ex-img/partner-a/a.png", "no path or query"),
    ],
)
def test_a_link_the_grant_does_not_cover_is_refused(base, path, words):
    with pytest.raises(GrantError, match=re.escape(words)):
        signed_link(base, path, grant_for())


def test_a_session_link_carries_the_grant_and_the_page_to_open():
    link = session_link("http://127.0.0.1:8080", GRANT, "/gallery.html?page=2&size=s")
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == ("127.0.0.1:8080", "/_grant")
    assert parse_qs(parts.query) == {"grant": [GRANT], "to": ["/gallery.html?page=2&size=s"]}
    assert "to=/gallery.html%3F" in link  # the slashes stay readable


@pytest.mark.parametrize(
    "to",
    [
        "//evil.example/",
        "https://evil.example/",
        "gallery.html",
        "/\\evil",
        "/a\r\nb",
        "",
        "/a b",
        "/%2F%2Fevil.example",
        "/page#top",
    ],
)
def test_a_session_link_opens_only_a_path_on_the_same_site(to):
    with pytest.raises(GrantError, match="to "):
        session_link(BASE, GRANT, to)


def test_the_helper_is_one_file_of_the_standard_library(tmp_path):
    tree = ast.parse(HELPER.read_text(encoding="utf-8"))
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom)) and getattr(node, "level", 0) == 0
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported
    # Copied alone into an empty folder, run without site-packages or this repository.
    shutil.copy(HELPER, tmp_path)
    code = (
        "import protected_cdn_grant as g; "
        f"print(g.mint_grant({CURRENT_TOKEN!r}, 'partner-a', '/ex-img/partner-a/*', 3600, "
        f"now={NOW}))"
    )
    done = subprocess.run(
        [sys.executable, "-E", "-s", "-S", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == GRANT


@pytest.fixture(scope="module")
def function():
    """The CloudFront Function with grants in the V8 harness, its store as a stack's, at NOW."""
    code = render_function_code("authorization", log_allowed=True, grants=True)
    with CloudFrontRuntime(
        code, now=NOW, store=store_entries([PREVIOUS_TOKEN], CLIENTS, True)
    ) as rt:
        yield rt


def admitted(function, link: str) -> bool:
    parts = urlsplit(link)
    event = viewer_request_event([], uri=parts.path, querystring=parts.query)
    result, logs = function.handle(function_event(event))
    return "statusCode" not in result and logs[-1]["reason"] == "grant"


# Characters a file name may hold: those a URL carries as they are, and some it escapes.
NAME = st.text(alphabet=st.sampled_from("aZ09-._~!$&'()+,;=:@ é%#?\"*"), min_size=1, max_size=12)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folder=NAME, name=NAME)
def test_the_function_admits_every_link_the_helper_makes(function, folder, name):
    """What the helper mints and links, the edge reads alike: never a grant it refuses."""
    exact = f"/ex-img/{folder}/{name}"
    for path in (exact, f"/ex-img/{folder}/*"):
        try:
            grant = mint_grant(OPEN_TOKEN, "mirror", path, 600, now=NOW)
            link = signed_link(BASE, exact, grant)
        except GrantError:
            continue
        assert admitted(function, link), link


def test_a_folder_grant_opens_a_file_whose_name_needs_escapes(function):
    grant = mint_grant(SCOPED_TOKEN, "partner-a", "/ex-img/partner-a/*", 600, now=NOW)
    link = signed_link(BASE, "/ex-img/partner-a/a b/café.png", grant)
    assert urlsplit(link).path == "/ex-img/partner-a/a%20b/caf%C3%A9.png"
    assert admitted(function, link)
