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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from components.checks import (
    CLIENT_NAME,
    DEFAULT_CLIENT,
    PROJECT,
    ClientSettings,
    SettingsError,
    parse_expiry,
)
from components.stack_config import Settings
from tools.stack_files.reader import (
    ROOT,
    StackFile,
    StackFileError,
    client_token_env,
    placeholder_client_token,
    read_stack_file,
)

SECONDS_PER_DAY = 86_400


def env_client_token(name: str, field_name: str) -> str:
    """A client's token from CLIENT_TOKEN_<NAME> (CLIENT_PREVIOUS_TOKEN_<NAME>), else a
    placeholder: the offline plan never needs the real one."""
    return os.environ.get(client_token_env(name, field_name)) or placeholder_client_token(
        name, field_name
    )


def client_rows(settings: Settings, now: float | None = None) -> list[dict[str, Any]]:
    """One row per client, ``default`` (authToken) first; never a token."""
    now = time.time() if now is None else now
    rows = [
        {
            "name": DEFAULT_CLIENT,
            "expires": None,
            "daysLeft": None,
            "paths": None,
            "rotationToken": bool(settings.previous_auth_tokens),
        }
    ]
    for client in settings.clients:
        rows.append(_row(client, now))
    return rows


def _row(client: ClientSettings, now: float) -> dict[str, Any]:
    days = None
    if client.expires_at is not None:
        days = int((client.expires_at - now) // SECONDS_PER_DAY)
    return {
        "name": client.name,
        "expires": client.expires,
        "daysLeft": days,
        "paths": list(client.paths) if client.paths is not None else None,
        "rotationToken": len(client.tokens) > 1,
    }


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


def stack_settings(stack_file: StackFile) -> Settings:
    placeholder = placeholder_client_token("default", "token")
    previous = ()
    count = stack_file.secure_count(f"{PROJECT}:previousAuthTokens")
    if count:
        previous = tuple(placeholder_client_token("default", f"previous{i}") for i in range(count))
    return stack_file.settings(placeholder, previous, placeholder_client_token)


def new_client_commands(
    name: str, token: str, expires: str | None = None, paths: Sequence[str] = ()
) -> list[str]:
    """The commands that add client ``name`` with ``token`` (then pulumi up)."""
    lines = [
        f"pulumi config set --secret --path 'clients.{name}.token' {shlex.quote(token)}",
    ]
    if expires:
        lines.append(f"pulumi config set --path 'clients.{name}.expires' {expires}")
    for index, path in enumerate(paths):
        lines.append(
            f"pulumi config set --path 'clients.{name}.paths[{index}]' {shlex.quote(path)}"
        )
    lines.append("pulumi up")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make clients", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack settings file Pulumi.<stack>.yaml")
    parser.add_argument(
        "--stack-dir", type=Path, default=ROOT, help="folder of the stack files (default: here)"
    )
    parser.add_argument("--new", metavar="NAME", help="print a fresh token and the commands")
    parser.add_argument("--expires", help="RFC 3339 UTC expiry for --new")
    parser.add_argument("--path", action="append", default=[], help="path pattern for --new")
    args = parser.parse_args(argv)
    if args.new is not None:
        if not CLIENT_NAME.fullmatch(args.new) or args.new == DEFAULT_CLIENT:
            print(
                f"new-client: {args.new[:80]!r} is not a client name. Fix: 1 to 40 of a-z, 0-9 "
                "and - (not default), e.g. NAME=partner-a",
                file=sys.stderr,
            )
            return 2
        try:
            if args.expires:
                parse_expiry(f"clients.{args.new}.expires", args.expires)
        except SettingsError as error:
            print(f"new-client: {error}", file=sys.stderr)
            return 2
        token = secrets.token_hex(32)
        print(f"New client {args.new}. Its token, shown once (give it to the client only):")
        print(f"  {token}")
        print("Add it to the stack (in the project folder, with the stack selected):")
        for line in new_client_commands(args.new, token, args.expires, args.path):
            print(f"  {line}")
        print("Tip: clear your shell history of the first command, or paste the token at the")
        print("prompt: pulumi config set --secret --path 'clients.<name>.token' (no value).")
        return 0
    try:
        settings = stack_settings(read_stack_file(args.stack, args.stack_dir))
    except (StackFileError, SettingsError) as error:
        print(f"clients: {error}", file=sys.stderr)
        return 2
    print(f"stack {args.stack}")
    print(render_clients(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
