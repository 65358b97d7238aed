"""A local stand-in for this product's CloudFront distribution, as a WSGI app.

It follows the request flow of the deployed distribution, driven by the same ``SiteModel``:
normalize the path as AWS documents (RFC 3986: decode unreserved characters only, remove dot
segments) and pick the cache behavior by CloudFront's path-pattern rules; on a protected behavior
turn the request into a viewer-request event and call the handler loaded from the built zip;
return a generated response as is; send the RAW path to the behavior's origin bucket, whose key
is that path decoded as S3 decodes it; map origin errors through the custom error responses to
the JSON pages.

Not modelled (no effect on access control): caching and error caching TTLs, compression,
CORS, CloudFront's own 5xx on quota breaches (but a function call past the local time limit
answers 503, as CloudFront answers a throttled function).
"""

from __future__ import annotations

import base64
import contextlib
import re
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from urllib.parse import unquote

from botocore.exceptions import ClientError
from werkzeug.datastructures import Headers
from werkzeug.http import http_date, parse_date
from werkzeug.wrappers import Request, Response

from components import (
    DEFAULT_ROOT_OBJECT,
    ORIGIN_PATH,
    CacheBehavior,
    SiteModel,
    normalize_rfc3986,
)
from edge_handler import CLOUDFRONT_FUNCTION, LAMBDA_EDGE
from tools.edge_runtime import FunctionTimeout, viewer_request_event

ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What the managed SecurityHeadersPolicy adds to every response CloudFront serves.
SECURITY_HEADERS = (
    ("Strict-Transport-Security", "max-age=31536000"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-XSS-Protection", "1; mode=block"),
)
# Object headers S3 returns that CloudFront passes on to the viewer.
_OBJECT_HEADERS = (
    ("ContentType", "Content-Type"),
    ("ContentLength", "Content-Length"),
    ("ETag", "ETag"),
    ("ContentRange", "Content-Range"),
    ("CacheControl", "Cache-Control"),
)

# X-Cache of a response the viewer-request function generated, by engine.
GENERATED_X_CACHE = {
    LAMBDA_EDGE: "LambdaGeneratedResponse from cloudfront",
    CLOUDFRONT_FUNCTION: "FunctionGeneratedResponse from cloudfront",
}

# The one Range form S3 honours (a single byte range); S3 ignores any other Range header.
_BYTE_RANGE = re.compile(r"bytes=\d*-\d*")


class InvalidKey(ValueError):
    """The path does not decode to a UTF-8 key: S3 answers 400."""


def s3_key_for_path(path: str) -> str:
    """The key S3 reads for a request path: every escape decoded, nothing else changed.

    S3 percent-decodes the whole path (``%2F`` is a ``/`` of the key) and does not remove dot
    segments; ``+`` stays ``+`` (as moto and botocore treat it, which encode a key's ``+`` as
    ``%2B``).
    """
    try:
        return ORIGIN_PATH.strip("/") + unquote(path[1:], errors="strict")
    except UnicodeDecodeError:
        raise InvalidKey(path) from None


class LocalDistribution:
    def __init__(
        self,
        site: SiteModel,
        edge_handler: Callable[[dict, object], dict],
        s3_client,
        buckets: Mapping[str, str],
        log: Callable[[str], None] = print,
        normalize: Callable[[str], str] = normalize_rfc3986,
    ) -> None:
        """``buckets``: origin id -> bucket; ``normalize``: how behaviors see the path."""
        self.site = site
        self.edge_handler = edge_handler
        self.s3 = s3_client
        self.buckets = dict(buckets)
        self.log = log
        self.normalize = normalize
        self.errors = {e.error_code: e for e in site.error_responses}

    def __call__(self, environ, start_response):
        request = Request(environ)
        started = time.perf_counter()
        path = _raw_path(environ)
        behavior = self.site.behavior_for(path, self.normalize)
        try:
            response = self.handle(request, path, behavior)
        except FunctionTimeout:
            # A function over its limit (or stopped): CloudFront answers 503 (throttled).
            response = self.error_response(503, None)
        except Exception:
            # CloudFront answers 502 when it cannot get a response; never a traceback.
            response = self.error_response(502, None)
        elapsed = (time.perf_counter() - started) * 1000
        self.log(
            f"{request.method} {path[:200]} behavior={behavior.label} "
            f"status={response.status_code} {elapsed:.1f}ms"
        )
        return response(environ, start_response)

    def handle(self, request: Request, path: str, behavior: CacheBehavior) -> Response:
        if request.method not in ALLOWED_METHODS:
            # The behaviors allow GET, HEAD and OPTIONS only; CloudFront refuses the rest.
            return self.error_response(403, None)
        headers = list(request.headers.items())
        uri = path
        if behavior.protected:
            event = viewer_request_event(
                headers,
                uri=path,
                method=request.method,
                querystring=request.environ.get("QUERY_STRING", ""),
                client_ip=request.remote_addr or "127.0.0.1",
                request_id=base64.urlsafe_b64encode(time.time_ns().to_bytes(8, "big")).decode(),
            )
            result = self.edge_handler(event, None)
            if "status" in result:
                engine = getattr(self.edge_handler, "name", LAMBDA_EDGE)
                return generated_response(result, GENERATED_X_CACHE[engine])
            # The request goes on with whatever the function changed (the token header is gone).
            uri = result["uri"]
            headers = [
                (e["key"], e["value"]) for items in result["headers"].values() for e in items
            ]
        if request.method == "OPTIONS":
            # S3 answers a preflight without a CORS configuration with 403.
            return self.error_response(403, None)
        return self.fetch_from_origin(request.method, uri, Headers(headers), behavior.origin_id)

    def fetch_from_origin(
        self, method: str, uri: str, headers: Headers, origin_id: str
    ) -> Response:
        """The behavior's origin only: an unprotected behavior never reads protected content."""
        try:
            key = DEFAULT_ROOT_OBJECT if uri == "/" else s3_key_for_path(uri)
        except InvalidKey:
            return self.error_response(400, None)
        params = {"Bucket": self.buckets[origin_id], "Key": key}
        if _BYTE_RANGE.fullmatch(headers.get("Range", "")):
            params["Range"] = headers["Range"]
        if headers.get("If-None-Match"):
            params["IfNoneMatch"] = headers["If-None-Match"]
        since = parse_date(headers.get("If-Modified-Since"))  # None when absent or unreadable
        if since is not None:
            params["IfModifiedSince"] = since
        try:
            if method == "HEAD":
                found = self.s3.head_object(**params)
                body = b""
            else:
                found = self.s3.get_object(**params)
                body = found["Body"].read()
        except ClientError as error:
            status = int(error.response["ResponseMetadata"]["HTTPStatusCode"])
            if status == 304:
                return _with_edge_headers(Response(status=304), "Hit from cloudfront")
            return self.error_response(status, error)
        response = Response(body, status=206 if found.get("ContentRange") else 200)
        response.headers.clear()
        for field, header in _OBJECT_HEADERS:
            if found.get(field) is not None:
                response.headers[header] = str(found[field])
        if found.get("LastModified"):
            response.headers["Last-Modified"] = http_date(found["LastModified"])
        response.headers["Accept-Ranges"] = "bytes"
        return _with_edge_headers(response, "Miss from cloudfront")

    def error_response(self, status: int, origin_error: ClientError | None) -> Response:
        """Custom error response: the JSON page for the code, fetched like any other object."""
        mapping = self.errors.get(status)
        if mapping is not None:
            # Edge functions do not run on the error page fetch: the pages sit under the first,
            # unprotected behavior (build_site_model), in that behavior's bucket.
            key = mapping.response_page_path.lstrip("/")
            bucket = self.buckets[self.site.origin_for_key(key)]
            with contextlib.suppress(ClientError):
                page = self.s3.get_object(Bucket=bucket, Key=key)
                response = Response(
                    page["Body"].read(),
                    status=mapping.response_code,
                    content_type=page["ContentType"],
                )
                return _with_edge_headers(response, "Error from cloudfront")
        # No page: the viewer gets the origin's status.
        message = origin_error.response["Error"].get("Code", "") if origin_error else ""
        response = Response(message, status=status, content_type="text/plain")
        return _with_edge_headers(response, "Error from cloudfront")


def generated_response(result: dict, x_cache: str = GENERATED_X_CACHE[LAMBDA_EDGE]) -> Response:
    """A response generated by the viewer-request function, sent as CloudFront would."""
    body = result.get("body", "")
    if result.get("bodyEncoding") == "base64":
        body = base64.b64decode(body)
    response = Response(body, status=int(result["status"]))
    response.headers.clear()
    for entries in result.get("headers", {}).values():
        for entry in entries:
            response.headers.add(entry["key"], entry["value"])
    if result.get("statusDescription"):
        response.status = f"{result['status']} {result['statusDescription']}"
    response.headers["X-Cache"] = x_cache
    return response


def _with_edge_headers(response: Response, cache_status: str) -> Response:
    # CloudFront sends the standard reason phrase ("Not Found"), werkzeug an upper-case one.
    response.status = f"{response.status_code} {HTTPStatus(response.status_code).phrase}"
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name, value)
    response.headers["X-Cache"] = cache_status
    response.headers["Via"] = "1.1 local-edge (CloudFront)"
    return response


def _raw_path(environ) -> str:
    """The path as the viewer sent it (CloudFront hands the function the undecoded URI)."""
    raw = environ["REQUEST_URI"].split("?", 1)[0]  # set by waitress and werkzeug's test client
    if not raw.startswith("/") and "://" in raw:
        # Absolute form (RFC 9112 3.2.2): "http://host/path" asks for "/path". A "://" inside
        # an ordinary path ("/a/http://b") is part of the path.
        after_authority = raw.split("://", 1)[1]
        raw = "/" + after_authority.split("/", 1)[1] if "/" in after_authority else "/"
    return raw if raw.startswith("/") else "/" + raw
