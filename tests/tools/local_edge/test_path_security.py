"""No spelling of a protected key reaches its bytes without the token, over real HTTP.

AWS documents that CloudFront matches behaviors on the RFC 3986 normalized path and sends the
raw path to the origin, where S3 decodes every escape. Both readings of "normalized" are tried:
RFC 3986 strict (the local edge's default) and full decoding. Either way a request that lands on
an unprotected behavior reads the public bucket only, so it can never get a protected object.
"""

from __future__ import annotations

import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.site_model import normalize_full_decoding, normalize_rfc3986
from tests.edge_support import CURRENT_TOKEN, load_built, serve_in_background
from tests.edge_support import raw_get as get
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.http_server import EdgeHTTPServer
from tools.local_edge.local_distribution import LocalDistribution
from tools.local_edge.local_edge import DEFAULT_CONTENT, LocalEdge, LocalEdgeOptions

PROTECTED_KEYS = ("ex-img/gradient.png", "ex-img/logo.svg")
READINGS = {"rfc3986": normalize_rfc3986, "full-decoding": normalize_full_decoding}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Reading name -> port: the local edge (RFC 3986), and its flow under full decoding."""
    options = LocalEdgeOptions(stack="dev", stack_dir=STACK_CASES_DIR, port=0, token=CURRENT_TOKEN)
    with LocalEdge(options, log=lambda _line: None) as edge:
        serve_in_background(edge)
        handler = load_built(tmp_path_factory.mktemp("edge"), [CURRENT_TOKEN]).handler
        app = LocalDistribution(
            edge.site,
            handler,
            edge.s3,
            edge.buckets,
            log=lambda _line: None,
            normalize=READINGS["full-decoding"],
        )
        wide = EdgeHTTPServer(app, socket.create_server(("127.0.0.1", 0)))
        serve_in_background(wide)
        try:
            yield {"rfc3986": edge.port, "full-decoding": wide.port}
        finally:
            wide.shutdown()


def _char(c: str) -> st.SearchStrategy[str]:
    """One character of a key: literal, or percent-encoded with upper or lower hex."""
    code = f"{ord(c):02X}"
    return st.sampled_from([c, f"%{code}", f"%{code.lower()}"])


# Ways to write the "/" between segments, and segments that dot-segment removal drops.
SEPARATORS = ["/", "//", "%2F", "%2f", "\\", "%5C", "%5c", "/./", "/%2e/", "/%2E/"]
DETOURS = ["./", "../", "x/../", "public/../", "%2e%2e/", "public/%2E%2E/", ".%2e/", "./../"]


def _sometimes(draw, choices: list[str], plain: str) -> str:
    # Half the time the plain form, so the one odd part of a spelling is not drowned out.
    return draw(st.sampled_from(choices)) if draw(st.booleans()) else plain


@st.composite
def spellings(draw, key: str) -> str:
    """A request path that names ``key`` under some reading of normalization and decoding."""
    segments = key.split("/")
    parts = [_sometimes(draw, ["//", "/./", "/%2e/"], "/"), _sometimes(draw, DETOURS, "")]
    for index, segment in enumerate(segments):
        if index:
            parts.append(draw(st.sampled_from(SEPARATORS)))
            parts.append(_sometimes(draw, DETOURS, ""))
        parts.extend(draw(_char(c)) for c in segment)
    return "".join(parts)


def _bytes(key: str) -> bytes:
    return (DEFAULT_CONTENT / key).read_bytes()


@settings(
    # Each example is two real HTTP requests (one per reading): 3 ms each.
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_spelling_of_a_protected_key_gets_its_bytes_without_the_token(servers, data):
    key = data.draw(st.sampled_from(PROTECTED_KEYS), label="key")
    path = data.draw(spellings(key), label="path")
    for reading in sorted(READINGS):
        status, body = get(servers[reading], path)
        assert _bytes(key) not in body, (reading, path, status)
        assert status != 200 or body == b"", (reading, path, status)


@pytest.mark.parametrize("reading", sorted(READINGS))
@pytest.mark.parametrize(
    "path",
    [
        "/ex-img%2Fgradient.png",
        "/ex-img%2fgradient.png",
        "/ex%2Dimg%2Fgradient.png",
        "/public%2F..%2Fex-img%2Fgradient.png",
        "/public/..%2Fex-img/gradient.png",
        "//ex-img/gradient.png",
        "/ex-img\\gradient.png",
        "/./ex-img/./gradient.png",
    ],
)
def test_known_tricks_do_not_get_the_protected_bytes(servers, reading, path):
    status, body = get(servers[reading], path)
    assert (status, body) != (200, _bytes("ex-img/gradient.png")), (reading, path)
    assert _bytes("ex-img/gradient.png") not in body


def test_encoded_slash_without_token_is_not_200_with_the_bytes(servers):
    status, body = get(servers["rfc3986"], "/ex-img%2Fgradient.png")
    # RFC 3986 keeps %2F: the default behavior runs no check, but its origin holds only
    # public content, so the raw path's key is simply not there.
    assert status == 404
    assert _bytes("ex-img/gradient.png") not in body


@pytest.mark.parametrize("reading", sorted(READINGS))
def test_with_the_token_the_normal_path_gets_the_bytes(servers, reading):
    headers = {"Authorization": f"Bearer {CURRENT_TOKEN}"}
    status, body = get(servers[reading], "/ex-img/gradient.png", headers)
    assert (status, body) == (200, _bytes("ex-img/gradient.png"))


@pytest.mark.parametrize("reading", sorted(READINGS))
def test_spellings_that_select_the_protected_behavior_are_checked(servers, reading):
    # Encoded unreserved characters and dot segments normalize to the protected pattern under
    # both readings: the check runs (401), and with the token the object comes back.
    for path in [
        "/ex%2Dimg/gradient.png",
        "/%65x-img/gradient.png",
        "/public/../ex-img/gradient.png",
    ]:
        assert get(servers[reading], path)[0] == 401, path
        headers = {"Authorization": f"Bearer {CURRENT_TOKEN}"}
        assert get(servers[reading], path, headers)[0] in (200, 404), path
