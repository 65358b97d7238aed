"""Benchmark the edge handler as deployed: built zip, imported from the zip. Run: make bench.

Prints microseconds per call for allow, deny and missing header, the same for an identity
handler (the floor a Python viewer-request function cannot beat), the ratio, the handler's
import time from the zip and the zip size. Denials log one line; here the log goes to
/dev/null so the figure is the handler's own cost plus the write call. Then the same for
named clients, the CloudFront Function in V8, and the worst case of the scope check in both
engines (adversarial patterns on the longest URL CloudFront accepts).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.cloudfront_facts import MAX_URL_LENGTH
from edge_handler.artifact import load_handler
from edge_handler.build import EdgeClient, build_archive, write_archive
from edge_handler.cloudfront_function import (
    MAX_CODE_BYTES,
    RUNTIME,
    code_size,
    render_function_code,
)
from tools.edge_runtime.viewer_event import viewer_request_event

TOKEN = "3f1c9a7e5b2d4f608a1e3c5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f"
PREVIOUS = "0a9b8c7d6e5f40312f1e0d9c8b7a69584736251403f2e1d0c9b8a79685746352"
CALLS = 50_000
BATCH = 250
REPEATS = 7


def identity(event, context):
    return event["Records"][0]["cf"]["request"]


def per_call_us(function, make_event) -> float:
    """Best of REPEATS runs, in microseconds per call.

    Events are built outside the timer in small batches (the allow path removes the token
    header, so every call needs a fresh event) that stay in the CPU cache, as a warm Lambda's do.
    """
    best = float("inf")
    for _ in range(REPEATS):
        elapsed = 0.0
        for _ in range(CALLS // BATCH):
            batch = [make_event() for _ in range(BATCH)]
            start = timeit.default_timer()
            for event in batch:
                function(event, None)
            elapsed += timeit.default_timer() - start
        best = min(best, elapsed)
    return best / CALLS * 1e6


def main() -> None:
    workdir = Path(tempfile.mkdtemp())
    zip_path = write_archive(workdir, [TOKEN, PREVIOUS])
    import_times = []
    for _ in range(20):
        start = timeit.default_timer()
        edge = load_handler(zip_path)
        import_times.append(timeit.default_timer() - start)

    def allow():
        return viewer_request_event([("Authorization", TOKEN), ("Accept", "*/*")])

    def deny():
        return viewer_request_event([("Authorization", "x" * 64), ("Accept", "*/*")])

    def missing():
        return viewer_request_event([("Accept", "*/*")])

    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        floor = per_call_us(identity, allow)
        figures = {
            "allow": per_call_us(edge.handler, allow),
            "deny (wrong token)": per_call_us(edge.handler, deny),
            "deny (missing header)": per_call_us(edge.handler, missing),
        }

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"calls per run: {CALLS} in batches of {BATCH}, best of {REPEATS} runs")
    print(f"{'identity handler (floor)':28s} {floor:7.3f} us/call")
    for name, value in figures.items():
        print(f"{name:28s} {value:7.3f} us/call  ({value / floor:5.1f}x floor)")
    print(f"{'import from zip':28s} {min(import_times) * 1e3:7.3f} ms (best of 20)")
    print(f"{'zip size':28s} {len(build_archive([TOKEN, PREVIOUS])):7d} bytes (2 tokens)")
    bench_clients(workdir)


# --- named clients --------------------------------------------------------------------------

CLIENT_COUNTS = (1, 100, 1000)
FAR_FUTURE = 4102358400  # 2099-12-31T00:00:00Z: every client has an expiry to check


def clients(count: int) -> list[EdgeClient]:
    """``count`` clients, each with a rotation token, an expiry and (even ones) a path scope."""
    return [
        EdgeClient(
            f"client-{i:04d}",
            (f"{i:064x}", f"{i + 10**6:064x}"),
            FAR_FUTURE,
            (f"ex-img/client-{i:04d}/*",) if i % 2 == 0 else None,
        )
        for i in range(count)
    ]


def bench_clients(workdir: Path) -> None:
    """allow / 401 / 403 per call for 1, 100 and 1,000 clients; archive size for each.

    allow: an unrestricted token (the stack's authToken, client default); allow scoped and
    403: the last scoped client, in and out of its folder; 401: an unknown token.
    """
    print()
    print("named clients (each with expiry and rotation token; even ones scoped to a folder):")
    print(
        f"{'clients':>8s} {'allow':>9s} {'allow scoped':>13s} {'401':>9s} {'403':>9s} {'zip':>10s}"
    )
    results = {}
    for count in CLIENT_COUNTS:
        named = clients(count)
        edge = load_handler(write_archive(workdir / f"clients-{count}", [TOKEN], clients=named))
        scoped = next(c for c in reversed(named) if c.paths)

        def event(token: str, uri: str):
            return lambda: viewer_request_event(
                [("Authorization", token), ("Accept", "*/*")], uri=uri
            )

        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            figures = (
                per_call_us(edge.handler, event(TOKEN, "/ex-img/a/b.png")),
                per_call_us(edge.handler, event(scoped.tokens[0], f"/ex-img/{scoped.name}/b.png")),
                per_call_us(edge.handler, event("x" * 64, "/ex-img/a/b.png")),
                per_call_us(edge.handler, event(scoped.tokens[0], "/ex-img/other/b.png")),
            )
        size = len(build_archive([TOKEN], clients=named))
        results[count] = figures[0]
        allow, allow_scoped, denied, forbidden = figures
        print(
            f"{count:8d} {allow:6.3f} us {allow_scoped:10.3f} us {denied:6.3f} us "
            f"{forbidden:6.3f} us {size:9d} B"
        )
    ratio = results[CLIENT_COUNTS[-1]] / results[CLIENT_COUNTS[0]]
    print(
        f"allow at {CLIENT_COUNTS[-1]} clients / allow at 1 client: {ratio:.2f}x (target <= 1.5x)"
    )
    print("zip limit for a Lambda@Edge viewer-request function: 1,048,576 B")
    bench_function()


# --- the CloudFront Function ----------------------------------------------------------------

JS_CALLS = 20_000
HOP_CALLS = 1_000

# Builds a fresh CloudFront Functions event per call (the allow path deletes the header).
_JS_BENCH = """
function __event(value, uri) {
  var headers = {accept: {value: '*/*'}};
  if (value !== null) headers.authorization = {value: value};
  return {version: '1.0', context: {requestId: 'bench'}, viewer: {ip: '203.0.113.178'},
    request: {method: 'GET', uri: uri, querystring: {}, headers: headers, cookies: {}}};
}
function __identity(event) { return event.request; }
function __loop(fn, value, uri, calls) {
  for (var i = 0; i < calls; i++) { fn(__event(value, uri)); __logs = []; }
  return calls;
}
"""


def fitting_clients(make) -> int:
    """The largest client count whose code stays within the 10 KB quota."""
    low, high = 0, 1
    while code_size(1, "authorization", make(high)) <= MAX_CODE_BYTES:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        fits = code_size(1, "authorization", make(middle)) <= MAX_CODE_BYTES
        low, high = (middle, high) if fits else (low, middle)
    return low


def bench_function() -> None:
    """The generated CloudFront Function in V8 (mini-racer): per call inside one JS loop (no
    Python<->V8 hop), per ctx.call from Python, and the code size against the 10 KB quota."""
    print()
    try:
        from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime
    except ImportError:
        print("CloudFront Function: skipped (mini-racer is not installed for this Python)")
        return
    print(f"CloudFront Function ({RUNTIME}) in V8, {JS_CALLS} calls in one JS loop, best of 5:")
    print(
        f"{'clients':>8s} {'allow':>9s} {'allow scoped':>13s} {'401':>9s} {'403':>9s} {'code':>8s}"
    )
    for count in (1, 10, 30):
        named = clients(count)
        code = render_function_code([TOKEN], "authorization", named)
        scoped = next(c for c in reversed(named) if c.paths)
        with CloudFrontRuntime(code, now=1_800_000_000) as runtime:
            runtime.eval(_JS_BENCH)

            def loop(fn: str, value, uri: str, calls: int = JS_CALLS) -> float:
                best = float("inf")
                for _ in range(5):
                    start = timeit.default_timer()
                    runtime.eval(f"__loop({fn}, {json.dumps(value)}, {json.dumps(uri)}, {calls})")
                    best = min(best, timeit.default_timer() - start)
                return best / calls * 1e6

            figures = (
                loop("handler", TOKEN, "/ex-img/a/b.png"),
                loop("handler", scoped.tokens[0], f"/ex-img/{scoped.name}/b.png"),
                loop("handler", "x" * 64, "/ex-img/a/b.png"),
                loop("handler", scoped.tokens[0], "/ex-img/other/b.png"),
            )
            if count == 1:
                floor = loop("__identity", TOKEN, "/ex-img/a/b.png")
                missing = loop("handler", None, "/ex-img/a/b.png")
                event = {
                    "version": "1.0",
                    "context": {"requestId": "bench"},
                    "request": {
                        "method": "GET",
                        "uri": "/ex-img/a/b.png",
                        "querystring": {},
                        "headers": {"authorization": {"value": TOKEN}},
                        "cookies": {},
                    },
                }
                start = timeit.default_timer()
                for _ in range(HOP_CALLS):
                    runtime.handle(event)
                hop = (timeit.default_timer() - start) / HOP_CALLS * 1e6
        allow, allow_scoped, denied, forbidden = figures
        print(
            f"{count:8d} {allow:6.3f} us {allow_scoped:10.3f} us {denied:6.3f} us "
            f"{forbidden:6.3f} us {len(code.encode()):7d} B"
        )
    print(f"identity function in the same loop (floor): {floor:.3f} us/call")
    print(f"deny (missing header), 1 client: {missing:.3f} us/call")
    print(
        f"one call from Python (CloudFrontRuntime.handle: JSON both ways + thread hop): "
        f"{hop:.1f} us/call ({HOP_CALLS} calls)"
    )
    sizes = ", ".join(f"{n}: {code_size(1, 'authorization', clients(n))} B" for n in (0, 1, 10, 30))
    print(f"code size by named clients (2 tokens, expiry, half scoped): {sizes}")
    one_token = fitting_clients(
        lambda n: [EdgeClient(f"client-{i:04d}", (f"t{i}",), FAR_FUTURE) for i in range(n)]
    )
    print(
        f"clients that fit in {MAX_CODE_BYTES:,} B: {fitting_clients(clients)} of that shape, "
        f"{one_token} with one token and no scope"
    )
    bench_worst_scope()


# --- the scope check's worst case -----------------------------------------------------------

# Patterns that make a backtracking matcher slow (many *, a long literal run, ? runs, the
# 255-character limit), each on URIs as long as CloudFront accepts.
ADVERSARIAL_SCOPES = (
    "ex-img/*/*.png",
    "ex-img/*/*/*.png",
    "ex-img/" + "*/" * 121 + "*.png",
    "ex-img/" + "?*" * 124,
    "ex-img/*" + "/" * 240 + "y*",
)
LONGEST_URIS = (
    "/ex-img/" + "/" * (MAX_URL_LENGTH - 9) + "x",
    "/ex-img/" + "/" * (MAX_URL_LENGTH - 13) + "x.png",
    "/ex-img/" + "a/" * ((MAX_URL_LENGTH - 13) // 2) + "y.png",
    "/ex-img/" + "%2F" * ((MAX_URL_LENGTH - 8) // 3),
    "/ex-img/" + "😀/" * ((MAX_URL_LENGTH - 8) // 5),
)
PLAIN_SCOPE = "ex-img/*"
WORST_CALLS = 10


def _shown(uri: str) -> str:
    return f"'/ex-img/' + {len(uri) - 8:,} characters like {uri[8:13]!r}"


def bench_worst_scope() -> None:
    """ms per call of a scoped client's request, for every adversarial scope and longest URI;
    prints the worst pair of each engine, and the worst of the plain scope ``ex-img/*`` on the
    same URIs (what the rest of the check costs on them: normalizing, decoding, hashing)."""
    print()
    print(
        f"scope check, worst case: {len(ADVERSARIAL_SCOPES)} adversarial scopes x "
        f"{len(LONGEST_URIS)} URIs of up to {MAX_URL_LENGTH:,} bytes, best of 3 x {WORST_CALLS}"
    )
    scopes = (*ADVERSARIAL_SCOPES, PLAIN_SCOPE)
    named = [
        EdgeClient(f"adv-{i}", (f"{i + 7 * 10**6:064x}",), None, (scope,))
        for i, scope in enumerate(scopes)
    ]
    edge = load_handler(write_archive(Path(tempfile.mkdtemp()), [TOKEN], clients=named))

    def python_ms(client: EdgeClient, uri: str) -> float:
        best = float("inf")
        for _ in range(3):
            events = [
                viewer_request_event([("Authorization", client.tokens[0])], uri=uri)
                for _ in range(WORST_CALLS)
            ]
            start = timeit.default_timer()
            for event in events:
                edge.handler(event, None)
            best = min(best, (timeit.default_timer() - start) / WORST_CALLS)
        return best * 1e3

    figures = {}
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        figures["Python handler (zip)"] = [
            (python_ms(c, uri), c.paths[0], uri) for c in named for uri in LONGEST_URIS
        ]
    try:
        from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime
    except ImportError:
        CloudFrontRuntime = None
    if CloudFrontRuntime is not None:
        code = render_function_code([TOKEN], "authorization", named)
        with CloudFrontRuntime(code, now=1_800_000_000) as runtime:
            runtime.eval(_JS_BENCH)

            def function_ms(client: EdgeClient, uri: str) -> float:
                call = f"__loop(handler, {json.dumps(client.tokens[0])}, {json.dumps(uri)}, "
                runtime.eval(call + "1)")  # warm
                best = float("inf")
                for _ in range(3):
                    start = timeit.default_timer()
                    runtime.eval(call + f"{WORST_CALLS})")
                    best = min(best, (timeit.default_timer() - start) / WORST_CALLS)
                return best * 1e3

            figures["CloudFront Function (V8)"] = [
                (function_ms(c, uri), c.paths[0], uri) for c in named for uri in LONGEST_URIS
            ]
    for name in ("Python handler (zip)", "CloudFront Function (V8)"):
        if name not in figures:
            print(f"{name}: skipped (mini-racer is not installed for this Python)")
            continue
        adversarial = [f for f in figures[name] if f[1] != PLAIN_SCOPE]
        plain = max(f[0] for f in figures[name] if f[1] == PLAIN_SCOPE)
        worst, scope, uri = max(adversarial)
        cut = "..." if len(scope) > 24 else ""
        print(
            f"{name:26s} worst {worst:6.3f} ms/call (scope {scope[:24]!r}{cut}, "
            f"URI {_shown(uri)}); scope {PLAIN_SCOPE!r} on the same URIs: {plain:6.3f} ms"
        )
    print(
        "a CloudFront Function gets about 1 ms of compute; over it, CloudFront throttles it (503)"
    )


if __name__ == "__main__":
    main()
