"""The client table of the CloudFront Function engine, as CloudFront KeyValueStore entries.

One entry per accepted token (a client's current and previous token alike):

- key: the token's SHA-256 digest, base64url without padding (43 characters): never the token,
  and what the function computes from the header with ``crypto.createHash('sha256')``;
- value: compact JSON with only what the decision needs: ``{"c": client name, "e": expiry in
  seconds since the epoch or null, "p": path patterns or null (every protected path)}``.

With grants on (signed links and cookies, verified by the function), one more entry per client:

- key: ``grant:<client name>`` (a JWT's ``kid``), which no digest key can be (``:`` is not in
  base64url);
- value: ``{"k": [grant keys, base64], "e": expiry or null, "p": path patterns or null}``; a
  grant key is HMAC-SHA256(key = a token as UTF-8, message = ``protected-cdn grant v1``), one
  per accepted token (current first). It is not the token and not the token's digest (so it
  opens no header check), but whoever reads it can sign grants for that client.

Limits (CloudFront Developer Guide, "Working with KeyValueStore"): a key up to 512 bytes, a
value up to 1 KB, 5 MB per store (keys and values together).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence

from edge_handler.build import edge_clients, token_digest

MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 1024
MAX_STORE_BYTES = 5 * 1024 * 1024
GRANT_KEY_MESSAGE = b"protected-cdn grant v1"
GRANT_ENTRY_PREFIX = "grant:"


def grant_key(token: str) -> bytes:
    """The key a token's holder signs grants with: 32 raw bytes derived from the token."""
    return hmac.new(token.encode(), GRANT_KEY_MESSAGE, hashlib.sha256).digest()


def grant_entry_key(name: str) -> str:
    """The store key of a client's grant entry: looked up by a grant's ``kid``."""
    return GRANT_ENTRY_PREFIX + name


def grant_entry_value(
    tokens: Sequence[str], expires_at: int | None, paths: Sequence[str] | None
) -> str:
    """A client's grant keys (one per token, base64), expiry and scope, compact JSON."""
    keys = [base64.b64encode(grant_key(token)).decode() for token in tokens]
    value = {"k": keys, "e": expires_at, "p": None if paths is None else list(paths)}
    return json.dumps(value, separators=(",", ":"))


def entry_key(token: str) -> str:
    """The store key of a token: its SHA-256 digest, base64url, no padding."""
    return base64.urlsafe_b64encode(token_digest(token)).decode().rstrip("=")


def entry_value(name: str, expires_at: int | None, paths: Sequence[str] | None) -> str:
    """The store value of a client: name, expiry and scope, compact JSON (ASCII)."""
    value = {"c": name, "e": expires_at, "p": None if paths is None else list(paths)}
    return json.dumps(value, separators=(",", ":"))


def store_entries(
    tokens: Sequence[str], clients: Sequence = (), grants: bool = False
) -> dict[str, str]:
    """Every entry of the store: the default client (``tokens``) and each named client, in a
    stable order (the default client first, then the clients as given); with ``grants``, each
    client's grant entry after its token entries."""
    if not tokens or any(not t for t in tokens):
        raise ValueError("the store needs at least one non-empty token")
    entries: dict[str, str] = {}
    for client in edge_clients(tokens, clients):
        if not client.tokens or any(not t for t in client.tokens):
            raise ValueError(f"client {client.name} needs at least one non-empty token")
        value = entry_value(client.name, client.expires_at, client.paths)
        for token in client.tokens:
            key = entry_key(token)
            if key in entries:  # settings refuse a shared token first
                raise ValueError(f"a token of client {client.name} is another client's too")
            entries[key] = value
        if grants:
            entries[grant_entry_key(client.name)] = grant_entry_value(
                client.tokens, client.expires_at, client.paths
            )
    return entries


def store_bytes(entries: Mapping[str, str]) -> int:
    """What the entries count against the store's 5 MB: keys and values, UTF-8 bytes."""
    return sum(len(key.encode()) + len(value.encode()) for key, value in entries.items())
