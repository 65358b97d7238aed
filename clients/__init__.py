"""Code a client application copies: protected_cdn_grant.py mints grants (stdlib only)."""

from .protected_cdn_grant import (
    GrantError,
    grant_parts,
    mint_grant,
    session_link,
    signed_link,
    signing_key,
    verify_grant,
)

__all__ = [
    "GrantError",
    "grant_parts",
    "mint_grant",
    "session_link",
    "signed_link",
    "signing_key",
    "verify_grant",
]
