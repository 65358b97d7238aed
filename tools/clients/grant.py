"""`make grant STACK=… CLIENT=… PATH=… TTL=…`: a signed link for one of a stack's clients.

It mints the grant offline with the client's token, from where the other tools take it
(CLIENT_TOKEN_<NAME>, else the stack's .local-tokens/<stack>.env), after the checks the edge
would make: grants on, the client live, the path within its scope, the lifetime within
maxGrantSeconds and the client's expiry. It prints the link for the stack's address (its
domainName, else ``pulumi stack output url``) and, when the local edge answers on
127.0.0.1:PORT, the same link there with what that edge answered.

    python -m tools.clients.grant --stack dev --client partner-a \\
        --path /ex-img/partner-a/logo.svg [--ttl 1h] [--port 8080] [--stack-dir .]
"""

from __future__ import annotations

import argparse
import http.client
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from clients import GrantError, grant_parts, mint_grant, session_link, signed_link
from components import (
    DEFAULT_CLIENT,
    ClientSettings,
    Settings,
    SettingsError,
    build_site_model,
    clip,
)
from edge_handler import CLOUDFRONT_FUNCTION
from tools import STACK_VARIABLES, make_argv, port_number, stack_tool_parser
from tools.clients.clients import STACK_HELP, client_name_problem, stack_settings
from tools.local_edge import printable
from tools.stack_files import (
    StackFileError,
    StackOutputError,
    client_token_env,
    local_tokens_path,
    read_stack_file_and_tokens,
    stack_file_name,
    stack_output,
    token_environment,
)

HOST = "127.0.0.1"
# The local edge's address: links are printed and requested without it.
LOCAL = f"http://{HOST}"
# Where the offline tools (make local) read authToken, the default client's token.
DEFAULT_TOKEN_ENV = "AUTH_TOKEN"
DEFAULT_TTL = 3600
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TTL = re.compile(r"([0-9]{1,9})([smhd]?)")
# Seconds the local edge may take to answer the probe (it answers in milliseconds).
PROBE_SECONDS = 5


class GrantToolError(Exception):
    """One line for the user (never a token); main puts "make grant: " before it."""


def ttl_seconds(text: str) -> int:
    """``3600``, ``90s``, ``15m``, ``1h`` or ``1d`` as seconds above 0."""
    match = TTL.fullmatch(text)
    seconds = int(match[1]) * UNITS[match[2] or "s"] if match else 0
    if seconds <= 0:
        raise GrantToolError(
            f"TTL '{clip(text)}' is not a lifetime. Fix: seconds or a number with s, m, h or d, "
            "e.g. TTL=3600 or TTL=1h"
        )
    return seconds


def _claim_problem(claim: str, patterns: tuple[str, ...]) -> bool:
    """Whether the grant's path ``claim`` lies outside ``patterns``, read as the function
    reads it: an exact path must match a pattern; a prefix ``/a/*`` needs a pattern that is
    a wildcard-free text and a final ``*`` (``a/*``) that starts it."""
    if not claim.endswith("/*"):
        return not any(fnmatchcase(claim[1:], pattern.lstrip("/")) for pattern in patterns)
    for pattern in patterns:
        head = pattern.lstrip("/")[:-1]
        if pattern.endswith("*") and not re.search(r"[*?]", head) and claim[1:].startswith(head):
            return False
    return True


def check_grant(settings: Settings, stack: str, client: str, path: str, ttl: int, now: float):
    """The client's settings when ``client`` may hold a grant for ``path`` lasting ``ttl``
    seconds from ``now`` in stack ``stack``; else one line why and how to fix it."""
    entry = _grant_client(settings, stack, client, now)
    _check_claim(settings, stack, entry, path, ttl, now)
    return entry


def _grant_client(settings: Settings, stack: str, client: str, now: float) -> ClientSettings:
    """The client, when the stack takes grants and the client may hold one now."""
    if not settings.grants or settings.edge_runtime != CLOUDFRONT_FUNCTION:
        engine = ""
        if settings.edge_runtime != CLOUDFRONT_FUNCTION:
            engine = f"pulumi config set edgeRuntime {CLOUDFRONT_FUNCTION} --stack {stack}, then "
        raise GrantToolError(
            f"stack {stack} has grants off (the edge would refuse every grant). "
            f"Fix: {engine}pulumi config set grants true --stack {stack}, and pulumi up"
        )
    problem = client_name_problem(client, "CLIENT", default_ok=True)
    if problem:
        raise GrantToolError(problem)
    # default (authToken): every protected path, no expiry.
    known = {DEFAULT_CLIENT: ClientSettings(DEFAULT_CLIENT, ())}
    known |= {entry.name: entry for entry in settings.clients}
    if client not in known:
        names = ", ".join(sorted(known)[:10])
        raise GrantToolError(
            f"stack {stack} has no client {client} (its clients: {names}). "
            "Fix: CLIENT=<one of them>, or make new-client NAME=" + client
        )
    entry = known[client]
    if entry.expires_at is not None and entry.expires_at <= now:
        raise GrantToolError(
            f"client {client} expired at {entry.expires}, so the edge refuses its "
            f"grants. Fix: a new expiry: pulumi config set --path 'clients.{client}.expires' "
            f"<RFC 3339 UTC time to come> --stack {stack}, and pulumi up"
        )
    return entry


def _check_claim(
    settings: Settings, stack: str, entry: ClientSettings, path: str, ttl: int, now: float
) -> None:
    """The grant's path and lifetime are ones the edge would accept from this client."""
    client = entry.name
    site = build_site_model(settings.protected_paths, settings.error_caching_min_ttl)
    base = path[:-1] if path.endswith("/*") else path
    if path.startswith("/") and not site.behavior_for(base).protected:
        raise GrantToolError(
            f"{printable(clip(path))} is not a protected path of stack {stack} "
            f"(protectedPaths: {', '.join(settings.protected_paths)}): it is served to anyone, "
            "without a grant"
        )
    if entry.paths is not None and path.startswith("/") and _claim_problem(path, entry.paths):
        raise GrantToolError(
            f"{printable(clip(path))} is outside client {client}'s paths "
            f"({', '.join(entry.paths)}); the edge would answer 403. Fix: PATH=<a path or "
            "prefix /…/* inside them>"
        )
    if ttl > settings.max_grant_seconds:
        raise GrantToolError(
            f"TTL={ttl} s is longer than stack {stack}'s maxGrantSeconds "
            f"({settings.max_grant_seconds} s); the edge would refuse the grant. Fix: "
            f"TTL={settings.max_grant_seconds} or less"
        )
    if entry.expires_at is not None and now + ttl > entry.expires_at:
        left = int(entry.expires_at - now)
        raise GrantToolError(
            f"TTL={ttl} s outlasts client {client}, which expires at "
            f"{entry.expires}; the edge would refuse the grant. Fix: TTL={left} or less"
        )


def client_token(client: str, environ: Mapping[str, str], tokens_file: Path) -> str:
    name = DEFAULT_TOKEN_ENV if client == DEFAULT_CLIENT else client_token_env(client)
    token = environ.get(name)
    if token is None:
        raise GrantToolError(
            f"no token for client {client}: {name} is not set and "
            f"{printable(str(tokens_file))} has none. Fix: {name}=<its token> make grant … "
            "(the token the client holds; make local prints the one it serves)"
        )
    if not token.strip():
        raise GrantToolError(f"{name} is set but empty. Fix: give the client's token")
    return token


def stack_url(
    domain: str | None, stack: str, cwd: Path, run: Callable[..., Any] | None = None
) -> tuple[str | None, str | None]:
    """(the stack's address, None) or (None, a note why it is not known here)."""
    if domain:
        return f"https://{domain}", None
    fix = "put the distribution's address before the link"
    try:
        parts = urlsplit(stack_output(stack, "url", cwd, run))
    except StackOutputError as error:
        return None, f"stack {stack} has no domainName and {error} (deployed yet?): {fix}"
    if parts.scheme != "https" or not parts.netloc:
        return None, f"stack {stack}'s url output is no https address: {fix}"
    return f"https://{parts.netloc}", None


def probe_local_edge(port: int, grant: str, to: str) -> str:
    """What the local edge on ``port`` says of ``grant`` (its session answers 302 when it
    accepts it), or why there is none: loopback only, one request."""
    connection = http.client.HTTPConnection(HOST, port, timeout=PROBE_SECONDS)
    try:
        connection.request("HEAD", session_link(LOCAL, grant, to).removeprefix(LOCAL))
        response = connection.getresponse()
    except OSError:
        return "not running"
    finally:
        connection.close()
    # The local edge answers as CloudFront does: X-Cache "… from cloudfront".
    if not (response.getheader("X-Cache") or "").endswith("from cloudfront"):
        return f"something else answers on {HOST}:{port}, not make local"
    if response.status == 302:
        return "running, accepts this grant"
    return (
        f"running, refuses this grant ({response.status}): it serves another stack, or another "
        "token for this client (make local takes it from the same place)"
    )


def grant_lines(
    args: argparse.Namespace, environ: Mapping[str, str] | None, now: float
) -> list[str]:
    stack = stack_file_name(args.stack)
    environ = token_environment(args.stack_dir, stack, environ)
    if not args.client:
        raise GrantToolError("no CLIENT. Fix: CLIENT=<a client of the stack>")
    settings = stack_settings(read_stack_file_and_tokens(stack, args.stack_dir))
    if not args.path:
        raise GrantToolError(
            "no PATH. Fix: PATH=/ex-img/partner-a/logo.svg (a file) or "
            "PATH=/ex-img/partner-a/* (everything under a folder)"
        )
    ttl = ttl_seconds(args.ttl)
    check_grant(settings, stack, args.client, args.path, ttl, now)
    token = client_token(args.client, environ, local_tokens_path(args.stack_dir, stack))
    try:
        grant = mint_grant(token, args.client, args.path, ttl, now=now)
    except GrantError as error:  # the helper names the argument "path"
        raise GrantToolError(f"PATH{str(error).removeprefix('path')}") from None
    exp = datetime.fromtimestamp(grant_parts(grant)[1]["exp"], tz=UTC)
    until = exp.strftime("%Y-%m-%dT%H:%M:%SZ")
    prefix = args.path.endswith("/*")
    # A prefix grant opens any file under it: the link shows where the file's name goes.
    file_path = args.path[:-1] + "FILE" if prefix else args.path
    link = signed_link(LOCAL, file_path, grant).removeprefix(LOCAL)
    lines = [
        f"grant of client {args.client} for {args.path}, until {until} ({ttl} s):",
        f"  {grant}",
    ]
    url, note = stack_url(settings.domain_name, args.stack, args.stack_dir)
    lines.append("link (FILE: a file's path under the prefix):" if prefix else "link:")
    lines.append(f"  {url or ''}{link}")
    if note:
        lines.append(f"  ({note})")
    state = probe_local_edge(args.port, grant, args.path[:-1] if prefix else args.path)
    lines.append(f"local edge on {HOST}:{args.port}: {state}")
    if state.startswith("running"):
        lines.append(f"  http://{HOST}:{args.port}{link}")
    else:
        lines.append(f"  (make local STACK={args.stack} serves it; PORT=… if it runs elsewhere)")
    return lines


def main(
    argv: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
    now: float | None = None,
) -> int:
    parser = stack_tool_parser(
        "make grant", __doc__, stack_help=STACK_HELP, error_prefix="make grant"
    )
    parser.add_argument("--client", default="", help="the client whose token signs the grant")
    parser.add_argument("--path", default="", help="a file's path, or a prefix ending in /*")
    parser.add_argument("--ttl", default=str(DEFAULT_TTL), help="lifetime: 3600, 15m, 1h, 1d")
    parser.add_argument("--port", type=port_number(1), default=8080, help="the local edge's port")
    args = parser.parse_args(argv)
    try:
        lines = grant_lines(args, environ, time.time() if now is None else now)
    except (GrantToolError, StackFileError, SettingsError) as error:
        print(f"make grant: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    grant = {"--client": "CLIENT", "--path": "PATH", "--ttl": "TTL", "--port": "PORT"}
    sys.exit(main(make_argv({**STACK_VARIABLES, **grant})))
