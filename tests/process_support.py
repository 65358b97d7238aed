"""Processes the tests start: none outlives the test (or fixture) that started it.

``Processes.start`` is ``subprocess.Popen`` in a process group of its own; ``close`` kills the whole
process group of each one still running and reaps it, so a test that fails (or hangs and is
interrupted) leaves nothing behind. ``run`` is ``subprocess.run`` with the same guarantee for
the children a command starts (make runs python, which may outlive make on a timeout).

Tests wait for events (an output line, a port, the exit), never for time: HANG_SECONDS only
bounds a wait that would otherwise never end, and a healthy run never comes near it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Only a hung process reaches this; it makes a failure out of a hang instead of a stuck run.
HANG_SECONDS = 600


def _end(process: subprocess.Popen) -> None:
    """Kill ``process``'s group if it still runs, reap it and close its pipes."""
    if process.poll() is None:  # not reaped: its pid (and group id) cannot be reused yet
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


class Processes:
    """The processes one test started; ``close`` ends every one of them."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen] = []

    def start(self, command: list[Any], **kwargs: Any) -> subprocess.Popen:
        kwargs.setdefault("cwd", ROOT)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        process = subprocess.Popen(command, process_group=0, **kwargs)
        self._started.append(process)
        return process

    def close(self) -> None:
        while self._started:
            _end(self._started.pop())


@contextlib.contextmanager
def started(command: list[Any], **kwargs: Any) -> Iterator[subprocess.Popen]:
    """One process for a ``with`` block (a module-scoped fixture): ended when it closes."""
    processes = Processes()
    try:
        yield processes.start(command, **kwargs)
    finally:
        processes.close()


def run(command: list[Any], **kwargs: Any) -> subprocess.CompletedProcess:
    """``subprocess.run`` (capture, text, check as given); on a timeout or an error the
    command's whole process group is killed, children included."""
    timeout = kwargs.pop("timeout", HANG_SECONDS)
    check = kwargs.pop("check", False)
    stdin_data = kwargs.pop("input", None)
    if kwargs.pop("capture_output", False):
        kwargs |= {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    if stdin_data is not None:
        kwargs["stdin"] = subprocess.PIPE
    with started(command, **kwargs) as process:
        out, err = process.communicate(stdin_data, timeout=timeout)
        result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    if check:
        result.check_returncode()
    return result
