"""The local edge's command, run in this process: what its exit status and output say does not
need a process of its own (tests/tools/local_edge/test_local_edge_process.py keeps the ones
where the process is the point: signals, a closed stdout, the listening sockets)."""

from __future__ import annotations

import signal
import tempfile

import pytest

from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.local_edge import main


@pytest.fixture
def local_edge_main(monkeypatch, capsys, tmp_path):
    """``run(*args, env={...})`` -> (exit status, stdout, stderr) of ``main`` on the stack cases,
    with its temp folder in ``tmp_path / "tmp"``; the signal handlers main installs are undone."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        try:
            status = main(["--stack-dir", str(STACK_CASES_DIR), "--port", "0", *args])
        except SystemExit as exit_:
            status = exit_.code
        out, err = capsys.readouterr()
        return status, out, err

    try:
        yield run
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
