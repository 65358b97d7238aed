"""What one slow client can hold on the local edge's HTTP server: a request has a deadline.

These tests assert behaviour, never a latency: the bounds below only end a run that would
otherwise hang, and a healthy run stays far from them.
"""

from __future__ import annotations

import http.client
import socket
import time
from functools import partial

import pytest

from tests.edge_support import CURRENT_TOKEN
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions

Options = partial(LocalEdgeOptions, stack="dev", stack_dir=STACK_CASES_DIR)
# Long enough that neither timeout acts during a test unless the test asks for it.
NEVER = 600
PARTIAL_REQUEST = b"GET /public/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
# Only a broken server comes near these.
BOUND_SECONDS = 120
# A short deadline: the server checks it at a quarter of itself, so the tests wait little.
DEADLINE = 0.2


@pytest.fixture(scope="module")
def deadline_edge():
    """An edge whose only acting timeout is the request deadline."""
    options = Options(port=0, token=CURRENT_TOKEN, header_timeout=DEADLINE, idle_timeout=NEVER)
    with LocalEdge(options, log=lambda _line: None) as edge:
        edge.serve_in_background()
        yield edge


@pytest.fixture(scope="module", params=["lambda-edge", "cloudfront-function"])
def patient_edge(request):
    """An edge of each engine whose deadline is far off."""
    options = Options(port=0, token=CURRENT_TOKEN, engine=request.param, header_timeout=NEVER)
    with LocalEdge(options, log=lambda _line: None) as edge:
        edge.serve_in_background()
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


def _closed_by_server(connection: socket.socket) -> bool:
    """True once the server has closed ``connection`` (EOF or reset)."""
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def test_a_client_that_trickles_its_request_is_dropped_at_the_deadline(deadline_edge):
    # The idle timeout never acts here: only the request deadline can close the trickler.
    slow = socket.create_connection(("127.0.0.1", deadline_edge.port))
    try:
        slow.sendall(PARTIAL_REQUEST)
        # One byte per pacing period: far more often than any idle timeout.
        slow.settimeout(DEADLINE / 10)
        began, closed = time.monotonic(), False
        while not closed and time.monotonic() - began < BOUND_SECONDS:
            try:
                slow.send(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            closed = _closed_by_server(slow)
        assert closed, "a client that keeps trickling its headers is never dropped"
        # The server itself goes on serving.
        assert _get(deadline_edge.port) == 200
    finally:
        slow.close()


def test_a_new_connection_that_sends_nothing_is_dropped_at_the_deadline_too(deadline_edge):
    with socket.create_connection(("127.0.0.1", deadline_edge.port)) as silent:
        silent.settimeout(BOUND_SECONDS)
        assert silent.recv(1) == b""


def test_a_keep_alive_connection_between_requests_is_left_to_the_idle_timeout(deadline_edge):
    # The deadline is for a request being read, not for the pause after a response.
    port = deadline_edge.port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=BOUND_SECONDS)
    try:
        connection.request("GET", "/public/hello.txt")
        first = connection.getresponse()
        first.read()
        assert first.status == 200
        # Wait for the deadline to pass on a connection that sent nothing new: a
        # connection past its deadline would be closed by now, this one must not be.
        with socket.create_connection(("127.0.0.1", port)) as witness:
            witness.settimeout(BOUND_SECONDS)
            assert witness.recv(1) == b""  # the deadline has acted on the witness
        connection.request("GET", "/public/hello.txt")
        second = connection.getresponse()
        second.read()
        assert second.status == 200
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
    request's deadline. The deadline is far off here, so only an immediate answer passes."""
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
