"""`make local`: serve a stack's protected distribution on this machine, from the real artifact.

An embedded S3 (moto's ``mock_aws``, in this process, with no socket of its own) plays the
content bucket; the HTTP server (waitress, bounded threads) is the only listening port; the edge
archive is built by the same builder the deployment uses and the handler is imported from the
zip; behaviors, protected patterns, error responses and the header name come from the stack's
settings through the same ``parse_settings`` and ``build_site_model`` as the Pulumi program.

    python -m tools.local_edge.local_edge --stack dev --content sample_content --port 8080

``--stack-dir`` names the folder of the stack files (default: the project folder), e.g.
tests/stacks for the test suite's stack cases.
"""

from __future__ import annotations

import signal

if __name__ == "__main__":
    # Ctrl-C during the imports below (boto3, moto: most of a second) would print a
    # KeyboardInterrupt traceback. Until main() installs its own handlers, SIGINT ends the
    # process by the signal: nothing has been made yet that would need cleaning up.
    signal.signal(signal.SIGINT, signal.SIG_DFL)

import argparse
import errno
import fnmatch
import secrets
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import boto3
from botocore.config import Config as BotoConfig
from moto import mock_aws

from components import (
    ERROR_PAGES_CONTENT_TYPE,
    ORIGIN_IDS,
    PROJECT,
    SettingsError,
    SiteModel,
    build_site_model,
    error_page_files,
)
from edge_handler import ENGINES, LAMBDA_EDGE, store_bytes
from tools import STACK_VARIABLES, make_argv, port_number, stack_tool_parser
from tools.edge_runtime import make_engine
from tools.local_edge.http_server import EdgeHTTPServer
from tools.local_edge.local_distribution import LocalDistribution
from tools.local_edge.request_log import RequestLog, one_line, printable
from tools.stack_files import (
    ROOT,
    TOKEN_KEYS,
    StackFileError,
    client_token_env,
    read_stack_file_and_tokens,
    stack_file_name,
    token_environment,
)
from tools.upload import ContentError, ContentPlan, not_uploaded_note, plan_content

HOST = "127.0.0.1"
EDGE_RUNTIME_KEY = f"{PROJECT}:edgeRuntime"
DEFAULT_CONTENT = ROOT / "sample_content"
REGION = "eu-west-1"


class LocalEdgeError(Exception):
    """Bad input for the local edge: one clear line, non-zero exit."""


@dataclass(frozen=True)
class LocalEdgeOptions:
    stack: str = "dev"
    # Folder of the stack files (Pulumi.<stack>.yaml).
    stack_dir: Path = ROOT
    content: Path = DEFAULT_CONTENT
    port: int = 8080
    # None: generate a fresh token and print it.
    token: str | None = None
    previous_tokens: tuple[str, ...] = ()
    # Fixed pool that runs requests; idle connections cost no thread.
    threads: int = 8
    # Seconds an idle connection is kept open.
    idle_timeout: float = 30
    # Where named clients' tokens come from (CLIENT_TOKEN_<NAME>); a client without one gets
    # a fresh token, printed in the banner.
    client_env: Mapping[str, str] = field(default_factory=dict)
    # lambda-edge or cloudfront-function; None: the stack's edgeRuntime (default lambda-edge).
    engine: str | None = None
    # Seconds one CloudFront Function call may run before the request answers 503 (CloudFront
    # gives a function about 1 ms of compute; nothing the harness runs comes near a second).
    function_time_limit: float = 1.0


def upload_content(s3, buckets: Mapping[str, str], site: SiteModel, content: ContentPlan) -> None:
    """Upload the error pages as the Pulumi program does, then the content files as
    ``make upload`` does: each into its origin's bucket, none under ``_errors/``."""
    pages = [
        (key, path, site.origin_for_key(key), ERROR_PAGES_CONTENT_TYPE)
        for key, path in error_page_files().items()
    ]
    files = [(f.key, f.source, f.origin_id, f.content_type) for f in content.files]
    for key, path, origin_id, content_type in pages + files:
        s3.put_object(
            Bucket=buckets[origin_id], Key=key, Body=path.read_bytes(), ContentType=content_type
        )


def _engine_note(engine) -> str:
    if engine.name == LAMBDA_EDGE:
        return "the Python handler from the built zip"
    # The function reads its clients from a KeyValueStore: the one the settings declare.
    entries = engine.entries
    counted = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    return (
        "the generated CloudFront Function in V8, its KeyValueStore: "
        f"{counted}, {store_bytes(entries):,} bytes"
    )


class LocalEdge:
    """Embedded S3 + built edge archive + HTTP server on loopback. Use as a context manager."""

    def __init__(self, options: LocalEdgeOptions, log: Callable[[str], None] | None = None) -> None:
        self.options = options
        # The request log runs outside the request's error handling: it must never raise.
        self.log = log if log is not None else RequestLog()
        self._workdir: Path | None = None
        self._s3_mock = None
        self._server: EdgeHTTPServer | None = None
        self._engine = None
        try:
            # Named before it exists, so a signal at any point leaves nothing close() misses.
            self._workdir = (
                Path(tempfile.gettempdir()) / f"protected-cdn-local-{secrets.token_hex(8)}"
            )
            self._workdir.mkdir(mode=0o700)
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        self._read_settings()
        self._fill_buckets()
        self._engine = make_engine(
            self.engine_name,
            self._workdir / "edge",
            self.settings.accepted_tokens,
            self.settings.auth_header,
            clients=self.settings.clients,
            log_allowed=self.settings.log_allowed,
            grants=self.settings.grants,
            max_grant_seconds=self.settings.max_grant_seconds,
            time_limit=self.options.function_time_limit,
        )
        self._listen(
            LocalDistribution(self.site, self._engine, self.s3, self.buckets, log=self.log)
        )

    def _read_settings(self) -> None:
        """Every check of the stack, the engine and the content folder, before anything starts."""
        options = self.options
        if not options.content.is_dir():
            problem = "is not a folder" if options.content.exists() else "does not exist"
            raise LocalEdgeError(f"content folder {printable(str(options.content))} {problem}")
        stack_file = read_stack_file_and_tokens(options.stack, options.stack_dir)
        if options.token is not None and not options.token.strip():
            raise LocalEdgeError("AUTH_TOKEN is set but empty; unset it or give a real token")
        self.token = options.token or secrets.token_hex(32)
        # Named clients: a token each, from the environment or fresh (name, field) -> token.
        self.client_tokens: dict[tuple[str, str], str] = {}
        if options.engine is not None and options.engine not in ENGINES:
            raise LocalEdgeError(
                f"engine {printable(options.engine)} is unknown; use {' or '.join(ENGINES)}"
            )
        # The program's checks: unknown keys, aws:region, no plaintext token in the file.
        self.settings = stack_file.settings(self.token, options.previous_tokens, self._client_token)
        self.engine_name = options.engine or self.settings.edge_runtime
        if self.engine_name != self.settings.edge_runtime:
            # The chosen engine goes through every check the stack's own went through, as if
            # the file said edgeRuntime: <engine>: the local edge runs no function a deploy
            # of that stack would refuse (a cookie header, a client table too big for it).
            config = {**stack_file.config, EDGE_RUNTIME_KEY: self.engine_name}
            try:
                replace(stack_file, config=config).settings(
                    self.token, options.previous_tokens, self._client_token
                )
            except SettingsError as error:
                raise SettingsError(
                    f"{error} (ENGINE={self.engine_name} stands for edgeRuntime here; this stack "
                    f"deploys {self.settings.edge_runtime}: make local without ENGINE runs it)"
                ) from None
        self.site: SiteModel = build_site_model(
            self.settings.protected_paths,
            self.settings.error_caching_min_ttl,
            self.settings.grants,
        )
        # Read before anything starts, as make upload reads it: a name S3 cannot hold, a
        # symlink out of the folder, is one line, not a traceback.
        try:
            self.content = plan_content(options.content, self.site)
        except ContentError as error:
            raise LocalEdgeError(str(error)) from None

    def _fill_buckets(self) -> None:
        # In-process S3: moto patches botocore, so the client's calls never leave this process
        # and nothing but the edge port listens. mock_aws is process-wide and nests: two edges
        # in one process share it (each has its own bucket); its data goes when the last stops.
        s3_mock = mock_aws()
        s3_mock.start()
        self._s3_mock = s3_mock  # set once started: close() stops only a started mock
        self.s3 = boto3.client(
            "s3",
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any key
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        # One bucket per origin, as deployed: protected content apart from public content.
        suffix = secrets.token_hex(4)
        self.buckets = {
            origin_id: f"protected-cdn-local-{origin_id}-{suffix}" for origin_id in ORIGIN_IDS
        }
        for bucket in self.buckets.values():
            self.s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        upload_content(self.s3, self.buckets, self.site, self.content)
        files = ("/" + f.key for f in self.content.files)
        # The protected objects of the content folder, for the printed curl lines.
        self.protected_files = [uri for uri in files if self.site.behavior_for(uri).protected]

    def _listen(self, app: LocalDistribution) -> None:
        options = self.options
        try:
            listener = socket.create_server((HOST, options.port))  # with SO_REUSEADDR
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise LocalEdgeError(
                    f"port {options.port} is in use; pick another with PORT=<n>"
                ) from None
            raise LocalEdgeError(f"cannot listen on {HOST}:{options.port}: {error}") from None
        try:
            self._server = EdgeHTTPServer(
                app,
                listener,
                threads=options.threads,
                idle_timeout=options.idle_timeout,
            )
        except BaseException:
            listener.close()
            raise
        self.port = self._server.port
        self.url = f"http://{HOST}:{self.port}"

    def _client_token(self, name: str, field_name: str) -> str:
        key = (name, field_name)
        if key not in self.client_tokens:  # settings read twice: one token each
            variable = client_token_env(name, field_name)
            token = self.options.client_env.get(variable)
            if token is not None and not token.strip():
                raise LocalEdgeError(f"{variable} is set but empty")
            self.client_tokens[key] = token or secrets.token_hex(32)
        return self.client_tokens[key]

    def client_lines(self, limit: int = 10) -> list[str]:
        """Per named client: its token, state and a curl line that shows it (at most
        ``limit`` clients; a stack may have a thousand)."""
        if not self.settings.clients:
            return []
        header = self.settings.auth_header
        protected = self.protected_files
        lines = [f"clients ({len(self.settings.clients)} named, besides default above):"]
        for client in self.settings.clients[:limit]:
            token = self.client_tokens[(client.name, "token")]
            expired = client.expires_at is not None and client.expires_at <= time.time()
            scope = ", ".join(client.paths) if client.paths is not None else "all protected"
            state = (
                f"expired {client.expires}" if expired else f"expires {client.expires or 'never'}"
            )
            lines.append(f"  {client.name}: token {token} ({state}; paths: {scope})")
            patterns = client.paths if client.paths is not None else ("*",)  # "*": any path
            inside = [f for f in protected if any(fnmatch.fnmatchcase(f[1:], p) for p in patterns)]
            outside = [f for f in protected if f not in inside]  # empty for an unscoped client
            curl = f'curl -i -H "{header}: Bearer {token}" {self.url}'
            if expired:
                lines.append(f"    {curl}{(inside or protected or ['/'])[0]}   # 401 expired")
                continue
            if inside:
                lines.append(f"    {curl}{inside[0]}   # 200")
            if outside:
                lines.append(f"    {curl}{outside[0]}   # 403 out of scope")
        if len(self.settings.clients) > limit:
            lines.append(f"  ... and {len(self.settings.clients) - limit} more")
        return lines

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def banner(self) -> str:
        path = (self.protected_files or ["/"])[0]
        header = self.settings.auth_header
        # The content files no deploy uploads (under _errors/), said once at start-up.
        not_served = not_uploaded_note(self.content)
        protected = ", ".join(self.settings.protected_paths)
        return "\n".join(
            [
                f"protected-cdn local edge: stack {self.options.stack}, "
                f"{len(self.content.files)} files from {self.options.content}",
                f"edge engine: {self.engine_name} ({_engine_note(self._engine)})",
                f"URL:   {self.url}/",
                f"token: {self.token}",
                f"protected paths: {protected} (header: {header})",
                f"  curl -i {self.url}{path}",
                f'  curl -i -H "{header}: Bearer {self.token}" {self.url}{path}',
                *self.client_lines(),
                *([f"not served: {not_served} (make upload skips them too)"] if not_served else []),
                "Ctrl-C stops it.",
            ]
        )

    def close(self) -> None:
        """Stop serving (in any thread), release the port, the in-process S3 and the temp
        folder; safe to call twice."""
        try:
            # The engine first: it stops a function call still running (that request answers
            # 503), so the server's shutdown waits for no call.
            if self._engine is not None:
                engine, self._engine = self._engine, None
                engine.close()
            if self._server is not None:
                server, self._server = self._server, None
                server.shutdown()
            if self._s3_mock is not None:
                mock, self._s3_mock = self._s3_mock, None
                mock.stop()
        finally:
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None

    def __enter__(self) -> LocalEdge:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def content_folder(text: str) -> Path:
    if not text:  # Path("") is the working folder: the whole checkout, .git included
        raise argparse.ArgumentTypeError("content folder must not be empty")
    return Path(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    stack_help = "stack name (or org/project/stack): settings file Pulumi.<stack>.yaml"
    parser = stack_tool_parser(
        "make local", __doc__, stack_help=stack_help, error_prefix="local edge"
    )
    parser.add_argument(
        "--content", type=content_folder, default=DEFAULT_CONTENT, help="folder to serve"
    )
    parser.add_argument(
        "--port", type=port_number(0), default=8080, help="port on 127.0.0.1 (0: any free)"
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="edge engine (default: the stack's edgeRuntime, else lambda-edge)",
    )
    return parser.parse_args(argv)


def _options_from(args: argparse.Namespace) -> LocalEdgeOptions:
    """The command line's options, with the tokens from the environment."""
    stack = stack_file_name(args.stack)
    # AUTH_TOKEN and CLIENT_TOKEN_<NAME>, over the stack's local tokens (make new-stack).
    environ = token_environment(args.stack_dir, stack)
    previous = environ.get("PREVIOUS_AUTH_TOKENS", "")
    return LocalEdgeOptions(
        stack=stack,
        stack_dir=args.stack_dir,
        content=args.content,
        port=args.port,
        token=environ.get("AUTH_TOKEN"),
        previous_tokens=tuple(t for t in previous.split(",") if t),
        client_env={k: v for k, v in environ.items() if k.startswith("CLIENT_")},
        engine=args.engine,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        options = _options_from(args)
    except StackFileError as error:
        print(f"local edge: {one_line(error)}", file=sys.stderr)
        return 2
    # stdout may be a pipe that closes (`make local | head`): output never raises.
    out = RequestLog()
    stopping = False

    def on_signal(_signum, _frame) -> None:
        # The first SIGINT/SIGTERM unwinds start-up or serving (cleanup runs in finally); later
        # ones do nothing, so cleanup is never cut short. The handler stays installed: switching
        # to SIG_IGN with a signal pending makes CPython print "Signal 15 ignored due to race
        # condition".
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    edge = None
    tempfile.gettempdir()  # its first call writes a probe file; do it before signals can cut in
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        # Start-up takes a moment (archive build, upload); from here a signal stops it cleanly.
        out(f"protected-cdn local edge: starting stack {options.stack} ...")
        try:
            edge = LocalEdge(options, log=out)
        except (LocalEdgeError, StackFileError, OSError) as error:
            print(f"local edge: {one_line(error)}", file=sys.stderr)
            return 2
        except SettingsError as error:
            # Only a token error concerns AUTH_TOKEN / PREVIOUS_AUTH_TOKENS.
            about_token = str(error).startswith(TOKEN_KEYS)
            hint = " (locally the token comes from AUTH_TOKEN)" if about_token else ""
            print(f"local edge: {one_line(error)}{hint}", file=sys.stderr)
            return 2
        for line in edge.banner().splitlines():
            out(line)
        edge.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stopping = True
        if edge is not None:
            edge.close()
    out("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(
        main(
            make_argv(
                {**STACK_VARIABLES, "--content": "CONTENT", "--port": "PORT", "--engine": "ENGINE"}
            )
        )
    )
