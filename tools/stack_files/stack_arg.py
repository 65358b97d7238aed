"""The ``--stack`` argument of the CLIs: a stack name as ``pulumi`` takes it.

Pulumi names a stack ``dev``, ``org/dev`` or ``org/project/dev`` (fully qualified); the
settings file is ``Pulumi.<last segment>.yaml`` in each case. A name that is not valid is
shown quoted (``'dev '``), so a stray space or control character is visible.
"""

from __future__ import annotations

from components import PROJECT, clip
from tools.stack_files.reader import STACK_NAME, StackFileError

RULE = "Pulumi allows 1 to 100 letters, digits, - _ and . (or org/project/stack)"


def stack_file_name(stack: str) -> str:
    """The stack name whose Pulumi.<name>.yaml holds ``stack``'s settings."""
    parts = stack.split("/")
    if len(parts) > 3 or not all(parts) or not STACK_NAME.fullmatch(parts[-1]):
        raise StackFileError(f"'{clip(stack)}' is not a stack name: {RULE}")
    if len(parts) == 3 and parts[1] != PROJECT:
        raise StackFileError(
            f"'{clip(stack)}' is a stack of project '{clip(parts[1])}', not {PROJECT}"
        )
    return parts[-1]
