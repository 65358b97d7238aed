"""The two edge engines behind one call: ``engine(lambda_event, context) -> lambda_result``.

``lambda-edge`` is the Python handler from the built zip, called as Lambda@Edge calls it.
``cloudfront-function`` runs the generated CloudFront Function in the V8 harness, reading its
clients from a KeyValueStore holding the entries built from the same tokens and clients: the
Lambda@Edge event is translated into the CloudFront Functions event (lowercase header map of
``{value, multiValue}``, cookies apart, query string parsed), and the function's answer back
into Lambda@Edge's shape, so the local distribution serves both alike. Its calls run one at a
time in one V8 context, each within a time limit (``FunctionTimeout`` past it).

Both engines write their log lines to stdout, and a write that fails (a closed pipe) is
dropped: it never changes a decision.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from edge_handler import (
    CLOUDFRONT_FUNCTION,
    DEFAULT_MAX_GRANT_SECONDS,
    ENGINES,
    LAMBDA_EDGE,
    load_handler,
    render_function_code,
    store_entries,
    write_archive,
)
from tools.edge_runtime.cloudfront_runtime import (
    DEFAULT_TIME_LIMIT,
    CloudFrontRuntime,
    FunctionTimeout,
)


def function_event(lambda_event: dict) -> dict:
    """The CloudFront Functions viewer-request event for the same request."""
    cf = lambda_event["Records"][0]["cf"]
    request = cf["request"]
    pairs, cookies = [], []
    for name, entries in request["headers"].items():
        for entry in entries:
            if name == "cookie":
                # "If the request contains any Cookie headers, those headers are not part of
                # the headers object" (the CloudFront Functions event structure).
                cookies.extend(c.strip() for c in entry["value"].split(";") if c.strip())
            else:
                pairs.append((name, entry["value"]))
    return {
        "version": "1.0",
        "context": {
            "distributionDomainName": cf["config"]["distributionDomainName"],
            "distributionId": cf["config"]["distributionId"],
            "eventType": "viewer-request",
            "requestId": cf["config"]["requestId"],
        },
        "viewer": {"ip": request["clientIp"]},
        "request": {
            "method": request["method"],
            "uri": request["uri"],
            "querystring": multi_fields(parse_qsl(request["querystring"], keep_blank_values=True)),
            "headers": multi_fields(pairs),
            "cookies": multi_fields(tuple(c.partition("=")[::2]) for c in cookies),
        },
    }


def multi_fields(pairs) -> dict:
    """``{name: {value, multiValue?}}``: multiValue only when a name repeats."""
    fields: dict[str, dict] = {}
    for name, value in pairs:
        if name in fields:
            fields[name].setdefault("multiValue", [{"value": fields[name]["value"]}])
            fields[name]["multiValue"].append({"value": value})
        else:
            fields[name] = {"value": value}
    return fields


def lambda_result(result: dict, lambda_event: dict) -> dict:
    """The function's answer in Lambda@Edge's shape: a response, or the request to go on."""
    if "statusCode" in result:
        response = {
            "status": str(result["statusCode"]),
            "headers": {
                # CloudFront sends generated header names in Title-Case.
                name: [{"key": "-".join(map(str.capitalize, name.split("-"))), "value": f["value"]}]
                for name, f in result.get("headers", {}).items()
            },
            "body": result.get("body", ""),
        }
        cookies = [
            {"key": "Set-Cookie", "value": f"{name}={c['value']}; {c['attributes']}".rstrip("; ")}
            for name, c in result.get("cookies", {}).items()
        ]
        if cookies:
            response["headers"]["set-cookie"] = cookies
        if "statusDescription" in result:
            response["statusDescription"] = result["statusDescription"]
        return response
    request = lambda_event["Records"][0]["cf"]["request"]
    keys = {name: entries[0]["key"] for name, entries in request["headers"].items() if entries}
    headers = {}
    for name, field in result["headers"].items():
        values = (
            [v["value"] for v in field["multiValue"]] if "multiValue" in field else [field["value"]]
        )
        headers[name] = [{"key": keys.get(name, name), "value": v} for v in values]
    if "cookie" in request["headers"]:
        headers["cookie"] = request["headers"]["cookie"]
    # What the function left of the query string (a grant is taken out) goes on.
    query = [
        (name, v["value"])
        for name, field in result.get("querystring", {}).items()
        for v in field.get("multiValue", [field])
    ]
    return {**request, "uri": result["uri"], "headers": headers, "querystring": urlencode(query)}


class LambdaEdgeEngine:
    """The Python handler, imported from the built zip."""

    name = LAMBDA_EDGE

    def __init__(self, build_dir: Path, tokens, header, clients=(), log_allowed=False) -> None:
        archive = write_archive(build_dir, tokens, header, clients=clients, log_allowed=log_allowed)
        self.handler = load_handler(archive).handler

    def __call__(self, event: dict, context: object) -> dict:
        return self.handler(event, context)

    def close(self) -> None:
        pass


class CloudFrontFunctionEngine:
    """The generated CloudFront Function in V8, with its KeyValueStore (``entries``, from the
    tokens and clients); its log lines go to stdout, as the handler's.

    Calls run one at a time in one V8 context (each takes microseconds); a call past
    ``time_limit`` seconds raises ``FunctionTimeout`` and the context is replaced by a fresh
    one, since a stopped call may have left its state half-changed. ``runtime`` is the current
    context, for callers that drive it directly (the differential tests).
    """

    name = CLOUDFRONT_FUNCTION

    def __init__(
        self,
        tokens,
        header,
        clients=(),
        log_allowed=False,
        *,
        time_limit: float = DEFAULT_TIME_LIMIT,
        grants: bool = False,
        max_grant_seconds: int = DEFAULT_MAX_GRANT_SECONDS,
    ) -> None:
        self.code = render_function_code(header, log_allowed, grants, max_grant_seconds)
        # The KeyValueStore the function reads: the entries the stack's store would hold.
        self.entries = store_entries(tokens, clients, grants)
        self._time_limit = time_limit
        self._lock = threading.Lock()
        self._closed = False
        self.runtime = self._start()

    def _start(self) -> CloudFrontRuntime:
        return CloudFrontRuntime(self.code, time_limit=self._time_limit, store=self.entries)

    def __call__(self, event: dict, context: object) -> dict:
        with self._lock:
            try:
                result, logs = self.runtime.handle(function_event(event))
            except FunctionTimeout:
                self.runtime.close()
                if not self._closed:
                    self.runtime = self._start()
                raise
        # As the handler's _log_safely: a failed write (closed stdout) must not turn a
        # decision into an error.
        with contextlib.suppress(Exception):
            for line in logs:
                sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
        return lambda_result(result, event)

    def close(self) -> None:
        """Stop a call still running, then release the context; safe to call twice."""
        self._closed = True  # a call stopped from here on starts no fresh context
        self.runtime.close()  # at once: the running call (holding the lock) ends now
        with self._lock:  # a replacement made before the flag was seen is closed too
            self.runtime.close()


def make_engine(
    engine: str, build_dir: Path, tokens, header, clients=(), log_allowed=False, **function_options
):
    """The engine named ``engine``; ``function_options`` (``time_limit``, the grant settings)
    apply to the function's only (the settings refuse grants on lambda-edge)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == LAMBDA_EDGE:
        return LambdaEdgeEngine(build_dir, tokens, header, clients, log_allowed)
    return CloudFrontFunctionEngine(tokens, header, clients, log_allowed, **function_options)
