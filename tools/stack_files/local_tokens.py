"""A stack's local tokens: what `make new-stack` writes so the offline tools run without secrets.

A stack file made offline holds no token (only ``pulumi config set --secret`` can encrypt one).
Its tokens go to ``<stack dir>/.local-tokens/<stack>.env``, a folder that ignores itself in
git, one ``NAME=value`` line each under the names the tools already read from the environment:
``AUTH_TOKEN``, ``PREVIOUS_AUTH_TOKENS``, ``CLIENT_TOKEN_<NAME>``, ``CLIENT_PREVIOUS_TOKEN_<NAME>``.
The shell can source it, which is how the tokens reach ``pulumi config set --secret``.

The offline tools read it as defaults for those variables (the environment wins), and take a
client's token that the stack file lacks from it, as if the file held it encrypted: `make
local`, `make plan` and `make clients` then run; ``pulumi up`` still asks for the real secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tools.stack_files.reader import (
    CLIENTS_KEY,
    ROOT,
    Secure,
    StackFile,
    StackFileError,
    client_token_env,
    read_stack_file,
)

FOLDER = ".local-tokens"
# Stands in the stack file's place for a client token only the local tokens hold.
LOCAL_ONLY = Secure("local")
_LINE = re.compile(r"(AUTH_TOKEN|PREVIOUS_AUTH_TOKENS|CLIENT_(?:PREVIOUS_)?TOKEN_[A-Z0-9_]+)=(.*)")
# What a token may hold here: nothing a shell would expand when the file is sourced.
_VALUE = re.compile(r"[A-Za-z0-9._~+/=,-]*")


def local_tokens_path(stack_dir: Path, stack: str) -> Path:
    return Path(stack_dir) / FOLDER / f"{stack}.env"


def read_local_tokens(stack_dir: Path, stack: str) -> dict[str, str]:
    """The stack's local tokens (none when it has no file); a bad line is one error that
    names the line, never its value."""
    path = local_tokens_path(stack_dir, stack)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise StackFileError(f"cannot read {path}: {type(error).__name__}") from None
    tokens = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.fullmatch(line.strip())
        if match is None or not _VALUE.fullmatch(match[2]):
            raise StackFileError(
                f"{path} line {number} is not NAME=token (AUTH_TOKEN, PREVIOUS_AUTH_TOKENS, "
                "CLIENT_TOKEN_<NAME>; a token of letters, digits and -._~+/=). Fix: correct "
                "that line, or delete the file and make the stack's tokens anew"
            )
        tokens[match[1]] = match[2]
    return tokens


def token_environment(
    stack_dir: Path, stack: str, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``environ`` (default: this process's) over the stack's local tokens."""
    environ = os.environ if environ is None else environ
    return {**read_local_tokens(stack_dir, stack), **environ}


def read_stack_file_and_tokens(stack: str, root: Path = ROOT) -> StackFile:
    """The stack file as the offline tools take it: ``read_stack_file``, with the clients'
    tokens that only its local tokens hold (``with_local_tokens``)."""
    return with_local_tokens(read_stack_file(stack, root))


def with_local_tokens(stack_file: StackFile) -> StackFile:
    """``stack_file`` with each client's token that only its local tokens hold marked present
    (encrypted, as ``pulumi config set --secret`` would leave it): the tools then take the token
    from the local tokens, as they take an encrypted one from CLIENT_TOKEN_<NAME>."""
    clients = stack_file.values.get(CLIENTS_KEY)
    if not isinstance(clients, dict):
        return stack_file
    local = read_local_tokens(stack_file.path.parent, stack_file.stack)
    added = {}
    for name, entry in clients.items():
        if not isinstance(entry, dict):
            continue
        for field_name in ("token", "previousToken"):
            if field_name not in entry and client_token_env(str(name), field_name) in local:
                added.setdefault(name, dict(entry))[field_name] = LOCAL_ONLY
    if not added:
        return stack_file
    config = {key: value for key, value in stack_file.config.items() if key != CLIENTS_KEY}
    return replace(
        stack_file,
        config=config,
        values={**stack_file.values, CLIENTS_KEY: {**clients, **added}},
        secure_keys=stack_file.secure_keys | {CLIENTS_KEY},
    )


def _client_fields(stack_file: StackFile) -> Iterator[tuple[str, str, Any]]:
    """(client, field, value) of every client written as an object of fields."""
    clients = stack_file.values.get(CLIENTS_KEY)
    for name, entry in clients.items() if isinstance(clients, dict) else ():
        for field_name, value in entry.items() if isinstance(entry, dict) else ():
            yield name, field_name, value


def local_only_tokens(stack_file: StackFile) -> list[str]:
    """The client token keys (``clients.<name>.token``) that only the local tokens hold."""
    fields = _client_fields(stack_file)
    return [f"clients.{name}.{field}" for name, field, value in fields if value is LOCAL_ONLY]


def any_encrypted_client_token(stack_file: StackFile) -> bool:
    """Whether the file itself holds an encrypted client token (not only the local ones)."""
    return isinstance(stack_file.values.get(CLIENTS_KEY), Secure) or any(
        isinstance(value, Secure) and value is not LOCAL_ONLY
        for _name, _field, value in _client_fields(stack_file)
    )
