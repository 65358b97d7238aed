"""The local edge's output: one line per request, safe for the operator's terminal and pipe.

The log call sits outside the request's error handling, so it must never raise: when stdout
is closed (``make local | head``) logging stops and requests keep being answered. Paths come
from the network, so anything a terminal would interpret (ESC sequences, C1 controls, CR) is
printed escaped, as ``repr`` would.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TextIO


def printable(text: str) -> str:
    """``text`` with non-printable characters and backslashes escaped (``\\x1b``, ``\\u2028``)."""
    return "".join(
        ch if ch.isprintable() and ch != "\\" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


def one_line(error: BaseException) -> str:
    """An error's text on one line (a library's message may span several)."""
    return " ".join(str(error).split())


class RequestLog:
    """A callable that writes one escaped line; after the first write error it stays silent."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.closed = False

    def __call__(self, line: str) -> None:
        with self._lock:
            if self.closed:
                return
            stream = self._stream if self._stream is not None else sys.stdout
            try:
                stream.write(printable(line) + "\n")
                stream.flush()
            except (OSError, ValueError):  # broken pipe, closed file
                self.closed = True
                _point_at_devnull(stream)


def _point_at_devnull(stream: TextIO) -> None:
    # Later writes and the interpreter's final flush go nowhere instead of raising again
    # ("Exception ignored ... BrokenPipeError" at exit).
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
