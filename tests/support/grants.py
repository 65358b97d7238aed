"""Minting grants for the tests: a JWT (HS256) signed with a client's grant key, every part
settable, so a test can also build the hostile ones (another alg, a tampered part)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from edge_handler import grant_key


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def part(value: Any) -> str:
    """A JWT part: compact JSON, base64url without padding."""
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def mint(
    token: str, kid: str, path: str, exp: int, *, header: dict | None = None, **claims: Any
) -> str:
    """A grant of client ``kid`` for ``path`` until ``exp``, signed with ``token``'s grant key;
    ``header`` replaces the header, ``claims`` add or replace claims (None drops one)."""
    head = header if header is not None else {"alg": "HS256", "typ": "JWT", "kid": kid}
    body = {"exp": exp, "path": path, **claims}
    signed = f"{part(head)}.{part({k: v for k, v in body.items() if v is not None})}"
    mac = hmac.new(grant_key(token), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64url(mac)}"
