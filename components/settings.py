"""Stack settings: read once from config, validated before any resource is declared.

``settings_from_config`` is pure (the stack's whole config as the CLI passes it in, a frozen
``Settings`` out) so the Pulumi program, the local edge and the offline plan all validate a
stack the same way: unknown keys, a missing or unknown region and bad values all stop it.
A bad value raises ``SettingsError`` (a ``pulumi.RunError``: one line under the CLI, no
traceback) naming the key, what is wrong and how to fix it. No error line echoes more than
``MAX_SHOWN`` characters of a user's value.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pulumi

from . import cloudfront_facts as facts
from .site_model import ERROR_PAGES_PREFIX, ordered_behavior_count

PROJECT = "protected-cdn"
# Config namespaces a stack may use: this project's, the aws provider's and Pulumi's own
# (e.g. pulumi:tags). Anything else is a typo or a provider this program does not use.
NAMESPACES = (PROJECT, "aws", "pulumi")
REGION_KEY = "aws:region"
# Longest piece of a user's value an error line shows.
MAX_SHOWN = 80
MIN_TOKEN_LENGTH = 32
MAX_TOKEN_LENGTH = 256
MIN_DISTINCT_TOKEN_CHARACTERS = 10
MAX_PREVIOUS_TOKENS = 4
# Our limit, not AWS's: a header name is a short word; this keeps messages and logs small.
MAX_HEADER_NAME_LENGTH = 128
GENERATE_TOKEN = 'pulumi config set --secret authToken "$(openssl rand -hex 32)"'

# RFC 6750 token68 characters: what `openssl rand -hex|-base64` produces, safe in a header.
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~+/=-]+")
# RFC 9110 field-name characters, lowercase (CloudFront keys headers in lowercase).
_HEADER_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
# Characters CloudFront accepts in a path pattern (Developer Guide, cache behavior settings,
# "Path pattern": A-Z a-z 0-9 _ - . * $ / ~ " ' @ : + and &, sent as &amp;), plus the ?
# wildcard.
_PATH_PATTERN = re.compile(r"[A-Za-z0-9_.*$/~\"'@:+?&-]+")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_WEB_ACL_ARN = re.compile(r"arn:aws:wafv2:us-east-1:\d{12}:global/webacl/[\w-]+/[\w-]+")
_BUCKET_NAME = re.compile(r"(?!-)[a-z0-9.-]{3,63}(?<!-)")
# One address, no display name or list: SNS's email protocol takes exactly that.
_EMAIL = re.compile(r"[^@\s,;<>]+@[a-z0-9-]+(\.[a-z0-9-]+)+", re.IGNORECASE)
# CloudFront's metrics live in us-east-1; an alarm may only notify a topic of its own region.
_ALARM_TOPIC_ARN = re.compile(r"arn:aws:sns:us-east-1:\d{12}:[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class ConfigKey:
    """One config key: the single source of its docs.

    ``description`` is the full user-facing text (``code`` in backticks). ``python -m
    tools.docs.generate --write`` renders it into Pulumi.yaml's ``config:`` block and the
    table of docs/configuration.md; a test fails when either differs from what this tuple renders.
    ``default`` None means required. ``items`` is the element type of an array.
    """

    name: str
    type: str
    description: str
    default: Any = None
    secret: bool = False
    items: str | None = None


CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey(
        "authToken",
        "string",
        "Token viewers send in the auth header: 32-256 characters of `[A-Za-z0-9._~+/=-]`, "
        "at least 10 distinct. Required; set it with "
        '`pulumi config set --secret authToken "$(openssl rand -hex 32)"`.',
        secret=True,
    ),
    ConfigKey(
        "previousAuthTokens",
        "array",
        "Old tokens still accepted during a rotation (at most 4), stored as secrets: "
        "`pulumi config set --secret --path 'previousAuthTokens[0]' <old token>`.",
        default=[],
        secret=True,
        items="string",
    ),
    ConfigKey(
        "authHeader",
        "string",
        "Lowercase name of the header that carries the token (`Bearer <token>` or the raw "
        "token); no underscore (`_`), since many proxies and servers drop such headers.",
        "authorization",
    ),
    ConfigKey(
        "protectedPaths",
        "array",
        "CloudFront path patterns that require the token, each with a `*` or `?` wildcard "
        '(`ex-img/*`, not `ex-img`, which would match one exact path only). `["*"]` protects '
        "the default behavior (everything); specific patterns such as `ex-img/*` become "
        "ordered behaviors with the check while other paths are served without it.",
        ["*"],
        items="string",
    ),
    ConfigKey(
        "domainName",
        "string",
        "Custom domain (e.g. `assets.example.com`); empty uses the distribution's "
        "`cloudfront.net` name. Set together with `hostedZoneName`.",
        "",
    ),
    ConfigKey(
        "hostedZoneName",
        "string",
        "Public Route 53 hosted zone that holds `domainName` (e.g. `example.com`); set both "
        "or neither.",
        "",
    ),
    ConfigKey(
        "priceClass",
        "string",
        "CloudFront price class: `PriceClass_100`, `PriceClass_200` or `PriceClass_All`.",
        "PriceClass_100",
    ),
    ConfigKey(
        "errorCachingMinTtl",
        "integer",
        "Seconds CloudFront caches an error response (0-31536000).",
        10,
    ),
    ConfigKey(
        "protectContent",
        "boolean",
        "Protect the two content buckets from `pulumi destroy` (and never empty them by "
        "force); dev stacks may set `false`.",
        True,
    ),
    ConfigKey(
        "webAclId",
        "string",
        "ARN of a WAFv2 web ACL with scope CLOUDFRONT; empty for none.",
        "",
    ),
    ConfigKey(
        "accessLogBucket",
        "string",
        "Name of an existing bucket for CloudFront standard logs (ACLs enabled); empty for none.",
        "",
    ),
    ConfigKey(
        "alarmEmail",
        "string",
        "Email address that gets the edge alarms (5xx rate, Lambda@Edge execution and "
        "validation errors, a sudden rise of 401s) through a new SNS topic in us-east-1; "
        "AWS mails a confirmation link first. Empty (with `alarmTopicArn` empty) for no alarms.",
        "",
    ),
    ConfigKey(
        "alarmTopicArn",
        "string",
        "ARN of an existing SNS topic in us-east-1 for the edge alarms, instead of (or beside) "
        "`alarmEmail`; empty for none.",
        "",
    ),
    # Named clients: see docs/clients.md.
    ConfigKey(
        "clients",
        "object",
        "Named clients, each with its own token: name (`[a-z0-9-]{1,40}`, not `default`) -> "
        "`{token, previousToken?, expires?, paths?}`; at most 1000. `token` (and "
        "`previousToken` during a rotation) as secrets: `pulumi config set --secret --path "
        "'clients.partner-a.token' \"$(openssl rand -hex 32)\"`; `expires` an RFC 3339 UTC time "
        "(`2027-03-31T00:00:00Z`), checked at the edge on each request; `paths` path patterns "
        "inside `protectedPaths` (`ex-img/partner-a/*`), default all protected paths. "
        "`authToken` is the client `default`.",
        {},
        secret=True,
    ),
    ConfigKey(
        "logAllowed",
        "boolean",
        "Write one log line per admitted request (`client`, `uri`, `requestId`) for usage "
        "accounting; denials are always logged.",
        False,
    ),
    # The engine that runs the token check (docs/engines.md, "Choosing the engine").
    ConfigKey(
        "edgeRuntime",
        "string",
        "Engine that runs the token check on protected behaviors: `lambda-edge` (a Lambda@Edge "
        "function in us-east-1) or `cloudfront-function` (a CloudFront Function, cheaper and "
        "faster; its 10 KB code limit bounds the number of clients). Switch with "
        "`pulumi config set edgeRuntime cloudfront-function && pulumi up`.",
        "lambda-edge",
    ),
)

LAMBDA_EDGE = "lambda-edge"
CLOUDFRONT_FUNCTION = "cloudfront-function"
EDGE_RUNTIMES = (LAMBDA_EDGE, CLOUDFRONT_FUNCTION)


class SettingsError(pulumi.RunError, ValueError):
    """A stack setting is missing or wrong; the message says which key and how to fix it.

    A ``pulumi.RunError``: under ``pulumi up`` the program ends with this one line only.
    """


@dataclass(frozen=True)
class DomainSettings:
    domain_name: str
    hosted_zone_name: str


@dataclass(frozen=True)
class ClientSettings:
    """One named client: its tokens (current, then rotation), expiry and path scope."""

    name: str
    # Plaintext tokens stay out of repr so no log or traceback shows them.
    tokens: tuple[str, ...] = field(repr=False)
    # Expiry as seconds since the epoch (UTC); None: never expires.
    expires_at: int | None = None
    # Path patterns the client may open (inside protectedPaths); None: every protected path.
    paths: tuple[str, ...] | None = None

    @property
    def expires(self) -> str | None:
        """The expiry as RFC 3339 UTC text (what the config holds, normalized)."""
        if self.expires_at is None:
            return None
        moment = datetime.fromtimestamp(self.expires_at, tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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
    # aws:region, where the bucket lives; None only when parsed without the stack's aws config.
    region: str | None = None
    # Edge alarms (components/alarms.py): on when either is set.
    alarm_email: str | None = None
    alarm_topic_arn: str | None = None
    # Named clients besides `default` (authToken), and whether admitted requests are logged.
    clients: tuple[ClientSettings, ...] = ()
    log_allowed: bool = False
    # Which engine runs the check: lambda-edge or cloudfront-function (issue 11).
    edge_runtime: str = LAMBDA_EDGE

    @property
    def accepted_tokens(self) -> tuple[str, ...]:
        return (self.auth_token, *self.previous_auth_tokens)


def _key(name: str) -> str:
    return f"{PROJECT}:{name}"


def shown(value: Any) -> str:
    """A user's value for an error line: repr, one line, at most MAX_SHOWN characters."""
    text = repr(value) if isinstance(value, str) else _bounded_repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def clip(text: str) -> str:
    """A user's text (a key) for an error line: escaped, at most MAX_SHOWN characters."""
    escaped = repr(text)[1:-1]
    return escaped if len(escaped) <= MAX_SHOWN else escaped[: MAX_SHOWN - 1] + "…"


def _bounded_repr(value: Any) -> str:
    # repr of a huge (or alias-bomb) structure would be built whole before being cut.
    if isinstance(value, (list, tuple, dict)):
        return f"<a {type(value).__name__} of {len(value)} items>"
    return repr(value)


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word[:200], list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]}? " if close else ""


def _fail(name: str, problem: str, fix: str) -> SettingsError:
    return SettingsError(f"{_key(name)}: {problem}. Fix: {fix}")


def _decoded(raw: Any) -> Any:
    """A list or map as given, or as the CLI passes it: JSON text (None when it is not JSON)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return None


def _as_list(name: str, raw: Any) -> list:
    value = _decoded(raw)
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
    raise _fail(name, f"must be true or false, not {shown(raw)}", f"pulumi config set {name} true")


def _as_int(name: str, raw: Any, low: int, high: int) -> int:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # the component provider hands every number over as a float
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
            f"{shown(domain)} is not a lowercase DNS name",
            f"pulumi config set {name} assets.example.com",
        )
    return domain


def _has_dot_segment(pattern: str) -> bool:
    return any(segment in (".", "..") for segment in pattern.split("/"))


def _check_path_patterns(raw: Any) -> tuple[str, ...]:
    name = "protectedPaths"
    patterns = _as_list(name, raw)
    if not patterns:
        raise _fail(
            name, "is empty", "list at least one pattern, e.g. ex-img/* or * for everything"
        )
    # Count first: a huge list is refused before any per-item work.
    if ordered_behavior_count(patterns) > facts.MAX_CACHE_BEHAVIORS:
        raise _fail(
            name,
            f"needs {ordered_behavior_count(patterns)} cache behaviors; CloudFront allows "
            f"{facts.MAX_CACHE_BEHAVIORS} per distribution",
            "merge patterns with wildcards (ex-img/* covers every file under ex-img/)",
        )
    cleaned: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise _fail(
                name, f"{shown(pattern)} is not a path pattern", "use patterns like ex-img/*"
            )
        # A leading slash makes no difference to CloudFront; keep one spelling.
        normalized = pattern.strip().lstrip("/") or "*"
        if len(normalized) > facts.MAX_PATH_PATTERN_LENGTH:
            raise _fail(
                name,
                f"{shown(pattern)} is longer than {facts.MAX_PATH_PATTERN_LENGTH} characters",
                "shorten the pattern",
            )
        if not _PATH_PATTERN.fullmatch(normalized):
            raise _fail(
                name,
                f"{shown(pattern)} has characters CloudFront does not accept in a path pattern",
                "use letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
            )
        if _has_dot_segment(normalized):
            raise _fail(
                name,
                f"{shown(pattern)} has a . or .. segment; CloudFront matches the path with dot "
                "segments removed, so the pattern could never match",
                "write the pattern without . and .. segments",
            )
        if "*" not in normalized and "?" not in normalized:
            # CloudFront matches the whole path: 'ex-img' protects one key, not the folder.
            folder = normalized.rstrip("/") + "/*"
            raise _fail(
                name,
                f"{shown(pattern)} has no wildcard, so it matches only that one exact path "
                "and leaves everything under it public",
                f"use {shown(folder)} to protect everything under it",
            )
        # The error pages' behavior (_errors/*) always comes first, so a pattern under
        # _errors/ would never apply; only that prefix is refused (_errorsx/* is fine).
        if normalized.startswith(ERROR_PAGES_PREFIX + "/"):
            raise _fail(
                name,
                f"{shown(pattern)} would never apply: the error pages' behavior "
                f"{ERROR_PAGES_PREFIX}/* comes first, so nothing under {ERROR_PAGES_PREFIX}/ "
                "can be protected",
                f"keep protected content out of {ERROR_PAGES_PREFIX}/ and protect its own prefix",
            )
        if normalized in seen:
            raise _fail(name, f"{shown(pattern)} is listed twice", "remove the duplicate")
        seen.add(normalized)
        cleaned.append(normalized)
    if "*" in seen and len(cleaned) > 1:
        raise _fail(
            name,
            "'*' already protects every path, so the other patterns would do nothing",
            "use ['*'] alone, or list only the specific patterns",
        )
    return tuple(cleaned)


def check_region(region: Any) -> str:
    """aws:region must be set and name a region of the commercial AWS partition."""
    fix = "pulumi config set aws:region eu-west-1 (any AWS region name)"
    if region is None or not str(region).strip():
        raise SettingsError(f"{REGION_KEY}: is missing (the region of the buckets). Fix: {fix}")
    text = str(region).strip()
    if text not in facts.AWS_REGIONS:
        hint = _suggest(text.lower(), facts.AWS_REGIONS)
        raise SettingsError(f"{REGION_KEY}: {shown(text)} is not an AWS region. Fix: {hint}{fix}")
    return text


def check_config_keys(keys: Iterable[str]) -> None:
    """Every config key must be one this program or its providers read (typos stop here)."""
    project_keys = [key.name for key in CONFIG_KEYS]
    for full in sorted(keys):
        namespace, _, name = full.partition(":")
        if namespace == PROJECT and name not in project_keys:
            raise SettingsError(
                f"{clip(full)}: is not a setting of this project. Fix: "
                f"{_suggest(name, project_keys)}"
                f"pulumi config rm {clip(name)}; settings: {', '.join(project_keys)}"
            )
        if namespace == "aws" and name not in facts.AWS_PROVIDER_CONFIG_KEYS:
            hint = _suggest(name, facts.AWS_PROVIDER_CONFIG_KEYS)
            raise SettingsError(
                f"{clip(full)}: is not a config key of the aws provider. Fix: "
                f"{hint.replace('mean ', 'mean aws:')}pulumi config rm {clip(full)}"
            )
        if namespace not in NAMESPACES or not name:
            close = difflib.get_close_matches(namespace[:200], NAMESPACES, n=1, cutoff=0.6)
            hint = ""
            if name in project_keys:
                hint = f"did you mean {PROJECT}:{name}? "
            elif close:
                hint = f"did you mean {close[0]}:{clip(name)}? "
            raise SettingsError(
                f"{clip(full)}: is not a key this stack can use (namespaces: "
                f"{', '.join(f'{n}:' for n in NAMESPACES)}). Fix: {hint}"
                f"pulumi config rm {clip(full)}"
            )


def parse_settings(
    raw: Mapping[str, Any],
    stack: str,
    is_secret: Callable[[str], bool] = lambda _name: True,
    region: str | None = None,
) -> Settings:
    """Validate this project's config values (strings as Pulumi gives them, or YAML values).

    ``is_secret(name)`` says whether a key was stored encrypted; tokens must be.
    ``region`` is aws:region, checked when given (``settings_from_config`` requires it).
    """
    check_config_keys(_key(name) for name in raw)
    if region is not None:
        region = check_region(region)

    auth_token, previous = check_tokens(raw.get("authToken"), raw.get("previousAuthTokens"))
    if not is_secret("authToken"):
        raise _fail("authToken", "is stored in plaintext", GENERATE_TOKEN)
    if previous and not is_secret("previousAuthTokens"):
        raise _fail(
            "previousAuthTokens",
            "is stored in plaintext",
            "pulumi config set --secret --path 'previousAuthTokens[0]' <token>",
        )
    values = check_values(raw)
    clients = check_clients(raw.get("clients"), values["protected_paths"], (auth_token, *previous))
    if clients and not is_secret("clients"):
        raise _fail(
            "clients",
            "is stored in plaintext",
            "pulumi config rm clients, make new tokens (these are exposed), then "
            "pulumi config set --secret --path 'clients.<name>.token' <token>",
        )
    check_function_size(
        values["edge_runtime"],
        1 + len(previous),
        values["auth_header"],
        clients,
        values["log_allowed"],
    )
    return Settings(
        stack=stack,
        auth_token=auth_token,
        previous_auth_tokens=previous,
        region=region,
        clients=clients,
        **values,
    )


def _default(name: str) -> Any:
    return next(key.default for key in CONFIG_KEYS if key.name == name)


def check_tokens(auth_token: Any, previous_raw: Any) -> tuple[str, tuple[str, ...]]:
    """The current token and the previous ones (a list, or its JSON text), checked.

    Shared by the stack program and the component, which calls it inside ``Output.apply``
    because its token inputs may be secret or unknown Outputs.
    """
    auth_token = _check_token("authToken", auth_token)
    if previous_raw is None:
        previous_raw = _default("previousAuthTokens")
    previous = tuple(
        _check_token("previousAuthTokens", token)
        for token in _as_list("previousAuthTokens", previous_raw)
    )
    if len(previous) > MAX_PREVIOUS_TOKENS:
        raise _fail(
            "previousAuthTokens",
            f"holds {len(previous)} tokens; at most {MAX_PREVIOUS_TOKENS} are accepted",
            "remove tokens that no client uses any more",
        )
    if auth_token in previous or len(set(previous)) != len(previous):
        raise _fail("previousAuthTokens", "repeats a token", "list each old token once")
    return auth_token, previous


def check_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting but the tokens, validated: camelCase key -> value (strings as Pulumi
    config gives them, or typed values as the component receives them); a missing key takes
    its default. Returns the matching ``Settings`` fields. Shared by the stack program
    (``parse_settings``) and the ``ProtectedContent`` component, so both fail with the same line.
    """

    def value(name: str) -> Any:
        got = raw.get(name)
        return _default(name) if got is None else got

    auth_header = str(value("authHeader")).strip()
    if "_" in auth_header:
        # nginx drops such headers by default and WSGI servers cannot tell _ from -; AWS does
        # not document that CloudFront hands them to viewer-request functions.
        raise _fail(
            "authHeader",
            f"{shown(auth_header)} has an underscore; many proxies and servers drop such headers",
            f"pulumi config set authHeader {clip(auth_header.replace('_', '-'))}",
        )
    if (
        len(auth_header) > MAX_HEADER_NAME_LENGTH
        or not _HEADER_NAME.fullmatch(auth_header)
        or auth_header in facts.READ_ONLY_OR_DISALLOWED_HEADERS
        or auth_header.startswith(facts.DISALLOWED_HEADER_PREFIXES)
    ):
        raise _fail(
            "authHeader",
            f"{shown(auth_header)} is not a lowercase header name a viewer-request function "
            "may read",
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
                f"{shown(domain_name)} is not inside the hosted zone {shown(zone_name)}",
                "pick a name under hostedZoneName",
            )
        domain = DomainSettings(domain_name, zone_name)

    price_class = str(value("priceClass")).strip()
    if price_class not in facts.PRICE_CLASSES:
        raise _fail(
            "priceClass",
            f"{shown(price_class)} is not a price class",
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
            f"{shown(access_log_bucket)} is not an S3 bucket name",
            "give the bucket name only, e.g. my-cdn-logs",
        )

    edge_runtime = check_edge_runtime(value("edgeRuntime"))
    if edge_runtime == CLOUDFRONT_FUNCTION and auth_header == "cookie":
        # CloudFront Functions get cookies in event.request.cookies, never as a header.
        raise _fail(
            "authHeader",
            "'cookie' never reaches a CloudFront Function as a header (cookies arrive apart), "
            "so every request would be refused",
            "pulumi config set authHeader authorization (or edgeRuntime lambda-edge)",
        )
    return {
        "auth_header": auth_header,
        "protected_paths": _check_path_patterns(value("protectedPaths")),
        "domain": domain,
        "price_class": price_class,
        "error_caching_min_ttl": _as_int(
            "errorCachingMinTtl", value("errorCachingMinTtl"), 0, 31536000
        ),
        "protect_content": _as_bool("protectContent", value("protectContent")),
        "web_acl_id": web_acl_id,
        "access_log_bucket": access_log_bucket,
        **_check_alarm_targets(value("alarmEmail"), value("alarmTopicArn")),
        "log_allowed": _as_bool("logAllowed", value("logAllowed")),
        "edge_runtime": edge_runtime,
    }


def check_edge_runtime(raw: Any) -> str:
    """``edgeRuntime``: one of EDGE_RUNTIMES."""
    runtime = str(raw).strip()
    if runtime not in EDGE_RUNTIMES:
        raise _fail(
            "edgeRuntime",
            f"{shown(runtime)} is not an engine",
            f"{_suggest(runtime, EDGE_RUNTIMES)}pulumi config set edgeRuntime {LAMBDA_EDGE} "
            f"(or {CLOUDFRONT_FUNCTION})",
        )
    return runtime


def check_function_size(
    edge_runtime: str,
    token_count: int,
    header: str,
    clients: tuple[ClientSettings, ...] = (),
    log_allowed: bool = False,
) -> None:
    """On cloudfront-function, the generated code must fit CloudFront's 10 KB function quota.

    Shared by the stack program (before any resource) and the component (inside the apply,
    once the tokens are known). The error says how many of these clients would fit.
    """
    if edge_runtime != CLOUDFRONT_FUNCTION:
        return
    # Imported here: the generator is only needed on this engine.
    from edge_handler.cloudfront_function import MAX_CODE_BYTES, code_size

    size = code_size(token_count, header, clients, log_allowed)
    if size <= MAX_CODE_BYTES:
        return
    # Size grows with each client: find the most that fit by bisection over the count.
    low, high = 0, len(clients) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if code_size(token_count, header, clients[:middle], log_allowed) <= MAX_CODE_BYTES:
            low = middle
        else:
            high = middle - 1
    fit = low
    raise _fail(
        "edgeRuntime",
        f"cloudfront-function code would be {size} bytes, over CloudFront's "
        f"{MAX_CODE_BYTES}-byte limit; {fit} of the {len(clients)} clients fit",
        f"pulumi config set edgeRuntime {LAMBDA_EDGE}, or remove clients",
    )


def _check_alarm_targets(email_raw: Any, topic_raw: Any) -> dict[str, str | None]:
    """Where the edge alarms go: an email address, an SNS topic in us-east-1, both or none."""
    email = str(email_raw).strip() or None
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise _fail(
            "alarmEmail",
            f"{shown(email)} is not one email address",
            "pulumi config set alarmEmail ops@example.com",
        )
    topic_arn = str(topic_raw).strip() or None
    if topic_arn and not _ALARM_TOPIC_ARN.fullmatch(topic_arn):
        raise _fail(
            "alarmTopicArn",
            f"{shown(topic_arn)} is not the ARN of an SNS topic in us-east-1 (CloudFront's "
            "metrics and so its alarms live there; an alarm notifies topics of its own region)",
            "pulumi config set alarmTopicArn arn:aws:sns:us-east-1:<account>:<topic>",
        )
    return {"alarm_email": email, "alarm_topic_arn": topic_arn}


# --- named clients (issue 10) -------------------------------------------------------------

MAX_CLIENTS = 1000
DEFAULT_CLIENT = "default"
_CLIENT_NAME = re.compile(r"[a-z0-9-]{1,40}")
_CLIENT_FIELDS = ("token", "previousToken", "expires", "paths")
# The component provider hands nested inputs over with Python names.
_CLIENT_FIELD_ALIASES = {"previous_token": "previousToken"}
_RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|\+00:00|-00:00)")


def new_client_commands(name: str) -> str:
    """The commands that add a client (placeholder token: the caller fills in a fresh one)."""
    return f"pulumi config set --secret --path 'clients.{name}.token' \"$(openssl rand -hex 32)\""


def _as_map(name: str, raw: Any) -> dict:
    value = _decoded(raw)
    if not isinstance(value, dict):
        raise _fail(
            name,
            "must be a map of client name to {token, previousToken, expires, paths}",
            new_client_commands("partner-a"),
        )
    return value


def parse_expiry(name: str, raw: Any) -> int:
    """An RFC 3339 UTC timestamp (``2027-03-31T00:00:00Z``) as seconds since the epoch."""
    fix = f"pulumi config set --path '{name}' 2027-03-31T00:00:00Z (RFC 3339, UTC)"
    if isinstance(raw, datetime):  # YAML reads an unquoted timestamp as one
        moment = raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    else:
        text = str(raw).strip()
        if not _RFC3339_UTC.fullmatch(text):
            raise _fail(name, f"{shown(raw)} is not an RFC 3339 UTC time", fix)
        try:
            moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        except ValueError:
            raise _fail(name, f"{shown(raw)} is not a valid date and time", fix) from None
    if moment.utcoffset() != UTC.utcoffset(None):
        raise _fail(name, f"{shown(str(raw))} is not in UTC", fix)
    return int(moment.timestamp())


def covered_by(pattern: str, protected: str) -> bool:
    """Whether every path ``pattern`` matches is matched by ``protected`` (conservative).

    True when they are equal, or ``protected`` ends with ``*`` and ``pattern`` starts with the
    rest of it: a path matched by ``pattern`` then starts with what ``protected[:-1]`` matches,
    and its remainder is matched by the final ``*`` (which crosses ``/``).
    """
    return pattern == protected or (protected.endswith("*") and pattern.startswith(protected[:-1]))


def _check_client_paths(name: str, raw: Any, protected_paths: tuple[str, ...]) -> tuple[str, ...]:
    key = f"clients.{name}.paths"
    patterns = _as_list(key, raw)
    if not patterns:
        raise _fail(
            key,
            "is empty, so the client could open nothing",
            f"pulumi config rm --path 'clients.{name}' to remove the client",
        )
    cleaned: list[str] = []
    for pattern in patterns:
        text = pattern.strip().lstrip("/") if isinstance(pattern, str) else ""
        if not text or len(text) > facts.MAX_PATH_PATTERN_LENGTH:
            raise _fail(
                key, f"{shown(pattern)} is not a path pattern", "use patterns like ex-img/a/*"
            )
        if not _PATH_PATTERN.fullmatch(text):
            raise _fail(
                key,
                f"{shown(pattern)} has characters CloudFront does not accept in a path pattern",
                "use letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
            )
        if _has_dot_segment(text):
            raise _fail(
                key,
                f"{shown(pattern)} has a . or .. segment; the edge refuses such paths for a "
                "scoped client, so it would open nothing",
                "write the pattern without . and .. segments",
            )
        if not any(covered_by(text, protected) for protected in protected_paths):
            folders = [p for p in protected_paths if p.endswith("*")]
            example = folders[0][:-1] + name + "/*" if folders else protected_paths[0]
            raise _fail(
                key,
                f"{shown(pattern)} is not inside the protected paths "
                f"({clip(', '.join(protected_paths))})",
                "use a protected pattern, or one that starts with a protected pattern's text "
                f"before its final *, e.g. {clip(example)}",
            )
        if text not in cleaned:
            cleaned.append(text)
    return tuple(cleaned)


def check_clients(
    raw: Any, protected_paths: tuple[str, ...], taken_tokens: tuple[str, ...] = ()
) -> tuple[ClientSettings, ...]:
    """The ``clients`` map (a dict, or its JSON text), checked; sorted by name.

    ``taken_tokens`` are authToken and previousAuthTokens: a client may not reuse one.
    """
    if raw is None or raw == "":
        return ()
    clients = _as_map("clients", raw)
    if len(clients) > MAX_CLIENTS:
        raise _fail(
            "clients",
            f"holds {len(clients)} clients; at most {MAX_CLIENTS} fit in the edge function",
            "remove clients that ended (pulumi config rm --path 'clients.<name>')",
        )
    owners: dict[str, str] = {token: DEFAULT_CLIENT for token in taken_tokens}
    result: list[ClientSettings] = []
    for name in sorted(clients, key=str):
        if not isinstance(name, str) or not _CLIENT_NAME.fullmatch(name):
            raise _fail(
                f"clients.{clip(str(name))}",
                "is not a client name (1 to 40 of a-z, 0-9 and -)",
                "rename it, e.g. partner-a",
            )
        if name == DEFAULT_CLIENT:
            raise _fail(
                "clients.default",
                "is reserved: authToken and previousAuthTokens are the client default",
                "pick another name, e.g. partner-a",
            )
        entry = clients[name]
        if not isinstance(entry, dict):
            raise _fail(
                f"clients.{name}",
                "must be an object with token, previousToken, expires, paths",
                new_client_commands(name),
            )
        entry = {_CLIENT_FIELD_ALIASES.get(k, k): v for k, v in entry.items() if v is not None}
        for field_name in entry:
            if field_name not in _CLIENT_FIELDS:
                raise _fail(
                    f"clients.{name}.{clip(str(field_name))}",
                    "is not a client field",
                    f"{_suggest(str(field_name), _CLIENT_FIELDS)}"
                    f"pulumi config rm --path 'clients.{name}.{clip(str(field_name))}'; "
                    f"fields: {', '.join(_CLIENT_FIELDS)}",
                )
        tokens = [_check_token(f"clients.{name}.token", entry.get("token"))]
        if "previousToken" in entry:
            tokens.append(_check_token(f"clients.{name}.previousToken", entry["previousToken"]))
        for field_name, token in zip(("token", "previousToken"), tokens, strict=False):
            if token in owners:
                # Never the token itself: only whose it already is.
                raise _fail(
                    f"clients.{name}.{field_name}",
                    f"is the same token as client {owners[token]}'s; each client needs its own",
                    f"pulumi config set --secret --path 'clients.{name}.{field_name}' "
                    '"$(openssl rand -hex 32)"',
                )
            owners[token] = name
        expires_at = None
        if "expires" in entry:
            expires_at = parse_expiry(f"clients.{name}.expires", entry["expires"])
        paths = None
        if "paths" in entry:
            paths = _check_client_paths(name, entry["paths"], protected_paths)
        result.append(ClientSettings(name, tuple(tokens), expires_at, paths))
    return tuple(result)


def settings_from_config(
    config: Mapping[str, Any],
    stack: str,
    is_secret: Callable[[str], bool],
) -> Settings:
    """Validate a stack's whole config (namespaced keys, as the CLI passes it to a program).

    ``is_secret(full_key)`` says whether the CLI marked a key secret.
    """
    check_config_keys(config)
    prefix = PROJECT + ":"
    raw = {
        key.removeprefix(prefix): value
        for key, value in config.items()
        if key.startswith(prefix) and value is not None
    }
    return parse_settings(
        raw,
        stack,
        is_secret=lambda name: is_secret(_key(name)),
        region=check_region(config.get(REGION_KEY)),
    )


def load_settings() -> Settings:
    """Read this stack's config into validated settings (the only config read).

    ``pulumi.Config`` reads only the keys it is asked for, so a misspelt key would pass
    unseen; the runtime's config map holds every key the CLI passed, typos included.
    """
    from pulumi.runtime.config import CONFIG, get_config_env, is_config_secret

    config = {**get_config_env(), **CONFIG.get()}
    return settings_from_config(config, pulumi.get_stack(), is_config_secret)
