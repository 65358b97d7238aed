"""`make <target>` with a stand-in interpreter, then the tool run in process with what it got.

Tests of what make and the shell do to a target's variables need make's and the shell's real
evaluation, not the tool's start-up: ``stand_in_venv`` makes a venv folder (``make
VENV=<folder>``) whose python only records its command line and its MAKE_ARG_* variables,
and whose .installed stamp exists. ``replay`` then runs the recorded module as ``python -m``
would (its ``__main__`` block, in this process), with those variables and that command line.
The real end-to-end runs of each target stay in their own tests.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.process_support import HANG_SECONDS, run
from tools.stack_files.reader import ROOT

RECORDER = """#!{python} -I
import json, os, sys
record = {{
    "argv": sys.argv[1:],
    "env": {{k: v for k, v in os.environ.items() if k.startswith("MAKE_ARG_")}},
}}
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
"""


def stand_in_venv(folder: Path) -> Path:
    """A venv folder for ``make VENV=...``: bin/python records each call to calls.jsonl."""
    (folder / "bin").mkdir(parents=True)
    python = folder / "bin" / "python"
    python.write_text(RECORDER.format(python=sys.executable, log=str(folder / "calls.jsonl")))
    python.chmod(0o755)
    (folder / ".installed").touch()
    return folder


def make_stand_in(
    venv: Path, *args: str, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess, list[dict[str, Any]]]:
    """``make`` with the stand-in interpreter: the result and the calls it recorded."""
    calls = venv / "calls.jsonl"
    calls.unlink(missing_ok=True)
    stamp = venv / ".installed"
    result = run(
        ["make", f"VENV={venv}", "-o", str(stamp), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        env=env,
        check=False,
    )
    recorded = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return result, [json.loads(line) for line in recorded]


def replay(call: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run a recorded ``python -m <module> ...`` call in process; its exit status."""
    flag, module, *argv = call["argv"]
    assert flag == "-m", call
    for key in [key for key in os.environ if key.startswith("MAKE_ARG_")]:
        monkeypatch.delenv(key)
    for key, value in call["env"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", [module, *argv])
    # A tool's __main__ block may set signal handlers; this process keeps its own.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with warnings.catch_warnings():
            # The module is already imported (by the suite); running it again is intended.
            warnings.filterwarnings("ignore", "'.*' found in sys.modules", RuntimeWarning)
            runpy.run_module(module, run_name="__main__")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
    return 0
