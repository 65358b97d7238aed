"""`make revoke STACK=… CLIENT=…`: cut one client off now, on the CloudFront Function engine,
without waiting for a deploy.

It deletes the client's entries (current and previous token, and its grant keys when the stack
admits grants) from the stack's CloudFront
KeyValueStore in one all-or-nothing ``UpdateKeys`` call, guarded by the store's ETag: if anything
changed the store since it was read (a ``pulumi up``, another revoke), nothing is deleted and it
says so. Then it prints the config change that keeps the next ``pulumi up`` from putting the
entries back. It prints client names only: never a token, a digest or any other value.

    python -m tools.clients.revoke --stack prod --client partner-a [--store-arn arn:…] \\
        [--stack-dir .]

It reads the stack file first (``--stack-dir``, as the other tools): the stack must be one, and
run the function engine. Without ``--store-arn`` the ARN comes from ``pulumi stack output
clientStoreArn --stack <stack>``.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from components import DEFAULT_CLIENT, SettingsError, clip
from edge_handler import CLOUDFRONT_FUNCTION, grant_entry_key
from tools import STACK_VARIABLES, make_argv, stack_tool_parser
from tools.clients.clients import client_name_problem, stack_settings
from tools.local_edge import one_line, printable
from tools.stack_files import (
    ROOT,
    StackFileError,
    StackOutputError,
    read_stack_file_and_tokens,
    stack_file_name,
    stack_output,
)

STORE_OUTPUT = "clientStoreArn"
# The store's API is global; boto3 signs it with SigV4A whatever the Region.
REGION = "us-east-1"
STORE_ARN = re.compile(r"arn:aws[a-z-]*:cloudfront::\d{12}:key-value-store/[A-Za-z0-9-]{1,64}")
CONFLICT_CODES = {"ConflictException", "PreconditionFailed", "PreconditionFailedException"}
# What to do about the errors boto3 meets before AWS answers (nothing was deleted).
BOTO_FIXES = {
    "NoCredentialsError": "no AWS credentials found, nothing was deleted. Fix: sign in to the "
    "stack's account (aws sso login, aws configure, or AWS_PROFILE=<profile>), then run make "
    "revoke again",
    "MissingDependencyException": "the store's API is signed with SigV4A, which boto3 does only "
    "with awscrt. Fix: .venv/bin/pip install 'botocore[crt]'",
}


class RevokeError(Exception):
    """One line for the user (main puts "make revoke: " before it); the status to exit with."""

    def __init__(self, line: str, status: int = 1) -> None:
        super().__init__(line)
        self.status = status


def store_client() -> Any:
    import boto3

    return boto3.client("cloudfront-keyvaluestore", region_name=REGION)


def stack_store_arn(stack: str, run: Callable[..., Any] | None = None) -> str:
    """The store's ARN from the stack's outputs, or one line saying how to give it."""
    fix = (
        f"Fix: make revoke STACK={stack} CLIENT=… STORE_ARN=<the store's ARN> "
        "(CloudFront console, Functions, KeyValueStores). On the lambda-edge engine there is "
        "no store: revoke with pulumi config rm and pulumi up"
    )
    try:
        arn = stack_output(stack, STORE_OUTPUT, ROOT, run)
    except StackOutputError as error:
        raise RevokeError(f"no STORE_ARN and {error}. {fix}", 2) from None
    if not arn.startswith("arn:"):
        raise RevokeError(f"stack output {STORE_OUTPUT} is no ARN. {fix}", 2)
    return arn


def client_of(value: str) -> str | None:
    """The client name of a store value (``{"c": name, …}``); None for anything else."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    name = parsed.get("c") if isinstance(parsed, dict) else None
    return name if isinstance(name, str) else None


def client_keys(kvs: Any, arn: str, name: str) -> list[str]:
    """Every key whose value names the client, and its grant entry (with grants on), over all
    pages of ListKeys."""
    keys = []
    for page in kvs.get_paginator("list_keys").paginate(KvsARN=arn):
        for item in page.get("Items", []):
            if item["Key"] == grant_entry_key(name) or client_of(item.get("Value", "")) == name:
                keys.append(item["Key"])
    return keys


def delete_client(kvs: Any, arn: str, name: str) -> tuple[int, int | None]:
    """Delete the client's entries with the store's ETag: (entries deleted, items left)."""
    etag = kvs.describe_key_value_store(KvsARN=arn)["ETag"]
    keys = client_keys(kvs, arn, name)
    if not keys:
        raise RevokeError(
            f"client {name} has no entry in store {arn}: nothing deleted "
            "(already revoked, a wrong CLIENT, or another stack's store)"
        )
    # One all-or-nothing call: a client has at most three entries (two tokens and its grant
    # keys), far below the call's limit.
    answer = kvs.update_keys(KvsARN=arn, IfMatch=etag, Deletes=[{"Key": key} for key in keys])
    return len(keys), answer.get("ItemCount")


def revoke(kvs: Any, arn: str, name: str, stack: str) -> list[str]:
    """Revoke the client; the lines to print."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        deleted, left = delete_client(kvs, arn, name)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", type(error).__name__))
        if code in CONFLICT_CODES:
            raise RevokeError(
                f"store {arn} changed while revoking {name} ({code}: a pulumi up "
                "or another revoke); nothing was deleted. Run make revoke again"
            ) from None
        raise RevokeError(f"AWS refused ({code}) for store {arn}") from None
    except BotoCoreError as error:
        kind = type(error).__name__
        if kind == "EndpointConnectionError":
            host = urlsplit(str(error.kwargs.get("endpoint_url", ""))).netloc or "the store's API"
            raise RevokeError(
                f"cannot reach {printable(host)}, nothing was deleted. "
                "Fix: check the network (a proxy: HTTPS_PROXY; AWS_ENDPOINT_URL set by mistake?), "
                "then run make revoke again"
            ) from None
        raise RevokeError(BOTO_FIXES.get(kind) or f"{kind}: {one_line(error)}") from None
    entries = "entry" if deleted == 1 else "entries"
    remaining = ""
    if left is not None:
        remaining = f"; {left} {'entry remains' if left == 1 else 'entries remain'} in the store"
    return [
        f"Revoked client {name}: deleted its {deleted} {entries} from store {arn}{remaining}.",
        "Edge locations deny its tokens once the change reaches them: AWS gives no time and no",
        "SLA for that (expect seconds to a minute); check with a request carrying its token.",
        "Now remove it from the stack, or the next pulumi up puts the entries back:",
        f"  pulumi config rm --path {shlex.quote(f'clients.{name}')} --stack {shlex.quote(stack)}",
        f"  pulumi up --refresh --stack {shlex.quote(stack)}",
    ]


def check_name(name: str, stack: str) -> None:
    if name == DEFAULT_CLIENT:
        raise RevokeError(
            "default is authToken, which is not revoked but rotated: see "
            f"Token rotation in docs/operations.md (stack {stack})",
            2,
        )
    problem = client_name_problem(name, "CLIENT", default_ok=True)
    if problem:
        raise RevokeError(problem, 2)


def check_stack_file(stack: str, stack_dir: Path, name: str) -> str:
    """The stack file's note (which file, whether it names the client), or one line why the
    stack cannot be revoked on: not a stack, a file the tools refuse, or the Lambda@Edge
    engine, whose client table is in the function's code (no store to cut)."""
    stack_file = read_stack_file_and_tokens(stack_file_name(stack), stack_dir)
    settings = stack_settings(stack_file)
    where = printable(str(stack_file.path))
    if settings.edge_runtime != CLOUDFRONT_FUNCTION and not stack_file.environments:
        raise RevokeError(
            f"stack {stack} runs {settings.edge_runtime} ({where}), whose client "
            "table is in the function's code: there is no store to cut. Fix: pulumi config rm "
            f"--path {shlex.quote(f'clients.{name}')} --stack {shlex.quote(stack)}, then pulumi up",
            2,
        )
    known = any(client.name == name for client in settings.clients)
    state = "is in it" if known else "is not in it (already removed, or a wrong CLIENT?)"
    return f"make revoke: stack file {where}: client {name} {state}"


def main(
    argv: list[str] | None = None,
    kvs_factory: Callable[[], Any] = store_client,
    arn_reader: Callable[[str], str] = stack_store_arn,
) -> int:
    stack_help = "the stack whose store holds the client"
    parser = stack_tool_parser(
        "make revoke", __doc__, stack_help=stack_help, stack_dir=ROOT, error_prefix="make revoke"
    )
    parser.add_argument("--client", required=True, help="the client's name")
    parser.add_argument("--store-arn", default="", help="the store's ARN (default: stack output)")
    args = parser.parse_args(argv)
    try:
        stack_file_name(args.stack)
        check_name(args.client, args.stack)
        print(check_stack_file(args.stack, args.stack_dir, args.client), file=sys.stderr)
        arn = args.store_arn or arn_reader(args.stack)
        if not STORE_ARN.fullmatch(arn):
            raise RevokeError(
                f"'{clip(arn)}' is not a KeyValueStore ARN "
                "(arn:aws:cloudfront::<account>:key-value-store/<id>)",
                2,
            )
        lines = revoke(kvs_factory(), arn, args.client, args.stack)
    except (RevokeError, StackFileError, SettingsError) as error:
        print(f"make revoke: {error}", file=sys.stderr)
        return error.status if isinstance(error, RevokeError) else 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    store = {"--client": "CLIENT", "--store-arn": "STORE_ARN"}
    sys.exit(main(make_argv({**STACK_VARIABLES, **store})))
