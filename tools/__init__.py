"""The offline tools a user runs: the local edge, the plan, clients and revoke, upload, docs.

Each group declares in its ``__init__`` the names other code may import (``__all__``); a tool
reaches the product only through ``components``' and ``edge_handler``' own ``__all__``.
"""

import importlib
from collections.abc import Callable
from typing import Any

from .make_args import STACK_VARIABLES, make_argv, port_number, stack_tool_parser

__all__ = ["STACK_VARIABLES", "lazy_exports", "make_argv", "port_number", "stack_tool_parser"]


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[list[str], Callable[[str], Any]]:
    """``__all__`` and a module ``__getattr__`` for ``package``: each public name (key) is
    imported from its module (value) on first use, so ``python -m tools.<group>.<module>``
    does not import that module twice and a group loads only what a caller needs."""

    def __getattr__(name: str) -> Any:
        where = exports.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        # "module:attribute" where the public name differs from the module's own.
        module, _, attribute = where.partition(":")
        return getattr(importlib.import_module(f".{module}", package), attribute or name)

    return sorted(exports), __getattr__
