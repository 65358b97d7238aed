"""Stack settings: read once from config, validated before any resource is declared.

``parse_settings`` is pure (config strings in, a frozen ``Settings`` out) so the Pulumi
program, the local edge and the offline plan all validate a stack the same way.
A bad value raises ``SettingsError`` naming the key, what is wrong and how to fix it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import cloudfront_facts as facts

PROJECT = "protected-cdn"
MIN_TOKEN_LENGTH = 32
MAX_TOKEN_LENGTH = 256
MIN_DISTINCT_TOKEN_CHARACTERS = 10
MAX_PREVIOUS_TOKENS = 4
# Key prefix of the JSON error pages in the bucket; served by an unprotected behavior.
ERROR_PAGES_PREFIX = "_errors"
GENERATE_TOKEN = 'pulumi config set --secret authToken "$(openssl rand -hex 32)"'

# RFC 6750 token68 characters: what `openssl rand -hex|-base64` produces, safe in a header.
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~+/=-]+")
# RFC 9110 field-name characters, lowercase (CloudFront keys headers in lowercase).
_HEADER_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
# Characters CloudFront accepts in a path pattern.
_PATH_PATTERN = re.compile(r"[A-Za-z0-9_.*$/~\"'@:+?&-]+")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_WEB_ACL_ARN = re.compile(r"arn:aws:wafv2:us-east-1:\d{12}:global/webacl/[\w-]+/[\w-]+")
_BUCKET_NAME = re.compile(r"(?!-)[a-z0-9.-]{3,63}(?<!-)")


@dataclass(frozen=True)
class ConfigKey:
    """One config key: its camelCase name, default and description (mirrored in Pulumi.yaml)."""

    name: str
    type: str
    description: str
    default: Any = None
    secret: bool = False


CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey(
        "authToken", "string", "Token viewers send in the auth header (secret).", secret=True
    ),
    ConfigKey(
        "previousAuthTokens",
        "array",
        "Tokens still accepted during a rotation (secret list).",
        default=[],
        secret=True,
    ),
    ConfigKey("authHeader", "string", "Header that carries the token.", "authorization"),
    ConfigKey(
        "protectedPaths",
        "array",
        "CloudFront path patterns that require the token; '*' protects the default behavior.",
        ["*"],
    ),
    ConfigKey("domainName", "string", "Custom domain for the site; empty for cloudfront.net.", ""),
    ConfigKey("hostedZoneName", "string", "Route 53 public hosted zone of domainName.", ""),
    ConfigKey("priceClass", "string", "CloudFront price class.", "PriceClass_100"),
    ConfigKey("errorCachingMinTtl", "integer", "Seconds CloudFront caches error responses.", 10),
    ConfigKey("protectContent", "boolean", "Protect the content bucket from pulumi destroy.", True),
    ConfigKey(
        "webAclId", "string", "ARN of a WAFv2 web ACL (scope CLOUDFRONT); empty for none.", ""
    ),
    ConfigKey(
        "accessLogBucket", "string", "Bucket for CloudFront standard logs; empty for none.", ""
    ),
)


class SettingsError(ValueError):
    """A stack setting is missing or wrong; the message says which key and how to fix it."""


@dataclass(frozen=True)
class DomainSettings:
    domain_name: str
    hosted_zone_name: str


@dataclass(frozen=True)
class Settings:
    stack: str
    # Plaintext tokens stay out of repr so no log or traceback shows them.
    auth_token: str = field(repr=False)
    previous_auth_tokens: tuple[str, ...] = field(repr=False)
    auth_header: str
    protected_paths: tuple[str, ...]
    domain: DomainSettings | None
    price_class: str
    error_caching_min_ttl: int
    protect_content: bool
    web_acl_id: str | None
    access_log_bucket: str | None

    @property
    def accepted_tokens(self) -> tuple[str, ...]:
        return (self.auth_token, *self.previous_auth_tokens)


def _key(name: str) -> str:
    return f"{PROJECT}:{name}"


def _fail(name: str, problem: str, fix: str) -> SettingsError:
    return SettingsError(f"{_key(name)}: {problem}. Fix: {fix}")


def _as_list(name: str, raw: Any) -> list:
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, list):
        raise _fail(
            name, "must be a list", f"pulumi config set --path '{name}[0]' <value> (one per item)"
        )
    return value


def _as_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise _fail(name, f"must be true or false, not {raw!r}", f"pulumi config set {name} true")


def _as_int(name: str, raw: Any, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise _fail(
            name, f"must be a whole number from {low} to {high}", f"pulumi config set {name} {low}"
        )
    return value


def _check_token(name: str, token: Any) -> str:
    fix = GENERATE_TOKEN if name == "authToken" else f"set it with --secret; {GENERATE_TOKEN}"
    if not isinstance(token, str) or not token:
        raise _fail(name, "is missing", GENERATE_TOKEN)
    # Never echo the value: it is a secret even when it is a bad one.
    if not MIN_TOKEN_LENGTH <= len(token) <= MAX_TOKEN_LENGTH:
        raise _fail(
            name,
            f"must be {MIN_TOKEN_LENGTH} to {MAX_TOKEN_LENGTH} characters (it has {len(token)})",
            fix,
        )
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise _fail(name, "may only hold letters, digits and . _ ~ + / = -", fix)
    if len(set(token)) < MIN_DISTINCT_TOKEN_CHARACTERS:
        raise _fail(name, "is too weak (too few distinct characters)", fix)
    return token


def _check_domain(name: str, domain: str) -> str:
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(x) for x in labels):
        raise _fail(
            name,
            f"{domain!r} is not a lowercase DNS name",
            f"pulumi config set {name} assets.example.com",
        )
    return domain


def _check_path_patterns(raw: Any) -> tuple[str, ...]:
    name = "protectedPaths"
    patterns = _as_list(name, raw)
    if not patterns:
        raise _fail(
            name, "is empty", "list at least one pattern, e.g. ex-img/* or * for everything"
        )
    cleaned: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise _fail(name, f"{pattern!r} is not a path pattern", "use patterns like ex-img/*")
        # A leading slash makes no difference to CloudFront; keep one spelling.
        normalized = pattern.strip().lstrip("/") or "*"
        if len(normalized) > facts.MAX_PATH_PATTERN_LENGTH:
            raise _fail(name, f"{pattern!r} is longer than 255 characters", "shorten the pattern")
        if not _PATH_PATTERN.fullmatch(normalized):
            raise _fail(
                name,
                f"{pattern!r} has characters CloudFront does not accept in a path pattern",
                "use letters, digits, / . - _ and the wildcards * and ?",
            )
        if normalized.startswith(ERROR_PAGES_PREFIX):
            raise _fail(
                name,
                f"{pattern!r} would cover the error pages under {ERROR_PAGES_PREFIX}/",
                "error pages must stay readable; protect a different prefix",
            )
        if normalized in cleaned:
            raise _fail(name, f"{pattern!r} is listed twice", "remove the duplicate")
        cleaned.append(normalized)
    if "*" in cleaned and len(cleaned) > 1:
        raise _fail(
            name,
            "'*' already protects every path, so the other patterns would do nothing",
            "use ['*'] alone, or list only the specific patterns",
        )
    if len(cleaned) + 1 > facts.MAX_CACHE_BEHAVIORS:  # + the error pages behavior
        raise _fail(
            name,
            f"needs {len(cleaned) + 1} cache behaviors; CloudFront allows "
            f"{facts.MAX_CACHE_BEHAVIORS} per distribution",
            "merge patterns with wildcards (ex-img/* covers every file under ex-img/)",
        )
    return tuple(cleaned)


def parse_settings(
    raw: Mapping[str, Any],
    stack: str,
    is_secret: Callable[[str], bool] = lambda _name: True,
) -> Settings:
    """Validate raw config values (strings as Pulumi gives them, or parsed YAML values).

    ``is_secret(name)`` says whether a key was stored encrypted; tokens must be.
    """
    known = {key.name for key in CONFIG_KEYS}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(
            unknown[0],
            "is not a setting of this project",
            f"use one of: {', '.join(sorted(known))}",
        )

    def value(name: str) -> Any:
        got = raw.get(name)
        if got is None:
            return next(key.default for key in CONFIG_KEYS if key.name == name)
        return got

    auth_token = _check_token("authToken", raw.get("authToken"))
    if not is_secret("authToken"):
        raise _fail("authToken", "is stored in plaintext", GENERATE_TOKEN)
    previous = tuple(
        _check_token("previousAuthTokens", token)
        for token in _as_list("previousAuthTokens", value("previousAuthTokens"))
    )
    if previous and not is_secret("previousAuthTokens"):
        raise _fail(
            "previousAuthTokens",
            "is stored in plaintext",
            "pulumi config set --secret --path 'previousAuthTokens[0]' <old token>",
        )
    if len(previous) > MAX_PREVIOUS_TOKENS:
        raise _fail(
            "previousAuthTokens",
            f"holds {len(previous)} tokens; at most {MAX_PREVIOUS_TOKENS} are accepted",
            "remove tokens that no client uses any more",
        )
    if auth_token in previous or len(set(previous)) != len(previous):
        raise _fail("previousAuthTokens", "repeats a token", "list each old token once")

    auth_header = str(value("authHeader")).strip()
    if (
        not _HEADER_NAME.fullmatch(auth_header)
        or auth_header in facts.READ_ONLY_OR_DISALLOWED_HEADERS
        or auth_header.startswith(facts.DISALLOWED_HEADER_PREFIXES)
    ):
        raise _fail(
            "authHeader",
            f"{auth_header!r} is not a lowercase header name a viewer-request function may read",
            "pulumi config set authHeader authorization",
        )

    domain_name = str(value("domainName")).strip()
    zone_name = str(value("hostedZoneName")).strip().rstrip(".")
    domain = None
    if domain_name or zone_name:
        if not (domain_name and zone_name):
            missing = "hostedZoneName" if domain_name else "domainName"
            raise _fail(
                missing,
                "is required when the other of domainName/hostedZoneName is set",
                f"pulumi config set {missing} <value>, or unset both to use cloudfront.net",
            )
        _check_domain("domainName", domain_name)
        _check_domain("hostedZoneName", zone_name)
        if domain_name != zone_name and not domain_name.endswith("." + zone_name):
            raise _fail(
                "domainName",
                f"{domain_name!r} is not inside the hosted zone {zone_name!r}",
                "pick a name under hostedZoneName",
            )
        domain = DomainSettings(domain_name, zone_name)

    price_class = str(value("priceClass")).strip()
    if price_class not in facts.PRICE_CLASSES:
        raise _fail(
            "priceClass",
            f"{price_class!r} is not a price class",
            f"use one of {', '.join(facts.PRICE_CLASSES)}",
        )

    web_acl_id = str(value("webAclId")).strip() or None
    if web_acl_id and not _WEB_ACL_ARN.fullmatch(web_acl_id):
        raise _fail(
            "webAclId",
            "must be the ARN of a WAFv2 web ACL with scope CLOUDFRONT (in us-east-1)",
            "pulumi config set webAclId arn:aws:wafv2:us-east-1:<acct>:global/webacl/<name>/<id>",
        )
    access_log_bucket = str(value("accessLogBucket")).strip() or None
    if access_log_bucket and not _BUCKET_NAME.fullmatch(access_log_bucket):
        raise _fail(
            "accessLogBucket",
            f"{access_log_bucket!r} is not an S3 bucket name",
            "give the bucket name only, e.g. my-cdn-logs",
        )

    return Settings(
        stack=stack,
        auth_token=auth_token,
        previous_auth_tokens=previous,
        auth_header=auth_header,
        protected_paths=_check_path_patterns(value("protectedPaths")),
        domain=domain,
        price_class=price_class,
        error_caching_min_ttl=_as_int(
            "errorCachingMinTtl", value("errorCachingMinTtl"), 0, 31536000
        ),
        protect_content=_as_bool("protectContent", value("protectContent")),
        web_acl_id=web_acl_id,
        access_log_bucket=access_log_bucket,
    )


def load_settings() -> Settings:
    """Read this stack's ``pulumi.Config`` into validated settings (the only config read)."""
    import pulumi
    from pulumi.runtime.config import is_config_secret

    config = pulumi.Config(PROJECT)
    raw = {key.name: config.get(key.name) for key in CONFIG_KEYS}
    raw = {name: got for name, got in raw.items() if got is not None}
    return parse_settings(
        raw, pulumi.get_stack(), is_secret=lambda name: is_config_secret(_key(name))
    )
