"""Checks of the ``clients`` input: named clients, each with its tokens, expiry and path scope.

As in components/checks.py, every error is one line that names the client's field the way
the caller knows it and never shows a token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from . import cloudfront_facts as facts
from .checks import (
    CLIENT_FIELDS,
    CLIENT_NAME,
    CLIENT_NAME_RULE,
    DEFAULT_CLIENT,
    EXPIRY_EXAMPLE,
    NEW_TOKEN,
    ClientSettings,
    as_list,
    caller,
    check_pattern_characters,
    check_token,
    clip,
    decoded,
    fail,
    has_dot_segment,
    shown,
    suggest,
)

# Neither engine caps the count: the zip's 1 MB and the store's 5 MB bound them
# (check_function_fits). This bound only keeps a runaway map from being checked item by item.
MAX_CLIENTS = 100_000
# The component provider hands nested inputs over with Python names.
_CLIENT_FIELD_ALIASES = {"previous_token": "previousToken"}
_RFC3339_UTC = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(?P<fraction>\d+))?(?:[Zz]|[+-]00:00)"
)
MIN_EXPIRY_YEAR, MAX_EXPIRY_YEAR = 2000, 9999
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = "has a fraction of a second; an expiry is whole seconds"


def new_client_commands(name: str) -> str:
    """The commands that add a client (placeholder token: the caller fills in a fresh one)."""
    return caller().set_fix(f"clients.{name}.token", NEW_TOKEN, secret=True)


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
    fix = f"{caller().set_fix(name, EXPIRY_EXAMPLE)} (RFC 3339 UTC, whole seconds)"
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
            f"{caller().remove_fix(f'clients.{name}')} to remove the client",
        )
    cleaned: list[str] = []
    for index, pattern in enumerate(patterns):
        text = _check_client_path(name, index, pattern, protected_paths)
        if text not in cleaned:
            cleaned.append(text)
    return tuple(cleaned)


def _check_client_path(
    name: str, index: int, pattern: Any, protected_paths: tuple[str, ...]
) -> str:
    """One pattern of a client's ``paths``, without its leading /."""
    key = f"clients.{name}.paths"
    text = pattern.strip().lstrip("/") if isinstance(pattern, str) else ""
    if not text or len(text) > facts.MAX_PATH_PATTERN_LENGTH:
        raise fail(key, f"{shown(pattern)} is not a path pattern", "use patterns like ex-img/a/*")
    check_pattern_characters(key, pattern, text)
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
            f"{caller().set_fix(f'{key}[{index}]', shown(folder))} to let the client "
            "open everything under it",
        )
    return text


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
            f"remove clients that ended ({caller().remove_fix('clients.<name>')})",
        )
    owners: dict[str, str] = {token: DEFAULT_CLIENT for token in taken_tokens}
    result: list[ClientSettings] = []
    for name in sorted(clients, key=str):
        entry = _client_entry(name, clients[name])
        tokens = _client_tokens(name, entry, owners)
        expires_at = None
        if "expires" in entry:
            expires_at = parse_expiry(f"clients.{name}.expires", entry["expires"])
        paths = None
        if "paths" in entry:
            paths = _check_client_paths(name, entry["paths"], protected_paths)
        result.append(ClientSettings(name, tuple(tokens), expires_at, paths))
    return tuple(result)


def _client_entry(name: Any, entry: Any) -> dict[str, Any]:
    """A client's name and fields checked; its fields under their own names."""
    if not isinstance(name, str) or not CLIENT_NAME.fullmatch(name):
        raise fail(
            f"clients.{clip(str(name))}",
            f"is not a client name ({CLIENT_NAME_RULE})",
            "rename it, e.g. partner-a",
        )
    if name == DEFAULT_CLIENT:
        raise fail(
            "clients.default",
            "is reserved: authToken and previousAuthTokens are the client default",
            "pick another name, e.g. partner-a",
        )
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
                f"{caller().remove_fix(f'clients.{name}.{clip(str(field_name))}')}; "
                f"fields: {', '.join(CLIENT_FIELDS)}",
            )
    return entry


def _client_tokens(name: str, entry: dict[str, Any], owners: dict[str, str]) -> list[str]:
    """A client's token and previous token, each not already another client's (``owners``)."""
    tokens = [check_token(f"clients.{name}.token", entry.get("token"))]
    if "previousToken" in entry:
        tokens.append(check_token(f"clients.{name}.previousToken", entry["previousToken"]))
    for field_name, token in zip(("token", "previousToken"), tokens, strict=False):
        if token in owners:
            # Never the token itself: only whose it already is.
            raise fail(
                f"clients.{name}.{field_name}",
                f"is the same token as client {owners[token]}'s; each client needs its own",
                caller().set_fix(f"clients.{name}.{field_name}", NEW_TOKEN, secret=True),
            )
        owners[token] = name
    return tokens


def check_client_table(raw: Any, checked: Mapping[str, Any]) -> tuple[ClientSettings, ...]:
    return check_clients(
        raw,
        checked["protected_paths"],
        (checked["auth_token"], *checked["previous_auth_tokens"]),
    )
