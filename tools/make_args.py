"""How the make targets hand their variables to the tools: as data, through the environment.

The Makefile exports each variable a target takes as ``MAKE_ARG_<VARIABLE>``, holding the text
as typed (``$(value …)``, so make expands nothing), and no recipe holds ``$(VARIABLE)``, so no
shell reads it either: quotes, spaces, newlines, backquotes and ``$(…)`` arrive as they are, and
the tool's own checks judge them. A tool's ``__main__`` turns them into its command line with
``make_argv``, after the recipe's own arguments (defaults such as ``--new=``), so they win.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

PREFIX = "MAKE_ARG_"


def make_argv(
    options: Mapping[str, str],
    repeated: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    argv: list[str] | None = None,
) -> list[str]:
    """``argv`` (default: ``sys.argv[1:]``), then the options for make variables ``options``
    (option -> variable) and ``repeated`` (an option given once per whitespace-separated word,
    as PATHS).

    Each is ``--option=value``: a value starting with ``-`` stays a value (``NAME=-x`` meets
    the name rule, not argparse's usage). An empty or unset variable gives no option.
    """
    environ = os.environ if environ is None else environ
    line = list(sys.argv[1:] if argv is None else argv)
    for option, variable in options.items():
        if environ.get(PREFIX + variable):
            line.append(f"{option}={environ[PREFIX + variable]}")
    for option, variable in (repeated or {}).items():
        line.extend(f"{option}={word}" for word in environ.get(PREFIX + variable, "").split())
    return line


# The variables every stack tool takes.
STACK_VARIABLES = {"--stack": "STACK", "--stack-dir": "STACK_DIR"}


def stack_tool_parser(
    prog: str,
    doc: str,
    stack: str = "dev",
    stack_help: str = "stack name (or org/project/stack)",
    stack_dir: Path | None = None,
    error_prefix: str | None = None,
) -> argparse.ArgumentParser:
    """The command line every stack tool starts from: ``--stack`` and ``--stack-dir`` (default
    ``stack_dir``, else the project folder). With ``error_prefix``, bad arguments end with one
    line on stderr, ``<error_prefix>: <what>``, and exit 2, like bad settings."""
    # Imported here: every tool imports this package before its first line, and make local
    # sets how Ctrl-C ends it on that line, before its own (slower) imports.
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--stack", default=stack, help=stack_help)
    root = Path(__file__).resolve().parents[1] if stack_dir is None else stack_dir
    parser.add_argument(
        "--stack-dir", type=Path, default=root, help="folder of the stack files (default: here)"
    )
    if error_prefix is not None:
        parser.error = lambda message: parser.exit(2, f"{error_prefix}: {message}\n")
    return parser


def port_number(lowest: int) -> Callable[[str], int]:
    """An argparse type: a TCP port from ``lowest`` (0: any free one) to 65535."""
    import argparse
    import re

    from components import clip

    free = "; 0: any free" if lowest == 0 else ""

    def port(text: str) -> int:
        if not re.fullmatch(r"[0-9]{1,5}", text) or not lowest <= int(text) <= 65535:
            message = f"PORT '{clip(text)}' is not a port ({lowest}-65535{free})"
            raise argparse.ArgumentTypeError(message)
        return int(text)

    return port
