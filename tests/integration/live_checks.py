"""The pure parts of the live integration test: names, readiness polling, HTTP checks, cleanup.

Nothing here talks to AWS or Pulumi. The HTTP checks speak plain HTTP(S) to any base URL, so
the unit tests (test_live_checks.py) run them against the local edge on 127.0.0.1 and the
live test (test_live_deploy.py) runs the same checks against a real distribution.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

from components.checks import check_token
from tools.stack_files.reader import STACK_NAME

ENABLE_VARIABLE = "PROTECTED_CDN_INTEGRATION"
STACK_PREFIX = "it"
_EPHEMERAL = re.compile(rf"{STACK_PREFIX}-\d{{8}}-\d{{6}}-[0-9a-f]{{8}}")
HTTP_TIMEOUT_SECONDS = 15
# What a copy of the project for an ephemeral stack leaves out: state of this checkout.
_NOT_COPIED = (".git", ".venv", ".build", "__pycache__", ".hypothesis", "Pulumi.*.yaml", "venv")


# --- when the live test may run ---------------------------------------------------------


def missing_prerequisites(
    environ: Mapping[str, str] = os.environ,
    which: Callable[[str], str | None] = shutil.which,
    has_aws_credentials: Callable[[], bool] | None = None,
) -> list[str]:
    """Why the live test cannot run here (empty: it can). Credentials are looked up last and
    only when asked for, since boto3's lookup may try the instance metadata endpoint."""
    missing = []
    if environ.get(ENABLE_VARIABLE) != "1":
        missing.append(f"{ENABLE_VARIABLE}=1 is not set (it deploys to AWS and costs money)")
    if which("pulumi") is None:
        missing.append("the pulumi CLI is not on PATH")
    if not missing:
        found = has_aws_credentials() if has_aws_credentials else _boto3_has_credentials()
        if not found:
            missing.append("no AWS credentials (environment, profile or OIDC role)")
    return missing


NOTHING_RAN = "nothing ran (nothing deployed, nothing checked)"


def not_run_message(missing: Iterable[str]) -> str:
    """One plain line: the live test did not run, and why."""
    return f"the live AWS test: {NOTHING_RAN}: {'; '.join(missing)}"


def asked_to_run(environ: Mapping[str, str] = os.environ) -> bool:
    """PROTECTED_CDN_INTEGRATION=1 (make integration, the workflow): not running is a failure."""
    return environ.get(ENABLE_VARIABLE) == "1"


def preflight(environ: Mapping[str, str] = os.environ) -> int:
    """`make integration` before pytest: 0 when the live test can run, else one line on
    stderr saying nothing ran, and 1."""
    missing = missing_prerequisites(environ)
    if not missing:
        return 0
    print(
        f"make integration: {not_run_message(missing)}. Fix: install the pulumi CLI, "
        "`pulumi login` and set AWS credentials (docs/ci-cd.md)",
        file=sys.stderr,
    )
    return 1


def _boto3_has_credentials() -> bool:
    import boto3

    return boto3.Session().get_credentials() is not None


# --- names and tokens -------------------------------------------------------------------


def ephemeral_stack_name(now: datetime | None = None, suffix: str | None = None) -> str:
    """it-<UTC date>-<time>-<8 hex>: unique, sortable, and recognisable by a cleanup sweep."""
    now = now or datetime.now(UTC)
    name = f"{STACK_PREFIX}-{now:%Y%m%d-%H%M%S}-{suffix or secrets.token_hex(4)}"
    if not STACK_NAME.fullmatch(name) or not is_ephemeral(name):
        raise ValueError(f"{name!r} is not an ephemeral stack name")
    return name


def is_ephemeral(stack_name: str) -> bool:
    return bool(_EPHEMERAL.fullmatch(stack_name))


def new_token(generate: Callable[[], str] = lambda: secrets.token_hex(32)) -> str:
    """A fresh token the program accepts (validated as the stack's authToken is)."""
    token = generate()
    check_token("authToken", token)
    return token


def copy_project(source: Path, destination: Path) -> Path:
    """The program, policy pack and edge code in a scratch folder for an ephemeral stack:
    its stack file lands there, never beside the committed ones, and the checkout's .venv
    is linked, not copied (Pulumi.yaml names it)."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    venv = source / ".venv"
    if venv.exists():
        (destination / ".venv").symlink_to(venv.resolve(), target_is_directory=True)
    return destination


# --- readiness --------------------------------------------------------------------------


class NotReady(AssertionError):
    """The condition never held within the timeout; says what was awaited and the last result."""


def wait_until(
    condition: Callable[[], str | None],
    *,
    what: str,
    timeout: float,
    interval: float = 15.0,
    max_interval: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Poll ``condition`` until it returns None (ready) or ``timeout`` seconds pass.

    ``condition`` returns why it is not ready yet (a short text); a network error counts as
    not ready, since a new distribution's name resolves and serves minutes after ``up``.
    Waits grow from ``interval`` to ``max_interval``. Returns the seconds waited.
    """
    start = clock()
    wait = interval
    while True:
        try:
            reason = condition()
        except (OSError, http.client.HTTPException) as error:
            reason = f"{type(error).__name__}: {error}"
        elapsed = clock() - start
        if reason is None:
            return elapsed
        if elapsed + wait > timeout:
            raise NotReady(
                f"{what}: not ready after {elapsed:.0f}s (limit {timeout:.0f}s): {reason}"
            )
        sleep(wait)
        wait = min(wait * 2, max_interval)


# --- HTTP -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    # Case-insensitive: a server may send "Content-type" or "content-type".
    headers: Message
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def fetch(
    url: str, headers: Mapping[str, str] | None = None, timeout: float = HTTP_TIMEOUT_SECONDS
) -> Response:
    """One GET, redirects not followed (a 301 from redirect-to-https is a finding, not noise)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout
        )
    elif parts.scheme == "http":
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        raise ValueError(f"not an http(s) URL: {url!r}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def bearer(header: str, token: str) -> dict[str, str]:
    return {header: f"Bearer {token}"}


class CheckFailed(AssertionError):
    """A live check saw the wrong answer; the message never holds a token."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _json_error(response: Response, code: int, where: str) -> None:
    content_type = response.headers.get("Content-Type", "")
    _expect(
        content_type.startswith("application/json"),
        f"{where}: Content-Type {content_type!r}, expected the JSON error page",
    )
    try:
        document = response.json()
    except ValueError:
        raise CheckFailed(f"{where}: the body is not JSON: {response.body[:80]!r}") from None
    meta = document.get("meta") if isinstance(document, dict) else None
    _expect(
        isinstance(meta, dict) and meta.get("code") == code,
        f"{where}: JSON body {document!r} does not carry meta.code {code}",
    )


@dataclass(frozen=True)
class SiteProbe:
    """Where to look: the site's base URL, a protected object and a protected missing key."""

    base_url: str
    protected_path: str
    missing_path: str
    header: str = "authorization"
    # The protected object's bytes when known: a 200 must serve exactly them.
    expected_body: bytes | None = None

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def serves(probe: SiteProbe, token: str, fetcher: Callable[..., Response] = fetch) -> str | None:
    """Readiness: None once the protected object comes back 200 with the token."""
    response = fetcher(probe.url(probe.protected_path), bearer(probe.header, token))
    return None if response.status == 200 else f"HTTP {response.status}"


def check_site(probe: SiteProbe, token: str, fetcher: Callable[..., Response] = fetch) -> list[str]:
    """401 without the token, 200 with it, the JSON 404 page: what a deploy must do."""
    done = []
    where = f"GET {probe.protected_path} without a token"
    response = fetcher(probe.url(probe.protected_path), {})
    _expect(response.status == 401, f"{where}: HTTP {response.status}, expected 401")
    _json_error(response, 401, where)
    _expect(
        response.headers.get("WWW-Authenticate", "").startswith("Bearer"),
        f"{where}: no WWW-Authenticate: Bearer header",
    )
    done.append("401 JSON without a token")

    where = f"GET {probe.protected_path} with the token"
    response = fetcher(probe.url(probe.protected_path), bearer(probe.header, token))
    _expect(response.status == 200, f"{where}: HTTP {response.status}, expected 200")
    if probe.expected_body is not None:
        _expect(response.body == probe.expected_body, f"{where}: the body is not the object")
    done.append("200 with the token")

    where = f"GET {probe.missing_path} with the token"
    response = fetcher(probe.url(probe.missing_path), bearer(probe.header, token))
    _expect(response.status == 404, f"{where}: HTTP {response.status}, expected 404")
    _json_error(response, 404, where)
    done.append("JSON 404 page")
    return done


def token_results(
    probe: SiteProbe, tokens: Mapping[str, str], fetcher: Callable[..., Response] = fetch
) -> dict[str, int]:
    """Status of the protected object for each named token (names, so no token is printed)."""
    return {
        name: fetcher(probe.url(probe.protected_path), bearer(probe.header, token)).status
        for name, token in tokens.items()
    }


def rotation_state(
    probe: SiteProbe,
    accepted: Mapping[str, str],
    refused: Mapping[str, str],
    fetcher: Callable[..., Response] = fetch,
) -> str | None:
    """None when every ``accepted`` token gets 200 and every ``refused`` one 401; else why.

    A condition for ``wait_until``: edge replicas take minutes to run a new version, so a
    rotation is awaited, then asserted once more.
    """
    got = token_results(probe, {**accepted, **refused}, fetcher)
    wrong = [
        f"{name}: HTTP {got[name]} (expected {200 if name in accepted else 401})"
        for name in got
        if got[name] != (200 if name in accepted else 401)
    ]
    return "; ".join(wrong) or None


# --- cleanup ----------------------------------------------------------------------------


def edge_function_cleanup_commands(function_name: str, regions: Iterable[str] = ()) -> list[str]:
    """What `pulumi destroy` leaves (skip_destroy: replicated Lambda@Edge functions cannot be
    deleted until CloudFront removes the replicas, hours later), as commands to run then."""
    commands = [
        f"aws lambda delete-function --region us-east-1 --function-name {function_name}",
    ]
    log_group = f"/aws/lambda/us-east-1.{function_name}"
    commands += [
        f"aws logs delete-log-group --region {region} --log-group-name {log_group}"
        for region in regions
    ]
    return commands


if __name__ == "__main__":
    sys.exit(preflight())
