"""Load on the local edge over loopback: many concurrent clients, a fixed number of requests,
then slow clients.

Starts `python -m tools.local_edge.local_edge --port 0` as its own process, drives it from CLIENTS
threads (a new connection per request, as curl does; --keep-alive reuses one per client),
then stops it with SIGTERM. Prints requests per second, errors, latency p50/p99 and the peak
thread count of the edge process. Bounded: at most --requests requests and --seconds seconds.

Then --slow sockets (default 2,000) each send a partial request line and trickle one byte per
second, as a "slowloris" client does to keep a connection alive; once the edge holds them all,
normal requests are timed one after another (the goal: each answered within 1 s), and the
slow sockets are watched until the edge has closed them (the request deadline).

    .venv/bin/python benchmarks/local_edge_load.py --clients 200 --requests 6000 --slow 2000
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "3f1c9a7e5b2d4f608a1e3c5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f"
# (path, headers, expected status): a protected object with and without the token, a public one.
MIX = (
    ("/ex-img/logo.svg", {"Authorization": f"Bearer {TOKEN}"}, 200),
    ("/ex-img/logo.svg", {}, 401),
    ("/public/hello.txt", {}, 200),
)


def start_edge() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        # The dev stack case (ex-img/* protected), whatever the user's own stacks hold.
        [
            sys.executable,
            "-m",
            "tools.local_edge.local_edge",
            "--port",
            "0",
            "--stack-dir",
            "tests/stacks",
        ],
        cwd=ROOT,
        env={**os.environ, "AUTH_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    port = None
    for line in process.stdout:
        if line.startswith("URL:"):
            port = int(line.split()[1].rstrip("/").rsplit(":", 1)[1])
        if line.startswith("Ctrl-C"):
            break
    if port is None:
        process.kill()
        raise SystemExit("the local edge did not start")
    # Keep draining the request log so the pipe never fills.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    return process, port


def run(port: int, clients: int, requests: int, seconds: float, keep_alive: bool) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def client() -> None:
        connection = None
        start.wait()
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            path, headers, expected = MIX[n % len(MIX)]
            began = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != expected:
                    raise RuntimeError(f"{path}: {response.status}")
            except Exception as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                if connection is not None:
                    connection.close()
                connection = None
                continue
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
            if not keep_alive:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    wall = time.perf_counter() - began
    return {"latencies": sorted(latencies), "errors": errors, "wall": wall}


def peak_threads(pid: int, stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(0.05):  # sampling interval of the monitor, not synchronisation
        try:
            peak[0] = max(peak[0], len(os.listdir(f"/proc/{pid}/task")))
        except FileNotFoundError:
            return


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(len(values) * fraction))] * 1000 if values else 0.0


PARTIAL_REQUEST = b"GET /public/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
GOAL_SECONDS = 1.0
# The edge's request deadline (LocalEdgeOptions.header_timeout) plus its sweep, with margin.
CLOSE_WITHIN_SECONDS = 60.0


def edge_sockets(pid: int) -> int:
    """Sockets open in the edge process (Linux /proc); -1 where that cannot be read."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return -1
    count = 0
    for fd in fds:
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
    return count


def slow_clients(pid: int, port: int, count: int, probes: int) -> dict:
    """Open ``count`` slow sockets, time ``probes`` normal requests while they trickle, then
    wait (bounded) until the edge has closed them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    sockets: list[socket.socket] = []
    stop = threading.Event()
    opened = time.monotonic()
    try:
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=30)
            connection.sendall(PARTIAL_REQUEST)
            sockets.append(connection)
        # Wait (bounded) until the edge has accepted them (its sockets: theirs and the
        # listener's), so they are really open there while the normal requests run.
        began = time.monotonic()
        while 0 <= edge_sockets(pid) <= count and time.monotonic() - began < 30:
            time.sleep(0.05)  # polling interval of the benchmark, not a test
        held = edge_sockets(pid) - 1

        def trickle() -> None:
            # One byte per socket per second, spread over the second.
            while not stop.is_set():
                for connection in sockets:
                    if stop.wait(1.0 / count):
                        return
                    with contextlib.suppress(OSError):
                        connection.send(b"a")

        threading.Thread(target=trickle, daemon=True).start()
        latencies, failures = [], []
        for _ in range(probes):
            began = time.perf_counter()
            try:
                client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                client.request("GET", "/public/hello.txt")
                response = client.getresponse()
                response.read()
                client.close()
                if response.status != 200:
                    raise RuntimeError(f"status {response.status}")
                latencies.append(time.perf_counter() - began)
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}")
        held_after = edge_sockets(pid) - 1
        stop.set()
        # The request deadline: the edge closes every slow socket however it trickles.
        poller = select.poll()  # select() stops at descriptor 1,024
        by_fd = {connection.fileno(): connection for connection in sockets}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        while by_fd and time.monotonic() - opened < CLOSE_WITHIN_SECONDS:
            for fd, _event in poller.poll(1000):
                try:
                    gone = by_fd[fd].recv(1) == b""
                except OSError:
                    gone = True
                if gone:
                    poller.unregister(fd)
                    del by_fd[fd]
        open_ = by_fd
        closed_after = time.monotonic() - opened if not open_ else None
        return {
            "held": held,
            "held_after": held_after,
            "latencies": sorted(latencies),
            "failures": failures,
            "closed_after": closed_after,
            "still_open": len(open_),
        }
    finally:
        stop.set()
        for connection in sockets:
            connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=120.0, help="stop after this long")
    parser.add_argument("--keep-alive", action="store_true", help="reuse a connection per client")
    parser.add_argument("--slow", type=int, default=2000, help="slow sockets (0: skip)")
    parser.add_argument("--probes", type=int, default=20, help="normal requests among them")
    args = parser.parse_args()

    process, port = start_edge()
    stop, peak = threading.Event(), [0]
    monitor = threading.Thread(target=peak_threads, args=(process.pid, stop, peak), daemon=True)
    monitor.start()
    slow = None
    try:
        result = run(port, args.clients, args.requests, args.seconds, args.keep_alive)
        if args.slow:
            slow = slow_clients(process.pid, port, args.slow, args.probes)
    finally:
        stop.set()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    done = len(result["latencies"])
    print(
        f"clients={args.clients} requests={done + len(result['errors'])} "
        f"keep_alive={args.keep_alive} wall={result['wall']:.1f}s"
    )
    print(f"req/s={done / result['wall']:.0f} errors={len(result['errors'])}")
    print(
        f"latency p50={percentile(result['latencies'], 0.5):.1f}ms "
        f"p99={percentile(result['latencies'], 0.99):.1f}ms"
    )
    print(f"peak threads in the edge process={peak[0]} exit={process.returncode}")
    for error in sorted(set(result["errors"]))[:5]:
        print(f"  error: {error}")
    if slow is None:
        return 1 if result["errors"] else 0
    worst = slow["latencies"][-1] * 1000 if slow["latencies"] else float("nan")
    within = not slow["failures"] and worst <= GOAL_SECONDS * 1000
    print(
        f"slow sockets={args.slow} (held by the edge: {slow['held']} before the normal "
        f"requests, {slow['held_after']} after; one byte per second each): "
        f"{len(slow['latencies'])}/{args.probes} normal requests answered, "
        f"p50={percentile(slow['latencies'], 0.5):.1f}ms max={worst:.1f}ms "
        f"({'within' if within else 'NOT within'} {GOAL_SECONDS:.0f} s)"
    )
    if slow["closed_after"] is not None:
        after = slow["closed_after"]
        print(f"slow sockets all closed by the edge (request deadline) {after:.1f}s after opening")
    else:
        print(f"slow sockets still open after {CLOSE_WITHIN_SECONDS:.0f}s: {slow['still_open']}")
    for failure in sorted(set(slow["failures"]))[:5]:
        print(f"  slow-phase error: {failure}")
    return 1 if result["errors"] or not within or slow["still_open"] else 0


if __name__ == "__main__":
    sys.exit(main())
