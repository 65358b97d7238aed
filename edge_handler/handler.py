"""Lambda@Edge viewer-request handler: let a request through only with a valid token header.

Deployed inside a zip built by ``edge_handler/build.py`` next to a generated ``auth_config``
module that holds only SHA-256 digests of the accepted tokens (Lambda@Edge has no environment
variables). Stdlib only; import does nothing but bind constants.

Fails closed: every path that is not a verified token, including malformed events and
unexpected errors, returns a generated 401 and never the request.
"""

import sys
from hashlib import sha256
from hmac import compare_digest
from json.encoder import encode_basestring_ascii as _json_string

from auth_config import DIGESTS, HEADER, REALM

# Tokens are at most 256 characters (settings enforce it); longer values are not worth hashing.
MAX_VALUE_LENGTH = 1024
_BEARER = "bearer "

_BODY = '{"meta": {"code": 401, "error_message": "Unauthorized"}, "data": {}}'


def _headers(challenge: str) -> dict:
    return {
        "content-type": [{"key": "Content-Type", "value": "application/json; charset=utf-8"}],
        "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        # RFC 9110 15.5.2: a 401 must carry a challenge; RFC 6750 says which one.
        "www-authenticate": [{"key": "WWW-Authenticate", "value": challenge}],
    }


_CHALLENGE_NO_TOKEN = f'Bearer realm="{REALM}"'
_CHALLENGE_BAD_TOKEN = f'Bearer realm="{REALM}", error="invalid_token"'
# Reasons that mean "no credentials were offered" get the plain challenge.
_NO_TOKEN_REASONS = frozenset(("missing", "empty"))


def _deny(reason: str, request, event) -> dict:
    # A failed log write must not turn a denial into an error (no contextlib import on the edge).
    try:  # noqa: SIM105
        _log_denial(reason, request, event)
    except Exception:  # noqa: S110
        pass
    return {
        "status": "401",
        "statusDescription": "Unauthorized",
        # Fresh each call: a caller that changes one response must not change the next.
        "headers": _headers(
            _CHALLENGE_NO_TOKEN if reason in _NO_TOKEN_REASONS else _CHALLENGE_BAD_TOKEN
        ),
        "body": _BODY,
    }


def _log_denial(reason: str, request, event) -> None:
    # One compact JSON line: reason, uri, requestId. Never the header value or the event.
    uri = request.get("uri") if isinstance(request, dict) else None
    request_id = (
        event["Records"][0]["cf"]["config"].get("requestId") if reason != "malformed" else None
    )
    uri_json = _json_string(uri[:256]) if isinstance(uri, str) else "null"
    id_json = _json_string(request_id[:64]) if isinstance(request_id, str) else "null"
    sys.stdout.write(
        f'{{"event":"denied","reason":"{reason}","uri":{uri_json},"requestId":{id_json}}}\n'
    )


def handler(event, context):
    request = None
    try:
        request = event["Records"][0]["cf"]["request"]
        headers = request["headers"]
        if not isinstance(headers, dict):
            return _deny("malformed", None, event)
        entries = headers.get(HEADER)
        if not entries:
            return _deny("missing", request, event)
        if len(entries) != 1:
            return _deny("multiple", request, event)
        value = entries[0]["value"]
        if value.__class__ is not str:
            return _deny("malformed", request, event)
        if not value:
            return _deny("empty", request, event)
        if len(value) > MAX_VALUE_LENGTH:
            return _deny("oversized", request, event)
        if value[:7].lower() == _BEARER:
            value = value[7:]
        if not value.isascii():
            return _deny("non_ascii", request, event)
        digest = sha256(value.encode()).digest()
        matched = False
        for expected in DIGESTS:  # check every digest: no early exit that timing could reveal
            matched |= compare_digest(digest, expected)
        if not matched:
            return _deny("invalid", request, event)
        # The token is for the edge only: never forward it towards the origin or logs.
        del headers[HEADER]
        return request
    except Exception:
        return _deny("malformed" if request is None else "error", request, event)
