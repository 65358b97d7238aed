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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components import (
    CLIENT_CONFIG_KEYS,
    EXPIRY_EXAMPLE,
    GENERATE_TOKEN,
    PROJECT,
    REGION_KEY,
    Settings,
    SettingsError,
    check_config_keys,
    client_field_error,
    clip,
    settings_from_config,
)
from tools.stack_files import cli_yaml

ROOT = Path(__file__).resolve().parents[2]
# Pulumi's rule for a stack name (sdk/go/common/workspace: stackNameAndProjectRegexp).
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
TOP_LEVEL_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment")
TOKEN_KEYS = (f"{PROJECT}:authToken", f"{PROJECT}:previousAuthTokens")

# What the offline tools run with when aws:region is encrypted or comes from ESC: the program
# under the CLI gets the real value; offline it only names the bucket's region.
OFFLINE_REGION = "us-east-1"
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


class StackFileError(Exception):
    """The stack file is missing, unreadable or not a Pulumi stack settings file."""


@dataclass(frozen=True)
class Secure:
    """An encrypted value (``secure: v1:…``); the ciphertext never leaves this object."""

    ciphertext: str = field(repr=False)


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
        return sum(isinstance(item, Secure) for item in value) if isinstance(value, list) else None

    def plaintext_token_keys(self) -> list[str]:
        """Token keys holding any plaintext value (an empty one too): always refused."""
        keys = [
            key
            for key in TOKEN_KEYS
            if key in self.values
            and any(not isinstance(v, Secure) for _, v in _leaves(self.values[key]))
        ]
        clients = self.values.get(CLIENTS_KEY)
        if isinstance(clients, dict) and any(
            isinstance(entry, dict) and any(_plaintext_token(f, v) for f, v in entry.items())
            for entry in clients.values()
        ):
            keys.append(CLIENTS_KEY)
        return keys

    def region_note(self) -> str | None:
        """Why the offline tools use OFFLINE_REGION, when aws:region is not readable here."""
        if REGION_KEY in self.secure_keys:
            return (
                f"aws:region is encrypted in {self.path.name} ([secret]); the offline plan uses "
                f"{OFFLINE_REGION}"
            )
        if REGION_KEY not in self.values and self.environments:
            return (
                f"aws:region comes from the ESC environment {', '.join(self.environments)}, "
                f"which offline tools cannot read; the offline plan uses {OFFLINE_REGION}"
            )
        return None

    def reject_plaintext_tokens(self) -> None:
        for key in self.plaintext_token_keys():
            if key == CLIENTS_KEY:
                self.client_entries()  # names the client and the field, with the fix
                continue
            name = key.removeprefix(PROJECT + ":")
            empty = not any(
                not isinstance(v, Secure) and not _empty(v) for _, v in _leaves(self.values[key])
            )
            if empty and name == "authToken":
                raise SettingsError(
                    f"{key}: is empty in {self.path.name} (not set). Fix: {GENERATE_TOKEN}"
                )
            if empty:
                raise SettingsError(
                    f"{key}: holds an empty value in {self.path.name}. Fix: pulumi config rm "
                    "previousAuthTokens, then add each old token still needed: pulumi config "
                    "set --secret --path 'previousAuthTokens[0]' <token>"
                )
            problem = f"{key}: is committed in plaintext in {self.path.name}"
            if name == "authToken":
                raise SettingsError(
                    f"{problem}; this token is exposed. Fix: pulumi config rm authToken, then "
                    f"make a new one: {GENERATE_TOKEN}"
                )
            raise SettingsError(
                f"{problem}; these old tokens are exposed, so stop accepting them. Fix: pulumi "
                "config rm previousAuthTokens, then only if a client still needs one during "
                "a rotation: pulumi config set --secret --path 'previousAuthTokens[0]' <token>"
            )

    def settings(
        self,
        token: str,
        previous_tokens: tuple[str, ...] = (),
        client_token: ClientTokenSource | None = None,
        new_clients: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Validated settings for the offline tools: the file's values, tokens given here.

        Same checks as the program: unknown keys, region, and no plaintext token in the file.
        ``client_token(name, field)`` stands in for each named client's encrypted token
        (default: a placeholder). ``new_clients`` (name -> fields) are checked as if the file
        held them too (``make new-client``).
        """
        # Every key, encrypted ones too: the program sees them all (a typo stops it).
        check_config_keys(self.values)
        self.reject_plaintext_tokens()
        config = self.offline_config(token, previous_tokens, client_token, new_clients)
        return settings_from_config(config, self.stack, lambda key: key in SECRET_KEYS)

    def offline_config(
        self,
        token: str,
        previous_tokens: tuple[str, ...] = (),
        client_token: ClientTokenSource | None = None,
        new_clients: Mapping[str, Any] | None = None,
    ) -> dict[str, str]:
        """The config as the CLI would pass it, with the given tokens for the encrypted ones."""
        config: dict[str, Any] = {k: v for k, v in self.config.items() if k not in SECRET_KEYS}
        config[TOKEN_KEYS[0]] = token
        config[TOKEN_KEYS[1]] = json.dumps(list(previous_tokens))
        if self.region_note():
            config[REGION_KEY] = OFFLINE_REGION
        clients = self.client_entries()
        if isinstance(clients, dict):
            # Only a token field is stood in for: client_entries has refused an encrypted
            # value anywhere else, so no token can land in another field's place.
            stand_in = client_token or placeholder_client_token
            clients = {
                name: {
                    key: stand_in(str(name), key)
                    if key in CLIENT_TOKEN_FIELDS and isinstance(v, Secure)
                    else v
                    for key, v in entry.items()
                }
                if isinstance(entry, dict)
                else entry
                for name, entry in {**clients, **(new_clients or {})}.items()
            }
        if clients:
            config[CLIENTS_KEY] = json.dumps(clients)
        return config

    # --- named clients -------------------------------------------------------------------

    def client_entries(self) -> dict[str, Any]:
        """``clients`` as written: name -> fields, each encrypted token as ``Secure``.

        Only a token (``token``, ``previousToken``) may be encrypted, as one value: the offline
        tools stand in for it. An encrypted client, expiry or path is unreadable here and is
        refused in one line (it is no secret: names, expiry and paths stay readable).
        """
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
            client = clip(str(name))
            if isinstance(entry, Secure):
                raise SettingsError(
                    f"{CLIENTS_KEY}.{client}: is encrypted as a whole, so its expiry and paths "
                    f"are unreadable; only its tokens are secrets. Fix: pulumi config rm --path "
                    f"'clients.{client}', then set each field with --path: pulumi config set "
                    f"--secret --path 'clients.{client}.token' <token>"
                )
            if not isinstance(entry, dict):
                continue
            for field_name, field_value in entry.items():
                if field_name not in CLIENT_CONFIG_KEYS:
                    # One spelling per field: previous_token is no previousToken (and its
                    # plaintext token would pass every guard unseen).
                    exposed = _plaintext_token(field_name, field_value)
                    raise client_field_error(name, field_name, self.path.name if exposed else None)
            for field_name, field_value in entry.items():
                if field_name in CLIENT_TOKEN_FIELDS and isinstance(field_value, Secure):
                    continue
                where = _secure_at(field_value)
                if where is not None:
                    raise self._encrypted_in_place(client, clip(str(field_name)), where)
            for field_name in CLIENT_TOKEN_FIELDS:
                if field_name in entry and _empty(entry[field_name]):
                    raise SettingsError(
                        f"{CLIENTS_KEY}.{client}.{field_name}: is empty in "
                        f"{self.path.name} (not set). Fix: pulumi config set --secret --path "
                        f"'clients.{client}.{field_name}' \"$(openssl rand -hex 32)\""
                    )
                if field_name in entry and not isinstance(entry[field_name], Secure):
                    raise SettingsError(
                        f"{CLIENTS_KEY}.{client}.{field_name}: is committed in "
                        f"plaintext in {self.path.name}. Fix: make a new token (this one is "
                        f"exposed), then pulumi config set --secret --path "
                        f"'clients.{client}.{field_name}' <token>"
                    )
        return value

    def _encrypted_in_place(self, client: str, field_name: str, where: str) -> SettingsError:
        """The error for an encrypted value inside client ``client``'s ``field_name``."""
        key = f"clients.{client}.{field_name}"
        if field_name in CLIENT_TOKEN_FIELDS:
            return SettingsError(
                f"{PROJECT}:{key}{where}: is encrypted inside a list or object; a token is one "
                f"encrypted text. Fix: pulumi config rm --path '{key}', then pulumi config set "
                f"--secret --path '{key}' <token>"
            )
        if field_name == "expires":
            fix = f"pulumi config set --path '{key}' {EXPIRY_EXAMPLE}"
        elif field_name == "paths" and re.fullmatch(r"\[\d+\]", where):
            fix = f"pulumi config set --path '{key}{where}' '<pattern>'"
        elif field_name == "paths":
            fix = (
                f"pulumi config rm --path '{key}', then "
                f"pulumi config set --path '{key}[0]' '<pattern>'"
            )
        else:
            fix = f"pulumi config rm --path '{key}'"
        return SettingsError(
            f"{PROJECT}:{key}{where}: is encrypted in {self.path.name}, which the offline tools "
            f"cannot read; only a client's tokens are secrets. Fix: {fix} (without --secret)"
        )


def _plaintext_token(field_name: Any, value: Any) -> bool:
    """Whether a client field holds a token in plaintext: a token field anything but one
    encrypted value, an unknown field named like one (``previous_token``) any plaintext."""
    if field_name in CLIENT_TOKEN_FIELDS:
        return not isinstance(value, Secure)
    return (
        field_name not in CLIENT_CONFIG_KEYS
        and "token" in str(field_name).lower()
        and any(not isinstance(leaf, Secure) and not _empty(leaf) for _, leaf in _leaves(value))
    )


def _secure_at(value: Any) -> str | None:
    """Where the first encrypted value inside ``value`` is (``""``, ``"[0]"``, ``".a"``)."""
    return next((where for where, leaf in _leaves(value) if isinstance(leaf, Secure)), None)


def _empty(value: Any) -> bool:
    """``key:`` with nothing after it (null) or ``''``: not set, rather than a plaintext value."""
    return value is None or value == ""


def _leaves(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Each value inside lists and objects, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{where}.{clip(str(key))}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{where}[{index}]")
    else:
        yield where, value


def _with_secure(value: Any) -> Any:
    """The decoded value with every ``{secure: <text>}`` as ``Secure``."""
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            return Secure(value["secure"])
        return {key: _with_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_secure(item) for item in value]
    return value


def stack_file_name(stack: str) -> str:
    """The stack name whose Pulumi.<name>.yaml holds ``stack``'s settings: Pulumi names a
    stack ``dev``, ``org/dev`` or ``org/project/dev``, the file takes the last segment."""
    parts = stack.split("/")
    if len(parts) > 3 or not all(parts) or not STACK_NAME.fullmatch(parts[-1]):
        raise StackFileError(
            f"'{clip(stack)}' is not a stack name: Pulumi allows 1 to 100 letters, digits, - _ "
            "and . (or org/project/stack)"
        )
    if len(parts) == 3 and parts[1] != PROJECT:
        raise StackFileError(
            f"'{clip(stack)}' is a stack of project '{clip(parts[1])}', not {PROJECT}"
        )
    return parts[-1]


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
    if not STACK_NAME.fullmatch(stack):
        raise StackFileError(
            f"{clip(stack)!s} is not a stack name: Pulumi allows 1 to 100 letters, digits, "
            "- _ and ."
        )
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise StackFileError(_unknown_stack(stack, path.name, available_stacks(root)))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StackFileError(f"cannot read {path.name}: {error}") from None
    try:
        header, values, config = _parse(text, path.name)
    except cli_yaml.DuplicateKey as error:
        name = clip(error.key)
        raise StackFileError(
            f"{path.name}: {error.problem}; Pulumi refuses a repeated key, quoted or not. "
            f"Fix: keep one {name}"
        ) from None
    except cli_yaml.CliYamlError as error:
        where = f"{clip(error.key)}: " if error.key else ""
        fix = f". Fix: {error.fix}" if error.fix else ""
        raise StackFileError(
            f"{path.name}: {where}{error.problem} (line {error.line}){fix}"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise StackFileError(f"{path.name} is not valid YAML{where}: {problem}") from None
    return StackFile(
        stack=stack,
        path=path,
        config=config,
        secure_keys=frozenset(key for key, v in values.items() if _secure_at(v) is not None),
        values=values,
        environments=_environments(header.get("environment"), path.name),
        encryption_salt=salt if isinstance(salt := header.get("encryptionsalt"), str) else None,
    )


def _parse(text: str, file_name: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The header keys, and each config key's value and its text as ``pulumi config`` gives it."""
    document = cli_yaml.compose(text)
    decoder = cli_yaml.Decoder()
    if document is not None and not isinstance(document, yaml.MappingNode):
        raise StackFileError(f"{file_name}: expected a mapping with a 'config:' key")
    top = {} if document is None else decoder.mapping(document)
    for name in top:
        if name not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(name[:200], TOP_LEVEL_KEYS, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise StackFileError(
                f"{file_name}: {clip(name)!s} is not a stack file key. Fix: {hint}"
                f"a stack file holds only {', '.join(TOP_LEVEL_KEYS)}"
            )
    header = {name: decoder.value(node) for name, node in top.items() if name != "config"}
    config_node = top.get("config")
    if isinstance(config_node, yaml.MappingNode):
        nodes = decoder.mapping(config_node)
    elif config_node is None or decoder.value(config_node) is None:
        nodes = {}
    else:
        raise StackFileError(f"{file_name}: expected a 'config:' mapping of keys to values")
    values: dict[str, Any] = {}
    config: dict[str, str] = {}
    for key, node in nodes.items():
        try:
            if isinstance(node, yaml.ScalarNode):
                values[key] = config[key] = cli_yaml.config_text(node)
                continue
            decoded = decoder.value(node)
            values[key] = _with_secure(decoded)
            if _secure_at(values[key]) is None:
                config[key] = cli_yaml.to_json(decoded, node.start_mark.line + 1)
        except cli_yaml.CliYamlError as error:
            error.key = error.key or key  # named by the config key it is under
            raise
    return header, values, config


def _unknown_stack(stack: str, file_name: str, known: list[str]) -> str:
    """No such stack file, with the closest name ("Staging": did you mean staging?)."""
    same_letters = [name for name in known if name.lower() == stack.lower()]
    close = same_letters or difflib.get_close_matches(stack[:200], known, n=1, cutoff=0.6)
    fix = f". Fix: did you mean {close[0]}? --stack {close[0]}" if close else ""
    return (
        f"unknown stack {stack!r}: no {file_name} (stacks here: {', '.join(known) or 'none'}){fix}"
    )
