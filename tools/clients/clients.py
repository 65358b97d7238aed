"""`make clients STACK=…` lists a stack's named clients; `make new-client NAME=…` adds one.

The list comes from the stack file as the CLI writes it: names, expiry (and days left), path
scope and whether a rotation token is present. Tokens are encrypted there and never shown.
``new-client`` prints a fresh token once, with the exact ``pulumi config set`` commands.

    python -m tools.clients.clients --stack prod
    python -m tools.clients.clients --new partner-a [--expires 2027-03-31T00:00:00Z] \\
        [--path 'ex-img/partner-a/*']
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from components import (
    CLIENT_NAME,
    CLIENT_NAME_RULE,
    DEFAULT_CLIENT,
    PROJECT,
    Settings,
    SettingsError,
    clip,
)
from tools import STACK_VARIABLES, make_argv, stack_tool_parser
from tools.stack_files import (
    StackFile,
    StackFileError,
    client_token_env,
    placeholder_client_token,
    read_stack_file_and_tokens,
    stack_file_name,
)

SECONDS_PER_DAY = 86_400
STACK_HELP = "stack settings file Pulumi.<stack>.yaml"


def env_client_token(name: str, field_name: str, environ: Mapping[str, str] | None = None) -> str:
    """A client's token from CLIENT_TOKEN_<NAME> (CLIENT_PREVIOUS_TOKEN_<NAME>) in ``environ``
    (default: this process's), else a placeholder: the offline plan never needs the real one."""
    environ = os.environ if environ is None else environ
    return environ.get(client_token_env(name, field_name)) or placeholder_client_token(
        name, field_name
    )


def client_name_problem(name: str, variable: str, default_ok: bool = False) -> str | None:
    """Why ``name``, given as make variable ``variable``, is not a client's name; None if it is."""
    if CLIENT_NAME.fullmatch(name) and (default_ok or name != DEFAULT_CLIENT):
        return None
    rule = CLIENT_NAME_RULE if default_ok else f"{CLIENT_NAME_RULE}; not default"
    return f"'{clip(name)}' is not a client name ({rule}), e.g. {variable}=partner-a"


def client_rows(settings: Settings, now: float | None = None) -> list[dict[str, Any]]:
    """One row per client, ``default`` (authToken) first; never a token."""
    now = time.time() if now is None else now
    default = {"name": DEFAULT_CLIENT, "expires": None, "daysLeft": None, "paths": None}
    return [{**default, "rotationToken": bool(settings.previous_auth_tokens)}] + [
        {
            "name": client.name,
            "expires": client.expires,
            "daysLeft": None
            if client.expires_at is None
            else int((client.expires_at - now) // SECONDS_PER_DAY),
            "paths": list(client.paths) if client.paths is not None else None,
            "rotationToken": len(client.tokens) > 1,
        }
        for client in settings.clients
    ]


def render_clients(settings: Settings, now: float | None = None) -> str:
    rows = client_rows(settings, now)
    header = ("client", "expires", "days left", "paths", "rotation token")
    table = [header]
    for row in rows:
        days = row["daysLeft"]
        table.append(
            (
                row["name"],
                row["expires"] or "never",
                "-" if days is None else ("expired" if days < 0 else str(days)),
                ", ".join(row["paths"]) if row["paths"] is not None else "all protected paths",
                "yes" if row["rotationToken"] else "no",
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [f"clients ({len(rows)}; tokens are stack secrets, never shown):"]
    for line in table:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
    return "\n".join(line.rstrip() for line in lines)


def stack_settings(
    stack_file: StackFile, new_clients: dict[str, dict[str, Any]] | None = None
) -> Settings:
    """The stack's settings, checked as the program checks them, with placeholder tokens
    (and ``new_clients`` added as if the file held them)."""
    count = stack_file.secure_count(f"{PROJECT}:previousAuthTokens") or 0
    previous = tuple(placeholder_client_token("default", f"previous{i}") for i in range(count))
    placeholder = placeholder_client_token("default", "token")
    return stack_file.settings(placeholder, previous, placeholder_client_token, new_clients)


def check_new_client(
    stack_file: StackFile,
    name: str,
    token: str,
    expires: str | None = None,
    paths: Sequence[str] = (),
    now: float | None = None,
    command: str = "make new-client",
) -> None:
    """Raise ``SettingsError`` unless ``name`` can join the stack as given: the checks the
    stack would run (scope inside its protectedPaths, wildcard, expiry, the function's size),
    a name it does not have yet and an expiry still to come (the fix runs ``command``)."""
    entries = stack_file.client_entries()
    if isinstance(entries, dict) and name in entries:
        raise SettingsError(
            f"{PROJECT}:clients.{name}: is already a client of stack {stack_file.stack}. Fix: "
            "pick another NAME, or rotate its token as docs/clients.md shows"
        )
    given = {"token": token, "expires": expires, "paths": list(paths)}
    fields = {key: value for key, value in given.items() if value}
    try:
        settings = stack_settings(stack_file, {name: fields})
    except SettingsError as error:
        # The make variable that gives the field the error names.
        text = str(error)
        for field_name, variable in (("expires", "EXPIRES"), ("paths", "PATHS")):
            if text.startswith(f"{PROJECT}:clients.{name}.{field_name}"):
                text += f" (with {command}: give the fixed value as {variable})"
        raise SettingsError(text) from None
    (client,) = (c for c in settings.clients if c.name == name)
    now = time.time() if now is None else now
    if client.expires_at is not None and client.expires_at <= now:
        later = datetime.fromtimestamp(now, tz=UTC).date() + timedelta(days=365)
        raise SettingsError(
            f"{PROJECT}:clients.{name}.expires: is in the past, so the edge would refuse the "
            f"new client from its first request. Fix: {command} NAME={name} "
            f"EXPIRES={later.isoformat()}T00:00:00Z (a time to come, RFC 3339 UTC)"
        )


def new_client_commands(
    name: str,
    token: str,
    expires: str | None = None,
    paths: Sequence[str] = (),
    stack: str | None = None,
) -> list[str]:
    """The commands that add client ``name`` with ``token`` (then pulumi up), on ``stack``."""
    on = f" --stack {shlex.quote(stack)}" if stack else ""
    lines = [
        f"pulumi config set{on} --secret --path 'clients.{name}.token' {shlex.quote(token)}",
    ]
    if expires:
        lines.append(f"pulumi config set{on} --path 'clients.{name}.expires' {expires}")
    for index, path in enumerate(paths):
        lines.append(
            f"pulumi config set{on} --path 'clients.{name}.paths[{index}]' {shlex.quote(path)}"
        )
    lines.append(f"pulumi up{on}")
    return lines


def _new_client_lines(stack_file: StackFile, args: argparse.Namespace) -> list[str]:
    """Check client ``args.new`` against the stack; the lines that hand out its fresh token."""
    name = args.new
    token = secrets.token_hex(32)
    check_new_client(stack_file, name, token, args.expires, args.path)
    commands = new_client_commands(name, token, args.expires, args.path, args.stack)
    on = f" --stack {shlex.quote(args.stack)}"
    return [
        f"New client {name}. Its token, shown once (give it to the client only):",
        f"  {token}",
        f"Add it to stack {args.stack} (in the project folder):",
        *(f"  {line}" for line in commands),
        "Tip: clear your shell history of the first command, or give the token at the",
        f"prompt of: pulumi config set{on} --secret --path 'clients.{name}.token' (no value).",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = stack_tool_parser("make clients", __doc__, stack_help=STACK_HELP)
    parser.add_argument("--new", metavar="NAME", help="print a fresh token and the commands")
    parser.add_argument("--expires", help="RFC 3339 UTC expiry for --new")
    parser.add_argument("--path", action="append", default=[], help="path pattern for --new")
    args = parser.parse_args(argv)
    try:
        # A bad NAME is named first, whatever the stack.
        if args.new is not None and (problem := client_name_problem(args.new, "NAME")):
            raise SettingsError(problem)
        stack_file = read_stack_file_and_tokens(stack_file_name(args.stack), args.stack_dir)
        if args.new is None:
            lines = [f"stack {args.stack}", render_clients(stack_settings(stack_file))]
        else:
            lines = _new_client_lines(stack_file, args)
    except (StackFileError, SettingsError) as error:
        print(f"{'clients' if args.new is None else 'new-client'}: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    new_client = {"--new": "NAME", "--expires": "EXPIRES"}
    sys.exit(main(make_argv({**STACK_VARIABLES, **new_client}, {"--path": "PATHS"})))
