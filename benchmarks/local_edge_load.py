"""Load on the local edge over loopback: many concurrent clients, a fixed number of requests.

Starts `python -m tools.local_edge.local_edge --port 0` as its own process, drives it from CLIENTS
threads (a new connection per request, as curl does; --keep-alive reuses one per client),
then stops it with SIGTERM. Prints requests per second, errors, latency p50/p99 and the peak
thread count of the edge process. Bounded: at most --requests requests and --seconds seconds.

    .venv/bin/python benchmarks/local_edge_load.py --clients 200 --requests 6000
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=120.0, help="stop after this long")
    parser.add_argument("--keep-alive", action="store_true", help="reuse a connection per client")
    args = parser.parse_args()

    process, port = start_edge()
    stop, peak = threading.Event(), [0]
    monitor = threading.Thread(target=peak_threads, args=(process.pid, stop, peak), daemon=True)
    monitor.start()
    try:
        result = run(port, args.clients, args.requests, args.seconds, args.keep_alive)
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
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
