"""Mint protected-cdn grants: signed links and browser sessions for a client that holds a token.

Copy this one file into your application: it needs only Python's standard library (3.8 or newer).
A grant is a JWT (RFC 7519) signed HS256 with a key derived from your client token, so the edge
can check it without ever holding the token:

    key = signing_key(token)                      # HMAC-SHA256(token, "protected-cdn grant v1")
    grant = mint_grant(token, "partner-a", "/ex-img/partner-a/*", ttl_seconds=3600)
    signed_link("https://assets.example.com", "/ex-img/partner-a/a.png", grant)
    session_link("https://assets.example.com", grant, to="/gallery.html")

The rules the edge applies are in docs/grants.md of protected-cdn. The checks here refuse
what the edge would refuse anyway, early and with the reason; they never print a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import quote, urlsplit

__all__ = [
    "GrantError",
    "grant_parts",
    "mint_grant",
    "session_link",
    "signed_link",
    "signing_key",
    "verify_grant",
]

# The message of the signing key's HMAC: a new version of the contract changes it.
KEY_CONTEXT = b"protected-cdn grant v1"
# A client's name in the stack (clients.<name>), which is the grant's "kid".
CLIENT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# RFC 3986 path characters that a URL carries as they are: every other one is percent-encoded,
# and CloudFront's normalization leaves these alone, so the link and the claim read the same.
PATH_SAFE = "/!$&'()*+,;=:@-._~"
# CloudFront's limit on a request URI (path and query) is 8,192 bytes; a path claim stays far
# below it, so a link with its grant fits.
MAX_PATH_BYTES = 1024
# The longest grant the edge reads (a longer one is refused unread).
MAX_GRANT_LENGTH = 2048
SESSION_PATH = "/_grant"
# A page the session opens: a path (and query) of this site, as a URL carries it.
_LOCAL_TARGET = re.compile(r"/[A-Za-z0-9" + re.escape(PATH_SAFE) + r"?]*")
# What a query value carries as it is ("&", "=", "+", "#" and "%" are encoded).
QUERY_SAFE = "/!$'()*,;:@-._~"


class GrantError(ValueError):
    """A grant that cannot be minted, read or verified: the reason, never a token."""


def signing_key(token: str) -> bytes:
    """The client's grant signing key: HMAC-SHA256 keyed with the token's UTF-8 bytes over
    ``"protected-cdn grant v1"``, the raw 32 bytes. The edge holds this key, not the token."""
    if not isinstance(token, str) or not token:
        raise GrantError("token: give the client's token (a non-empty string)")
    return hmac.new(token.encode("utf-8"), KEY_CONTEXT, hashlib.sha256).digest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def _unb64url(text: str, part: str) -> bytes:
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise GrantError(f"grant: its {part} is not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def url_path(path: str) -> str:
    """``path`` as a URL carries it: percent-encoded UTF-8 for every character outside
    ``PATH_SAFE``, upper-case hex, as CloudFront normalizes it."""
    return quote(path, safe=PATH_SAFE)


def _check_path(path: str, name: str = "path", prefix_allowed: bool = True) -> str:
    """``path`` (as its key reads: ``/a b.png``, not ``/a%20b.png``) checked, in URL form.

    A grant's path holds only characters a URL carries as they are (the edge compares it
    with the request's path as sent), so a file whose name needs escapes is granted through
    its folder (``/ex-img/*``); a link to it may still carry that grant.
    """
    if not isinstance(path, str) or not path.startswith("/"):
        raise GrantError(f"{name}: must start with / (e.g. /ex-img/a.png or /ex-img/*)")
    body = path[:-1] if prefix_allowed and path.endswith("/*") else path
    problem = None
    if "*" in body:
        where = "only as the last segment, /*" if prefix_allowed else "not in a file's path"
        problem = f"* is allowed {where}"
    elif "%" in path:
        problem = "give it unencoded, as the file's key reads (a b.png, not a%20b.png)"
    elif "\\" in path or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        problem = "holds a backslash or a control character"
    elif any(segment in (".", "..") for segment in body.split("/")):
        problem = "holds a . or .. segment; give the path it leads to"
    elif "//" in path:
        problem = "holds an empty segment (//)"
    elif len(url_path(path).encode("utf-8")) > MAX_PATH_BYTES:
        problem = f"is longer than {MAX_PATH_BYTES} bytes in URL form"
    elif prefix_allowed and url_path(path) != path:
        unsafe = next(ch for ch in path if url_path(ch) != ch)
        problem = (
            f"holds {unsafe!r}, which a grant's path cannot (only a-z A-Z 0-9 and "
            f"{PATH_SAFE.replace('*', '')}); grant its folder instead (/…/*)"
        )
    if problem:
        raise GrantError(f"{name} {path[:80]!r}: {problem}")
    return url_path(path)


def _check_client(client: str) -> None:
    if not isinstance(client, str) or not CLIENT_NAME.fullmatch(client):
        raise GrantError(
            f"client {str(client)[:80]!r}: not a client name. Fix: the name the stack gives it "
            "(clients.<name>): 1 to 40 of a-z, 0-9 and -, starting with a letter or digit"
        )


def _whole_seconds(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise GrantError(f"{name}: must be a number of seconds")
    return int(value)


def mint_grant(
    token: str,
    client: str,
    path: str,
    ttl_seconds: int,
    now: float | None = None,
    nbf: int | None = None,
) -> str:
    """A grant for ``client`` (its token ``token``) to read ``path`` for ``ttl_seconds``.

    ``path`` is an exact path (``/ex-img/a.png``) or a prefix ending in ``/*``
    (``/ex-img/partner-a/*``), unencoded. ``now`` (Unix seconds) defaults to the clock;
    ``nbf``, when given, is the first second the grant is good (Unix seconds).
    """
    key = signing_key(token)
    _check_client(client)
    claim_path = _check_path(path)
    ttl = _whole_seconds(ttl_seconds, "ttl_seconds")
    if ttl <= 0 or ttl != ttl_seconds:
        raise GrantError(f"ttl_seconds: must be a whole number of seconds above 0, not {ttl}")
    issued = int(time.time() if now is None else _whole_seconds(now, "now"))
    claims = {"exp": issued + ttl, "path": claim_path, "iat": issued}
    if nbf is not None:
        claims["nbf"] = _whole_seconds(nbf, "nbf")
        if claims["nbf"] >= claims["exp"]:
            raise GrantError("nbf: must come before the grant expires (now + ttl_seconds)")
    header = {"alg": "HS256", "typ": "JWT", "kid": client}
    signing_input = f"{_b64url(_json(header))}.{_b64url(_json(claims))}"
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    grant = f"{signing_input}.{_b64url(signature)}"
    if len(grant) > MAX_GRANT_LENGTH:
        raise GrantError(f"path: too long for a grant of at most {MAX_GRANT_LENGTH} characters")
    return grant


def grant_parts(grant: str) -> tuple[dict, dict]:
    """(header, claims) of ``grant``, NOT verified: for showing what a grant says."""
    parts = grant.split(".") if isinstance(grant, str) else []
    if len(parts) != 3 or not all(_BASE64URL.fullmatch(part) for part in parts):
        raise GrantError("grant: not a JWT in compact form (header.claims.signature)")
    decoded = []
    for part, text in (("header", parts[0]), ("claims", parts[1])):
        try:
            value = json.loads(_unb64url(text, part))
        except ValueError:
            raise GrantError(f"grant: its {part} is not JSON") from None
        if not isinstance(value, dict):
            raise GrantError(f"grant: its {part} is not a JSON object")
        decoded.append(value)
    return decoded[0], decoded[1]


def verify_grant(token: str, grant: str, now: float | None = None) -> dict:
    """The claims of ``grant`` when ``token``'s key signed it, its alg is HS256, its ``exp``
    is to come and its ``nbf`` (if any) has passed; else ``GrantError``. The edge checks
    more: the client is live, ``exp`` within the stack's limit, the path within its scope."""
    header, claims = grant_parts(grant)
    if header.get("alg") != "HS256":
        raise GrantError("grant: alg is not HS256")
    signing_input, _, signature = grant.rpartition(".")
    expected = hmac.new(signing_key(token), signing_input.encode("ascii"), hashlib.sha256)
    if not hmac.compare_digest(_unb64url(signature, "signature"), expected.digest()):
        raise GrantError("grant: the signature does not match this token's key")
    moment = time.time() if now is None else now
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if isinstance(exp, bool) or not isinstance(exp, int):
        raise GrantError("grant: exp is missing or not whole seconds")
    if exp <= moment:
        raise GrantError("grant: expired")
    if nbf is not None and (isinstance(nbf, bool) or not isinstance(nbf, int) or nbf > moment):
        raise GrantError("grant: not valid yet (nbf)")
    if not isinstance(claims.get("path"), str):
        raise GrantError("grant: path is missing")
    return claims


def _base(base_url: str) -> str:
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise GrantError(
            f"base_url {str(base_url)[:80]!r}: give the distribution's address, "
            "e.g. https://assets.example.com"
        )
    if parts.query or parts.fragment or parts.path not in ("", "/"):
        raise GrantError(f"base_url {base_url[:80]!r}: give the address alone, no path or query")
    return f"{parts.scheme}://{parts.netloc}"


def _covers(claim: str, link_path: str) -> bool:
    return link_path == claim or (claim.endswith("/*") and link_path.startswith(claim[:-1]))


def signed_link(base_url: str, path: str, grant: str) -> str:
    """The URL of file ``path`` (unencoded, e.g. ``/ex-img/a b.png``) carrying ``grant``."""
    link_path = _check_path(path, prefix_allowed=False)
    claim = grant_parts(grant)[1].get("path")
    if not isinstance(claim, str) or not _covers(claim, link_path):
        raise GrantError(f"path {path[:80]!r}: the grant is for {str(claim)[:80]!r}, not this path")
    return f"{_base(base_url)}{link_path}?grant={grant}"


def session_link(base_url: str, grant: str, to: str) -> str:
    """The URL that stores ``grant`` as the site's session cookie, then opens ``to`` (a path
    on the same distribution, e.g. ``/gallery.html``): for pages on the distribution's site."""
    grant_parts(grant)
    if not isinstance(to, str) or not to.startswith("/") or to.startswith("//"):
        raise GrantError(f"to {str(to)[:80]!r}: must be a path on this site, e.g. /index.html")
    if not _LOCAL_TARGET.fullmatch(to):
        raise GrantError(
            f"to {to[:80]!r}: may hold only a-z A-Z 0-9 and {PATH_SAFE}?, as a URL carries "
            "them (no backslash, space or escape)"
        )
    # "to" keeps its slashes readable; what would end the query value is encoded.
    return f"{_base(base_url)}{SESSION_PATH}?grant={grant}&to={quote(to, safe=QUERY_SAFE)}"
