"""Lambda@Edge viewer-request handler: let a request through only with a valid token header.

Deployed inside a zip built by ``edge_handler/build.py`` next to ``uri_normalization`` (how
CloudFront normalizes a path) and a generated ``auth_config`` module that holds only SHA-256
digests of the accepted tokens, each with its client's name, expiry and path scope
(Lambda@Edge has no environment variables). Stdlib only; import does nothing but bind
constants.

Decision order: missing / malformed / unknown token -> 401; known token past its client's
expiry -> 401 (invalid_token, "token expired"); a scoped client asking for a path outside its
scope, or a URI that is not in normalized form -> 403; else the request goes on without the
token header. Fails closed: malformed events and unexpected errors give a generated 401.
"""

import re
import sys
from hashlib import sha256
from hmac import compare_digest
from itertools import islice
from json.encoder import encode_basestring_ascii as _json_string
from time import time
from urllib.parse import unquote

from auth_config import CLIENTS, HEADER, LOG_ALLOWED, REALM
from uri_normalization import normalize, remove_dot_segments

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
# RFC 6750 3: the description tells a client its token is known but no longer valid.
_CHALLENGE_EXPIRED = f'{_CHALLENGE_BAD_TOKEN}, error_description="token expired"'
_FORBIDDEN_BODY = '{"meta": {"code": 403, "error_message": "Forbidden"}, "data": {}}'

_STARS = re.compile(r"\*+")
_WILDCARD = re.compile(r"[*?]")
# Compiled patterns by text: only the stack's own patterns ever land here, so it stays small.
_COMPILED: dict = {}


def compile_pattern(pattern: str) -> tuple:
    """A CloudFront path pattern as (literal prefix, then a bit-parallel automaton).

    Bit i of the automaton's state: the first i characters after the prefix are matched. A
    ``*`` state stays on (any character, ``/`` too) and lets the next one on at once; a ``?``
    or a literal passes its bit one place up on a match. Repeated ``*`` are one. Returns
    (prefix, literal masks by character, ``?`` mask, ``*`` mask, start, accept, done), where
    ``done`` is the accept bit when the pattern ends in ``*`` (the rest can only match).
    """
    pattern = _STARS.sub("*", pattern)
    wildcard = _WILDCARD.search(pattern)
    prefix = pattern[: wildcard.start()] if wildcard else pattern
    rest = pattern[len(prefix) :]
    stars = anyone = 0
    literals: dict[str, int] = {}
    for position, char in enumerate(rest):
        if char == "*":
            stars |= 1 << position
        elif char == "?":
            anyone |= 1 << position
        else:
            literals[char] = literals.get(char, 0) | 1 << position
    masks = {char: bits | anyone for char, bits in literals.items()}
    accept = 1 << len(rest)
    start = 1 | (stars & 1) << 1
    return prefix, masks, anyone, stars, start, accept, accept if rest.endswith("*") else 0


def path_matches(text: str, pattern: str) -> bool:
    """Whether ``text`` matches CloudFront path pattern ``pattern``: ``*`` any characters,
    ``/`` included, ``?`` one character, case-sensitive (fnmatchcase without ``[``).

    Reads each character of ``text`` once, with a fixed amount of work for each (a state of
    at most 256 bits: patterns are at most 255 characters): linear in the path, never
    backtracking, whatever the pattern.
    """
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = _COMPILED[pattern] = compile_pattern(pattern)
    prefix, masks, anyone, stars, state, accept, done = compiled
    if not text.startswith(prefix):
        return False
    for char in islice(text, len(prefix), None):
        if state & done:
            return True
        state = (state & masks.get(char, anyone)) << 1 | state & stars
        state |= (state & stars) << 1
        if not state:
            return False
    return bool(state & accept)


def scope_problem(uri: str, patterns) -> str | None:
    """None when a client scoped to ``patterns`` may open ``uri``, else the denial reason.

    The URI must already be in normalized form, and must have no dot segment even once every
    escape is decoded (``..%2F``): no reading of it can climb out of the scope. Then the path
    must match a pattern by CloudFront's rules (``path_matches``), both as sent and fully
    decoded (the key S3 reads).
    """
    if normalize(uri) != uri:
        return "not_normalized"
    decoded = unquote(uri)
    if remove_dot_segments(decoded) != decoded:
        return "not_normalized"
    path, key = uri[1:], decoded[1:]
    for pattern in patterns:
        # Without escapes, the key is the path: one pass.
        if path_matches(path, pattern) and (key == path or path_matches(key, pattern)):
            return None
    return "out_of_scope"


# Reasons that mean "no credentials were offered" get the plain challenge.
_NO_TOKEN_REASONS = frozenset(("missing", "empty"))


def _deny(reason: str, request, event, client=None) -> dict:
    _log_safely("denied", reason, request, event, client)
    if reason == "expired":
        challenge = _CHALLENGE_EXPIRED
    elif reason in _NO_TOKEN_REASONS:
        challenge = _CHALLENGE_NO_TOKEN
    else:
        challenge = _CHALLENGE_BAD_TOKEN
    return {
        "status": "401",
        "statusDescription": "Unauthorized",
        # Fresh each call: a caller that changes one response must not change the next.
        "headers": _headers(challenge),
        "body": _BODY,
    }


def _forbid(reason: str, request, event, client: str) -> dict:
    # A known, valid token outside its scope: 403, no challenge (another token would not help).
    _log_safely("denied", reason, request, event, client)
    return {
        "status": "403",
        "statusDescription": "Forbidden",
        "headers": {
            "content-type": [{"key": "Content-Type", "value": "application/json; charset=utf-8"}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
        "body": _FORBIDDEN_BODY,
    }


def _log_safely(kind: str, reason, request, event, client) -> None:
    # A failed log write must not turn a decision into an error (no contextlib import on the edge).
    try:  # noqa: SIM105
        _log(kind, reason, request, event, client)
    except Exception:  # noqa: S110
        pass


def _log(kind: str, reason, request, event, client) -> None:
    # One compact JSON line: event, reason, client, uri, requestId. Never a token or the event.
    uri = request.get("uri") if isinstance(request, dict) else None
    request_id = (
        event["Records"][0]["cf"]["config"].get("requestId") if reason != "malformed" else None
    )
    uri_json = _json_string(uri[:256]) if isinstance(uri, str) else "null"
    id_json = _json_string(request_id[:64]) if isinstance(request_id, str) else "null"
    reason_part = f'"reason":"{reason}",' if reason else ""
    client_part = f'"client":{_json_string(client)},' if client else ""
    sys.stdout.write(
        f'{{"event":"{kind}",{reason_part}{client_part}"uri":{uri_json},"requestId":{id_json}}}\n'
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
        # One dict lookup by digest, whatever the number of clients. Its timing can tell at
        # most whether a digest exists; choosing a token whose digest is a given one is a
        # SHA-256 preimage. compare_digest confirms the entry found.
        entry = CLIENTS.get(digest)
        if entry is None or not compare_digest(entry[0], digest):
            return _deny("invalid", request, event)
        client, expires_at, paths = entry[1], entry[2], entry[3]
        if expires_at is not None and time() >= expires_at:
            return _deny("expired", request, event, client)
        if paths is not None:
            problem = scope_problem(request["uri"], paths)
            if problem is not None:
                return _forbid(problem, request, event, client)
        # The token is for the edge only: never forward it towards the origin or logs.
        del headers[HEADER]
        if LOG_ALLOWED:
            _log_safely("allowed", None, request, event, client)
        return request
    except Exception:
        return _deny("malformed" if request is None else "error", request, event)
