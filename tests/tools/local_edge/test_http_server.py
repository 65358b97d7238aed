"""The local edge's HTTP server answers a request that expects 100 Continue at once.

These tests assert behaviour, never a latency: the bounds below only end a run that would
otherwise hang, and a healthy run stays far from them.
"""

from __future__ import annotations

import http.client
import socket
from functools import partial

import pytest

from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions

Options = partial(LocalEdgeOptions, stack="dev", stack_dir=STACK_CASES_DIR)
# Long enough that the idle timeout never acts during a test.
NEVER = 600
# Only a broken server comes near these.
BOUND_SECONDS = 120


@pytest.fixture(scope="module", params=["lambda-edge", "cloudfront-function"])
def patient_edge(request):
    """An edge of each engine whose idle timeout is far off."""
    options = Options(port=0, token=CURRENT_TOKEN, engine=request.param, idle_timeout=NEVER)
    with LocalEdge(options, log=lambda _line: None) as edge:
        serve_in_background(edge)
        yield edge


def _get(port: int, path: str = "/public/hello.txt") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=BOUND_SECONDS)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _first_answer(port: int, request: bytes) -> bytes:
    """Everything the server sends for ``request`` until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND_SECONDS) as client:
        client.sendall(request)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    ("path", "auth", "status"),
    [
        ("/ex-img/logo.svg", b"", b"401"),
        ("/ex-img/logo.svg", b"Authorization: Bearer " + CURRENT_TOKEN.encode() + b"\r\n", b"200"),
        ("/public/hello.txt", b"", b"200"),
    ],
)
def test_expect_100_continue_gets_the_final_answer_at_once(patient_edge, path, auth, status):
    """The client announces a body and waits for 100 Continue before sending it: the edge
    answers at once (no request reads a body), instead of waiting for the body until the
    idle timeout. That is far off here, so only an immediate answer passes."""
    for length in (b"Content-Length: 5\r\n", b"Transfer-Encoding: chunked\r\n", b""):
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n".encode()
            + auth
            + length
            + (b"Connection: close\r\n" if not length else b"")
            + b"\r\n"
        )
        answer = _first_answer(patient_edge.port, request)
        assert answer.startswith(b"HTTP/1.1 " + status + b" "), answer[:80]
        # The body never came: the connection closes, and nothing follows the answer.
        assert answer.count(b"HTTP/1.1 ") == 1
    assert _get(patient_edge.port) == 200  # and the server goes on serving
