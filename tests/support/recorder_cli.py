"""The command line `make snapshots` and `make identities` share: ``--write`` accepts what the
stack cases give now, ``--check`` prints each change and exits 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from components.checks import SettingsError
from tests.support.locations import STACK_CASES_DIR, shown
from tools.stack_files.reader import StackFileError


def recorder_main(
    argv: list[str] | None,
    prog: str,
    description: str,
    record_dirs: dict[str, Path],
    write: Callable[[argparse.Namespace], list[Path]],
    changes: Callable[[argparse.Namespace], list[str]],
) -> int:
    """Parse ``--write``/``--check``, ``--stack-dir`` and one ``--<name>`` option per entry
    of ``record_dirs`` (name -> default folder); then write (printing each file) or print
    ``changes`` (one text each). A broken stack case is one line on stderr and exit 2."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="accept what the cases give now")
    mode.add_argument("--check", action="store_true", help="exit 1 if anything changed")
    parser.add_argument(
        "--stack-dir",
        type=Path,
        default=STACK_CASES_DIR,
        help="folder of the stack cases (default: tests/stacks)",
    )
    for name, default in record_dirs.items():
        parser.add_argument(f"--{name}", type=Path, default=default)
    args = parser.parse_args(argv)
    try:
        if args.write:
            for path in write(args):
                print(f"accepted {shown(path)}")
            return 0
        found = changes(args)
    except (StackFileError, SettingsError) as error:
        print(f"{prog.removeprefix('make ')}: {error}", file=sys.stderr)
        return 2
    for change in found:
        print(change, end="" if change.endswith("\n") else "\n")
    return 1 if found else 0
