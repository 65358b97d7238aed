"""Read a stack's settings file (Pulumi.<stack>.yaml) exactly as the Pulumi CLI writes it.

The file holds ``secretsprovider``, ``encryptedkey``, ``encryptionsalt``, ``config`` and
``environment`` (Pulumi's ``ProjectStack``, sdk/go/common/workspace/project.go). Encrypted
values are ``{secure: v1:<nonce>:<ciphertext>}``, at the top of a key or nested in its lists
and objects (what ``pulumi config set --secret --path 'a[0]' x`` writes); the CLI marks a
key holding any of them secret. The offline tools cannot decrypt: such a key is "present,
secret". Values imported from ESC ``environment:`` are not in the file at all.

The CLI gives a program every plaintext value as a string (lists and objects JSON-encoded);
``config`` here does the same for the plaintext keys.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from components.settings import (
    PROJECT,
    Settings,
    SettingsError,
    check_config_keys,
    clip,
    settings_from_config,
)

ROOT = Path(__file__).resolve().parent.parent
# Pulumi's rule for a stack name (sdk/go/common/workspace: stackNameAndProjectRegexp).
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
TOP_LEVEL_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment")
TOKEN_KEYS = (f"{PROJECT}:authToken", f"{PROJECT}:previousAuthTokens")
# A stack file is small; more nodes than this is a YAML alias bomb, not settings.
MAX_NODES = 100_000


CLIENTS_KEY = f"{PROJECT}:clients"
CLIENT_TOKEN_FIELDS = ("token", "previousToken")
SECRET_KEYS = (*TOKEN_KEYS, CLIENTS_KEY)
# (client name, "token" | "previousToken") -> the token the offline tools use for it.
ClientTokenSource = Callable[[str, str], str]


def placeholder_client_token(name: str, field_name: str) -> str:
    """A stand-in for a client's encrypted token: valid, unique, obviously not a secret."""
    return f"PLACEHOLDER-{field_name}-{name}-0123456789abcdef"


def client_token_env(name: str, field_name: str = "token") -> str:
    """The environment variable the offline tools read a client's token from."""
    prefix = "CLIENT_TOKEN_" if field_name == "token" else "CLIENT_PREVIOUS_TOKEN_"
    return prefix + name.upper().replace("-", "_")


def _plain(value: Any) -> Any:
    """A plaintext value, JSON-ready: YAML reads an unquoted timestamp as a datetime."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


class StackFileError(Exception):
    """The stack file is missing, unreadable or not a Pulumi stack settings file."""


@dataclass(frozen=True)
class Secure:
    """An encrypted value (``secure: v1:…``); the ciphertext never leaves this object."""

    ciphertext: str

    def __repr__(self) -> str:
        return "Secure([secret])"


@dataclass(frozen=True)
class StackFile:
    stack: str
    path: Path
    # Plaintext keys (namespaced, e.g. "protected-cdn:priceClass") as the CLI passes them.
    config: dict[str, str]
    # Keys holding an encrypted value anywhere inside: present, secret, unreadable offline.
    secure_keys: frozenset[str]
    # Every key's value as written, secure leaves as ``Secure``.
    values: dict[str, Any]
    # ESC environments the stack imports (["<inline definition>"] for the object form).
    environments: tuple[str, ...] = ()
    secrets_provider: str | None = None
    encryption_salt: str | None = None

    def project_values(self) -> dict[str, str]:
        """This project's plaintext keys without the namespace."""
        prefix = PROJECT + ":"
        return {
            key.removeprefix(prefix): value
            for key, value in self.config.items()
            if key.startswith(prefix)
        }

    def secure_count(self, key: str) -> int | None:
        """How many encrypted items a list key holds (None: one secure value, count unknown)."""
        value = self.values.get(key)
        if isinstance(value, list):
            return sum(1 for item in value if isinstance(item, Secure))
        return None

    def plaintext_token_keys(self) -> list[str]:
        """Token keys holding any plaintext value: committed secrets, always refused."""
        keys = [
            key
            for key in TOKEN_KEYS
            if key in self.values
            and any(not isinstance(v, Secure) for v in _leaves(self.values[key]))
        ]
        clients = self.values.get(CLIENTS_KEY)
        if isinstance(clients, dict) and any(
            isinstance(entry, dict)
            and any(f in entry and not isinstance(entry[f], Secure) for f in CLIENT_TOKEN_FIELDS)
            for entry in clients.values()
        ):
            keys.append(CLIENTS_KEY)
        return keys

    def reject_plaintext_tokens(self) -> None:
        for key in self.plaintext_token_keys():
            if key == CLIENTS_KEY:
                self.client_entries()  # names the client and the field, with the fix
                continue
            name = key.removeprefix(PROJECT + ":")
            where = f"--path '{name}[0]' " if name == "previousAuthTokens" else ""
            raise SettingsError(
                f"{key}: is committed in plaintext in {self.path.name}. Fix: pulumi config rm "
                f"{name}, make a new token (this one is exposed), then pulumi config set "
                f"--secret {where}{name} <token>"
            )

    def settings(
        self,
        token: str,
        previous_tokens: tuple[str, ...] = (),
        client_token: ClientTokenSource | None = None,
    ) -> Settings:
        """Validated settings for the offline tools: the file's values, tokens given here.

        Same checks as the program: unknown keys, region, and no plaintext token in the file.
        ``client_token(name, field)`` stands in for each named client's encrypted token
        (default: a placeholder).
        """
        # Every key, encrypted ones too: the program sees them all (a typo stops it).
        check_config_keys(self.values)
        self.reject_plaintext_tokens()
        config = self.offline_config(token, previous_tokens, client_token)
        return settings_from_config(config, self.stack, lambda key: key in SECRET_KEYS)

    def offline_config(
        self,
        token: str,
        previous_tokens: tuple[str, ...] = (),
        client_token: ClientTokenSource | None = None,
    ) -> dict[str, str]:
        """The config as the CLI would pass it, with the given tokens for the encrypted ones."""
        config: dict[str, Any] = {k: v for k, v in self.config.items() if k not in SECRET_KEYS}
        config[TOKEN_KEYS[0]] = token
        config[TOKEN_KEYS[1]] = json.dumps(list(previous_tokens))
        clients = self.offline_clients(client_token or placeholder_client_token)
        if clients:
            config[CLIENTS_KEY] = json.dumps(clients)
        return config

    # --- named clients (issue 10) ---------------------------------------------------------

    def client_entries(self) -> dict[str, Any]:
        """``clients`` as written: name -> fields, each encrypted token as ``Secure``."""
        value = self.values.get(CLIENTS_KEY)
        if value is None:
            return {}
        if isinstance(value, Secure):
            raise SettingsError(
                f"{CLIENTS_KEY}: is encrypted as a whole, so names, expiry and paths are "
                "unreadable. Fix: pulumi config rm clients, then set each field with --path: "
                "pulumi config set --secret --path 'clients.<name>.token' <token>"
            )
        if not isinstance(value, dict):
            return value  # settings refuse it with the fix
        for name, entry in value.items():
            if not isinstance(entry, dict):
                continue
            for field_name in CLIENT_TOKEN_FIELDS:
                if field_name in entry and not isinstance(entry[field_name], Secure):
                    raise SettingsError(
                        f"{CLIENTS_KEY}.{clip(str(name))}.{field_name}: is committed in "
                        f"plaintext in {self.path.name}. Fix: make a new token (this one is "
                        f"exposed), then pulumi config set --secret --path "
                        f"'clients.{clip(str(name))}.{field_name}' <token>"
                    )
        return value

    def offline_clients(self, client_token: ClientTokenSource) -> Any:
        """``clients`` with ``client_token(name, field)`` for every encrypted token, JSON-ready."""
        entries = self.client_entries()
        if not isinstance(entries, dict):
            return entries
        result = {}
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                result[name] = entry
                continue
            result[name] = {
                key: client_token(str(name), key) if isinstance(v, Secure) else _plain(v)
                for key, v in entry.items()
            }
        return result


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _with_secure(value: Any, budget: list[int]) -> Any:
    """The value with every ``{secure: …}`` as ``Secure``; refuses alias bombs."""
    budget[0] -= 1
    if budget[0] < 0:
        raise StackFileError(
            f"has more than {MAX_NODES} values (a YAML alias bomb?); write the values out"
        )
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            return Secure(value["secure"])
        return {key: _with_secure(item, budget) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_secure(item, budget) for item in value]
    return value


def _has_secure(value: Any) -> bool:
    return any(isinstance(leaf, Secure) for leaf in _leaves(value))


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(_plain(value))


def check_stack_name(stack: str) -> str:
    if not STACK_NAME.fullmatch(stack):
        raise StackFileError(
            f"{clip(stack)!s} is not a stack name: Pulumi allows 1 to 100 letters, digits, "
            "- _ and ."
        )
    return stack


def available_stacks(root: Path = ROOT) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml")
    )


def _environments(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    if isinstance(value, dict):
        return ("<inline definition>",)
    raise StackFileError(f"{name}: 'environment:' must be a list of ESC environment names")


def read_stack_file(stack: str, root: Path = ROOT) -> StackFile:
    check_stack_name(stack)
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(available_stacks(root)) or "none"
        raise StackFileError(f"unknown stack {stack!r}: no {path.name} (stacks here: {known})")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as error:
        raise StackFileError(f"cannot read {path.name}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise StackFileError(f"{path.name} is not valid YAML{where}: {problem}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{path.name}: expected a mapping with a 'config:' key")
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(str(key)[:200], TOP_LEVEL_KEYS, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise StackFileError(
                f"{path.name}: {clip(str(key))!s} is not a stack file key. Fix: {hint}"
                f"a stack file holds only {', '.join(TOP_LEVEL_KEYS)}"
            )
    config = document.get("config") or {}
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise StackFileError(f"{path.name}: expected a 'config:' mapping of keys to values")
    try:
        budget = [MAX_NODES]
        values = {key: _with_secure(value, budget) for key, value in config.items()}
    except StackFileError as error:
        raise StackFileError(f"{path.name}: {error}") from None
    secure = frozenset(key for key, value in values.items() if _has_secure(value))
    return StackFile(
        stack=stack,
        path=path,
        config={
            key: _as_config_string(value) for key, value in config.items() if key not in secure
        },
        secure_keys=secure,
        values=values,
        environments=_environments(document.get("environment"), path.name),
        secrets_provider=document.get("secretsprovider"),
        encryption_salt=document.get("encryptionsalt"),
    )
