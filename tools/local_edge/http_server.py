"""The local edge's HTTP server: waitress, answering ``Expect: 100-continue`` at once.

Why waitress rather than werkzeug's threaded server: werkzeug starts one thread per connection
without limit (4,000 idle connections held 3,896 threads). Waitress reads requests on one
event loop, so an idle or slow connection costs a socket, not a thread; a fixed pool runs the
app. It is pure Python and well kept (Pylons), with no C build step.

A connection silent for ``idle_timeout`` (waitress's ``channel_timeout``) is closed. That is
the only defence against slow clients: the server listens on 127.0.0.1 only, so the clients
are the user's own; connections beyond waitress's limit wait in the backlog.

A request that asks ``Expect: 100-continue`` is answered at once, without its body: the
distribution serves GET, HEAD and OPTIONS and reads no body, so there is nothing to wait for
(RFC 9110 15.2.1 lets a server send the final status instead of 100). The connection closes
after the answer, so a body sent anyway is never read as the next request.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from functools import partial

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer

# Werkzeug's old per-header-line limit; the hostile tests send 60 KB Authorization headers.
MAX_REQUEST_HEADER_BYTES = 64 * 1024
# Connections beyond waitress's limit wait here.
BACKLOG = 4096
# How often idle timeouts are checked (at most; a short timeout is checked at a quarter of
# itself). The event loop sleeps as long when idle; shutdown wakes it at once through the
# trigger.
SWEEP_SECONDS = 1


class _AnswerAtOnceParser(HTTPRequestParser):
    """A request whose headers ask ``Expect: 100-continue`` is complete without its body."""

    def __init__(self, adj: Adjustments, channel: _AnswerAtOnceChannel) -> None:
        super().__init__(adj)
        self._channel = channel

    def received(self, data: bytes) -> int:
        consumed = super().received(data)
        if not (self.expect_continue and self.headers_finished):
            return consumed
        self.expect_continue = False  # no 100 Continue: the answer is the final status
        if not self.completed:
            self.completed = True
            self.body_rcv = None  # the app reads an empty body: it never wanted one
            self.headers.pop("CONTENT_LENGTH", None)
            self.headers.pop("TRANSFER_ENCODING", None)
            self.headers["CONNECTION"] = "close"
            self._channel.body_skipped = True
            return len(data)
        return consumed


class _AnswerAtOnceChannel(HTTPChannel):
    """A connection whose requests are parsed by ``_AnswerAtOnceParser``."""

    # Set once a request was answered without its body: what follows is that body.
    body_skipped = False

    @property
    def parser_class(self):  # waitress makes each request's parser with parser_class(adj)
        return partial(_AnswerAtOnceParser, channel=self)

    def received(self, data: bytes) -> bool:
        if self.body_skipped:
            return True  # the body of a request already answered; the connection closes
        return super().received(data)


class _EdgeServer(TcpWSGIServer):
    channel_class = _AnswerAtOnceChannel


class EdgeHTTPServer:
    """Serve a WSGI app on an already bound socket until ``shutdown``; threads stay bounded."""

    def __init__(
        self,
        app: Callable,
        listener: socket.socket,
        *,
        threads: int = 8,
        idle_timeout: float = 30,
    ) -> None:
        # Waitress warns on a busy queue and on every refused connection; our one line per
        # request is the log, and waitress's own errors still reach stderr.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._sweep = min(SWEEP_SECONDS, idle_timeout / 4)
        adjustments = Adjustments(
            threads=threads,
            backlog=BACKLOG,
            max_request_header_size=MAX_REQUEST_HEADER_BYTES,
            asyncore_use_poll=True,
            expose_tracebacks=False,
            ident="local-edge",
        )
        # Set after parsing: waitress reads these two as whole seconds.
        adjustments.channel_timeout = idle_timeout
        adjustments.cleanup_interval = self._sweep
        self._map: dict = {}
        self._server = _EdgeServer(
            app,
            map=self._map,
            _sock=listener,
            adj=adjustments,
            bind_socket=False,
            sockinfo=(listener.family, listener.type, listener.proto, listener.getsockname()),
        )
        self.port: int = listener.getsockname()[1]
        self._stop = threading.Event()
        self._looping = threading.Lock()  # held while serve_forever runs the event loop
        self._shutting_down = threading.Lock()

    def serve_forever(self) -> None:
        with self._looping:
            while not self._stop.is_set():
                wasyncore.loop(timeout=self._sweep, map=self._map, use_poll=True, count=1)

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (if it ever ran) and release the socket and threads; safe to
        call twice."""
        with self._shutting_down:
            if self._stop.is_set():
                return
            self._stop.set()
            self._server.pull_trigger()  # the loop wakes at once (the trigger is still open)
            with self._looping:  # the loop has ended, or will never run
                self._server.task_dispatcher.shutdown(timeout=5)
                wasyncore.close_all(self._map)
