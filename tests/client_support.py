"""Named clients shared by the client tests: one expired, one scoped, one unrestricted."""

from __future__ import annotations

from edge_handler.build import EdgeClient

# Test-only tokens, 64 hex characters each, like `openssl rand -hex 32`.
EXPIRED_TOKEN = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
SCOPED_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
SCOPED_PREVIOUS_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
OPEN_TOKEN = "5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b"
CLIENT_TOKENS = (EXPIRED_TOKEN, SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN, OPEN_TOKEN)
SCOPE = "ex-img/partner-a/*"
PAST = 1735689600  # 2025-01-01T00:00:00Z
FUTURE = 4102358400  # 2099-12-31T00:00:00Z

CLIENTS = (
    EdgeClient("archive-co", (EXPIRED_TOKEN,), expires_at=PAST),
    EdgeClient("partner-a", (SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN), FUTURE, (SCOPE,)),
    EdgeClient("mirror", (OPEN_TOKEN,)),
)
# The same clients as the stack config holds them.
CLIENTS_CONFIG = {
    "archive-co": {"token": EXPIRED_TOKEN, "expires": "2025-01-01T00:00:00Z"},
    "partner-a": {
        "token": SCOPED_TOKEN,
        "previousToken": SCOPED_PREVIOUS_TOKEN,
        "expires": "2099-12-31T00:00:00Z",
        "paths": [SCOPE],
    },
    "mirror": {"token": OPEN_TOKEN},
}


# Path pieces that hypothesis strings together into URIs: escapes of unreserved and reserved
# characters, dot segments, broken escapes, folders inside and outside partner-a's scope.
URI_PIECES = (
    "/",
    "a",
    "ex-img",
    "partner-a",
    "partner-b",
    ".",
    "..",
    "%2e",
    "%2E",
    "%2f",
    "%2F",
    "%61",
    "%41",
    "%7e",
    "%25",
    "%20",
    "%",
    "%zz",
    "~",
    "-",
    "_",
    "?",
    "x.png",
    "%C3%A9",
)
