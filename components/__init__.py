"""protected-cdn's Pulumi side: ``ProtectedContent`` (the whole site) and ``EdgeCheck`` (the
token check alone, for a distribution of your own), with their args types.

``from components import ProtectedContent, EdgeCheck``. The components are imported on first
use, so a tool that needs only the checks does not load the AWS SDK.
"""

from typing import Any

from .args import ClientArgs, EdgeCheckArgs, ProtectedContentArgs

__all__ = ["ClientArgs", "EdgeCheck", "EdgeCheckArgs", "ProtectedContent", "ProtectedContentArgs"]


def __getattr__(name: str) -> Any:
    if name == "EdgeCheck":
        from .edge_check import EdgeCheck

        return EdgeCheck
    if name == "ProtectedContent":
        from .protected_content import ProtectedContent

        return ProtectedContent
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
