"""`make new-stack`: a stack of one's own with a client, offline, that make local serves with
its tokens; the stack file never holds one."""

from __future__ import annotations

import http.client
import shutil
import stat
import subprocess

import pytest

from components.checks import SettingsError
from tests.edge_support import CURRENT_TOKEN
from tests.process_support import HANG_SECONDS, run
from tools.clients import new_stack
from tools.plan import plan
from tools.stack_files.local_tokens import local_tokens_path, read_local_tokens
from tools.stack_files.reader import ROOT, StackFileError, read_stack_file

CLIENT = ("--new", "partner-a", "--path", "ex-img/partner-a/*", "--expires", "2099-01-01T00:00:00Z")


def make_stack(folder, *args: str) -> int:
    return new_stack.main(["--stack", "team", "--stack-dir", str(folder), *args])


def test_the_stack_file_holds_no_token_and_the_tokens_file_is_private(tmp_path, capsys):
    assert make_stack(tmp_path, *CLIENT) == 0
    out = capsys.readouterr().out
    tokens = read_local_tokens(tmp_path, "team")
    assert set(tokens) == {"AUTH_TOKEN", "CLIENT_TOKEN_PARTNER_A"}
    text = (tmp_path / "Pulumi.team.yaml").read_text()
    assert not any(token in text for token in tokens.values())
    assert "token:" not in text and "secure:" not in text
    path = local_tokens_path(tmp_path, "team")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (path.parent / ".gitignore").read_text() == "*\n"
    # The way to deploy: the same tokens, stored as the stack's secrets.
    assert 'pulumi config set --stack team --secret authToken "$AUTH_TOKEN")' in out
    assert "--secret --path 'clients.partner-a.token' \"$CLIENT_TOKEN_PARTNER_A\")" in out
    assert not any(token in out for token in tokens.values())


def test_the_tools_read_the_local_tokens_and_refuse_the_file_without_them(tmp_path, capsys):
    assert make_stack(tmp_path, *CLIENT) == 0
    capsys.readouterr()
    assert plan.main(["--stack", "team", "--stack-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "clients.partner-a.token only in .local-tokens/team.env (make new-stack)" in out
    assert "AUTH_TOKEN" in out.splitlines()[2]  # the plan ran with the stack's own token
    shutil.rmtree(tmp_path / ".local-tokens")
    with pytest.raises(SettingsError, match=r"clients\.partner-a\.token: is missing"):
        read_stack_file("team", tmp_path).settings(CURRENT_TOKEN)


def test_git_ignores_the_tokens_wherever_the_stack_dir_is(tmp_path, capsys):
    if shutil.which("git") is None:
        pytest.skip("needs git")
    run(["git", "init", "-q", str(tmp_path)], check=True)
    assert make_stack(tmp_path, *CLIENT) == 0
    status = run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert status.splitlines() == ["?? Pulumi.team.yaml"]


def test_make_local_serves_the_new_stack_with_its_tokens(tmp_path, processes):
    make = ["make", "-o", ".venv/.installed"]
    created = run(
        [*make, "new-stack", "STACK=team", f"STACK_DIR={tmp_path}", "NAME=partner-a",
         "PATHS=ex-img/partner-a/*"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    tokens = read_local_tokens(tmp_path, "team")
    process = processes.start(
        [*make, "local", "STACK=team", f"STACK_DIR={tmp_path}", "PORT=0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = []
    for line in process.stdout:
        banner.append(line)
        if line.startswith("Ctrl-C"):
            break
    assert f"token: {tokens['AUTH_TOKEN']}" in "".join(banner), "".join(banner)
    url = next(line.split()[1] for line in banner if line.startswith("URL:"))
    port = int(url.rstrip("/").rsplit(":", 1)[1])

    def status(path, token=None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_SECONDS)
        headers = {"authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse().status
        connection.close()
        return answer

    partner = tokens["CLIENT_TOKEN_PARTNER_A"]
    assert status("/ex-img/partner-a/logo.svg") == 401
    assert status("/ex-img/partner-a/logo.svg", partner) == 200
    assert status("/ex-img/logo.svg", partner) == 403  # outside its paths
    assert status("/ex-img/logo.svg", tokens["AUTH_TOKEN"]) == 200


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--new", "Partner_A"), "new-stack: 'Partner_A' is not a client name"),
        (("--new", "default"), "new-stack: 'default' is not a client name"),
        (("--new", "a", "--expires", "2001-01-01T00:00:00Z"), "make new-stack NAME=a EXPIRES="),
        (("--new", "a", "--path", "elsewhere/*"), "(with make new-stack: give the fixed value"),
        (("--stack", "bad name"), "new-stack: 'bad name' is not a stack name"),
    ],
)  # fmt: skip
def test_a_refusal_is_one_line_and_writes_nothing(tmp_path, capsys, args, words):
    assert make_stack(tmp_path, *args) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and words in err, err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_stack_or_tokens_file_is_never_overwritten(tmp_path, capsys):
    assert make_stack(tmp_path) == 0
    before = (tmp_path / "Pulumi.team.yaml").read_text(), read_local_tokens(tmp_path, "team")
    capsys.readouterr()
    assert make_stack(tmp_path) == 2
    assert "Pulumi.team.yaml exists, and new-stack never overwrites" in capsys.readouterr().err
    (tmp_path / "Pulumi.team.yaml").unlink()
    assert make_stack(tmp_path) == 2
    assert "team.env exists, left by an earlier stack team" in capsys.readouterr().err
    assert read_local_tokens(tmp_path, "team") == before[1]


def test_a_bad_line_in_the_tokens_file_is_one_line_without_its_value(tmp_path):
    path = local_tokens_path(tmp_path, "team")
    path.parent.mkdir()
    path.write_text("AUTH_TOKEN=abc\nCLIENT_TOKEN_X=$(touch pwned)secretvalue\n")
    with pytest.raises(StackFileError) as refused:
        read_local_tokens(tmp_path, "team")
    assert "line 2 is not NAME=token" in str(refused.value)
    assert "secretvalue" not in str(refused.value) and "abc" not in str(refused.value)
