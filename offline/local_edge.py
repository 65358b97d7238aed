"""`make local`: serve a stack's protected distribution on this machine, from the real artifact.

An embedded S3 (moto's server, in-process on loopback) plays the content bucket; the edge
archive is built by the same builder the deployment uses and the handler is imported from the
zip; behaviors, protected patterns, error responses and the header name come from the stack's
settings through the same ``parse_settings`` and ``build_site_model`` as the Pulumi program.

    python -m offline.local_edge --stack dev --content sample_content --port 8080
"""

from __future__ import annotations

import argparse
import errno
import logging
import mimetypes
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config as BotoConfig
from moto.server import ThreadedMotoServer
from werkzeug.serving import BaseWSGIServer, make_server

from components.settings import SettingsError
from components.site_model import (
    ERROR_PAGES_CONTENT_TYPE,
    ORIGIN_IDS,
    SiteModel,
    build_site_model,
    error_page_files,
)
from edge_handler.artifact import load_handler
from edge_handler.build import write_archive

from .local_distribution import LocalDistribution
from .stack_file import ROOT, StackFileError, read_stack_file

HOST = "127.0.0.1"
DEFAULT_CONTENT = ROOT / "sample_content"
REGION = "eu-west-1"


class LocalEdgeError(Exception):
    """Bad input for the local edge: one clear line, non-zero exit."""


@dataclass(frozen=True)
class LocalEdgeOptions:
    stack: str = "dev"
    content: Path = DEFAULT_CONTENT
    port: int = 8080
    # None: generate a fresh token and print it.
    token: str | None = None
    previous_tokens: tuple[str, ...] = ()


def upload_content(s3, buckets: Mapping[str, str], site: SiteModel, content: Path) -> int:
    """Upload the error pages as the Pulumi program does, then every file under ``content``.

    Each file goes to the bucket of its origin by the site model's pattern rules: a key that a
    protected pattern covers lands in the protected bucket, every other key in the public one.
    """
    for key, path in error_page_files().items():
        s3.put_object(
            Bucket=buckets[site.origin_for_key(key)],
            Key=key,
            Body=path.read_bytes(),
            ContentType=ERROR_PAGES_CONTENT_TYPE,
        )
    count = 0
    for path in sorted(p for p in content.rglob("*") if p.is_file()):
        key = path.relative_to(content).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.put_object(
            Bucket=buckets[site.origin_for_key(key)],
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type,
        )
        count += 1
    return count


class LocalEdge:
    """Embedded S3 + built edge archive + HTTP server on loopback. Use as a context manager."""

    def __init__(self, options: LocalEdgeOptions, log=print) -> None:
        self.options = options
        self.log = log
        self._workdir = Path(tempfile.mkdtemp(prefix="protected-cdn-local-"))
        self._moto: ThreadedMotoServer | None = None
        self._server: BaseWSGIServer | None = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        options = self.options
        # Our one line per request replaces the access logs of werkzeug (ours and moto's).
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if not options.content.is_dir():
            raise LocalEdgeError(f"content folder {options.content} does not exist")
        stack_file = read_stack_file(options.stack)
        if options.token is not None and not options.token.strip():
            raise LocalEdgeError("AUTH_TOKEN is set but empty; unset it or give a real token")
        self.token = options.token or secrets.token_hex(32)
        # The program's checks: unknown keys, aws:region, no plaintext token in the file.
        self.settings = stack_file.settings(self.token, options.previous_tokens)
        self.site: SiteModel = build_site_model(
            self.settings.protected_paths, self.settings.error_caching_min_ttl
        )

        self._moto = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        self._moto.start()
        s3_host, s3_port = self._moto.get_host_and_port()
        self.s3 = boto3.client(
            "s3",
            endpoint_url=f"http://{s3_host}:{s3_port}",
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - moto accepts any key
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        # One bucket per origin, as deployed: protected content apart from public content.
        suffix = secrets.token_hex(4)
        self.buckets = {
            origin_id: f"protected-cdn-{options.stack}-local-{origin_id}-{suffix}"
            for origin_id in ORIGIN_IDS
        }
        for bucket in self.buckets.values():
            self.s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        self.files = upload_content(self.s3, self.buckets, self.site, options.content)

        archive = write_archive(
            self._workdir, self.settings.accepted_tokens, self.settings.auth_header
        )
        handler = load_handler(archive).handler
        app = LocalDistribution(self.site, handler, self.s3, self.buckets, log=self.log)
        # Bind ourselves: werkzeug would print two lines and sys.exit on a taken port.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((HOST, options.port))
            listener.listen(128)
            self._server = make_server(HOST, options.port, app, threaded=True, fd=listener.fileno())
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise LocalEdgeError(
                    f"port {options.port} is in use; pick another with PORT=<n>"
                ) from None
            raise LocalEdgeError(f"cannot listen on {HOST}:{options.port}: {error}") from None
        finally:
            listener.close()  # the server holds its own duplicate of the socket
        self.port = self._server.socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def serve_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread

    def example_path(self) -> str:
        """A protected object from the content folder, for the printed curl lines."""
        for path in sorted(p for p in self.options.content.rglob("*") if p.is_file()):
            uri = "/" + path.relative_to(self.options.content).as_posix()
            if self.site.behavior_for(uri).protected:
                return uri
        return "/"

    def banner(self) -> str:
        path = self.example_path()
        header = self.settings.auth_header
        protected = ", ".join(self.settings.protected_paths)
        return "\n".join(
            [
                f"protected-cdn local edge: stack {self.options.stack}, "
                f"{self.files} files from {self.options.content}",
                f"URL:   {self.url}/",
                f"token: {self.token}",
                f"protected paths: {protected} (header: {header})",
                f"  curl -i {self.url}{path}",
                f'  curl -i -H "{header}: Bearer {self.token}" {self.url}{path}',
                "Ctrl-C stops it.",
            ]
        )

    def close(self) -> None:
        if self._server is not None:
            self._server.server_close()
            self._server = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        shutil.rmtree(self._workdir, ignore_errors=True)

    def shutdown(self) -> None:
        """Stop serve_forever running in another thread, then close."""
        if self._server is not None:
            self._server.shutdown()
        self.close()

    def __enter__(self) -> LocalEdge:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack settings file Pulumi.<stack>.yaml")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="folder to serve")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0: any free)")
    return parser.parse_args(argv)


def _stop_on_sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt  # same clean stop as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    previous = os.environ.get("PREVIOUS_AUTH_TOKENS", "")
    options = LocalEdgeOptions(
        stack=args.stack,
        content=args.content,
        port=args.port,
        token=os.environ.get("AUTH_TOKEN"),
        previous_tokens=tuple(t for t in previous.split(",") if t),
    )
    try:
        edge = LocalEdge(options, log=lambda line: print(line, flush=True))
    except (LocalEdgeError, StackFileError) as error:
        print(f"local edge: {error}", file=sys.stderr)
        return 2
    except SettingsError as error:
        print(f"local edge: {error} (locally the token comes from AUTH_TOKEN)", file=sys.stderr)
        return 2
    print(edge.banner(), flush=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        edge.serve_forever()  # werkzeug returns from here on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        edge.close()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
