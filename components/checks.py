"""Checks of the inputs: each turns a given value into a valid one or raises ``SettingsError``.

``components/inputs.py`` names the check of each input; this module holds them. Every check
takes the value (plain, as a program passes it, or text, as the stack config holds it) and
the inputs already checked (by name), and returns the value as the components use it. A bad
value raises ``SettingsError`` (a ``pulumi.RunError``: one line under the CLI, no traceback)
naming the config key, what is wrong and how to fix it. No error line echoes more than
``MAX_SHOWN`` characters of a user's value, and never a token.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi

from edge_handler.build import DEFAULT_CLIENT
from edge_handler.engines import CLOUDFRONT_FUNCTION, ENGINES, LAMBDA_EDGE

from . import cloudfront_facts as facts
from .site_model import ERROR_PAGES_PREFIX, ordered_behavior_count

PROJECT = "protected-cdn"
MAX_SHOWN = 80
MIN_TOKEN_LENGTH = 32
MAX_TOKEN_LENGTH = 256
MIN_DISTINCT_TOKEN_CHARACTERS = 10
MAX_PREVIOUS_TOKENS = 4
# Our limit, not AWS's: a header name is a short word; this keeps messages and logs small.
MAX_HEADER_NAME_LENGTH = 128
# The defaults of the inputs whose fix suggests the default (components/inputs.py uses these).
DEFAULT_ERROR_CACHING_MIN_TTL = 10
DEFAULT_PROTECT_CONTENT = True
DEFAULT_LOG_ALLOWED = False
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

EDGE_RUNTIMES = ENGINES


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
        return moment.isoformat().replace("+00:00", "Z")


def config_key(name: str) -> str:
    """A project config key as the CLI spells it (``protected-cdn:authToken``)."""
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


def suggest(word: str, choices: Iterable[str]) -> str:
    """``did you mean X? `` for the closest choice, or nothing."""
    close = difflib.get_close_matches(word[:200], list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]}? " if close else ""


def fail(name: str, problem: str, fix: str) -> SettingsError:
    """The one-line error for config key ``name``."""
    return SettingsError(f"{config_key(name)}: {problem}. Fix: {fix}")


def decoded(raw: Any) -> Any:
    """A list or map as given, or as the CLI passes it: JSON text (None when it is not JSON)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:  # not JSON, or a number past Python's digit limit
        return None


def as_list(name: str, raw: Any) -> list:
    value = decoded(raw)
    if not isinstance(value, list):
        raise fail(
            name, "must be a list", f"pulumi config set --path '{name}[0]' <value> (one per item)"
        )
    return value


# Words that mean a boolean: the fix sets the one the value meant (refused all the same).
_BOOLEAN_WORDS = {"yes": True, "on": True, "1": True, "no": False, "off": False, "0": False}


def as_bool(name: str, raw: Any, default: bool) -> bool:
    """``raw`` as a boolean; the fix of a bad one sets the value it meant, else ``default``."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    meant = _BOOLEAN_WORDS.get(text, default)
    raise fail(
        name,
        f"must be true or false, not {shown(raw)}",
        f"pulumi config set {name} {'true' if meant else 'false'}",
    )


def as_int(name: str, raw: Any, low: int, high: int, default: int) -> int:
    """``raw`` as a whole number from ``low`` to ``high``; the fix sets ``default``."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # the component provider hands every number over as a float
    try:
        value = int(str(raw).strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise fail(
            name,
            f"must be a whole number from {low} to {high}",
            f"pulumi config set {name} {default}",
        )
    return value


def token_fix(name: str) -> str:
    """How to set the token at config key ``name`` right: always that key, never another's."""
    if name == "authToken":
        return GENERATE_TOKEN
    if name.startswith("previousAuthTokens"):
        return (
            f"pulumi config set --secret --path '{name}' <the old token>, or "
            f"pulumi config rm --path '{name}' when no client needs it"
        )
    if name.endswith(".previousToken"):
        return (
            f"pulumi config set --secret --path '{name}' <the client's old token>, or end the "
            f"rotation: pulumi config rm --path '{name}'"
        )
    return f"pulumi config set --secret --path '{name}' \"$(openssl rand -hex 32)\""


def check_token(name: str, token: Any) -> str:
    fix = token_fix(name)
    if not isinstance(token, str) or not token:
        raise fail(name, "is missing", fix)
    # Never echo the value: it is a secret even when it is a bad one.
    if not MIN_TOKEN_LENGTH <= len(token) <= MAX_TOKEN_LENGTH:
        raise fail(
            name,
            f"must be {MIN_TOKEN_LENGTH} to {MAX_TOKEN_LENGTH} characters (it has {len(token)})",
            fix,
        )
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise fail(name, "may only hold letters, digits and . _ ~ + / = -", fix)
    if len(set(token)) < MIN_DISTINCT_TOKEN_CHARACTERS:
        raise fail(name, "is too weak (too few distinct characters)", fix)
    return token


def has_dot_segment(pattern: str) -> bool:
    return any(segment in (".", "..") for segment in pattern.split("/"))


# --- one check per input: check_<input>(value, checked) -> the value the components use -------


def check_auth_token(raw: Any, _checked: Mapping[str, Any]) -> str:
    return check_token("authToken", raw)


def check_previous_auth_tokens(raw: Any, checked: Mapping[str, Any]) -> tuple[str, ...]:
    previous = tuple(
        check_token(f"previousAuthTokens[{index}]", token)
        for index, token in enumerate(as_list("previousAuthTokens", raw))
    )
    if len(previous) > MAX_PREVIOUS_TOKENS:
        raise fail(
            "previousAuthTokens",
            f"holds {len(previous)} tokens; at most {MAX_PREVIOUS_TOKENS} are accepted",
            "remove tokens that no client uses any more",
        )
    if checked["auth_token"] in previous or len(set(previous)) != len(previous):
        raise fail("previousAuthTokens", "repeats a token", "list each old token once")
    return previous


def _readable_header(name: str) -> bool:
    """Whether a viewer-request function may read header ``name`` (lowercase, no ``_``)."""
    return (
        len(name) <= MAX_HEADER_NAME_LENGTH
        and "_" not in name
        and bool(_HEADER_NAME.fullmatch(name))
        and name not in facts.READ_ONLY_OR_DISALLOWED_HEADERS
        and not name.startswith(facts.DISALLOWED_HEADER_PREFIXES)
    )


def check_auth_header(raw: Any, _checked: Mapping[str, Any]) -> str:
    auth_header = str(raw).strip()
    if _readable_header(auth_header):
        return auth_header
    # The fix sets the name meant (X_Auth_Token: x-auth-token) when that one is readable.
    meant = auth_header.replace("_", "-").lower()
    fix = f"pulumi config set authHeader {meant if _readable_header(meant) else 'authorization'}"
    if "_" in auth_header:
        # nginx drops such headers by default and WSGI servers cannot tell _ from -; AWS does
        # not document that CloudFront hands them to viewer-request functions.
        raise fail(
            "authHeader",
            f"{shown(auth_header)} has an underscore; many proxies and servers drop such headers",
            fix,
        )
    raise fail(
        "authHeader",
        f"{shown(auth_header)} is not a lowercase header name a viewer-request function may read",
        fix,
    )


def check_protected_paths(raw: Any, _checked: Mapping[str, Any]) -> tuple[str, ...]:
    name = "protectedPaths"
    patterns = as_list(name, raw)
    if not patterns:
        raise fail(name, "is empty", "list at least one pattern, e.g. ex-img/* or * for everything")
    # Count first: a huge list is refused before any per-item work.
    if ordered_behavior_count(patterns) > facts.MAX_CACHE_BEHAVIORS:
        raise fail(
            name,
            f"needs {ordered_behavior_count(patterns)} cache behaviors; CloudFront allows "
            f"{facts.MAX_CACHE_BEHAVIORS} per distribution",
            "merge patterns with wildcards (ex-img/* covers every file under ex-img/)",
        )
    cleaned: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise fail(
                name, f"{shown(pattern)} is not a path pattern", "use patterns like ex-img/*"
            )
        # A leading slash makes no difference to CloudFront; keep one spelling.
        normalized = pattern.strip().lstrip("/") or "*"
        if len(normalized) > facts.MAX_PATH_PATTERN_LENGTH:
            raise fail(
                name,
                f"{shown(pattern)} is longer than {facts.MAX_PATH_PATTERN_LENGTH} characters",
                "shorten the pattern",
            )
        if not _PATH_PATTERN.fullmatch(normalized):
            raise fail(
                name,
                f"{shown(pattern)} has characters CloudFront does not accept in a path pattern",
                "use letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
            )
        if has_dot_segment(normalized):
            raise fail(
                name,
                f"{shown(pattern)} has a . or .. segment; CloudFront matches the path with dot "
                "segments removed, so the pattern could never match",
                "write the pattern without . and .. segments",
            )
        if "*" not in normalized and "?" not in normalized:
            # CloudFront matches the whole path: 'ex-img' protects one key, not the folder.
            folder = normalized.rstrip("/") + "/*"
            raise fail(
                name,
                f"{shown(pattern)} has no wildcard, so it matches only that one exact path "
                "and leaves everything under it public",
                f"use {shown(folder)} to protect everything under it",
            )
        # The error pages' behavior (_errors/*) always comes first, so a pattern under
        # _errors/ would never apply; only that prefix is refused (_errorsx/* is fine).
        if normalized.startswith(ERROR_PAGES_PREFIX + "/"):
            raise fail(
                name,
                f"{shown(pattern)} would never apply: the error pages' behavior "
                f"{ERROR_PAGES_PREFIX}/* comes first, so nothing under {ERROR_PAGES_PREFIX}/ "
                "can be protected",
                f"keep protected content out of {ERROR_PAGES_PREFIX}/ and protect its own prefix",
            )
        if normalized in seen:
            raise fail(name, f"{shown(pattern)} is listed twice", "remove the duplicate")
        seen.add(normalized)
        cleaned.append(normalized)
    if "*" in seen and len(cleaned) > 1:
        raise fail(
            name,
            "'*' already protects every path, so the other patterns would do nothing",
            "use ['*'] alone, or list only the specific patterns",
        )
    return tuple(cleaned)


def _dns_name(domain: str) -> bool:
    labels = domain.split(".")
    return (
        len(domain) <= 253 and len(labels) >= 2 and all(_DOMAIN_LABEL.fullmatch(x) for x in labels)
    )


def _check_domain(name: str, domain: str) -> str:
    if not _dns_name(domain):
        # The fix sets the name meant (CDN.Example.com: cdn.example.com) when that one is valid.
        meant = domain.lower()
        raise fail(
            name,
            f"{shown(domain)} is not a lowercase DNS name",
            f"pulumi config set {name} {meant if _dns_name(meant) else 'assets.example.com'}",
        )
    return domain


def check_domain_name(raw: Any, _checked: Mapping[str, Any]) -> str:
    # Checked with hostedZoneName, which comes next: the two are set together or not at all.
    return str(raw).strip()


def check_hosted_zone_name(raw: Any, checked: Mapping[str, Any]) -> str:
    domain_name = checked["domain_name"]
    zone_name = str(raw).strip().rstrip(".")
    if not (domain_name or zone_name):
        return ""
    if not (domain_name and zone_name):
        missing = "hostedZoneName" if domain_name else "domainName"
        raise fail(
            missing,
            "is required when the other of domainName/hostedZoneName is set",
            f"pulumi config set {missing} <value>, or unset both to use cloudfront.net",
        )
    _check_domain("domainName", domain_name)
    _check_domain("hostedZoneName", zone_name)
    if domain_name != zone_name and not domain_name.endswith("." + zone_name):
        raise fail(
            "domainName",
            f"{shown(domain_name)} is not inside the hosted zone {shown(zone_name)}",
            "pick a name under hostedZoneName",
        )
    return zone_name


def check_price_class(raw: Any, _checked: Mapping[str, Any]) -> str:
    price_class = str(raw).strip()
    if price_class not in facts.PRICE_CLASSES:
        raise fail(
            "priceClass",
            f"{shown(price_class)} is not a price class",
            f"use one of {', '.join(facts.PRICE_CLASSES)}",
        )
    return price_class


def check_error_caching_min_ttl(raw: Any, _checked: Mapping[str, Any]) -> int:
    return as_int("errorCachingMinTtl", raw, 0, 31536000, DEFAULT_ERROR_CACHING_MIN_TTL)


def check_protect_content(raw: Any, _checked: Mapping[str, Any]) -> bool:
    return as_bool("protectContent", raw, DEFAULT_PROTECT_CONTENT)


def check_web_acl_id(raw: Any, _checked: Mapping[str, Any]) -> str | None:
    web_acl_id = str(raw).strip() or None
    if web_acl_id and not _WEB_ACL_ARN.fullmatch(web_acl_id):
        raise fail(
            "webAclId",
            "must be the ARN of a WAFv2 web ACL with scope CLOUDFRONT (in us-east-1)",
            "pulumi config set webAclId arn:aws:wafv2:us-east-1:<acct>:global/webacl/<name>/<id>",
        )
    return web_acl_id


def check_access_log_bucket(raw: Any, _checked: Mapping[str, Any]) -> str | None:
    access_log_bucket = str(raw).strip() or None
    if access_log_bucket and not _BUCKET_NAME.fullmatch(access_log_bucket):
        raise fail(
            "accessLogBucket",
            f"{shown(access_log_bucket)} is not an S3 bucket name",
            "give the bucket name only, e.g. my-cdn-logs",
        )
    return access_log_bucket


def check_alarm_email(raw: Any, _checked: Mapping[str, Any]) -> str | None:
    email = str(raw).strip() or None
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise fail(
            "alarmEmail",
            f"{shown(email)} is not one email address",
            "pulumi config set alarmEmail ops@example.com",
        )
    return email


def check_alarm_topic_arn(raw: Any, _checked: Mapping[str, Any]) -> str | None:
    topic_arn = str(raw).strip() or None
    if topic_arn and not _ALARM_TOPIC_ARN.fullmatch(topic_arn):
        raise fail(
            "alarmTopicArn",
            f"{shown(topic_arn)} is not the ARN of an SNS topic in us-east-1 (CloudFront's "
            "metrics and so its alarms live there; an alarm notifies topics of its own region)",
            "pulumi config set alarmTopicArn arn:aws:sns:us-east-1:<account>:<topic>",
        )
    return topic_arn


def check_log_allowed(raw: Any, _checked: Mapping[str, Any]) -> bool:
    return as_bool("logAllowed", raw, DEFAULT_LOG_ALLOWED)


def check_edge_runtime(raw: Any, checked: Mapping[str, Any]) -> str:
    runtime = str(raw).strip()
    if runtime not in EDGE_RUNTIMES:
        close = difflib.get_close_matches(runtime[:200].lower(), EDGE_RUNTIMES, n=1)
        fix = (
            f"did you mean {close[0]}? pulumi config set edgeRuntime {close[0]}"
            if close
            else f"pulumi config set edgeRuntime {LAMBDA_EDGE} (or {CLOUDFRONT_FUNCTION})"
        )
        raise fail("edgeRuntime", f"{shown(runtime)} is not an engine", fix)
    if runtime == CLOUDFRONT_FUNCTION and checked["auth_header"] == "cookie":
        # CloudFront Functions get cookies in event.request.cookies, never as a header.
        raise fail(
            "authHeader",
            "'cookie' never reaches a CloudFront Function as a header (cookies arrive apart), "
            "so every request would be refused",
            "pulumi config set authHeader authorization (or edgeRuntime lambda-edge)",
        )
    return runtime


def check_function_fits(checked: Mapping[str, Any], fix: str | None = None) -> None:
    """The client table fits the engine's edge function, or one line with how many fit.

    - ``lambda-edge``: the zip (handler and digests) within Lambda@Edge's 1 MB for
      viewer-request functions, measured by building it; the count that fits is searched only
      when it does not.
    - ``cloudfront-function``: the KeyValueStore entries (edge_handler/client_store.py) within
      CloudFront's limits: a key up to 512 bytes, a value up to 1 KB, 5 MB per store. Only
      sizes are computed; the entries themselves are built when the store is declared.

    ``fix`` replaces the fix the line suggests (a tool that runs the function by choice).
    """
    clients = checked["clients"]
    if checked["edge_runtime"] != CLOUDFRONT_FUNCTION:
        _check_archive_fits(checked, fix)
        return
    # Imported here: the store's encoding is only needed on this engine.
    from edge_handler.build import edge_clients
    from edge_handler.client_store import (
        MAX_KEY_BYTES,
        MAX_STORE_BYTES,
        MAX_VALUE_BYTES,
        entry_key,
        entry_value,
    )

    tokens = (checked["auth_token"], *checked["previous_auth_tokens"])
    total, fit = 0, -1  # fit: named clients whose entries fit (the default client comes first)
    for client in edge_clients(tokens, clients):
        value = len(entry_value(client.name, client.expires_at, client.paths).encode())
        where = "authToken" if client.name == DEFAULT_CLIENT else f"clients.{client.name}"
        if value > MAX_VALUE_BYTES:
            raise fail(
                where,
                f"takes {value} bytes as a KeyValueStore value, over CloudFront's "
                f"{MAX_VALUE_BYTES}-byte limit",
                "give it fewer or shorter paths (a wildcard covers a folder)",
            )
        for token in client.tokens:
            key = len(entry_key(token).encode())
            if key > MAX_KEY_BYTES:  # digests are 43 bytes: never, kept for the record
                raise fail(where, f"key of {key} bytes", "report this")
            total += key + value
        if total <= MAX_STORE_BYTES:
            fit += 1
    if total > MAX_STORE_BYTES:
        raise fail(
            "clients",
            f"the client store would hold {total} bytes, over CloudFront's {MAX_STORE_BYTES}-"
            f"byte KeyValueStore limit; {max(fit, 0)} of the {len(clients)} clients fit",
            fix
            or "remove clients that ended (pulumi config rm --path 'clients.<name>'), or "
            "shorten their paths",
        )


# Lambda@Edge's quota for a viewer-request function's zipped package.
MAX_LAMBDA_EDGE_ARCHIVE_BYTES = 1024 * 1024


def _check_archive_fits(checked: Mapping[str, Any], fix: str | None) -> None:
    from edge_handler.build import build_archive

    tokens = (checked["auth_token"], *checked["previous_auth_tokens"])
    clients = checked["clients"]

    def size(count: int) -> int:
        return len(
            build_archive(tokens, checked["auth_header"], clients[:count], checked["log_allowed"])
        )

    total = size(len(clients))
    if total <= MAX_LAMBDA_EDGE_ARCHIVE_BYTES:
        return
    low, high = 0, len(clients) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if size(middle) <= MAX_LAMBDA_EDGE_ARCHIVE_BYTES:
            low = middle
        else:
            high = middle - 1
    raise fail(
        "clients",
        f"the Lambda@Edge archive would be {total} bytes, over its "
        f"{MAX_LAMBDA_EDGE_ARCHIVE_BYTES}-byte limit; {low} of the {len(clients)} clients fit",
        fix
        or f"pulumi config set edgeRuntime {CLOUDFRONT_FUNCTION} (a 5 MB KeyValueStore holds "
        "the clients), or remove clients that ended (pulumi config rm --path 'clients.<name>')",
    )


# --- named clients ----------------------------------------------------------------------

# Neither engine caps the count: the zip's 1 MB and the store's 5 MB bound them
# (check_function_fits). This bound only keeps a runaway map from being checked item by item.
MAX_CLIENTS = 100_000
CLIENT_NAME = re.compile(r"[a-z0-9-]{1,40}")
CLIENT_FIELDS = ("token", "previousToken", "expires", "paths")
# The component provider hands nested inputs over with Python names.
_CLIENT_FIELD_ALIASES = {"previous_token": "previousToken"}
_RFC3339_UTC = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(?P<fraction>\d+))?(?:[Zz]|[+-]00:00)"
)
EXPIRY_EXAMPLE = "2027-03-31T00:00:00Z"
MIN_EXPIRY_YEAR, MAX_EXPIRY_YEAR = 2000, 9999
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = "has a fraction of a second; an expiry is whole seconds"


def new_client_commands(name: str) -> str:
    """The commands that add a client (placeholder token: the caller fills in a fresh one)."""
    return f"pulumi config set --secret --path 'clients.{name}.token' \"$(openssl rand -hex 32)\""


def _as_map(name: str, raw: Any) -> dict:
    value = decoded(raw)
    if not isinstance(value, dict):
        raise fail(
            name,
            "must be a map of client name to {token, previousToken, expires, paths}",
            new_client_commands("partner-a"),
        )
    return value


def parse_expiry(name: str, raw: Any) -> int:
    """An RFC 3339 UTC time (``2027-03-31T00:00:00Z``) as seconds since the epoch.

    Accepted: whole seconds (a fraction of zeros too), years 2000 to 9999: every such time
    renders and parses to the same second in Python and in JS ``Date``, which the two engines
    compare with their clock. A leap second (``23:59:60``) has no Unix time and is refused.
    No error line shows the value: inside ``clients`` it may have come from a secret.
    """
    fix = f"pulumi config set --path '{name}' {EXPIRY_EXAMPLE} (RFC 3339 UTC, whole seconds)"
    if isinstance(raw, datetime):  # YAML reads an unquoted timestamp as one
        if raw.utcoffset() not in (None, timedelta(0)):
            raise fail(name, "is not in UTC", fix)
        if raw.microsecond:
            raise fail(name, _FRACTION, fix)
        year, month, day = raw.year, raw.month, raw.day
        hour, minute, second = raw.hour, raw.minute, raw.second
    else:
        match = _RFC3339_UTC.fullmatch(str(raw).strip())
        if not match:
            raise fail(name, f"is not an RFC 3339 UTC time such as {EXPIRY_EXAMPLE}", fix)
        if (match["fraction"] or "").strip("0"):
            raise fail(name, _FRACTION, fix)
        year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    if not MIN_EXPIRY_YEAR <= year <= MAX_EXPIRY_YEAR:
        raise fail(
            name,
            f"is outside the years {MIN_EXPIRY_YEAR} to {MAX_EXPIRY_YEAR} an expiry may have",
            fix,
        )
    if second == 60 and (hour, minute) == (23, 59):
        raise fail(
            name,
            "is a leap second (23:59:60), which Unix time (the edge's clock) does not have",
            f"use 23:59:59 or the next day's 00:00:00: {fix}",
        )
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as error:  # its text names the field, never the value
        raise fail(name, f"is not a valid date and time ({error})", fix) from None
    return (moment - _EPOCH) // timedelta(seconds=1)


def covered_by(pattern: str, protected: str) -> bool:
    """Whether every path ``pattern`` matches is matched by ``protected`` (conservative).

    True when they are equal, or ``protected`` ends with ``*`` and ``pattern`` starts with the
    rest of it: a path matched by ``pattern`` then starts with what ``protected[:-1]`` matches,
    and its remainder is matched by the final ``*`` (which crosses ``/``).
    """
    return pattern == protected or (protected.endswith("*") and pattern.startswith(protected[:-1]))


def _check_client_paths(name: str, raw: Any, protected_paths: tuple[str, ...]) -> tuple[str, ...]:
    key = f"clients.{name}.paths"
    patterns = as_list(key, raw)
    if not patterns:
        raise fail(
            key,
            "is empty, so the client could open nothing",
            f"pulumi config rm --path 'clients.{name}' to remove the client",
        )
    cleaned: list[str] = []
    for index, pattern in enumerate(patterns):
        text = pattern.strip().lstrip("/") if isinstance(pattern, str) else ""
        if not text or len(text) > facts.MAX_PATH_PATTERN_LENGTH:
            raise fail(
                key, f"{shown(pattern)} is not a path pattern", "use patterns like ex-img/a/*"
            )
        if not _PATH_PATTERN.fullmatch(text):
            raise fail(
                key,
                f"{shown(pattern)} has characters CloudFront does not accept in a path pattern",
                "use letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
            )
        if has_dot_segment(text):
            raise fail(
                key,
                f"{shown(pattern)} has a . or .. segment; the edge refuses such paths for a "
                "scoped client, so it would open nothing",
                "write the pattern without . and .. segments",
            )
        if "+" in text:
            # A path's + then meets a wildcard only, as a space would: whichever way S3
            # reads a +, the key stays inside the scope (docs/security.md).
            raise fail(
                key,
                f"{shown(pattern)} has a +, and S3 may read a + of the URL path as a space, "
                "so the key read could lie outside the scope",
                "rename the folder without +, or write ? for each + (it matches any one "
                "character there)",
            )
        if not any(covered_by(text, protected) for protected in protected_paths):
            folders = [p for p in protected_paths if p.endswith("*")]
            example = folders[0][:-1] + name + "/*" if folders else protected_paths[0]
            raise fail(
                key,
                f"{shown(pattern)} is not inside the protected paths "
                f"({clip(', '.join(protected_paths))})",
                "use a protected pattern, or one that starts with a protected pattern's text "
                f"before its final *, e.g. {clip(example)}",
            )
        if "*" not in text and "?" not in text:
            # As for protectedPaths: CloudFront's patterns match the whole path, so
            # 'ex-img/partner-a' is that one key and the client gets 403 under the folder.
            folder = text.rstrip("/") + "/*"
            raise fail(
                key,
                f"{shown(pattern)} has no wildcard, so the client could open only that one exact "
                "path and nothing under it",
                f"pulumi config set --path '{key}[{index}]' {shown(folder)} to let the client "
                "open everything under it",
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
        # Counted first: a map this large is refused before any per-client work.
        raise fail(
            "clients",
            f"holds {len(clients)} clients; at most {MAX_CLIENTS} are checked",
            "remove clients that ended (pulumi config rm --path 'clients.<name>')",
        )
    owners: dict[str, str] = {token: DEFAULT_CLIENT for token in taken_tokens}
    result: list[ClientSettings] = []
    for name in sorted(clients, key=str):
        if not isinstance(name, str) or not CLIENT_NAME.fullmatch(name):
            raise fail(
                f"clients.{clip(str(name))}",
                "is not a client name (1 to 40 of a-z, 0-9 and -)",
                "rename it, e.g. partner-a",
            )
        if name == DEFAULT_CLIENT:
            raise fail(
                "clients.default",
                "is reserved: authToken and previousAuthTokens are the client default",
                "pick another name, e.g. partner-a",
            )
        entry = clients[name]
        if not isinstance(entry, dict):
            raise fail(
                f"clients.{name}",
                "must be an object with token, previousToken, expires, paths",
                new_client_commands(name),
            )
        for alias, field_name in _CLIENT_FIELD_ALIASES.items():
            if alias in entry and field_name in entry:
                # Two spellings of one field: taking either would drop the other silently.
                raise fail(
                    f"clients.{name}.{field_name}",
                    f"is given twice, as {alias} and {field_name}",
                    f"keep one: {field_name}",
                )
        entry = {_CLIENT_FIELD_ALIASES.get(k, k): v for k, v in entry.items() if v is not None}
        for field_name in entry:
            if field_name not in CLIENT_FIELDS:
                raise fail(
                    f"clients.{name}.{clip(str(field_name))}",
                    "is not a client field",
                    f"{suggest(str(field_name), CLIENT_FIELDS)}"
                    f"pulumi config rm --path 'clients.{name}.{clip(str(field_name))}'; "
                    f"fields: {', '.join(CLIENT_FIELDS)}",
                )
        tokens = [check_token(f"clients.{name}.token", entry.get("token"))]
        if "previousToken" in entry:
            tokens.append(check_token(f"clients.{name}.previousToken", entry["previousToken"]))
        for field_name, token in zip(("token", "previousToken"), tokens, strict=False):
            if token in owners:
                # Never the token itself: only whose it already is.
                raise fail(
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


def check_client_table(raw: Any, checked: Mapping[str, Any]) -> tuple[ClientSettings, ...]:
    return check_clients(
        raw,
        checked["protected_paths"],
        (checked["auth_token"], *checked["previous_auth_tokens"]),
    )
