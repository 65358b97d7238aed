"""The make targets' variables reach the tools as data: neither make nor a shell evaluates them.

Each payload would leave a file behind if anything evaluated it; quotes, spaces and newlines
either work or get the tool's own one-line error.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.edge_support import CURRENT_TOKEN
from tests.process_support import HANG_SECONDS, run
from tests.support.stand_in import make_stand_in, replay, stand_in_venv
from tools.make_args import make_argv, port_number, stack_tool_parser
from tools.stack_files.reader import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
STAMP = ".venv/.installed"
CASES = "tests/stacks"
MAKEFILE = (ROOT / "Makefile").read_text()
TOOL_VARIABLES = re.search(r"^TOOL_VARIABLES := (.*)$", MAKEFILE, flags=re.MULTILINE)[1].split()
# Every target that runs a tool with variables, and `help` (a recipe that takes none).
TOOL_TARGETS = ["local", "plan", "plan-json", "clients", "new-client", "new-stack", "revoke"]
TOOL_TARGETS += ["upload", "grant", "help"]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without an outer make's flags (the suite may run under make test)."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("MAKE", "MFLAGS"))
    }
    return {**env, "AUTH_TOKEN": "", **extra}


def make(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run(
        ["make", "-o", STAMP, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        env=clean_env(),
        **kwargs,
    )


def payload(folder: Path, variable: str) -> str:
    """Text that leaves a file in ``folder`` if make or a shell evaluates it, in each way."""
    mark = folder / variable
    return (
        f"x$(shell touch {mark}.make)`touch {mark}.backquote`$$(touch {mark}.dollar)"
        f";touch {mark}.semicolon;'$(touch {mark}.quoted)'\n$(touch {mark}.line)"
    )


@pytest.fixture
def stand_in(tmp_path):
    """A venv whose python only records what make started it with (tests/support/stand_in.py)."""
    return stand_in_venv(tmp_path / "venv")


@pytest.mark.parametrize("target", TOOL_TARGETS)
def test_no_variable_is_evaluated_by_make_or_the_shell(
    tmp_path, stand_in, capsys, monkeypatch, target
):
    assert {"STACK", "NAME", "EXPIRES", "PATHS", "CLIENT", "CONTENT", "ENGINE"} <= set(
        TOOL_VARIABLES
    )
    marks = tmp_path / "marks"
    marks.mkdir()
    variables = [f"{name}={payload(marks, name)}" for name in TOOL_VARIABLES]
    result, calls = make_stand_in(stand_in, target, *variables, env=clean_env())
    assert result.returncode == 0, result.stderr
    assert list(marks.iterdir()) == [], "a value was run as a command"
    if target == "help":
        assert calls == []
        return
    # The tool, given what make gave it, refuses the text in one line of its own.
    (call,) = calls
    monkeypatch.setenv("AUTH_TOKEN", "")
    assert replay(call, monkeypatch) == 2
    err = capsys.readouterr().err
    (ours,) = err.splitlines()
    assert "touch" in ours


def test_no_recipe_holds_a_tool_variable():
    """A value inside a recipe's text meets the shell; the tools read MAKE_ARG_* instead."""
    recipes = [line for line in MAKEFILE.splitlines() if line.startswith("\t")]
    for name in TOOL_VARIABLES:
        assert not [line for line in recipes if f"$({name})" in line], name


def test_quotes_and_spaces_in_a_value_reach_the_tool_whole(tmp_path):
    content = tmp_path / "my site"
    (content / "ex-img" / "o'brien").mkdir(parents=True)
    (content / "ex-img" / "o'brien" / "logo.svg").write_text("<svg/>")
    result = make(
        "upload", "STACK=dev", f"STACK_DIR={CASES}", f"CONTENT={content}", "DRY_RUN=1"
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["protected", "ex-img/o'brien/logo.svg", "(image/svg+xml)"]
    result = make(
        "new-client", "STACK=dev", f"STACK_DIR={CASES}", "NAME=partner-b",
        "PATHS=ex-img/o'brien/* ex-img/partner-b/*", "EXPIRES=2099-01-01T00:00:00Z",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "--path 'clients.partner-b.paths[0]' 'ex-img/o'\"'\"'brien/*'" in result.stdout
    assert "--path 'clients.partner-b.paths[1]' 'ex-img/partner-b/*'" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("new-client", "NAME=-X"), "new-client: '-X' is not a client name"),
        (("new-client", "NAME=--help"), "new-client: '--help' is not a client name"),
        (("new-client", "NAME=-x"), "new-client: '-x' is not a client name"),
        (("new-client", "NAME=a\nb"), r"new-client: 'a\nb' is not a client name"),
        (("new-client", "NAME=ok", "EXPIRES=-1"), "clients.ok.expires"),
        (("revoke", "CLIENT=--HELP"), "make revoke: '--HELP' is not a client name"),
        (("revoke", "CLIENT=--help"), "make revoke: '--help' is not a client name"),
        (("revoke", "CLIENT=\x1b[31mred"), r"make revoke: '\x1b[31mred' is not a client name"),
        (("local", "ENGINE=--help"), "local edge: argument --engine: invalid choice: '--help'"),
        (("local", "PORT=-1"), "local edge: argument --port: PORT '-1' is not a port (0-65535"),
        (("plan", "STACK=-h"), "plan: unknown stack '-h'"),
        (("clients", "STACK=--help"), "clients: unknown stack '--help'"),
    ],
)
def test_a_value_like_an_option_meets_the_tools_own_rule(
    stand_in, capsys, monkeypatch, args, words
):
    result, (call,) = make_stand_in(stand_in, *args, f"STACK_DIR={CASES}", env=clean_env())
    assert result.returncode == 0, result.stderr
    monkeypatch.setenv("AUTH_TOKEN", "")
    status = replay(call, monkeypatch)
    out, err = capsys.readouterr()
    assert "usage:" not in out + err
    assert "\x1b" not in out + err
    assert status == 2 and len(err.splitlines()) == 1, err
    assert words in err


def test_make_local_serves_a_content_folder_with_a_space(processes, tmp_path):
    content = tmp_path / "my site" / "ex-img"
    content.mkdir(parents=True)
    (content / "a b.txt").write_text("inside\n")
    process = processes.start(
        ["make", "-o", STAMP, "local", f"STACK_DIR={CASES}", f"CONTENT={content.parent}", "PORT=0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(AUTH_TOKEN=CURRENT_TOKEN),
    )
    url = next(line.split()[1] for line in process.stdout if line.startswith("URL:"))
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HANG_SECONDS)
    connection.request("GET", "/ex-img/a%20b.txt", headers={"authorization": CURRENT_TOKEN})
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"inside\n")
    connection.close()


def test_make_argv_gives_each_value_as_one_option_after_the_recipes_own():
    environ = {"MAKE_ARG_NAME": "-x", "MAKE_ARG_EXPIRES": "", "MAKE_ARG_PATHS": " a/*\nb c "}
    options = {"--new": "NAME", "--expires": "EXPIRES", "--stack": "STACK"}
    line = make_argv(options, {"--path": "PATHS"}, environ=environ, argv=["--new="])
    assert line == ["--new=", "--new=-x", "--path=a/*", "--path=b", "--path=c"]


@pytest.mark.parametrize(
    ("lowest", "text"), [(1, "0"), (0, "65536"), (0, "²"), (0, " 80"), (0, "")]
)
def test_a_port_is_ascii_digits_within_its_range(lowest, text):
    with pytest.raises(argparse.ArgumentTypeError, match=rf"is not a port \({lowest}-65535"):
        port_number(lowest)(text)
    assert [port_number(0)("0"), port_number(1)("65535")] == [0, 65535]


def test_a_bad_argument_is_one_line_after_the_tools_prefix(capsys):
    parser = stack_tool_parser("make x", "doc", error_prefix="make x")
    parser.add_argument("--client", required=True)
    with pytest.raises(SystemExit) as stopped:
        parser.parse_args(["--stack-dir=."])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "make x: the following arguments are required: --client\n"
