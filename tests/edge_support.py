"""Shared helpers for tests that run the built edge archive."""

from __future__ import annotations

import http.client
import json
import threading
from pathlib import Path

from components.cloudfront_facts import DISALLOWED_HEADER_PREFIXES, READ_ONLY_OR_DISALLOWED_HEADERS
from edge_handler.artifact import load_handler
from edge_handler.build import write_archive

# Test-only tokens: 64 hex characters, like `openssl rand -hex 32`.
CURRENT_TOKEN = "3f1c9a7e5b2d4f608a1e3c5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f"
PREVIOUS_TOKEN = "0a9b8c7d6e5f40312f1e0d9c8b7a69584736251403f2e1d0c9b8a79685746352"

# Lambda@Edge limit for a generated viewer-request response, headers included.
MAX_GENERATED_RESPONSE_BYTES = 40 * 1024


def load_built(tmp_path: Path, tokens, **kwargs):
    return load_handler(write_archive(tmp_path, tokens, **kwargs))


def assert_valid_denial(response) -> None:
    """A generated 401 that CloudFront would accept from a viewer-request function."""
    assert isinstance(response, dict) and "status" in response, response
    assert response["status"] == "401" and isinstance(response["status"], str)
    size = len(response["body"].encode())
    for name, entries in response["headers"].items():
        assert name == name.lower()
        assert name not in READ_ONLY_OR_DISALLOWED_HEADERS
        assert not name.startswith(DISALLOWED_HEADER_PREFIXES)
        for entry in entries:
            assert entry["key"].lower() == name
            size += len(entry["key"]) + len(entry["value"])
    assert size < MAX_GENERATED_RESPONSE_BYTES
    assert "www-authenticate" in response["headers"]
    assert json.loads(response["body"])["meta"]["code"] == 401


def serve_in_background(server) -> None:
    """``server.serve_forever()`` (a LocalEdge or an EdgeHTTPServer) in a daemon thread;
    closing the server ends it."""
    threading.Thread(target=server.serve_forever, daemon=True).start()


def raw_get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET on 127.0.0.1:port; http.client sends the path exactly as given (no normalization)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# Test hooks on the V8 harness's KeyValueStore (installed once per context): every read is
# counted, and a fault makes every read fail: 'reject' (its promise rejects, as for a store
# the function cannot reach) or 'throw' (at once).
_STORE_HOOKS_JS = """
if (typeof __kvsReads === 'undefined') {
  var __kvsReads = 0, __kvsFault = null, __kvsKeyCheck = __kvsCheck;
  __kvsCheck = function (key) {
    __kvsReads++;
    if (__kvsFault === 'throw') throw new Error('KeyValueStore read failed');
    if (__kvsFault === 'reject') return Promise.reject(new Error('KeyValueStore unreachable'));
    return __kvsKeyCheck(key);
  };
}
"""


def set_store_fault(runtime, fault: str | None) -> None:
    """Make every store read of ``runtime`` fail from now on; None: no fault."""
    assert fault in (None, "reject", "throw"), fault
    runtime.eval(_STORE_HOOKS_JS + f"__kvsFault = {json.dumps(fault)};")


def store_reads(runtime) -> int:
    """Store reads (get, exists, meta) of ``runtime`` since this was last asked (the first
    call starts the count)."""
    taken = "(function () { var n = __kvsReads; __kvsReads = 0; return n; })()"
    return int(runtime.eval(_STORE_HOOKS_JS + taken))
