"""The local edge's HTTP server: waitress with a fixed thread pool and an idle-connection timeout.

Why waitress rather than werkzeug's threaded server: werkzeug starts one thread per connection
without limit (4,000 idle connections held 3,896 threads). Waitress reads requests on one
event loop, so an idle or slow connection costs a socket, not a thread; a fixed pool runs the
app; ``connection_limit`` caps sockets (more wait in the listen backlog) and ``channel_timeout``
closes idle connections. It is pure Python and well kept (Pylons), with no C build step.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

import waitress
from waitress import wasyncore

# Werkzeug's old per-header-line limit; the hostile tests send 60 KB Authorization headers.
MAX_REQUEST_HEADER_BYTES = 64 * 1024
# How long the event loop sleeps when idle; shutdown wakes it at once through the trigger.
_LOOP_SECONDS = 1


class EdgeHTTPServer:
    """Serve a WSGI app on an already bound socket until ``shutdown``; threads stay bounded."""

    def __init__(
        self,
        app: Callable,
        listener: socket.socket,
        *,
        threads: int = 8,
        idle_timeout: int = 30,
        connection_limit: int = 1000,
        backlog: int = 1024,
    ) -> None:
        # Waitress warns on a busy queue and on every refused connection; our one line per
        # request is the log, and waitress's own errors still reach stderr.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self._map: dict = {}
        self._server = waitress.create_server(
            app,
            map=self._map,
            sockets=[listener],
            threads=threads,
            channel_timeout=idle_timeout,
            # The idle sweep runs this often, so a timeout is enforced within twice its value.
            cleanup_interval=max(1, min(idle_timeout, 30)),
            connection_limit=connection_limit,
            backlog=backlog,
            max_request_header_size=MAX_REQUEST_HEADER_BYTES,
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
            asyncore_loop_timeout=_LOOP_SECONDS,
            expose_tracebacks=False,
            ident="local-edge",
        )
        self.port: int = listener.getsockname()[1]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._serving = threading.Event()
        self._stopped = threading.Event()
        self._closed = False

    def serve_forever(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self._serving.set()
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=_LOOP_SECONDS, map=self._map, use_poll=True, count=1)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop ``serve_forever`` (if it ever ran) and release the socket and threads."""
        with self._lock:
            self._stop.set()
            serving = self._serving.is_set()
        if serving and not self._stopped.is_set():
            self._server.pull_trigger()
            self._stopped.wait()
        self.close()

    def close(self) -> None:
        """Release everything; call only when ``serve_forever`` is not running."""
        if self._closed:
            return
        self._closed = True
        self._server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(self._map)
