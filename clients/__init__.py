"""Code a client application copies: protected_cdn_grant.py mints grants (stdlib only)."""

from . import protected_cdn_grant
from .protected_cdn_grant import *  # noqa: F403  (the helper's own __all__ is the list)

__all__ = protected_cdn_grant.__all__
