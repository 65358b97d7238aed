"""The local edge as a process: listening sockets, threads, timeouts, signals, stdout, bad args.

Every process started here is killed and reaped when its test ends (the ``processes`` fixture),
and the tests wait for events (a banner line, an import, the exit), not for time.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.edge_support import raw_get as get
from tests.process_support import HANG_SECONDS, Processes
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions
from tools.local_edge.request_log import RequestLog, printable

TCP_LISTEN = "0A"
# The dev stack case (tests/stacks/), in process and on the command line (dev is the default).
Options = partial(LocalEdgeOptions, stack="dev", stack_dir=STACK_CASES_DIR)
CASE_ARGS = ("--stack-dir", str(STACK_CASES_DIR))


def listening_ports(pid: int) -> set[int]:
    """TCP ports in LISTEN state whose socket is open in process ``pid`` (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed while we looked
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for fields in (line.split() for line in lines):
            local_address, state, inode = fields[1], fields[3], fields[9]
            if state == TCP_LISTEN and inode in inodes:
                ports.add(int(local_address.rsplit(":", 1)[1], 16))
    return ports


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def bearer() -> dict:
    return {"Authorization": f"Bearer {CURRENT_TOKEN}"}


def start_cli(
    processes: Processes,
    *args: str,
    tmpdir: Path,
    driver: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """``python -m tools.local_edge.local_edge`` (or a driver around it) on the dev stack case,
    with its own TMPDIR (and ``env`` added); ended with the test whatever happens."""
    command = ["-c", driver] if driver else ["-m", "tools.local_edge.local_edge"]
    env = {**os.environ, "AUTH_TOKEN": CURRENT_TOKEN, "TMPDIR": str(tmpdir), **(env or {})}
    return processes.start(
        [sys.executable, *command, *args, *CASE_ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_banner(process: subprocess.Popen) -> tuple[int, str]:
    """Read up to the banner's last line; return the port from its URL line, and the banner."""
    port, banner = None, []
    for line in process.stdout:
        banner.append(line)
        if line.startswith("URL:"):
            port = int(line.split()[1].rstrip("/").rsplit(":", 1)[1])
        if line.startswith("Ctrl-C"):
            return port, "".join(banner)
    raise AssertionError(f"no banner; stderr: {process.stderr.read()}")


def assert_clean_exit(process: subprocess.Popen, tmpdir: Path) -> str:
    out, err = process.communicate(timeout=HANG_SECONDS)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert list(tmpdir.iterdir()) == []  # the temp folder (with the zip) is gone
    return out


@pytest.fixture(scope="module")
def logged_edge():
    """A serving edge whose request log writes to a string (``edge.stream``)."""
    stream = io.StringIO()
    with LocalEdge(Options(port=0, token=CURRENT_TOKEN), log=RequestLog(stream)) as edge:
        serve_in_background(edge)
        edge.stream = stream
        yield edge


def test_two_edges_in_one_process_share_the_in_process_s3_and_stop_independently(logged_edge):
    first = logged_edge
    with LocalEdge(Options(port=0, token=CURRENT_TOKEN), log=lambda _l: None) as two:
        serve_in_background(two)
        assert get(two.port, "/public/hello.txt")[0] == 200
        assert get(first.port, "/public/hello.txt")[0] == 200
    # Stopping the second edge leaves the first one's bucket in place.
    assert get(first.port, "/ex-img/logo.svg", bearer())[0] == 200


# Bounded threads and an idle timeout.


def test_idle_connections_hold_no_threads_and_are_closed_after_the_timeout():
    options = Options(port=0, token=CURRENT_TOKEN, threads=4, idle_timeout=0.5)
    with LocalEdge(options, log=lambda _line: None) as edge:
        serve_in_background(edge)
        assert get(edge.port, "/public/hello.txt")[0] == 200
        baseline = thread_count(os.getpid())
        idle = [socket.create_connection(("127.0.0.1", edge.port)) for _ in range(60)]
        for connection in idle[::2]:  # half of them stall in the middle of a request
            connection.sendall(b"GET /public/hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        try:
            # Served while 60 idle or stalled connections are open, all accepted before it.
            assert get(edge.port, "/public/hello.txt")[0] == 200
            assert thread_count(os.getpid()) <= baseline + 1
            for connection in idle:
                connection.settimeout(HANG_SECONDS)  # EOF comes after about half a second
                assert connection.recv(1) == b""
        finally:
            for connection in idle:
                connection.close()
        assert get(edge.port, "/ex-img/logo.svg", bearer())[0] == 200


def test_close_returns_when_serving_never_started():
    edge = LocalEdge(Options(port=0, token=CURRENT_TOKEN), log=lambda _line: None)
    stopper = threading.Thread(target=edge.close, daemon=True)
    stopper.start()
    stopper.join(timeout=HANG_SECONDS)
    assert not stopper.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", edge.port), timeout=2)


# Closed stdout, and what reaches the operator's terminal.


def test_log_escapes_control_characters_and_never_raises():
    assert printable("GET /a\x1b[2J\x1b]0;x\x07\r\x9b\u2028\\b") == (
        "GET /a\\x1b[2J\\x1b]0;x\\x07\\r\\x9b\\u2028\\\\b"
    )
    assert printable("GET /ex-img/logo.svg status=200") == "GET /ex-img/logo.svg status=200"
    closed = io.StringIO()
    closed.close()
    log = RequestLog(closed)
    log("line")  # ValueError: I/O operation on closed file, swallowed
    assert log.closed


def test_terminal_escape_sequences_in_a_path_reach_the_log_escaped(logged_edge):
    logged_edge.stream.seek(0)
    logged_edge.stream.truncate()
    with socket.create_connection(("127.0.0.1", logged_edge.port), timeout=10) as raw:
        raw.sendall(b"GET /public/\x1b[2J\x1b[31mred\x07 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert raw.recv(64).startswith(b"HTTP/1.1 404 ")
    line = logged_edge.stream.getvalue().splitlines()[0]
    assert line.startswith("GET /public/\\x1b[2J\\x1b[31mred\\x07 behavior="), line
    assert "\x1b" not in line and "\x07" not in line


# Signals during start-up and during shutdown.

# Runs the CLI with hooks that raise a signal at a chosen moment, so the moment is certain.
DRIVER = """
import os, signal, sys
import tools.local_edge.local_edge as local_edge

mode = sys.argv[1]
real_make_engine = local_edge.make_engine
real_close = local_edge.LocalEdge.close

def make_engine(*args, **kwargs):
    if mode == "startup":  # the temp folder exists, the engine is not built yet
        os.kill(os.getpid(), signal.SIGTERM)
    return real_make_engine(*args, **kwargs)

def close(self):
    os.kill(os.getpid(), signal.SIGINT)  # a second signal while shutting down
    os.kill(os.getpid(), signal.SIGTERM)
    return real_close(self)

local_edge.make_engine = make_engine
local_edge.LocalEdge.close = close
sys.exit(local_edge.main(sys.argv[2:]))
"""


def test_sigterm_during_start_up_then_signals_during_shutdown_exit_cleanly(tmp_path, processes):
    process = start_cli(processes, "startup", "--port", "0", tmpdir=tmp_path, driver=DRIVER)
    out = assert_clean_exit(process, tmp_path)
    assert "URL:" not in out and out.rstrip().endswith("stopped")


# The function on the real command; the handler on the driver, which raises two more signals
# while the edge shuts down.
@pytest.mark.parametrize(
    ("engine", "driver", "first"),
    [("lambda-edge", DRIVER, signal.SIGINT), ("cloudfront-function", None, signal.SIGTERM)],
    ids=["lambda-edge", "cloudfront-function"],
)
def test_one_port_requests_answered_after_stdout_closes_and_a_clean_stop_on_signals(
    tmp_path, processes, engine, driver, first
):
    # A fully qualified stack name: the last segment names the stack. Unbuffered, as with
    # PYTHONUNBUFFERED in the environment: an engine's log line reaches the closed pipe at
    # once, before the request log finds it closed.
    args = (*(["serving"] if driver else []), "--stack", "acme/protected-cdn/dev", "--port", "0")
    env = {"PYTHONUNBUFFERED": "1"}
    process = start_cli(
        processes, *args, "--engine", engine, tmpdir=tmp_path, driver=driver, env=env
    )
    try:
        port, banner = read_banner(process)
        assert f"token: {CURRENT_TOKEN}" in banner and "stack dev," in banner
        assert banner.count("curl -i") == 2 and f"Bearer {CURRENT_TOKEN}" in banner
        assert listening_ports(process.pid) == {port}  # S3 answers in-process
        assert get(port, "/ex-img/logo.svg", bearer())[0] == 200
        assert "behavior=ex-img/* status=200" in process.stdout.readline()
        process.stdout.close()  # `make local | head` after head has exited
        for _ in range(5):
            # A denial first: its log line is the first write after the pipe closed.
            assert get(port, "/ex-img/logo.svg")[0] == 401
            assert get(port, "/ex-img/logo.svg", bearer())[0] == 200
    finally:
        # The first signal stops it; more while it shuts down change nothing.
        for number in (first, signal.SIGINT, signal.SIGTERM):
            process.send_signal(number)
    err = process.stderr.read()
    process.wait(timeout=HANG_SECONDS)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert list(tmp_path.iterdir()) == []  # the temp folder (with the zip) is gone
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_real_cli_signalled_at_start_up_exits_cleanly(tmp_path, processes):
    # SIGTERM at start-up: test_sigterm_during_start_up_then_signals_during_shutdown_exit_cleanly.
    process = start_cli(processes, "--port", "0", tmpdir=tmp_path)
    assert process.stdout.readline().startswith("protected-cdn local edge: starting")
    process.send_signal(signal.SIGINT)  # while it starts: temp folder, archive, upload
    assert_clean_exit(process, tmp_path)


# Ctrl-C during start-up: until main() installs its handlers, SIGINT ends the
# process by the signal, without a KeyboardInterrupt traceback from the middle of an import.
# -X importtime reports each finished import on stderr, so the signal lands at a known point,
# whatever the load: right after the module's first lines (argparse is its first import once
# SIGINT is set to end the process), or inside the heavy imports (boto3, moto, ...) once
# botocore's first module is in. Before the module's first line runs, SIGINT is Python's own
# business (a KeyboardInterrupt in site or runpy), which no program can change.


@pytest.mark.parametrize("imported", ["argparse", "botocore"])
def test_ctrl_c_while_python_imports_the_modules_prints_no_traceback(tmp_path, processes, imported):
    command = [sys.executable, "-X", "importtime", "-m", "tools.local_edge.local_edge"]
    process = processes.start(
        [*command, *CASE_ARGS, "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "AUTH_TOKEN": CURRENT_TOKEN, "TMPDIR": str(tmp_path)},
    )
    finished = re.compile(rf"\|\s+{imported}$")  # the import of the module is complete
    # Should the import never be reported, the edge would serve on: end it, and fail below.
    watchdog = threading.Timer(HANG_SECONDS, process.kill)
    watchdog.start()
    try:
        seen = []
        for line in process.stderr:
            seen.append(line)
            if finished.search(line.rstrip()):
                break
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read()
        process.wait()
    finally:
        watchdog.cancel()
    lines = "".join([*seen, rest]).splitlines()
    err = "\n".join(line for line in lines if not line.startswith("import time:"))
    assert any(finished.search(line.rstrip()) for line in seen), f"no import of {imported}"
    # The signal may also land once main() has taken over (a clean stop): never a traceback.
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert list(tmp_path.iterdir()) == []
