"""Benchmark the edge handler as deployed: built zip, imported from the zip. Run: make bench.

Prints microseconds per call for allow, deny and missing header, the same for an identity
handler (the floor a Python viewer-request function cannot beat), the ratio, the handler's
import time from the zip and the zip size. Denials log one line; here the log goes to
/dev/null so the figure is the handler's own cost plus the write call. Then the same for
named clients, the CloudFront Function (with its KeyValueStore) in V8 and in Node, with 1 and
10,000 clients, its code size and the store's bytes, and the worst case of the scope check in
both engines (adversarial patterns on the longest URL CloudFront accepts).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components import MAX_URL_LENGTH
from edge_handler import (
    CLOUDFRONT_FUNCTION,
    FUNCTION_RUNTIME,
    LAMBDA_EDGE,
    MAX_CODE_BYTES,
    MAX_STORE_BYTES,
    EdgeClient,
    build_archive,
    grant_key,
    load_handler,
    render_function_code,
    store_bytes,
    store_entries,
    write_archive,
)
from tests.support.adversarial import ADVERSARIAL_SCOPES, LONGEST_URIS
from tools.edge_runtime import viewer_request_event

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
    bench_cost()


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
var __settled = 0;
function __count() { __settled++; }
function __loop(fn, value, uri, calls) {
  // The handler is async: each call's promise settles in the microtasks that run when this
  // script returns; __settled (read in the timed section) proves they all ran.
  __settled = 0;
  for (var i = 0; i < calls; i++) { Promise.resolve(fn(__event(value, uri))).then(__count); }
  __logs = [];
  return calls;
}
"""

# The function in Node, after the script has read codeFile and entriesFile: its code with the
# import line replaced by a stub KeyValueStore over the same entries (a Map; get rejects for an
# absent key, as in CloudFront), log lines dropped.
_NODE_HANDLER = r"""
const entries = new Map(Object.entries(JSON.parse(fs.readFileSync(entriesFile, 'utf8'))));
const cf = { kvs: () => ({
  get: async (key, options) => {
    if (!entries.has(key)) throw new Error('Key not found');
    const v = entries.get(key);
    return options && options.format === 'json' ? JSON.parse(v) : v;
  } }) };
const code = fs.readFileSync(codeFile, 'utf8').replace("import cf from 'cloudfront';", '');
const handler = new Function('cf', 'require', '"use strict";\n' + code + '\nreturn handler;')(
  cf, require);
console.log = () => {};
"""

# The same calls in Node: the function's code with the import line replaced by a stub
# KeyValueStore over the same entries (a Map; get rejects for an absent key, as in CloudFront).
_NODE_BENCH = (
    r"""
const fs = require('fs');
// node -e: argv is [node, ...args]
const [codeFile, entriesFile, calls, casesJson] = process.argv.slice(1);
"""
    + _NODE_HANDLER
    + r"""function event(value, uri) {
  return { version: '1.0', context: { requestId: 'bench' }, viewer: { ip: '203.0.113.178' },
    request: { method: 'GET', uri: uri, querystring: {}, cookies: {},
      headers: { accept: { value: '*/*' }, authorization: { value: value } } } };
}
(async () => {
  const out = {};
  for (const [name, value, uri] of JSON.parse(casesJson)) {
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < +calls; i++) await handler(event(value, uri));
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e3 / +calls);
    }
    const answer = await handler(event(value, uri));
    out[name] = [best, answer.statusCode || 200];
  }
  process.stdout.write(JSON.stringify(out));
})();
"""
)


STORE_COUNTS = (1, 10_000)


def _function_cases(named: list[EdgeClient]) -> list[tuple[str, str, str]]:
    """(name, token, uri): allow, allow scoped, 401 and 403, on the last clients."""
    scoped = next(c for c in reversed(named) if c.paths)
    return [
        ("allow", TOKEN, "/ex-img/a/b.png"),
        ("allow scoped", scoped.tokens[0], f"/ex-img/{scoped.name}/b.png"),
        ("401", "x" * 64, "/ex-img/a/b.png"),
        ("403", scoped.tokens[0], "/ex-img/other/b.png"),
    ]


def _node_figures(code: str, entries: dict, cases, calls: int) -> dict | None:
    node = shutil.which("node")
    if node is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        code_file, entries_file = Path(folder, "function.js"), Path(folder, "entries.json")
        code_file.write_text(code, encoding="utf-8")
        entries_file.write_text(json.dumps(entries), encoding="utf-8")
        args = [node, "-e", _NODE_BENCH, "--", str(code_file), str(entries_file), str(calls)]
        out = subprocess.run(  # noqa: S603 - node from PATH, our own script and files
            [*args, json.dumps(cases)], capture_output=True, text=True, check=True
        ).stdout
    return json.loads(out)


def bench_function() -> None:
    """The generated CloudFront Function with its KeyValueStore, for 1 and 10,000 clients: per
    call in V8 (one JS loop, no Python<->V8 hop) and in Node; the code size (the same for any
    number of clients) and the store's bytes."""
    print()
    try:
        from tools.edge_runtime import CloudFrontRuntime
    except ImportError:
        print("CloudFront Function: skipped (mini-racer is not installed for this Python)")
        return
    code = render_function_code("authorization")
    node_version = ""
    if shutil.which("node"):
        node_version = subprocess.run(  # noqa: S603 - node from PATH, fixed arguments
            [shutil.which("node"), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    print(
        f"CloudFront Function ({FUNCTION_RUNTIME}) reading a KeyValueStore, in V8 (harness, "
        f"{JS_CALLS} calls in one JS loop) and Node {node_version or '(not found)'} "
        f"({JS_CALLS} awaited calls), best of 5, us/call:"
    )
    print(
        f"{'clients':>8s} {'engine':>7s} {'allow':>9s} {'allow scoped':>13s} "
        f"{'401':>9s} {'403':>9s}"
    )
    allow: dict[tuple[str, int], float] = {}
    for count in STORE_COUNTS:
        named = clients(count)
        entries = store_entries([TOKEN], named)
        cases = _function_cases(named)
        with CloudFrontRuntime(code, now=1_800_000_000, store=entries) as runtime:
            runtime.eval(_JS_BENCH)

            def loop(fn: str, value, uri: str, calls: int = JS_CALLS) -> float:
                best = float("inf")
                for _ in range(5):
                    start = timeit.default_timer()
                    runtime.eval(f"__loop({fn}, {json.dumps(value)}, {json.dumps(uri)}, {calls})")
                    settled = runtime.eval("__settled")
                    best = min(best, timeit.default_timer() - start)
                    assert settled == calls, (settled, calls)
                return best / calls * 1e6

            harness = [loop("handler", token, uri) for _, token, uri in cases]
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
                    runtime.handle(json.loads(json.dumps(event)))
                hop = (timeit.default_timer() - start) / HOP_CALLS * 1e6
        allow[("V8", count)] = harness[0]
        print(f"{count:8d} {'V8':>7s} " + " ".join(f"{f:6.3f} us" for f in harness))
        node = _node_figures(code, entries, cases, JS_CALLS)
        if node is not None:
            expected = {"allow": 200, "allow scoped": 200, "401": 401, "403": 403}
            assert {name: f[1] for name, f in node.items()} == expected, node
            allow[("Node", count)] = node["allow"][0]
            print(
                f"{count:8d} {'Node':>7s} " + " ".join(f"{node[n][0]:6.3f} us" for n, _, _ in cases)
            )
    for engine in ("V8", "Node"):
        if (engine, STORE_COUNTS[-1]) in allow:
            ratio = allow[(engine, STORE_COUNTS[-1])] / allow[(engine, STORE_COUNTS[0])]
            print(
                f"{engine}: allow at {STORE_COUNTS[-1]:,} clients / at {STORE_COUNTS[0]} client: "
                f"{ratio:.2f}x (target <= 1.5x: one store read whatever the count)"
            )
    print(f"identity function in the same V8 loop (floor): {floor:.3f} us/call")
    print(f"deny (missing header, no store read), V8: {missing:.3f} us/call")
    print(
        f"one call from Python (CloudFrontRuntime.handle: JSON both ways + thread hop): "
        f"{hop:.1f} us/call ({HOP_CALLS} calls)"
    )
    print(
        f"function code: {len(code.encode()):,} B of CloudFront's {MAX_CODE_BYTES:,} B, the same "
        "for any number of clients (they are in the store)"
    )
    for count in (1_000, 10_000):
        size = store_bytes(store_entries([TOKEN], clients(count)))
        print(
            f"store for {count:,} clients (2 tokens each, expiry, half scoped): {size:,} B "
            f"({size / MAX_STORE_BYTES:.0%} of {MAX_STORE_BYTES:,} B)"
        )
    bench_grants()
    bench_worst_scope()


# --- signed grants ----------------------------------------------------------------------------

GRANT_CALLS = 5_000
GRANT_NOW = 1_800_000_000

# Runs each case's event (JSON text, parsed afresh per call: the function changes its request)
# through the handler in Node, awaited; an identity function over the same copies is the floor.
_NODE_GRANT_BENCH = (
    r"""
const fs = require('fs');
const [codeFile, entriesFile, casesFile, calls, now] = process.argv.slice(1);
"""
    + _NODE_HANDLER
    + r"""Date.now = () => +now * 1000;
const identity = async (event) => event.request;
(async () => {
  const out = {};
  for (const [name, text] of JSON.parse(fs.readFileSync(casesFile, 'utf8'))) {
    for (const [label, fn] of [[name, handler], [name + ' (floor)', identity]]) {
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const start = process.hrtime.bigint();
        for (let i = 0; i < +calls; i++) await fn(JSON.parse(text));
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e3 / +calls);
      }
      const answer = await fn(JSON.parse(text));
      out[label] = [best, answer.statusCode || 200];
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
"""
)

_JS_GRANT_BENCH = """
function __grantLoop(text, calls) {
  __settled = 0;
  for (var i = 0; i < calls; i++) Promise.resolve(handler(JSON.parse(text))).then(__count);
  __logs = [];
  return calls;
}
"""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def mint(token: str, kid: str, path: str, exp: int, **claims) -> str:
    """A grant (HS256 JWT) of client ``kid`` for ``path``, signed with ``token``'s grant key."""
    parts = [{"alg": "HS256", "typ": "JWT", "kid": kid}, {"exp": exp, "path": path, **claims}]
    signed = ".".join(_b64url(json.dumps(p, separators=(",", ":")).encode()) for p in parts)
    mac = hmac.new(grant_key(token), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{_b64url(mac)}"


def _grant_cases() -> tuple[list[EdgeClient], list[tuple[str, int, dict]]]:
    """(name, expected status, event): the header check and grants, good and adversarial, on
    the function with grants on (the longest URI CloudFront accepts where a path is needed)."""
    scoped = EdgeClient("partner-a", (f"{1:064x}", f"{2:064x}"), FAR_FUTURE, ("ex-img/a/*",))
    exp = GRANT_NOW + 600
    good = mint(scoped.tokens[0], "partner-a", "/ex-img/a/*", exp)
    deep = "/ex-img/a/" + "b/" * ((MAX_URL_LENGTH - 12) // 2)
    long_path = mint(scoped.tokens[1], "partner-a", "/ex-img/a/" + "c" * 1000, exp)
    padded = mint(scoped.tokens[0], "partner-a", "/ex-img/a/*", exp, pad="p" * 1100)
    forged = padded[:-4] + ("AAAA" if padded[-4:] != "AAAA" else "BBBB")
    cases = [
        ("header token (allow)", 200, "/ex-img/a/b.png", "", [("Authorization", TOKEN)]),
        ("grant link (allow)", 200, "/ex-img/a/b.png", f"grant={good}", []),
        ("grant cookie (allow)", 200, "/ex-img/a/b.png", "", [("Cookie", f"__Host-grant={good}")]),
        ("grant, longest URI (allow)", 200, deep, f"grant={good}", []),
        ("grant, previous key (403)", 403, "/ex-img/a/b.png", f"grant={long_path}", []),
        ("forged 2 KB grant (401)", 401, "/ex-img/a/b.png", f"grant={forged}", []),
        ("oversized grant (401)", 401, "/ex-img/a/b.png", "grant=" + "A" * 8000, []),
        ("/_grant session (302)", 302, "/_grant", f"grant={good}&to=/ex-img/a/b.png", []),
    ]
    from tools.edge_runtime import function_event

    events = [
        (name, status, function_event(viewer_request_event(headers, uri=uri, querystring=query)))
        for name, status, uri, query, headers in cases
    ]
    return [scoped], events


def bench_grants() -> None:
    """Grant verification per call next to the header check, on the function with grants on,
    in V8 and Node (warm, best of 5), with adversarial grants: a forged 2 KB grant (a full
    HMAC before the refusal), one signed by the previous key (two HMACs), the longest URI."""
    print()
    try:
        from tools.edge_runtime import CloudFrontRuntime
    except ImportError:
        print("grants: skipped (mini-racer is not installed for this Python)")
        return
    code = render_function_code("authorization", grants=True)
    named, cases = _grant_cases()
    entries = store_entries([TOKEN], named, grants=True)
    print(
        f"signed grants (function code with grants: {len(code.encode()):,} B), per call, "
        f"{GRANT_CALLS} calls, best of 5; 'floor': an identity function on the same event copy:"
    )
    v8: dict[str, float] = {}
    with CloudFrontRuntime(code, now=GRANT_NOW, store=entries) as runtime:
        runtime.eval(_JS_BENCH + _JS_GRANT_BENCH)
        for name, status, event in cases:
            answer, _ = runtime.handle(json.loads(json.dumps(event)))
            assert answer.get("statusCode", 200) == status, (name, answer.get("statusCode"))
            text = json.dumps(json.dumps(event))
            best = float("inf")
            for _ in range(5):
                start = timeit.default_timer()
                runtime.eval(f"__grantLoop({text}, {GRANT_CALLS})")
                assert runtime.eval("__settled") == GRANT_CALLS
                best = min(best, timeit.default_timer() - start)
            v8[name] = best / GRANT_CALLS * 1e6
    node: dict | None = None
    if shutil.which("node"):
        with tempfile.TemporaryDirectory() as folder:
            files = [Path(folder, n) for n in ("function.js", "entries.json", "cases.json")]
            files[0].write_text(code, encoding="utf-8")
            files[1].write_text(json.dumps(entries), encoding="utf-8")
            cases_text = json.dumps([[n, json.dumps(e)] for n, _, e in cases])
            files[2].write_text(cases_text, encoding="utf-8")
            args = [shutil.which("node"), "-e", _NODE_GRANT_BENCH, "--", *map(str, files)]
            out = subprocess.run(  # noqa: S603 - node from PATH, our own script and files
                [*args, str(GRANT_CALLS), str(GRANT_NOW)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        node = json.loads(out)
        for name, status, _ in cases:
            assert node[name][1] == status, (name, node[name])
    print(f"{'case':30s} {'V8':>10s} {'Node':>10s} {'Node floor':>11s}")
    for name, _, _ in cases:
        in_node = f"{node[name][0]:7.3f} us" if node else "       -"
        floor = f"{node[name + ' (floor)'][0]:7.3f} us" if node else "       -"
        print(f"{name:30s} {v8[name]:7.3f} us {in_node} {floor:>11s}")
    if node:
        worst = max(node[name][0] for name, _, _ in cases)
        print(f"worst warm case in Node: {worst:.3f} us/call (target < 1,000 us)")
    for count in (1_000, 10_000):
        size = store_bytes(store_entries([TOKEN], clients(count), grants=True))
        print(
            f"store with grants for {count:,} clients: {size:,} B "
            f"({size / MAX_STORE_BYTES:.0%} of {MAX_STORE_BYTES:,} B)"
        )


# --- the scope check's worst case -----------------------------------------------------------

# The adversarial scopes on the longest URIs (tests/support/adversarial.py).
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
        from tools.edge_runtime import CloudFrontRuntime
    except ImportError:
        CloudFrontRuntime = None
    if CloudFrontRuntime is not None:
        code = render_function_code("authorization")
        store = store_entries([TOKEN], named)
        with CloudFrontRuntime(code, now=1_800_000_000, store=store) as runtime:
            runtime.eval(_JS_BENCH)

            def function_ms(client: EdgeClient, uri: str) -> float:
                call = f"__loop(handler, {json.dumps(client.tokens[0])}, {json.dumps(uri)}, "
                runtime.eval(call + "1)")  # warm
                best = float("inf")
                for _ in range(3):
                    start = timeit.default_timer()
                    runtime.eval(call + f"{WORST_CALLS})")
                    runtime.eval("__settled")
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


# --- cost per million protected requests ------------------------------------------------------

# AWS list prices (US), checked 2026-11-30 on https://aws.amazon.com/cloudfront/pricing/ (the
# CloudFront Functions, KeyValueStore and Lambda@Edge rows) and AWS's "1 ms billing granularity
# for Lambda@Edge" announcement (2021-03); docs/engines.md has the sources. CloudFront's own
# request and transfer charges are the same for both engines and left out.
LAMBDA_EDGE_PER_MILLION = 0.60
LAMBDA_EDGE_GB_SECOND = 0.00005001
LAMBDA_EDGE_MEMORY_GB = 128 / 1024
LAMBDA_EDGE_BILLED_MS = 1  # the minimum; the handler runs in microseconds (figures above)
FUNCTION_PER_MILLION = 0.10
STORE_READ_PER_MILLION = 0.03  # at most one read per request; none without the header


def bench_cost() -> None:
    print()
    print("cost per million protected requests (AWS list prices, checked 2026-11-30):")
    duration = 1e6 * LAMBDA_EDGE_MEMORY_GB * LAMBDA_EDGE_BILLED_MS / 1000 * LAMBDA_EDGE_GB_SECOND
    rows = (
        (
            LAMBDA_EDGE,
            LAMBDA_EDGE_PER_MILLION + duration,
            f"${LAMBDA_EDGE_PER_MILLION:.2f} requests + ${duration:.4f} duration "
            f"(128 MB x {LAMBDA_EDGE_BILLED_MS} ms billed)",
        ),
        (
            CLOUDFRONT_FUNCTION,
            FUNCTION_PER_MILLION + STORE_READ_PER_MILLION,
            f"${FUNCTION_PER_MILLION:.2f} invocations + ${STORE_READ_PER_MILLION:.2f} "
            "KeyValueStore reads (one per request with a token)",
        ),
    )
    for engine, total, parts in rows:
        print(f"  {engine:20s} ${total:.4f}  {parts}")
    print("  sources: aws.amazon.com/cloudfront/pricing (see docs/engines.md, Choosing the engine)")


if __name__ == "__main__":
    main()
