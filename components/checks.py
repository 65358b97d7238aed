"""Checks of the inputs: each turns a given value into a valid one or raises ``SettingsError``.

``components/inputs.py`` declares each input's type, choices, pattern or range and, where
those do not say it all, a custom check from here; ``check_input`` applies an entry. Every
check takes the value (plain, as a program passes it, or text, as the stack config holds it)
and the inputs already checked (by name), and returns the value as the components use it. A
bad value raises ``SettingsError`` (a ``pulumi.RunError``: one line under the CLI, no
traceback) naming the input the way its caller knows it (``Caller``), what is wrong and how
to fix it. No error line echoes more than ``MAX_SHOWN`` characters of a user's value, and
never a token. The named clients' checks are in components/client_checks.py.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pulumi

from edge_handler.build import DEFAULT_CLIENT
from edge_handler.engines import CLOUDFRONT_FUNCTION, ENGINES

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
GENERATE_TOKEN = 'pulumi config set --secret authToken "$(openssl rand -hex 32)"'
# A fix's value for a fresh token, as a shell argument.
NEW_TOKEN = '"$(openssl rand -hex 32)"'

# RFC 6750 token68 characters: what `openssl rand -hex|-base64` produces, safe in a header.
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._~+/=-]+")
# RFC 9110 field-name characters, lowercase (CloudFront keys headers in lowercase).
_HEADER_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
# Characters CloudFront accepts in a path pattern (Developer Guide, cache behavior settings,
# "Path pattern": A-Z a-z 0-9 _ - . * $ / ~ " ' @ : + and &, sent as &amp;), plus the ?
# wildcard.
PATH_PATTERN = re.compile(r"[A-Za-z0-9_.*$/~\"'@:+?&-]+")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")

EDGE_RUNTIMES = ENGINES


class SettingsError(pulumi.RunError):
    """An input is missing or wrong; the message says which one and how to fix it.

    A ``pulumi.RunError``: under ``pulumi up`` the program ends with this one line only. Not
    a ``ValueError``: Pulumi wraps those in "While processing input ... has risen" lines when
    one is raised inside an Output's apply (a token given as an Output).
    """


_PYTHON_WORD = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _python_name(word: str) -> str:
    return _PYTHON_WORD.sub(lambda match: "_" + match[1].lower(), word)


@dataclass(frozen=True)
class Caller:
    """Who gave the inputs, so an error names an input and its fix the way the caller knows it:
    the stack config (``protected-cdn:authToken``, ``pulumi config set``) or a program calling
    a component (``EdgeCheckArgs.auth_token``, ``auth_token=``)."""

    component: str | None = None  # None: the stack config

    def key(self, path: str) -> str:
        """``path`` (``clients.partner-a.previousToken``, config spelling) as the caller's."""
        if self.component is None:
            return config_key(path)
        return f"{self.component}Args.{self.argument(path)}"

    def name(self, path: str) -> str:
        """``path`` without the component or project prefix (for a message's words)."""
        return path if self.component is None else self.argument(path)

    def argument(self, path: str) -> str:
        head, *rest = path.split(".")
        text = _python_name(head)
        for part in rest:
            field_name, bracket, index = part.partition("[")
            text += f"[{_python_name(field_name)!r}]{bracket}{index}"
        return text

    def set_fix(self, path: str, value: str, *, secret: bool = False) -> str:
        """How to give ``path`` the value ``value`` (shell text; ``NEW_TOKEN`` for a token)."""
        if self.component is None:
            where = f"--path '{path}'" if "." in path or "[" in path else path
            return f"pulumi config set {'--secret ' if secret else ''}{where} {value}"
        value = _python_value(value)
        argument = self.argument(path)
        if "[" in argument:
            return f"set {argument} to {value}"
        return f"pass {argument}={value}"

    def remove_fix(self, path: str) -> str:
        if self.component is None:
            where = f"--path '{path}'" if "." in path or "[" in path else path
            return f"pulumi config rm {where}"
        return f"drop {self.argument(path)}"


def _python_value(value: str) -> str:
    """A fix's value (shell text) as a program writes it."""
    if value == NEW_TOKEN:
        return "<a new token, e.g. from openssl rand -hex 32>"
    if value.startswith("<") or value.isdigit() or value[:1] in "'\"":
        return value
    if value in ("true", "false"):
        return value.capitalize()
    return repr(value)


STACK_CONFIG = Caller()
_CALLER: ContextVar[Caller | None] = ContextVar("caller", default=None)


def caller() -> Caller:
    """Who gave the inputs being checked now (the stack config unless ``checked_for`` says)."""
    return _CALLER.get() or STACK_CONFIG


def outer_caller() -> Caller | None:
    """The caller a ``checked_for`` around this code names, if any (a component's own
    children check their inputs as the inputs of the component its user called)."""
    return _CALLER.get()


@contextlib.contextmanager
def checked_for(who: Caller) -> Iterator[None]:
    """Name inputs as ``who`` knows them in the errors raised inside, also in the Output
    applies created inside (asyncio tasks copy the context they are created in)."""
    token = _CALLER.set(who)
    try:
        yield
    finally:
        _CALLER.reset(token)


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
    """The one-line error for input ``name`` (config spelling, named as the caller knows it)."""
    return SettingsError(f"{caller().key(name)}: {problem}. Fix: {fix}")


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
            name, "must be a list", f"{caller().set_fix(f'{name}[0]', '<value>')} (one per item)"
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
        caller().set_fix(name, "true" if meant else "false"),
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
            caller().set_fix(name, str(default)),
        )
    return value


def token_fix(name: str) -> str:
    """How to set the token at config key ``name`` right: always that key, never another's."""
    who = caller()
    if name.startswith("previousAuthTokens"):
        return (
            f"{who.set_fix(name, '<the old token>', secret=True)}, or "
            f"{who.remove_fix(name)} when no client needs it"
        )
    if name.endswith(".previousToken"):
        return (
            f"{who.set_fix(name, '<the client' + chr(39) + 's old token>', secret=True)}, or "
            f"end the rotation: {who.remove_fix(name)}"
        )
    return who.set_fix(name, NEW_TOKEN, secret=True)


def check_token(name: str, token: Any) -> str:
    fix = token_fix(name)
    if token is None or token == "":
        raise fail(name, "is missing", fix)
    if not isinstance(token, str):
        # The type only: a wrongly shaped value may still hold a token.
        raise fail(name, f"must be text, not a {type(token).__name__}", fix)
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
    if not isinstance(raw, str):
        raise fail(
            "authHeader",
            f"must be text, not {shown(raw)}",
            caller().set_fix("authHeader", "authorization"),
        )
    auth_header = raw.strip()
    if _readable_header(auth_header):
        return auth_header
    # The fix sets the name meant (X_Auth_Token: x-auth-token) when that one is readable.
    meant = auth_header.replace("_", "-").lower()
    fix = caller().set_fix("authHeader", meant if _readable_header(meant) else "authorization")
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
    for pattern in patterns:
        normalized = _check_protected_path(pattern)
        if normalized in cleaned:
            raise fail(name, f"{shown(pattern)} is listed twice", "remove the duplicate")
        cleaned.append(normalized)
    if "*" in cleaned and len(cleaned) > 1:
        raise fail(
            name,
            "'*' already protects every path, so the other patterns would do nothing",
            "use ['*'] alone, or list only the specific patterns",
        )
    return tuple(cleaned)


def check_pattern_characters(key: str, pattern: Any, text: str) -> None:
    """``text`` (``pattern`` without its leading /) holds only what CloudFront accepts."""
    if not PATH_PATTERN.fullmatch(text):
        raise fail(
            key,
            f"{shown(pattern)} has characters CloudFront does not accept in a path pattern",
            "use letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * and ?",
        )


def _check_protected_path(pattern: Any) -> str:
    """One protectedPaths pattern, without its leading /."""
    name = "protectedPaths"
    if not isinstance(pattern, str) or not pattern.strip():
        raise fail(name, f"{shown(pattern)} is not a path pattern", "use patterns like ex-img/*")
    # A leading slash makes no difference to CloudFront; keep one spelling.
    normalized = pattern.strip().lstrip("/") or "*"
    if len(normalized) > facts.MAX_PATH_PATTERN_LENGTH:
        raise fail(
            name,
            f"{shown(pattern)} is longer than {facts.MAX_PATH_PATTERN_LENGTH} characters",
            "shorten the pattern",
        )
    check_pattern_characters(name, pattern, normalized)
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
    return normalized


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
            caller().set_fix(name, meant if _dns_name(meant) else "assets.example.com"),
        )
    return domain


def check_domain_name(raw: Any, _checked: Mapping[str, Any]) -> str:
    # Checked with hostedZoneName, which comes next: the two are set together or not at all.
    if not isinstance(raw, str):
        raise fail(
            "domainName",
            f"must be text, not {shown(raw)}",
            caller().set_fix("domainName", "assets.example.com"),
        )
    return raw.strip()


def check_hosted_zone_name(raw: Any, checked: Mapping[str, Any]) -> str:
    domain_name = checked["domain_name"]
    if not isinstance(raw, str):
        raise fail(
            "hostedZoneName",
            f"must be text, not {shown(raw)}",
            caller().set_fix("hostedZoneName", "example.com"),
        )
    zone_name = raw.strip().rstrip(".")
    if not (domain_name or zone_name):
        return ""
    if not (domain_name and zone_name):
        missing, given = (
            ("hostedZoneName", "domainName") if domain_name else ("domainName", "hostedZoneName")
        )
        raise fail(
            missing,
            f"is required when {caller().name(given)} is set",
            f"{caller().set_fix(missing, '<value>')}, or unset both to use cloudfront.net",
        )
    _check_domain("domainName", domain_name)
    _check_domain("hostedZoneName", zone_name)
    if domain_name != zone_name and not domain_name.endswith("." + zone_name):
        raise fail(
            "domainName",
            f"{shown(domain_name)} is not inside the hosted zone {shown(zone_name)}",
            f"pick a name under {caller().name('hostedZoneName')}",
        )
    return zone_name


def _declared_text(entry: Any, raw: Any) -> str | None:
    """A string input against its declared choices or pattern; a pattern's input is optional
    (empty: none)."""
    name = entry.key
    example = entry.choices[0] if entry.choices else entry.example
    if not isinstance(raw, str):
        raise fail(name, f"must be text, not {shown(raw)}", caller().set_fix(name, example))
    text = raw.strip()
    if entry.choices and text not in entry.choices:
        by_lower = {choice.lower(): choice for choice in entry.choices}
        close = difflib.get_close_matches(text[:200].lower(), by_lower, n=1)
        fix = (
            f"did you mean {by_lower[close[0]]}? {caller().set_fix(name, by_lower[close[0]])}"
            if close
            else f"{caller().set_fix(name, example)} (or {', '.join(entry.choices[1:])})"
        )
        raise fail(name, f"{shown(text)} is not {entry.expected}", fix)
    if entry.pattern is not None:
        if not text:
            return None
        if not entry.pattern.fullmatch(text):
            raise fail(
                name, f"{shown(text)} is not {entry.expected}", caller().set_fix(name, example)
            )
    return text


def _declared_items(entry: Any, raw: Any) -> tuple[str, ...]:
    """A list input whose items must match its pattern, each once; the fix of an item in
    the wrong case sets the case that matches."""
    name = entry.key
    items: list[str] = []
    for index, item in enumerate(as_list(name, raw)):
        text = item.strip() if isinstance(item, str) else ""
        if not entry.pattern.fullmatch(text):
            meant = next(
                (form for form in (text.upper(), text.lower()) if entry.pattern.fullmatch(form)),
                entry.example,
            )
            raise fail(
                name,
                f"{shown(item)} is not {entry.expected}",
                caller().set_fix(f"{name}[{index}]", meant),
            )
        if text in items:
            raise fail(name, f"{shown(text)} is listed twice", "remove the duplicate")
        items.append(text)
    return tuple(items)


def check_input(entry: Any, raw: Any, checked: Mapping[str, Any]) -> Any:
    """Input ``entry`` (components/inputs.py) checked as declared: its type, its choices,
    pattern or range, then its own check; every message names ``entry.key``."""
    value = raw
    if entry.type == "boolean":
        value = as_bool(entry.key, raw, entry.default)
    elif entry.type == "integer":
        low, high = entry.value_range
        value = as_int(entry.key, raw, low, high, entry.default)
    elif entry.type == "string" and (entry.choices or entry.pattern is not None):
        value = _declared_text(entry, raw)
    elif entry.type == "array" and entry.pattern is not None:
        value = _declared_items(entry, raw)
    elif entry.type == "object" and entry.check is None and not isinstance(decoded(raw), dict):
        raise fail(entry.key, f"must be a map, not {shown(raw)}", "pass a map, e.g. {}")
    if entry.check is not None:
        value = entry.check(value, checked)
    return value


def check_edge_runtime(runtime: str, checked: Mapping[str, Any]) -> str:
    if runtime == CLOUDFRONT_FUNCTION and checked["auth_header"] == "cookie":
        # CloudFront Functions get cookies in event.request.cookies, never as a header.
        raise fail(
            "authHeader",
            "'cookie' never reaches a CloudFront Function as a header (cookies arrive apart), "
            "so every request would be refused",
            f"{caller().set_fix('authHeader', 'authorization')} (or edgeRuntime lambda-edge)",
        )
    return runtime


def check_grants(grants: bool, checked: Mapping[str, Any]) -> bool:
    if grants and checked["edge_runtime"] != CLOUDFRONT_FUNCTION:
        # A Lambda@Edge zip is readable with lambda:GetFunction; grant keys sign grants.
        raise fail(
            "grants",
            "needs the cloudfront-function engine: on lambda-edge the grant keys would sit in "
            "the function's zip, readable by anyone with lambda:GetFunction",
            f"{caller().set_fix('edgeRuntime', CLOUDFRONT_FUNCTION)} (or "
            f"{caller().set_fix('grants', 'false')})",
        )
    count = ordered_behavior_count(checked["protected_paths"], grants)
    if count > facts.MAX_CACHE_BEHAVIORS:
        raise fail(
            "grants",
            f"adds the /_grant behavior: {count} cache behaviors, over CloudFront's "
            f"{facts.MAX_CACHE_BEHAVIORS} per distribution",
            "merge protectedPaths patterns with wildcards",
        )
    return grants


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
    if checked["edge_runtime"] != CLOUDFRONT_FUNCTION:
        _check_archive_fits(checked, fix)
    else:
        _check_store_fits(checked, fix)


def _check_store_fits(checked: Mapping[str, Any], fix: str | None) -> None:
    # Imported here: the store's encoding is only needed on this engine.
    from edge_handler.build import edge_clients
    from edge_handler.client_store import MAX_STORE_BYTES

    clients = checked["clients"]
    tokens = (checked["auth_token"], *checked["previous_auth_tokens"])
    total, fit = 0, -1  # fit: named clients whose entries fit (the default client comes first)
    for client in edge_clients(tokens, clients):
        total += _store_bytes(client, bool(checked.get("grants")))
        if total <= MAX_STORE_BYTES:
            fit += 1
    if total > MAX_STORE_BYTES:
        raise fail(
            "clients",
            f"the client store would hold {total} bytes, over CloudFront's {MAX_STORE_BYTES}-"
            f"byte KeyValueStore limit; {max(fit, 0)} of the {len(clients)} clients fit",
            fix
            or f"remove clients that ended ({caller().remove_fix('clients.<name>')}), or "
            "shorten their paths",
        )


def _store_bytes(client, grants: bool) -> int:
    """The bytes of a client's store entries: one per token, and its grant entry."""
    from edge_handler.client_store import (
        MAX_KEY_BYTES,
        MAX_VALUE_BYTES,
        entry_key,
        entry_value,
        grant_entry_key,
        grant_entry_value,
    )

    value = len(entry_value(client.name, client.expires_at, client.paths).encode())
    where = "authToken" if client.name == DEFAULT_CLIENT else f"clients.{client.name}"
    if value > MAX_VALUE_BYTES:
        raise fail(
            where,
            f"takes {value} bytes as a KeyValueStore value, over CloudFront's "
            f"{MAX_VALUE_BYTES}-byte limit",
            "give it fewer or shorter paths (a wildcard covers a folder)",
        )
    total = 0
    for token in client.tokens:
        key = len(entry_key(token).encode())
        if key > MAX_KEY_BYTES:  # digests are 43 bytes: never, kept for the record
            raise fail(where, f"key of {key} bytes", "report this")
        total += key + value
    if grants:
        # The client's grant entry (its grant keys, expiry and scope), beside its tokens'.
        grant = len(grant_entry_value(client.tokens, client.expires_at, client.paths))
        if grant > MAX_VALUE_BYTES:
            raise fail(
                where,
                f"takes {grant} bytes as a grant entry, over CloudFront's "
                f"{MAX_VALUE_BYTES}-byte limit for a KeyValueStore value",
                "give it fewer or shorter paths (a wildcard covers a folder)",
            )
        total += len(grant_entry_key(client.name)) + grant
    return total


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
        or f"{caller().set_fix('edgeRuntime', CLOUDFRONT_FUNCTION)} (a 5 MB KeyValueStore "
        f"holds the clients), or remove clients that ended "
        f"({caller().remove_fix('clients.<name>')})",
    )


# --- named clients (their checks: components/client_checks.py) -------------------------

# A name never starts with "-", so it cannot read as a command-line option (NAME=--help).
CLIENT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
CLIENT_NAME_RULE = "1 to 40 of a-z, 0-9 and -, starting with a letter or digit"
CLIENT_FIELDS = ("token", "previousToken", "expires", "paths")
EXPIRY_EXAMPLE = "2027-03-31T00:00:00Z"
