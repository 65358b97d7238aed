""".ci/run installs Chromium when it is absent (the browser test of grants must run in CI), says
so in one line, and then runs make test with CI set; with Chromium present it installs nothing.
apt-get, sudo and make are stand-ins that record how they were called."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.process_support import HANG_SECONDS, run
from tools.stack_files.reader import ROOT

RECORD = 'printf "%s %s CI=%s\\n" "$(basename "$0")" "$*" "$CI" >> "$CALLS"\n'


def stand_ins(folder: Path, *, chromium: bool, apt_status: int = 0) -> Path:
    """A PATH of stand-ins for apt-get, sudo, make (and chromium), plus the tools .ci/run uses."""
    folder.mkdir()
    for name in ("dirname", "id", "basename", "printf"):
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
    scripts = {"apt-get": RECORD + f"exit {apt_status}\n", "make": RECORD}
    scripts["sudo"] = RECORD + 'exec "$@"\n'
    if chromium:
        scripts["chromium"] = "exit 0\n"
    for name, body in scripts.items():
        (folder / name).write_text("#!/bin/sh\n" + body)
        (folder / name).chmod(0o755)
    return folder


def ci_run(path: Path, calls: Path, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in ("CI", "PATH")}
    return run(
        ["/bin/bash", str(ROOT / ".ci" / "run")],
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        env={**base, "PATH": str(path), "CALLS": str(calls), **env},
    )


def test_without_chromium_it_installs_it_then_runs_make_test(tmp_path):
    calls = tmp_path / "calls"
    done = ci_run(stand_ins(tmp_path / "bin", chromium=False), calls)
    assert done.returncode == 0, done.stderr
    recorded = calls.read_text().splitlines()
    installs = [line for line in recorded if line.startswith("apt-get")]
    assert installs == ["apt-get update -qq CI=1", "apt-get install -y -qq chromium CI=1"]
    assert recorded[-1] == "make test CI=1"
    assert done.stderr == ".ci/run: installing Debian's chromium for the browser test...\n"


def test_with_chromium_it_installs_nothing_and_keeps_the_ci_value(tmp_path):
    calls = tmp_path / "calls"
    done = ci_run(stand_ins(tmp_path / "bin", chromium=True), calls, CI="true")
    assert done.returncode == 0, done.stderr
    assert calls.read_text().splitlines() == ["make test CI=true"]


def test_a_failed_install_stops_before_the_tests_in_one_line(tmp_path):
    calls = tmp_path / "calls"
    done = ci_run(stand_ins(tmp_path / "bin", chromium=False, apt_status=100), calls)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        ".ci/run: could not install chromium (apt-get install chromium)"
    )
    assert not [line for line in calls.read_text().splitlines() if line.startswith("make")]
