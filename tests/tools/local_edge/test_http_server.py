"""What one slow client can hold on the local edge's HTTP server: a request has a deadline.

These tests assert behaviour, never a latency: the bounds below only end a run that would
otherwise hang, and a healthy run stays far from them.
"""

from __future__ import annotations

import http.client
import socket
import time
from functools import partial

from tests.edge_support import CURRENT_TOKEN
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions

Options = partial(LocalEdgeOptions, stack="dev", stack_dir=STACK_CASES_DIR)
# Long enough that neither timeout acts during a test unless the test asks for it.
NEVER = 600
PARTIAL_REQUEST = b"GET /public/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
# Only a broken server comes near these.
BOUND_SECONDS = 120


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


def test_a_client_that_trickles_its_request_is_dropped_at_the_deadline():
    # The idle timeout never acts here: only the request deadline can close the trickler.
    options = Options(port=0, token=CURRENT_TOKEN, header_timeout=1, idle_timeout=NEVER)
    with LocalEdge(options, log=lambda _line: None) as edge:
        edge.serve_in_background()
        slow = socket.create_connection(("127.0.0.1", edge.port))
        try:
            slow.sendall(PARTIAL_REQUEST)
            # One byte per pacing period: far more often than any idle timeout.
            slow.settimeout(0.1)
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
            assert _get(edge.port) == 200
        finally:
            slow.close()


def test_a_new_connection_that_sends_nothing_is_dropped_at_the_deadline_too():
    options = Options(port=0, token=CURRENT_TOKEN, header_timeout=1, idle_timeout=NEVER)
    with LocalEdge(options, log=lambda _line: None) as edge:
        edge.serve_in_background()
        with socket.create_connection(("127.0.0.1", edge.port)) as silent:
            silent.settimeout(BOUND_SECONDS)
            assert silent.recv(1) == b""


def test_a_keep_alive_connection_between_requests_is_left_to_the_idle_timeout():
    # The deadline is for a request being read, not for the pause after a response.
    options = Options(port=0, token=CURRENT_TOKEN, header_timeout=1, idle_timeout=NEVER)
    with LocalEdge(options, log=lambda _line: None) as edge:
        edge.serve_in_background()
        connection = http.client.HTTPConnection("127.0.0.1", edge.port, timeout=BOUND_SECONDS)
        try:
            connection.request("GET", "/public/hello.txt")
            first = connection.getresponse()
            first.read()
            assert first.status == 200
            # Wait for the deadline to pass on a connection that sent nothing new: a
            # connection past its deadline would be closed by now, this one must not be.
            with socket.create_connection(("127.0.0.1", edge.port)) as witness:
                witness.settimeout(BOUND_SECONDS)
                assert witness.recv(1) == b""  # the deadline has acted on the witness
            connection.request("GET", "/public/hello.txt")
            second = connection.getresponse()
            second.read()
            assert second.status == 200
        finally:
            connection.close()
