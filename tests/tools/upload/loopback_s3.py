"""moto's S3 on a loopback port, for tools that reach S3 over HTTP through AWS_ENDPOINT_URL.

moto's own server needs Flask, which this suite does not install; instead a small HTTP server
on 127.0.0.1 hands each request, unchanged, to moto's in-process S3 (``mock_aws`` answers
``requests`` calls to S3's address without a socket). A tool under test, in this process or a
child one, talks real HTTP to the loopback port; the test reads the buckets in process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import requests
from moto import mock_aws

# Path-style requests (a loopback endpoint cannot carry the bucket in the host) as moto reads them.
S3_ADDRESS = "https://s3.us-east-1.amazonaws.com"
# Headers the forwarding request sets itself.
_HOP_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class _ToMoto(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        answer = requests.request(
            self.command, S3_ADDRESS + self.path, headers=headers, data=body, timeout=30
        )
        content = answer.content
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

    def log_message(self, *args) -> None:
        pass


@contextmanager
def loopback_s3() -> Iterator[tuple[str, object]]:
    """(endpoint URL on 127.0.0.1, an in-process S3 client on the same buckets)."""
    with mock_aws():
        server = ThreadingHTTPServer(("127.0.0.1", 0), _ToMoto)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            endpoint = f"http://127.0.0.1:{server.server_address[1]}"
            yield endpoint, boto3.client("s3", region_name="us-east-1", **_keys())
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


def bucket_keys(s3, bucket: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}
