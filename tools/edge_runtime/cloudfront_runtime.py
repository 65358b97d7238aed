"""Run a CloudFront Functions (``cloudfront-js-2.0``) viewer-request function in embedded V8.

The harness offers only what the CloudFront runtime offers, so a function that leans on
anything else fails here too: ``require`` knows only ``'crypto'`` (``createHash('sha256')``
and ``createHmac('sha256', key)`` with a ``base64url`` digest, from a
pure-JS SHA-256; ``Buffer.from(text, 'base64')`` for a key), ``console.log`` takes
one argument and is captured, there are no timers and no ``eval``/``Function``, the code runs
in strict mode, and ``Date.now()`` is the function's start time (frozen per call, settable).
The ``cloudfront`` module (``import cf from 'cloudfront'``) offers the part of ``cf.kvs()`` the
function uses: ``get(key, {format})`` (string or json; rejects for a key not in the store),
backed by the entries the runtime is given (``store``); anything else on it is undefined, so a
call to it throws. A handler may be async (its promise settles within the call).
mini-racer's V8 accepts far more syntax than CloudFront's runtime: the tests check the
generated code for that (tests/support/js_syntax.py).

``CloudFrontRuntime`` is one V8 context: its calls run one at a time, each within a time limit
(past it, the call is stopped and raises ``FunctionTimeout``), and ``close()`` must be called
(open contexts can hang the interpreter at exit); it stops a call still running.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import math
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from py_mini_racer import mini_racer

# Seconds a call may run in the harness before it is stopped (the tests' default; the local
# edge sets its own). CloudFront gives a function about 1 ms of compute.
DEFAULT_TIME_LIMIT = 5.0

# What mini-racer adds and CloudFront lacks, then the CloudFront built-ins our function uses.
_RUNTIME_JS = r"""
var __logs = [];
var __now = 0;
// mini-racer's timers are not configurable (delete fails): they are overwritten instead.
globalThis.setTimeout = undefined;
globalThis.clearTimeout = undefined;
globalThis.eval = function () { throw new EvalError('eval is not supported'); };
globalThis.Function = function () { throw new EvalError('Function is not supported'); };
globalThis.console = { log: function (message) {
  if (arguments.length !== 1) throw new TypeError('console.log takes one argument');
  __logs.push(String(message));
} };
Date.now = function () { return __now; };
var __sha256 = (function () {
  var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,
  0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,
  0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,
  0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,
  0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,
  0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,
  0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,
  0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,
  0xc67178f2];
  return function (bytes) {
    var H = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,
      0x5be0cd19];
    var l = bytes.length, m = bytes.slice(), w = new Array(64), t, o, i;
    m.push(0x80);
    while (m.length % 64 !== 56) m.push(0);
    var high = Math.floor(l / 0x20000000), low = (l * 8) >>> 0;
    m.push(high >>> 24 & 255, high >>> 16 & 255, high >>> 8 & 255, high & 255,
      low >>> 24 & 255, low >>> 16 & 255, low >>> 8 & 255, low & 255);
    for (o = 0; o < m.length; o += 64) {
      for (t = 0; t < 16; t++) {
        i = o + 4 * t;
        w[t] = (m[i] << 24) | (m[i + 1] << 16) | (m[i + 2] << 8) | m[i + 3];
      }
      for (t = 16; t < 64; t++) {
        var a = w[t - 15], b = w[t - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var A = H[0], B = H[1], C = H[2], D = H[3], E = H[4], F = H[5], G = H[6], X = H[7];
      for (t = 0; t < 64; t++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var t1 = (X + S1 + ((E & F) ^ (~E & G)) + K[t] + w[t]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
        X = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
      }
      H[0] = (H[0] + A) | 0; H[1] = (H[1] + B) | 0; H[2] = (H[2] + C) | 0;
      H[3] = (H[3] + D) | 0; H[4] = (H[4] + E) | 0; H[5] = (H[5] + F) | 0;
      H[6] = (H[6] + G) | 0; H[7] = (H[7] + X) | 0;
    }
    var out = [];
    for (t = 0; t < 8; t++) {
      out.push(H[t] >>> 24 & 255, H[t] >>> 16 & 255, H[t] >>> 8 & 255, H[t] & 255);
    }
    return out;
  };
})();
function __utf8(text) {
  // UTF-8 as Buffer.from(text) gives it (a lone surrogate becomes U+FFFD).
  var bytes = unescape(encodeURIComponent(text.toWellFormed()));
  return Array.from(bytes, function (c) { return c.charCodeAt(0); });
}
// Buffer (runtime 2.0): only Buffer.from(text, 'base64'), as bytes (strict: a character
// outside the base64 alphabet, whitespace included, throws here, where Node would skip it).
function __Bytes(bytes) { this.bytes = bytes; }
globalThis.Buffer = Object.freeze({ from: function (text, encoding) {
  if (encoding !== 'base64' || typeof text !== 'string') {
    throw new Error('harness: only Buffer.from(text, \'base64\')');
  }
  if (/[^A-Za-z0-9+\/=]/.test(text)) throw new Error('harness: not base64: ' + text);
  return new __Bytes(Array.from(Uint8Array.fromBase64(text)));
} });
function __hasher(algorithm, finish) {
  // CloudFront also offers md5, sha1 and the hex and base64 digests; this harness has only
  // what the function uses.
  if (algorithm !== 'sha256') throw new Error('harness: only sha256, not ' + algorithm);
  var data = [];
  var hash = {
    update: function (chunk) {
      if (typeof chunk !== 'string') throw new TypeError('harness: update takes a string');
      data = data.concat(__utf8(chunk));
      return hash;
    },
    digest: function (encoding) {
      if (encoding !== 'base64url') throw new Error('harness: only digest(\'base64url\')');
      var bytes = new Uint8Array(finish(data));
      return bytes.toBase64({ alphabet: 'base64url', omitPadding: true });
    },
  };
  return hash;
}
globalThis.require = function (name) {
  if (name !== 'crypto') throw new Error('Cannot find module ' + name);
  return {
    createHash: function (algorithm) { return __hasher(algorithm, __sha256); },
    // RFC 2104 over SHA-256 (64-byte blocks); the key as text (UTF-8) or a Buffer.
    createHmac: function (algorithm, key) {
      var k = key instanceof __Bytes ? key.bytes.slice() : typeof key === 'string'
        ? __utf8(key) : null;
      if (k === null) throw new TypeError('harness: the key is a string or a Buffer');
      if (k.length > 64) k = __sha256(k);
      while (k.length < 64) k.push(0);
      return __hasher(algorithm, function (data) {
        var inner = k.map(function (b) { return b ^ 0x36; }).concat(data);
        var outer = k.map(function (b) { return b ^ 0x5c; });
        return __sha256(outer.concat(__sha256(inner)));
      });
    },
  };
};
// The cloudfront module: the part of cf.kvs() the function uses (get with format string or
// json, rejecting for a key not in the store), backed by the entries the harness was given.
// Every read goes through __kvsCheck (tests wrap it to count reads or make them fail).
var __kvsData = null;
function __kvsCheck(key) {
  if (typeof key !== 'string') return Promise.reject(new TypeError('key must be a string'));
  return null;
}
var __cloudfront = Object.freeze({ kvs: function () {
  if (__kvsData === null) throw new Error('no KeyValueStore is associated with the function');
  return Object.freeze({
    get: function (key, options) {
      var failed = __kvsCheck(key);
      if (failed) return failed;
      var format = options === undefined || options.format === undefined
        ? 'string' : options.format;
      if (format !== 'string' && format !== 'json') {
        return Promise.reject(new TypeError('harness: only the string and json formats'));
      }
      if (!Object.prototype.hasOwnProperty.call(__kvsData, key)) {
        return Promise.reject(new Error('Key ' + key + ' does not exist'));
      }
      try {
        return Promise.resolve(format === 'json' ? JSON.parse(__kvsData[key]) : __kvsData[key]);
      } catch (e) {
        return Promise.reject(e);
      }
    },
  });
} });
function __settle(result) {
  // handler's answer, or the value its promise settles to (the microtasks run before the
  // harness reads __answer). A rejection is rethrown there, as an uncaught throw.
  __answer = null;
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    result.then(function (r) { __answer = { ok: JSON.stringify([r, __logs]) }; },
      function (e) { __answer = { error: e }; });
  } else {
    __answer = { ok: JSON.stringify([result, __logs]) };
  }
}
var __answer = null;
function __take() {
  var a = __answer;
  __answer = null;
  if (a === null) throw new Error('harness: the handler\'s promise never settled');
  if (Object.prototype.hasOwnProperty.call(a, 'error')) throw a.error;
  return a.ok;
}
"""

# The line AWS documents for the KeyValueStore helpers; the harness runs it as a plain script.
CLOUDFRONT_IMPORT = re.compile(r"^import cf from (['\"])cloudfront\1;[ \t]*$", re.M)


async def _end_tasks() -> None:
    """Cancel every other task of this event loop and wait until each has ended."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class FunctionTimeout(Exception):
    """The function ran past its time limit, or was stopped by ``close``: CloudFront answers
    503 for a function that fails or is throttled."""


class CloudFrontRuntime:
    """One function's code loaded into a fresh V8 context with the CloudFront built-ins."""

    def __init__(
        self,
        code: str,
        now: float | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        store: Mapping[str, str] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        # Date.now() in the function, seconds since the epoch; None: each call's start.
        self.now = now
        self._time_limit = time_limit
        self._running: concurrent.futures.Future | None = None
        self._closed = False
        self._released = False
        # The context's own event loop, so that a call can be cancelled from any thread.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="cloudfront-runtime", daemon=True
        )
        self._thread.start()
        self._maker = mini_racer(event_loop=self._loop)
        self._ctx = None
        try:
            self._ctx = self._maker.__enter__()
            self._run(_RUNTIME_JS, 60)
            if store is not None:
                data = json.dumps(dict(store), separators=(",", ":"))
                self._run(f"__kvsData = Object.assign(Object.create(null), {data});", 60)
            # CloudFront runs functions in strict mode; this cannot be changed there. The
            # documented import line becomes a plain binding (mini-racer runs scripts).
            script = CLOUDFRONT_IMPORT.sub("var cf = __cloudfront;", code)
            self._run('"use strict";\n' + script, 60)
        except BaseException:
            self.close()
            raise

    def handle(self, event: dict) -> tuple[dict, list[dict]]:
        """``handler(event)``'s result (an async handler's: what its promise resolves to) and
        the log lines it wrote (parsed). Raises ``FunctionTimeout`` past the time limit, a
        ``JSEvalException`` when the function throws or its promise rejects."""
        with self._lock:
            now = time.time() if self.now is None else self.now
            start = time.monotonic()
            source = (
                f"__now = {math.floor(now * 1000)}; __logs = [];\n"
                f"__settle(handler({json.dumps(event)}));"
            )
            self._run(source, self._time_limit)
            # The promise's callbacks ran as microtasks when the call above returned.
            left = max(self._time_limit - (time.monotonic() - start), 0.001)
            result, logs = json.loads(self._run("__take()", left))
        return result, [json.loads(line) for line in logs]

    def eval(self, source: str) -> Any:
        with self._lock:
            return self._run(source, 60)

    def _run(self, source: str, time_limit: float) -> Any:
        if self._closed:
            raise FunctionTimeout("the function was stopped")
        future = asyncio.run_coroutine_threadsafe(self._ctx.eval_cancelable(source), self._loop)
        self._running = future
        if self._closed:  # close() began meanwhile and may not have seen this call
            future.cancel()
        try:
            return future.result(timeout=time_limit)
        except concurrent.futures.TimeoutError:
            future.cancel()  # terminates the JavaScript
            raise FunctionTimeout(f"the function ran over its {time_limit} s limit") from None
        except concurrent.futures.CancelledError:
            raise FunctionTimeout("the function was stopped") from None
        finally:
            self._running = None

    def close(self) -> None:
        """Stop a call still running, then release the context; safe to call twice."""
        self._closed = True  # no call starts from here on
        running = self._running
        if running is not None:
            running.cancel()
        with self._lock:
            if self._released:
                return
            self._released = True
            try:
                if self._ctx is not None:
                    # A stopped call ends on the loop, where mini-racer cancels its V8 task:
                    # the context is freed only after that, never under a call still ending.
                    asyncio.run_coroutine_threadsafe(_end_tasks(), self._loop).result()
                    self._maker.__exit__(None, None, None)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join()
                self._loop.close()

    def __enter__(self) -> CloudFrontRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
