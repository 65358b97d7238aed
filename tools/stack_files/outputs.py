"""A stack's outputs, as ``pulumi stack output`` gives them after a deploy."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from components import clip


class StackOutputError(Exception):
    """What went wrong running ``pulumi stack output`` (one line; the caller adds its fix)."""


def stack_output(
    stack: str,
    name: str | None,
    cwd: Path,
    run: Callable[..., Any] | None = None,
) -> str:
    """The text of ``pulumi stack output NAME --stack STACK`` (without a name: every output,
    ``--json``), run without a shell in ``cwd``, where pulumi finds the project."""
    command = ["pulumi", "stack", "output", *([name] if name else []), "--stack", stack]
    command += [] if name else ["--json"]
    if shutil.which("pulumi") is None:
        raise StackOutputError(f"no pulumi CLI is on PATH to run {shlex.join(command)}")
    try:
        done = (run or subprocess.run)(
            command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StackOutputError(f"{shlex.join(command)} failed ({type(error).__name__})") from None
    if done.returncode != 0:
        reason = clip((done.stderr.strip().splitlines() or ["no output"])[-1])
        raise StackOutputError(f"{shlex.join(command)} failed (exit {done.returncode}: {reason})")
    return done.stdout.strip()
