"""The URI path as CloudFront matches cache behaviors against it (RFC 3986 6.2.2).

Shipped in the Lambda@Edge zip beside handler.py (stdlib only), and the site model's reading
of a path too. The CloudFront Function has the same rules in JavaScript (``normalize`` and
``dots`` in cloudfront_function.js); tests/edge_handler/normalization_cases.json is run
against both.
"""

import re

# RFC 3986 2.3 unreserved characters: the only escapes CloudFront's normalization decodes.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def _unescape_unreserved(match) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4 for an absolute path; the result starts with ``/``."""
    kept = []
    segments = path.split("/")
    for segment in segments:
        if segment == "..":
            if len(kept) > 1:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", "..") and kept[-1:] != [""]:
        kept.append("")  # "/a/b/.." ends in a directory: keep the trailing slash
    normalized = "/".join(kept)
    return normalized if normalized.startswith("/") else "/" + normalized


def normalize(path: str) -> str:
    """The path as CloudFront normalizes it, as AWS documents: the query string dropped,
    percent-encoded unreserved characters decoded, every other escape kept with upper-case
    hex (``%2F`` stays ``%2F``, so it is not a ``/``), then dot segments removed. The origin
    still gets the raw path."""
    return remove_dot_segments(_ESCAPE.sub(_unescape_unreserved, path.split("?", 1)[0]))
