"""`make grant`: a signed link for a stack's client, minted with the token the other tools use,
after the edge's own checks (each refusal one line, never a token), with the local edge's answer
when it runs."""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import shutil
import subprocess
import threading
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from clients import grant_parts, mint_grant, verify_grant
from tests.client_support import OPEN_TOKEN, SCOPED_PREVIOUS_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.process_support import HANG_SECONDS, run
from tests.support.locations import STACK_CASES_DIR
from tools.clients.grant import main, probe_local_edge, stack_url, ttl_seconds
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions
from tools.stack_files.reader import ROOT

LOGO = "/ex-img/partner-a/logo.svg"
GRANT = mint_grant(OPEN_TOKEN, "mirror", "/ex-img/*", 60)
ENV = {"CLIENT_TOKEN_PARTNER_A": SCOPED_TOKEN, "CLIENT_TOKEN_MIRROR": OPEN_TOKEN}
EDGE_ENV = {**ENV, "CLIENT_PREVIOUS_TOKEN_PARTNER_A": SCOPED_PREVIOUS_TOKEN}


def partners_stack(folder: Path, **config) -> Path:
    """The partners stack case with grants on (and ``config`` keys changed), in ``folder``."""
    document = yaml.safe_load((STACK_CASES_DIR / "Pulumi.partners.yaml").read_text())
    values = {"grants": True, "edgeRuntime": "cloudfront-function", **config}
    for key, value in values.items():
        if value is None:
            document["config"].pop(f"protected-cdn:{key}", None)
        else:
            document["config"][f"protected-cdn:{key}"] = value
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.partners.yaml").write_text(yaml.safe_dump(document))
    return folder


@pytest.fixture
def stacks(tmp_path):
    return partners_stack(tmp_path / "stacks")


def grant_tool(
    stack_dir: Path, *args: str, env=None, port: int = 1, now: float | None = None
) -> tuple[int, str, str]:
    """make grant's tool in this process: (status, stdout, stderr). Port 1 has no edge."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main(
                ["--stack", "partners", "--stack-dir", str(stack_dir), "--port", str(port), *args],
                environ=ENV if env is None else env,
                now=now,
            )
        except SystemExit as end:  # argparse refused an argument
            status = end.code
    return status, stdout.getvalue(), stderr.getvalue()


def links(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if "?grant=" in line]


def test_a_grant_for_a_file_is_a_link_on_the_stacks_domain(stacks):
    status, out, err = grant_tool(stacks, "--client", "partner-a", "--path", LOGO, "--ttl", "15m")
    assert (status, err) == (0, "")
    (link,) = links(out)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "partners.example.com", LOGO)
    (grant,) = parse_qs(parts.query)["grant"]
    claims = verify_grant(SCOPED_TOKEN, grant)
    assert claims["path"] == LOGO and claims["exp"] - claims["iat"] == 900
    assert grant_parts(grant)[0]["kid"] == "partner-a"
    assert "local edge on 127.0.0.1:1: not running" in out
    assert SCOPED_TOKEN not in out


def test_a_prefix_grant_shows_where_the_files_name_goes(stacks):
    status, out, _ = grant_tool(stacks, "--client", "partner-a", "--path", "/ex-img/partner-a/*")
    assert status == 0
    (link,) = links(out)
    assert link.startswith("https://partners.example.com/ex-img/partner-a/FILE?grant=")
    assert "FILE: a file's path under the prefix" in out


def test_the_token_comes_from_the_stacks_local_tokens_when_the_environment_has_none(stacks):
    (stacks / ".local-tokens").mkdir()
    (stacks / ".local-tokens" / "partners.env").write_text(f"CLIENT_TOKEN_MIRROR={OPEN_TOKEN}\n")
    status, out, _ = grant_tool(stacks, "--client", "mirror", "--path", "/ex-img/*", env={})
    assert status == 0
    (link,) = links(out)
    verify_grant(OPEN_TOKEN, parse_qs(urlsplit(link).query)["grant"][0])


@pytest.mark.parametrize(
    ("config", "args", "words"),
    [
        ({"grants": None}, ("--client", "mirror"), "stack partners has grants off"),
        (
            {"grants": None, "edgeRuntime": None},
            ("--client", "mirror"),
            "pulumi config set edgeRuntime cloudfront-function --stack partners, then",
        ),
        ({"grants": True, "edgeRuntime": None}, ("--client", "mirror"), "grants: needs the"),
        ({}, ("--client", "nobody"), "stack partners has no client nobody (its clients: "),
        ({}, ("--client", "Bad_Name"), "'Bad_Name' is not a client name"),
        ({}, ("--client", "archive-co"), "client archive-co expired at 2025-01-01T00:00:00Z"),
        ({}, ("--client", "partner-a", "--path", "/ex-img/partner-b/*"), "outside client"),
        ({}, ("--client", "partner-a", "--path", "/ex-img/x.png"), "the edge would answer 403"),
        ({}, ("--client", "mirror", "--path", "/index.html"), "not a protected path"),
        ({}, ("--client", "mirror", "--ttl", "2d"), "longer than stack partners's maxGrant"),
        ({"maxGrantSeconds": 600}, ("--client", "mirror", "--ttl", "11m"), "TTL=600 or less"),
        ({}, ("--client", "mirror", "--ttl", "0"), "TTL '0' is not a lifetime"),
        ({}, ("--client", "mirror", "--ttl", "1w"), "TTL '1w' is not a lifetime"),
        ({}, ("--client", "mirror", "--path", "/ex-img/a%20b.png"), "PATH '/ex-img/a%20b"),
        ({}, ("--client", "mirror", "--path", "/ex-img/a b.png"), "grant its folder instead"),
        ({}, ("--client", "mirror", "--path", "ex-img/*"), "PATH: must start with /"),
        ({}, ("--client", "mirror", "--path", ""), "no PATH"),
        ({}, ("--path", "/ex-img/*"), "no CLIENT"),
        ({}, ("--client", "mirror", "--stack", "no such"), "is not a stack name"),
        ({}, ("--client", "mirror", "--port", "http"), "PORT 'http' is not a port"),
    ],
)
def test_each_refusal_is_one_line_with_the_fix_and_no_token(tmp_path, config, args, words):
    stacks = partners_stack(tmp_path / "stacks", **config)
    if "--path" not in args:
        args = (*args, "--path", "/ex-img/a.png")
    status, out, err = grant_tool(stacks, *args)
    assert (status, out) == (2, "")
    assert err.startswith("make grant: ") and err.count("\n") == 1, err
    assert words in err
    assert not any(token in err for token in (SCOPED_TOKEN, OPEN_TOKEN, CURRENT_TOKEN))


def test_a_ttl_past_the_clients_expiry_is_refused_with_what_is_left(stacks):
    # partner-a expires at 2099-12-31T00:00:00Z: an hour before, a day is too long.
    now = datetime.fromisoformat("2099-12-30T23:00:00+00:00").timestamp()
    args = ("--client", "partner-a", "--path", LOGO)
    status, _, err = grant_tool(stacks, *args, "--ttl", "1d", now=now)
    assert status == 2
    assert "outlasts client partner-a, which expires at 2099-12-31T00:00:00Z" in err
    assert "Fix: TTL=3600 or less" in err
    assert grant_tool(stacks, *args, "--ttl", "3600", now=now)[0] == 0


def test_the_default_client_signs_with_auth_token_for_every_protected_path(stacks):
    args = ("--client", "default", "--path", "/ex-img/*")
    status, out, err = grant_tool(stacks, *args, env={"AUTH_TOKEN": CURRENT_TOKEN})
    assert (status, err) == (0, "")
    (link,) = links(out)
    claims = verify_grant(CURRENT_TOKEN, parse_qs(urlsplit(link).query)["grant"][0])
    assert claims["path"] == "/ex-img/*"
    status, _, err = grant_tool(stacks, *args, env={})
    assert status == 2 and "no token for client default: AUTH_TOKEN is not set" in err


def test_a_missing_or_empty_token_says_where_it_is_read(stacks):
    status, _, err = grant_tool(stacks, "--client", "partner-a", "--path", LOGO, env={})
    assert status == 2
    assert "no token for client partner-a: CLIENT_TOKEN_PARTNER_A is not set and " in err
    assert ".local-tokens/partners.env has none" in err
    status, _, err = grant_tool(
        stacks, "--client", "partner-a", "--path", LOGO, env={"CLIENT_TOKEN_PARTNER_A": " "}
    )
    assert status == 2 and "CLIENT_TOKEN_PARTNER_A is set but empty" in err


def test_ttl_takes_seconds_or_a_unit():
    assert [ttl_seconds(t) for t in ("90", "90s", "15m", "2h", "1d")] == [90, 90, 900, 7200, 86400]


def test_the_address_comes_from_the_domain_else_the_stack_output_else_a_note(tmp_path, monkeypatch):
    assert stack_url("a.example.com", "dev", tmp_path) == ("https://a.example.com", None)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    url, note = stack_url(None, "dev", tmp_path)
    assert url is None and "no pulumi CLI is on PATH to run pulumi stack output url" in note

    def output(stdout: str, code: int = 0):
        return lambda command, **kwargs: subprocess.CompletedProcess(command, code, stdout, "")

    monkeypatch.setattr(shutil, "which", lambda _name: "/usr/bin/pulumi")
    found = stack_url(None, "dev", tmp_path, output("https://d1.cloudfront.net/\n"))
    assert found == ("https://d1.cloudfront.net", None)
    url, note = stack_url(None, "dev", tmp_path, output("", 255))
    assert url is None and "url --stack dev failed (exit 255: no output) (deployed yet?)" in note
    url, note = stack_url(None, "dev", tmp_path, output("http://d1.cloudfront.net"))
    assert url is None and "url output is no https address" in note


def local_edge(stacks: Path, client_env: dict) -> LocalEdge:
    options = LocalEdgeOptions(
        stack="partners", stack_dir=stacks, port=0, token=CURRENT_TOKEN, client_env=client_env
    )
    edge = LocalEdge(options, log=lambda line: None)
    serve_in_background(edge)
    return edge


def test_the_local_edge_gets_the_same_link_and_is_asked_whether_it_accepts_it(stacks):
    with local_edge(stacks, EDGE_ENV) as edge:
        status, out, _ = grant_tool(stacks, "--client", "partner-a", "--path", LOGO, port=edge.port)
        assert status == 0
        assert f"local edge on 127.0.0.1:{edge.port}: running, accepts this grant" in out
        (_, local) = links(out)
        assert local.startswith(f"http://127.0.0.1:{edge.port}{LOGO}?grant=")
        with urllib.request.urlopen(local, timeout=HANG_SECONDS) as response:  # noqa: S310
            assert response.status == 200
            assert response.read() == (ROOT / "sample_content" / LOGO[1:]).read_bytes()
    # The same grant from another token for the client: that edge would refuse it.
    other = {**EDGE_ENV, "CLIENT_TOKEN_PARTNER_A": "another-token-of-partner-a-0123456789abcdef"}
    with local_edge(stacks, other) as edge:
        status, out, _ = grant_tool(
            stacks, "--client", "partner-a", "--path", "/ex-img/partner-a/*", port=edge.port
        )
        assert status == 0 and "running, refuses this grant (401)" in out


def test_a_port_with_something_else_is_not_taken_for_the_local_edge():
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    # The probe sends one request: the server answers it, then its thread ends.
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        state = probe_local_edge(server.server_address[1], GRANT, "/")
    finally:
        thread.join(timeout=HANG_SECONDS)
        server.server_close()
    assert (
        state == f"something else answers on 127.0.0.1:{server.server_address[1]}, not make local"
    )


def make_grant(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return run(
        ["make", "-o", ".venv/.installed", "grant", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        env={**base, **ENV, **(env or {})},
    )


def test_make_grant_takes_path_on_the_command_line_as_data(stacks, tmp_path):
    mark = tmp_path / "evaluated"
    result = make_grant(
        "STACK=partners", f"STACK_DIR={stacks}", "CLIENT=partner-a", "TTL=1h", "PORT=1",
        f"PATH=/ex-img/partner-a/$(shell touch {mark}.make)`touch {mark}.sh`$$(touch {mark}.d)",
    )  # fmt: skip
    assert not list(tmp_path.glob("evaluated*")), "make or a shell ran PATH's value"
    assert result.returncode == 2 and result.stderr.startswith("make grant: PATH '/ex-img/"), (
        result.stderr
    )
    result = make_grant(
        "STACK=partners", f"STACK_DIR={stacks}", "CLIENT=partner-a", "TTL=1h", "PORT=1",
        f"PATH={LOGO}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (link,) = links(result.stdout)
    assert link.startswith(f"https://partners.example.com{LOGO}?grant=")


def test_make_grant_without_path_keeps_the_shells_path_and_asks_for_one(stacks):
    result = make_grant("STACK=partners", f"STACK_DIR={stacks}", "CLIENT=partner-a")
    assert result.returncode == 2
    assert "make grant: no PATH. Fix: PATH=/ex-img/partner-a/logo.svg" in result.stderr
