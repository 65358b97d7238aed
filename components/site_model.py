"""The site's request routing as plain data: cache behaviors, error responses, error pages.

One source of truth: the Distribution component turns this model into CloudFront arguments,
the local edge serves requests by it, and the plan prints it.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from edge_handler.uri_normalization import normalize as normalize_rfc3986
from edge_handler.uri_normalization import remove_dot_segments

from . import cloudfront_facts as facts

# The path of the grant session (edge_handler/cloudfront_function.js sets the cookie there).
GRANT_SESSION_PATH = "_grant"
# Key prefix of the JSON error pages in the bucket; served by an unprotected behavior.
ERROR_PAGES_PREFIX = "_errors"
# The package's own files, not the working directory: the component provider runs from the
# consumer's project.
ERROR_PAGES_DIR = Path(__file__).resolve().parent.parent / "error_pages"
ERROR_PAGES_CONTENT_TYPE = "application/json"
# The whole bucket is the origin; an origin path would prefix every object key.
ORIGIN_PATH = ""
# What "/" serves. Without it CloudFront would send "/" to the bucket itself, and with
# s3:ListBucket granted S3 would answer with a listing of every key.
DEFAULT_ROOT_OBJECT = "index.html"
# Protected content sits behind its own origin (its own bucket): a request that lands on an
# unprotected behavior reads the public bucket only, whatever CloudFront's path normalization
# and S3's key decoding make of it.
PROTECTED_ORIGIN_ID = "protected"
PUBLIC_ORIGIN_ID = "public"
ORIGIN_IDS = (PROTECTED_ORIGIN_ID, PUBLIC_ORIGIN_ID)
OriginId = Literal["protected", "public"]


@dataclass(frozen=True)
class CacheBehavior:
    """One cache behavior; ``path_pattern`` None is the default behavior (matches everything)."""

    path_pattern: str | None
    protected: bool
    # The origin the behavior reads from: the protected origin only behind the check.
    origin_id: OriginId

    @property
    def label(self) -> str:
        return self.path_pattern or "default (*)"


@dataclass(frozen=True)
class ErrorResponse:
    error_code: int
    response_code: int
    response_page_path: str
    error_caching_min_ttl: int


@dataclass(frozen=True)
class SiteModel:
    # Ordered behaviors in CloudFront's evaluation order, then the default behavior last.
    behaviors: tuple[CacheBehavior, ...]
    error_responses: tuple[ErrorResponse, ...]

    @property
    def ordered_behaviors(self) -> tuple[CacheBehavior, ...]:
        return self.behaviors[:-1]

    @property
    def default_behavior(self) -> CacheBehavior:
        return self.behaviors[-1]

    def behavior_for(
        self, path: str, normalize: Callable[[str], str] | None = None
    ) -> CacheBehavior:
        """CloudFront's choice: the first ordered behavior whose pattern matches, else default.

        Patterns are case-sensitive, ``*`` matches any run of characters including ``/`` and
        ``?`` exactly one; a leading ``/`` on the pattern makes no difference; the query string
        is ignored. Settings only admit pattern characters without a meaning in fnmatch beyond
        ``*``/``?``, so ``fnmatchcase`` implements exactly these rules. The path is normalized
        first (RFC 3986 by default, as AWS documents); ``normalize`` lets tests choose another
        reading.
        """
        path = (normalize or normalize_rfc3986)(path)
        path = path[1:] if path.startswith("/") else path
        for behavior in self.ordered_behaviors:
            if fnmatch.fnmatchcase(path, behavior.path_pattern.lstrip("/")):
                return behavior
        return self.default_behavior

    def origin_for_key(self, key: str) -> OriginId:
        """The bucket a content file belongs in: its key matched by the same pattern rules.

        A key that any protected pattern covers goes to the protected bucket, so it can only be
        served through a behavior that runs the check.
        """
        return self.behavior_for("/" + key, normalize=_as_is).origin_id


def _as_is(path: str) -> str:
    return path


def normalize_full_decoding(path: str) -> str:
    """A wider reading of normalization: every escape decoded, then dot segments removed.

    Not what AWS documents; the tests check that access control holds under it too.
    """
    return remove_dot_segments(unquote(path.split("?", 1)[0]))


def error_page_key(code: int) -> str:
    return f"{ERROR_PAGES_PREFIX}/{code}.json"


def under_error_pages(key: str) -> bool:
    """A key under ``_errors/``: the program uploads the error pages there, and content files
    there are never uploaded, so no tool serves them."""
    return key.startswith(f"{ERROR_PAGES_PREFIX}/")


def error_page_files() -> dict[str, Path]:
    """Bucket key -> file for every JSON page in error_pages/."""
    return {
        f"{ERROR_PAGES_PREFIX}/{path.name}": path for path in sorted(ERROR_PAGES_DIR.glob("*.json"))
    }


def error_page_body(code: int) -> str:
    """The JSON body of the page for ``code`` (the files in error_pages/ hold exactly this)."""
    body = {"meta": {"code": code, "error_message": HTTPStatus(code).phrase}, "data": {}}
    return json.dumps(body) + "\n"


def _behavior(pattern: str | None, protected: bool) -> CacheBehavior:
    origin = PROTECTED_ORIGIN_ID if protected else PUBLIC_ORIGIN_ID
    return CacheBehavior(pattern, protected=protected, origin_id=origin)


def _needs_grant_behavior(protected_paths: Sequence[str], grants: bool) -> bool:
    # With everything protected, the default behavior runs the check on /_grant already.
    return grants and tuple(protected_paths) != ("*",)


def ordered_behavior_count(protected_paths: Sequence[str], grants: bool = False) -> int:
    """Ordered cache behaviors the site needs: one per pattern plus the error pages one, and
    the grant session's with grants (CloudFront's MAX_CACHE_BEHAVIORS limit applies)."""
    return len(protected_paths) + 1 + _needs_grant_behavior(protected_paths, grants)


def build_site_model(
    protected_paths: Sequence[str], error_caching_min_ttl: int, grants: bool = False
) -> SiteModel:
    """The routing for validated protected paths (see settings) and error caching TTL; with
    ``grants``, ``/_grant`` (the grant session) runs the check whatever the paths."""
    protect_everything = tuple(protected_paths) == ("*",)
    # Error pages first, so no protected pattern can shadow them: CloudFront fetches them
    # without running edge functions, and a viewer must be able to read a 404 page.
    ordered = [_behavior(f"{ERROR_PAGES_PREFIX}/*", protected=False)]
    if _needs_grant_behavior(protected_paths, grants):
        # An exact pattern: the function answers it (302 or 401), nothing reaches an origin.
        ordered.append(_behavior(GRANT_SESSION_PATH, protected=True))
    if not protect_everything:
        ordered += [_behavior(pattern, protected=True) for pattern in protected_paths]
    behaviors = (*ordered, _behavior(None, protected=protect_everything))
    errors = tuple(
        ErrorResponse(code, code, "/" + error_page_key(code), error_caching_min_ttl)
        for code in facts.CUSTOM_ERROR_CODES
    )
    return SiteModel(behaviors, errors)
