"""`make new-stack STACK=team [NAME=partner-a EXPIRES=… PATHS=…]`: a stack of your own, offline.

Writes ``Pulumi.<stack>.yaml`` (in ``--stack-dir``) with no token in it, and the stack's tokens
(a fresh ``authToken``, and one for client NAME) to its local tokens file
(tools/stack_files/local_tokens.py), which `make local`, `make plan` and `make clients` read.
Both are checked as the stack would check them before anything is written, and neither file
is ever overwritten. It prints the commands that store the same tokens as the stack's secrets
(``pulumi config set --secret``), the one way to deploy it.

    python -m tools.clients.new_stack --stack team [--new partner-a] \\
        [--expires 2027-03-31T00:00:00Z] [--path 'ex-img/partner-a/*'] [--stack-dir .]
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from components import PROJECT, SettingsError
from tools import STACK_VARIABLES, make_argv, stack_tool_parser
from tools.clients.clients import check_new_client, client_name_problem, env_client_token
from tools.stack_files import (
    CLIENTS_KEY,
    LOCAL_TOKENS_FOLDER,
    ROOT,
    StackFileError,
    client_token_env,
    local_tokens_path,
    read_stack_file_and_tokens,
    stack_file_name,
)

# What a new stack starts from: the example dev stack's region and protected folder, which
# `make local` serves from sample_content/. Edit the file for your own.
STARTER = {"aws:region": "eu-west-1", f"{PROJECT}:protectedPaths": ["ex-img/*"]}


class NewStackError(Exception):
    """One line for the user."""


def shown(path: Path) -> str:
    """``path`` as the user would type it from here: relative below this folder."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)


def secret_commands(stack: str, tokens_file: str, clients: list[str]) -> list[str]:
    """The commands that store the local tokens as the stack's secrets, then deploy."""
    on = f"--stack {shlex.quote(stack)}"
    source = f". {shlex.quote(tokens_file)}"
    lines = [
        f"pulumi stack init {shlex.quote(stack)}",
        f'({source} && pulumi config set {on} --secret authToken "$AUTH_TOKEN")',
    ]
    for name in clients:
        lines.append(
            f"({source} && pulumi config set {on} --secret --path "
            f"'clients.{name}.token' \"${client_token_env(name)}\")"
        )
    lines.append(f"pulumi up {on}")
    return lines


def stack_file_text(stack: str, config: dict[str, Any], commands: list[str]) -> str:
    header = [
        f"# Stack {stack}, made by make new-stack. No token is here: make local, make plan and",
        f"# make clients read them from {LOCAL_TOKENS_FOLDER}/{stack}.env "
        "(git ignores that folder). Before",
        "# pulumi up, store them as this stack's secrets (encrypted into this file), from the",
        "# project folder:",
        *(f"#   {line}" for line in commands),
    ]
    return "\n".join(header) + "\n" + yaml.safe_dump({"config": config}, sort_keys=False)


def _write_new(path: Path, text: str, mode: int = 0o644) -> None:
    """Write ``text`` to ``path``, which must not exist yet."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def write_local_tokens(stack_dir: Path, stack: str, tokens: dict[str, str]) -> Path:
    folder = stack_dir / LOCAL_TOKENS_FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():  # the folder ignores itself, wherever STACK_DIR is
        ignore.write_text("*\n", encoding="utf-8")
    path = local_tokens_path(stack_dir, stack)
    lines = ["# Tokens of one stack for the offline tools; never commit or share this file."]
    lines += [f"{name}={value}" for name, value in tokens.items()]
    _write_new(path, "\n".join(lines) + "\n", 0o600)
    return path


def new_stack(
    stack_arg: str,
    stack_dir: Path,
    name: str | None = None,
    expires: str | None = None,
    paths: list[str] | None = None,
) -> tuple[Path, Path, list[str]]:
    """Check, then write the stack file and its local tokens: (stack file, tokens, commands)."""
    stack = stack_file_name(stack_arg)
    if name is not None and (problem := client_name_problem(name, "NAME")):
        raise NewStackError(problem)
    if not stack_dir.is_dir():
        raise NewStackError(f"STACK_DIR {shown(stack_dir)!r} is not a folder")
    path = stack_dir / f"Pulumi.{stack}.yaml"
    tokens_path = local_tokens_path(stack_dir, stack)
    if path.exists():
        raise NewStackError(
            f"{shown(path)} exists, and new-stack never overwrites a stack file. Fix: pick "
            f"another STACK, or add a client to it: make new-client STACK={stack} NAME=…"
        )
    if tokens_path.exists():
        raise NewStackError(
            f"{shown(tokens_path)} exists, left by an earlier stack {stack}. Fix: delete it if "
            "that stack is gone, or pick another STACK"
        )
    tokens = {"AUTH_TOKEN": secrets.token_hex(32)}
    config: dict[str, Any] = dict(STARTER)
    if name is not None:
        given = {"expires": expires, "paths": paths}
        config[CLIENTS_KEY] = {name: {key: value for key, value in given.items() if value}}
        tokens[client_token_env(name)] = secrets.token_hex(32)
    commands = secret_commands(stack_arg, shown(tokens_path), [] if name is None else [name])
    text = stack_file_text(stack, config, commands)
    # The stack as the tools will read it, with its tokens, in a scratch folder first.
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if name is not None:
            _write_new(folder / path.name, stack_file_text(stack, dict(STARTER), []))
            starter = read_stack_file_and_tokens(stack, folder)
            token = tokens[client_token_env(name)]
            check_new_client(starter, name, token, expires, paths or (), command="make new-stack")
            (folder / path.name).unlink()
        _write_new(folder / path.name, text)
        write_local_tokens(folder, stack, tokens)
        read_stack_file_and_tokens(stack, folder).settings(
            tokens["AUTH_TOKEN"], (), partial(env_client_token, environ=tokens)
        )
    written = write_local_tokens(stack_dir, stack, tokens)
    _write_new(path, text)
    return path, written, commands


def main(argv: list[str] | None = None) -> int:
    parser = stack_tool_parser("make new-stack", __doc__, "", "the new stack's name")
    parser.add_argument("--new", metavar="NAME", help="a client to add, with its own token")
    parser.add_argument("--expires", help="RFC 3339 UTC expiry of the client")
    parser.add_argument("--path", action="append", default=[], help="the client's path pattern")
    args = parser.parse_args(argv)
    try:
        path, tokens, commands = new_stack(
            args.stack, args.stack_dir, args.new, args.expires, args.path
        )
    except (NewStackError, StackFileError, SettingsError) as error:
        print(f"new-stack: {error}", file=sys.stderr)
        return 2
    on = f"STACK={shlex.quote(args.stack)}"
    if args.stack_dir.resolve() != ROOT:
        on += f" STACK_DIR={shlex.quote(shown(args.stack_dir))}"
    print(f"Wrote {shown(path)} (no token in it) and {shown(tokens)} (its tokens; git ignores")
    print(f"{LOCAL_TOKENS_FOLDER}/, keep them on this machine). Try it offline:")
    print(f"  make local {on}    # its tokens are in the banner")
    print(f"  make plan {on}")
    print("To deploy it, store the same tokens as the stack's secrets (in the project folder):")
    for line in commands:
        print(f"  {line}")
    if args.new:
        print(f"Give {args.new} its token ({client_token_env(args.new)} in {shown(tokens)}).")
    return 0


if __name__ == "__main__":
    client = {"--new": "NAME", "--expires": "EXPIRES"}
    sys.exit(main(make_argv({**STACK_VARIABLES, **client}, {"--path": "PATHS"})))
