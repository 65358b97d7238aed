"""moto's S3 server on a loopback port, for tools that reach S3 over HTTP through AWS_ENDPOINT_URL.

The tool under test, in this process or a child one, talks real HTTP to 127.0.0.1; the test
reads the buckets through the same endpoint. One server per test process (starting one costs
about a second); each use starts from no bucket at all.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import boto3
import requests
from moto.server import ThreadedMotoServer

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@cache
def _endpoint() -> str:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    atexit.register(server.stop)
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


@cache
def _client(endpoint: str):
    # One client for the process: making one costs tens of milliseconds.
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


@contextmanager
def loopback_s3() -> Iterator[tuple[str, object]]:
    """(endpoint URL on 127.0.0.1, a client of it), on empty buckets."""
    endpoint = _endpoint()
    # The server keeps moto's backends of this process: start every test from none.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    yield endpoint, _client(endpoint)


def bucket_keys(s3, bucket: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}
