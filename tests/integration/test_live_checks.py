"""The live test's pure parts, run here: names, readiness polling, and the HTTP checks against
the local edge (the real handler over real HTTP on 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest

from components.checks import SettingsError
from tests.edge_support import serve_in_background
from tests.integration import test_live_deploy
from tests.integration.live_checks import (
    CheckFailed,
    NotReady,
    Response,
    SiteProbe,
    check_site,
    copy_project,
    edge_function_cleanup_commands,
    ephemeral_stack_name,
    fetch,
    is_ephemeral,
    missing_prerequisites,
    new_token,
    rotation_state,
    serves,
    wait_until,
)
from tests.process_support import run
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge.local_edge import DEFAULT_CONTENT, LocalEdge, LocalEdgeOptions

from ..edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN

ROOT = Path(__file__).resolve().parents[2]
LOGO = DEFAULT_CONTENT / "ex-img" / "logo.svg"


def local_edge(token: str, previous: tuple[str, ...] = ()) -> LocalEdge:
    options = LocalEdgeOptions(
        stack="dev", stack_dir=STACK_CASES_DIR, port=0, token=token, previous_tokens=previous
    )
    return LocalEdge(options, log=lambda _line: None)


def probe_for(edge: LocalEdge) -> SiteProbe:
    return SiteProbe(
        base_url=edge.url + "/",
        protected_path="ex-img/logo.svg",
        missing_path="ex-img/nope.svg",
        expected_body=LOGO.read_bytes(),
    )


@pytest.fixture(scope="module")
def rotating():
    """The edge during a rotation: the new token current, the old one still accepted."""
    with local_edge(CURRENT_TOKEN, (PREVIOUS_TOKEN,)) as edge:
        serve_in_background(edge)
        yield edge


@pytest.fixture(scope="module")
def rotated():
    """The edge after the rotation: the old token dropped."""
    with local_edge(CURRENT_TOKEN) as edge:
        serve_in_background(edge)
        yield edge


# --- prerequisites ----------------------------------------------------------------------


def test_the_live_test_needs_the_flag_the_cli_and_credentials():
    no_cli = missing_prerequisites({}, which=lambda _name: None, has_aws_credentials=None)
    assert len(no_cli) == 2
    assert "PROTECTED_CDN_INTEGRATION=1" in no_cli[0] and "pulumi CLI" in no_cli[1]

    def never():
        raise AssertionError("credentials looked up although the test cannot run anyway")

    flag = {"PROTECTED_CDN_INTEGRATION": "1"}
    assert missing_prerequisites(flag, lambda _n: None, never) == ["the pulumi CLI is not on PATH"]
    cli = lambda _name: "/usr/bin/pulumi"  # noqa: E731
    assert "no AWS credentials" in missing_prerequisites(flag, cli, lambda: False)[0]
    assert missing_prerequisites(flag, cli, lambda: True) == []
    assert missing_prerequisites({"PROTECTED_CDN_INTEGRATION": "yes"}, cli, lambda: True)


PLAIN_PYTEST = ["-p", "no:xdist", "-p", "no:randomly", "-p", "no:hypothesispytest", "--noconftest"]


def _live_test(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """The live test in its own pytest, on a PATH with no pulumi CLI (an empty folder)."""
    no_cli = tmp_path / "bin"
    no_cli.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k != "PROTECTED_CDN_INTEGRATION"}
    return run(
        # Only what the live test itself needs: it takes no suite fixture and no plugin.
        [sys.executable, "-m", "pytest", *PLAIN_PYTEST, "tests/integration/test_live_deploy.py"],
        cwd=ROOT,
        env={**base, "PATH": str(no_cli), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_live_test_asked_for_but_unable_to_run_fails_saying_nothing_ran(tmp_path):
    result = _live_test(tmp_path, PROTECTED_CDN_INTEGRATION="1")
    assert result.returncode != 0, result.stdout
    assert "nothing ran" in result.stdout and "pulumi CLI is not on PATH" in result.stdout
    assert "skipped" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_live_test_not_asked_for_is_skipped_saying_nothing_ran(tmp_path, monkeypatch):
    # `make test`: the live test is not asked for, so the suite stays green. Called here in
    # this process (the child above proves the exit status): a skip, never a failure.
    no_cli = tmp_path / "bin"
    no_cli.mkdir()
    monkeypatch.setenv("PATH", str(no_cli))
    monkeypatch.delenv("PROTECTED_CDN_INTEGRATION", raising=False)
    with pytest.raises(pytest.skip.Exception, match="nothing ran"):
        test_live_deploy.test_an_ephemeral_stack_serves_protected_content_and_rotates_its_token(
            tmp_path
        )


# --- names, tokens, the scratch project --------------------------------------------------


def test_ephemeral_stack_names_are_unique_valid_and_recognisable():
    moment = datetime(2026, 11, 25, 23, 5, 9, tzinfo=UTC)
    assert ephemeral_stack_name(moment, "0a1b2c3d") == "it-20261125-230509-0a1b2c3d"
    names = {ephemeral_stack_name() for _ in range(50)}
    assert len(names) == 50 and all(is_ephemeral(name) for name in names)
    for kept in ("dev", "prod", "staging", "it-dev"):
        assert not is_ephemeral(kept)
    with pytest.raises(ValueError, match="not an ephemeral stack name"):
        ephemeral_stack_name(moment, "NOT HEX")


def test_new_tokens_are_fresh_and_valid_and_a_weak_one_is_refused():
    assert new_token() != new_token()
    assert len(new_token()) == 64
    with pytest.raises(SettingsError, match="authToken"):
        new_token(lambda: "a" * 64)


def test_the_scratch_project_holds_the_program_but_no_stack_files(tmp_path):
    copy = copy_project(ROOT, tmp_path / "project")
    for needed in ("Pulumi.yaml", "__main__.py", "components", "edge_handler", "policy"):
        assert (copy / needed).exists(), needed
    assert list(copy.glob("Pulumi.*.yaml")) == []
    assert not (copy / ".git").exists() and not (copy / ".build").exists()
    if (ROOT / ".venv").exists():
        assert (copy / ".venv").is_symlink()


# --- readiness --------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_until_polls_with_growing_waits_until_ready():
    time = FakeTime()
    answers = iter([OSError("Name or service not known"), "HTTP 403", "HTTP 503", None])

    def condition():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    waited = wait_until(
        condition, what="site", timeout=600, interval=10, clock=time.clock, sleep=time.sleep
    )
    assert time.sleeps == [10, 20, 40] and waited == 70


def test_wait_until_gives_up_at_the_timeout_with_the_last_reason():
    time = FakeTime()
    with pytest.raises(NotReady) as caught:
        wait_until(
            lambda: "HTTP 503",
            what="distribution",
            timeout=100,
            interval=10,
            max_interval=30,
            clock=time.clock,
            sleep=time.sleep,
        )
    assert time.sleeps == [10, 20, 30, 30] and sum(time.sleeps) <= 100
    assert str(caught.value).startswith("distribution: not ready after 90s (limit 100s): HTTP 503")


# --- the HTTP checks against the local edge ----------------------------------------------


def test_the_deploy_checks_pass_against_the_local_edge(rotated):
    probe = probe_for(rotated)
    assert serves(probe, CURRENT_TOKEN) is None
    assert check_site(probe, CURRENT_TOKEN) == [
        "401 JSON without a token",
        "200 with the token",
        "JSON 404 page",
    ]


def test_a_wrong_token_fails_the_checks_without_printing_it(rotated):
    probe = probe_for(rotated)
    wrong = "f" * 31 + "0123456789abcdef" + "e" * 17
    assert serves(probe, wrong) == "HTTP 401"
    with pytest.raises(CheckFailed) as caught:
        check_site(probe, wrong)
    assert "with the token: HTTP 401, expected 200" in str(caught.value)
    assert wrong not in str(caught.value)


def test_headers_are_read_case_insensitively(rotated):
    response = fetch(probe_for(rotated).url("ex-img/logo.svg"))
    assert response.headers.get("content-type") == response.headers.get("CONTENT-TYPE")
    assert response.headers.get("www-authenticate", "").startswith("Bearer")


@pytest.mark.parametrize(
    ("path", "status", "headers", "body", "words"),
    [
        # An edge that lets everyone in.
        ("ex-img/logo.svg", 200, {}, b"x", "without a token: HTTP 200, expected 401"),
        # A 401 that is not the handler's JSON.
        ("ex-img/logo.svg", 401, {"Content-Type": "text/html"}, b"<h1>", "expected the JSON"),
    ],
)
def test_the_checks_catch_a_broken_site(path, status, headers, body, words):
    def fetcher(_url, _headers=None):
        return Response(status, _message(headers), body)

    probe = SiteProbe("https://d111111abcdef8.cloudfront.net/", path, "ex-img/nope.svg")
    with pytest.raises(CheckFailed, match=words):
        check_site(probe, CURRENT_TOKEN, fetcher)


def _message(headers: dict[str, str]) -> Message:
    message = Message()
    for name, value in headers.items():
        message[name] = value
    return message


def test_a_rotation_is_seen_in_both_phases(rotating, rotated):
    tokens = {"new": CURRENT_TOKEN, "old": PREVIOUS_TOKEN}
    # During the rotation both work; the old one is not refused yet.
    assert rotation_state(probe_for(rotating), accepted=tokens, refused={}) is None
    still = rotation_state(probe_for(rotating), {"new": CURRENT_TOKEN}, {"old": PREVIOUS_TOKEN})
    assert still == "old: HTTP 200 (expected 401)"
    # After it, only the new token works; awaited as the live test awaits replicas.
    time = FakeTime()
    waited = wait_until(
        lambda: rotation_state(probe_for(rotated), {"new": CURRENT_TOKEN}, {"old": PREVIOUS_TOKEN}),
        what="rotation",
        timeout=60,
        clock=time.clock,
        sleep=time.sleep,
    )
    assert waited == 0 and time.sleeps == []


def test_cleanup_commands_name_the_function_left_behind_and_its_log_groups():
    commands = edge_function_cleanup_commands("site-edge-auth-function-05a0c73", ["eu-west-1"])
    assert commands == [
        "aws lambda delete-function --region us-east-1 "
        "--function-name site-edge-auth-function-05a0c73",
        "aws logs delete-log-group --region eu-west-1 "
        "--log-group-name /aws/lambda/us-east-1.site-edge-auth-function-05a0c73",
    ]
