"""The site's request routing as plain data: cache behaviors, error responses, error pages.

One source of truth: the Distribution component turns this model into CloudFront arguments,
the local edge serves requests by it, and the plan prints it.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote

from . import cloudfront_facts as facts
from .settings import ERROR_PAGES_PREFIX, Settings

ERROR_PAGES_DIR = Path(__file__).resolve().parent.parent / "error_pages"
ERROR_PAGES_CONTENT_TYPE = "application/json"
# The whole bucket is the origin; an origin path would prefix every object key.
ORIGIN_PATH = ""
# What "/" serves. Without it CloudFront would send "/" to the bucket itself, and with
# s3:ListBucket granted S3 would answer with a listing of every key.
DEFAULT_ROOT_OBJECT = "index.html"
ORIGIN_ID = "content"


@dataclass(frozen=True)
class CacheBehavior:
    """One cache behavior; ``path_pattern`` None is the default behavior (matches everything)."""

    path_pattern: str | None
    protected: bool

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
    auth_header: str
    # Ordered behaviors in CloudFront's evaluation order, then the default behavior last.
    behaviors: tuple[CacheBehavior, ...]
    error_responses: tuple[ErrorResponse, ...]

    @property
    def ordered_behaviors(self) -> tuple[CacheBehavior, ...]:
        return self.behaviors[:-1]

    @property
    def default_behavior(self) -> CacheBehavior:
        return self.behaviors[-1]

    def behavior_for(self, path: str) -> CacheBehavior:
        """CloudFront's choice: the first ordered behavior whose pattern matches, else default.

        Patterns are case-sensitive, ``*`` matches any run of characters including ``/`` and
        ``?`` exactly one; a leading ``/`` makes no difference; the query string is ignored.
        Settings only admit pattern characters without a meaning in fnmatch beyond ``*``/``?``,
        so ``fnmatchcase`` implements exactly these rules. The path is normalized first, as
        CloudFront does before matching (the function still sees the original URI).
        """
        path = normalize_request_path(path).lstrip("/")
        for behavior in self.ordered_behaviors:
            if fnmatch.fnmatchcase(path, behavior.path_pattern.lstrip("/")):
                return behavior
        return self.default_behavior


def normalize_request_path(path: str) -> str:
    """The path CloudFront matches behaviors against: decoded, without dot segments.

    AWS support describes the matching as on the RFC 3986 normalized URI: percent-decoded
    (section 2.4) with dot segments removed (section 5.2.4). That is why ``/ex%2Dimg/a`` or
    ``/public/../ex-img/a`` select the protected ``ex-img/*`` behavior and cannot reach protected
    keys through an unprotected one.
    """
    decoded = unquote(path.split("?", 1)[0])
    kept: list[str] = []
    segments = decoded.split("/")
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


def error_page_key(code: int) -> str:
    return f"{ERROR_PAGES_PREFIX}/{code}.json"


def error_page_files() -> dict[str, Path]:
    """Bucket key -> file for every JSON page in error_pages/."""
    return {
        f"{ERROR_PAGES_PREFIX}/{path.name}": path for path in sorted(ERROR_PAGES_DIR.glob("*.json"))
    }


def error_page_body(code: int) -> str:
    """The JSON body of the page for ``code`` (the files in error_pages/ hold exactly this)."""
    body = {"meta": {"code": code, "error_message": HTTPStatus(code).phrase}, "data": {}}
    return json.dumps(body) + "\n"


def build_site_model(settings: Settings) -> SiteModel:
    protect_everything = settings.protected_paths == ("*",)
    # Error pages first, so no protected pattern can shadow them: CloudFront fetches them
    # without running edge functions, and a viewer must be able to read a 404 page.
    ordered = [CacheBehavior(f"{ERROR_PAGES_PREFIX}/*", protected=False)]
    if not protect_everything:
        ordered += [CacheBehavior(pattern, protected=True) for pattern in settings.protected_paths]
    behaviors = (*ordered, CacheBehavior(None, protected=protect_everything))
    errors = tuple(
        ErrorResponse(code, code, "/" + error_page_key(code), settings.error_caching_min_ttl)
        for code in facts.CUSTOM_ERROR_CODES
    )
    return SiteModel(settings.auth_header, behaviors, errors)
