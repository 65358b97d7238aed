"""The make targets as a user runs them: help, plan-json, closed pipes, venv."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.process_support import run
from tests.support.stand_in import make_stand_in, replay, stand_in_venv
from tools.plan.plan import main as plan_main
from tools.stack_files.reader import ROOT

STAMP = ".venv/.installed"
# The dev stack case (tests/stacks/), not the user's own dev stack.
CASE = ("STACK=dev", "STACK_DIR=tests/stacks")
TARGETS = re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
# When the suite itself runs under `make test`, the outer make's flags must not leak in.
OUTER_MAKE = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "MAKEFILES")


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in OUTER_MAKE}
    return {**env, **extra}


def make(*args: str, cwd: Path = ROOT, **kwargs) -> subprocess.CompletedProcess:
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} | kwargs
    return run(
        ["make", *args],
        cwd=cwd,
        **streams,
        text=True,
        timeout=180,
        env=clean_env(AUTH_TOKEN=""),
        check=False,
    )


@pytest.mark.parametrize("args", [(), ("help",)])
def test_make_alone_and_make_help_list_every_target_with_one_line(args):
    result = make(*args)
    assert result.returncode == 0, result.stderr
    assert {"help", "test", "local", "plan", "plan-json", "venv"} <= set(TARGETS)
    for target in TARGETS:
        (line,) = [line for line in result.stdout.splitlines() if line.split()[:1] == [target]]
        assert len(line.split()) > 1, f"no description for {target}"


# `-o STAMP`: the dependencies are installed (this suite runs in them), so make must not try to
# reinstall them here; that the venv step prints nothing on stdout is tested below on its own.
def test_make_plan_json_stdout_is_valid_json():
    result = make("-o", STAMP, "plan-json", *CASE)
    assert result.returncode == 0, result.stderr
    tool = subprocess.run(
        [sys.executable, "-m", "json.tool"],
        input=result.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert tool.returncode == 0, tool.stderr
    assert json.loads(result.stdout)["stack"] == "dev"


def test_a_closed_pipe_ends_plan_quietly():
    """`make plan | head -1`: the reader is gone before the plan is printed."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write fails, every time, not by timing
    try:
        result = make("-o", STAMP, "plan", *CASE, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    # Only the plan's own notes may reach stderr: no traceback.
    assert all(line.startswith("note: ") for line in result.stderr.splitlines()), result.stderr
    assert result.returncode == 0


def test_a_closed_pipe_ends_plan_json_quietly(capsys, monkeypatch):
    """`make plan-json | head -1`, the tool in process (make's part: the test above)."""
    monkeypatch.setenv("AUTH_TOKEN", "")
    read_end, write_end = os.pipe()
    os.close(read_end)
    # Closing the stream closes write_end; the tool points it at devnull first.
    with open(write_end, "w", encoding="utf-8") as closed, contextlib.redirect_stdout(closed):
        status = plan_main(["--stack", "dev", "--stack-dir", "tests/stacks", "--json"])
    # Only the plan's own notes reach stderr (plan-json sends them there): no traceback.
    err = capsys.readouterr().err
    assert err and all(line.startswith("note: ") for line in err.splitlines()), err
    assert status == 0


# --- the venv step, on a copy of the Makefile with a fake interpreter -----------------------

PROGRESS = next(
    line.split('"')[1]
    for line in (ROOT / "Makefile").read_text().splitlines()
    if "make venv: installing" in line
).replace("$(VENV)", ".venv")

FAKE_PYTHON = textwrap.dedent(
    """\
    #!/bin/sh
    # Stands in for python3: answers the version query, and `-m venv DIR` makes a fake venv
    # whose python logs its calls and has a working pip unless FAKE_PIP_BROKEN is set.
    case "$1" in
      -c) echo "$FAKE_VERSION" ;;
      -m) mkdir -p "$3/bin"
          if [ -n "$FAKE_PIP_BROKEN" ]; then
            printf '#!/bin/sh\\necho "No module named pip" >&2; exit 1\\n' > "$3/bin/python"
          else
            printf '#!/bin/sh\\necho "$*" >> "$(dirname "$0")/../calls.log"\\n' > "$3/bin/python"
          fi
          chmod +x "$3/bin/python" ;;
    esac
    """
)


@pytest.fixture
def project(tmp_path):
    """The Makefile and requirement files alone, plus a fake python3."""
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "policy").mkdir()
    shutil.copy(ROOT / "policy" / "requirements.txt", tmp_path / "policy" / "requirements.txt")
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return tmp_path


def make_venv(project: Path, version: str = "3 12", pip_broken: bool = False):
    env = clean_env(FAKE_VERSION=version, FAKE_PIP_BROKEN="1" if pip_broken else "")
    return run(
        ["make", "venv", f"PYTHON={project / 'fake-python'}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_venv_step_recreates_a_half_made_venv_without_pip(project):
    # What `python3 -m venv` leaves when python3-venv is missing: an interpreter, no pip.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", project / ".venv"], check=True)
    result = make_venv(project)
    assert result.returncode == 0, result.stderr
    assert "has no working pip (half-made); recreating it" in result.stderr
    calls = (project / ".venv" / "calls.log").read_text()
    # The suite's exact versions: a new SDK release cannot change tests, plan and snapshots.
    assert "-m pip install --quiet -r requirements-dev.txt -c constraints.txt" in calls
    assert (project / ".venv" / ".installed").exists()
    assert result.stdout == ""  # `make plan-json | jq` on a fresh clone stays valid JSON


def test_venv_step_says_on_stderr_that_it_is_installing_before_pip_runs(project):
    # A first install is silent for a while (pip --quiet); one line says what is going on.
    result = make_venv(project)
    assert result.returncode == 0, result.stderr
    ours = [line for line in result.stderr.splitlines() if line.startswith("make venv:")]
    assert ours == [PROGRESS], result.stderr
    assert PROGRESS.startswith("make venv: installing the dependencies into .venv (first run: ")
    assert result.stdout == ""


def test_venv_step_refuses_an_old_python_in_one_line(project):
    result = make_venv(project, version="3 10")
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("make venv:")]
    assert ours == [
        "make venv: Python >= 3.11 needed, "
        f"{project / 'fake-python'} is 3.10. Fix: make PYTHON=python3.12 (any 3.11 or newer)"
    ]
    assert not (project / ".venv").exists()


def test_venv_step_without_the_venv_module_says_how_and_leaves_no_half_made_venv(project):
    result = make_venv(project, pip_broken=True)
    assert result.returncode != 0
    assert "install the venv module (Debian/Ubuntu: sudo apt install python3-venv)" in (
        result.stderr
    )
    assert not (project / ".venv").exists()  # the next run starts clean


def _pyenv_python(*versions: str) -> Path:
    """An interpreter of one of ``versions`` from pyenv, or skip (only for these tests)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for version in versions:
        for found in sorted(root.glob(f"{version}.*/bin/python{version}")):
            return found
    pytest.skip(f"no Python {' or '.join(versions)} under {root}")


def test_venv_step_recreates_a_venv_made_by_a_python_older_than_3_11(project):
    # `python3.9 -m venv .venv`: pip works (here the base's, for speed) but the pins need 3.11+.
    old = _pyenv_python("3.9", "3.10")
    subprocess.run(
        [old, "-m", "venv", "--without-pip", "--system-site-packages", project / ".venv"],
        check=True,
    )
    assert subprocess.run([project / ".venv/bin/python", "-m", "pip", "--version"]).returncode == 0
    result = make_venv(project)
    assert result.returncode == 0, result.stderr
    ours = [line for line in result.stderr.splitlines() if line.startswith("make venv:")]
    assert ours == ["make venv: .venv has Python older than 3.11; recreating it", PROGRESS]
    calls = (project / ".venv" / "calls.log").read_text()  # the fake 3.12's venv replaced it
    assert "-m pip install --quiet -r requirements-dev.txt -c constraints.txt" in calls


def test_venv_step_calls_python_2_too_old_rather_than_unrunnable(project):
    python2 = _pyenv_python("2.7")
    result = run(
        ["make", "venv", f"PYTHON={python2}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        check=False,
    )
    assert result.returncode != 0
    ours = [line for line in result.stderr.splitlines() if line.startswith("make venv:")]
    assert ours == [
        f"make venv: Python >= 3.11 needed, {python2} is 2.7. "
        "Fix: make PYTHON=python3.12 (any 3.11 or newer)"
    ]
    assert not (project / ".venv").exists()


@pytest.mark.parametrize("args", [(), ("help",)])
def test_a_closed_pipe_ends_make_help_quietly(args):
    """`make | head -1`: no "Broken pipe" from make, status 0."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody reads: the first write fails, every time, not by timing
    try:
        result = make(*args, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 0


def test_make_snapshots_records_the_stack_cases_and_the_tools_take_stack_dir(
    tmp_path, capsys, monkeypatch
):
    def dry_run(*args):
        command = ["make", "-n", "-o", STAMP, *args]
        return run(command, capture_output=True, text=True, check=True).stdout

    # Snapshots (and new cases' identities) are of tests/stacks/, never of the user's stacks.
    assert "-m tests.support.snapshots --write" in dry_run("snapshots")
    # Each tool reads the stack files of STACK_DIR: an unknown stack lists the cases' names.
    # What make passes, through a stand-in interpreter; each tool then runs in process with it.
    venv = stand_in_venv(tmp_path / "venv")
    listed = "stacks here: dev, everything, fn, fn-domain"
    tools = ("local", "plan", "plan-json", "clients", "new-client", "revoke", "upload")
    for target in tools:
        variables = ("STACK=nosuch", "STACK_DIR=tests/stacks", "NAME=a", "CLIENT=a")
        _, (call,) = make_stand_in(venv, target, *variables, env=clean_env(AUTH_TOKEN=""))
        assert replay(call, monkeypatch) != 0, target
        assert listed in capsys.readouterr().err, target
    # And once through make and the real interpreter.
    result = make("-o", STAMP, "clients", "STACK=nosuch", "STACK_DIR=tests/stacks")
    assert result.returncode == 2 and listed in result.stderr, result.stderr


def test_make_integration_without_the_pulumi_cli_says_nothing_ran_and_fails(tmp_path):
    # PATH is an empty folder: no pulumi CLI, whatever this machine has installed.
    result = run(
        [shutil.which("make"), "-o", STAMP, "integration"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=180,
        env=clean_env(PATH=str(tmp_path)),
    )
    assert result.returncode != 0
    assert "nothing ran" in result.stderr and "pulumi CLI is not on PATH" in result.stderr
    assert "skipped" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
