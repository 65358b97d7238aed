"""Load the handler from a built archive, as Lambda does (zip root on the import path).

Used by the artifact tests, the local edge and the benchmark so that all of them run the
deployed bytes, not the source tree. Each load gets private module objects, so archives built
from different tokens can live side by side in one process.
"""

from __future__ import annotations

import itertools
import sys
import zipimport
from pathlib import Path
from types import ModuleType

_counter = itertools.count()


def _module(importer: zipimport.zipimporter, zip_path: Path, name: str, as_name: str) -> ModuleType:
    module = ModuleType(as_name)
    module.__file__ = f"{zip_path}/{name}.py"
    exec(importer.get_code(name), module.__dict__)  # noqa: S102 - running the archive is the point
    return module


def load_handler(zip_path: Path) -> ModuleType:
    importer = zipimport.zipimporter(str(zip_path))
    suffix = next(_counter)
    config = _module(importer, zip_path, "auth_config", f"edge_auth_config_{suffix}")
    # The handler does `from auth_config import ...` at import; give it this archive's config.
    previous = sys.modules.get("auth_config")
    sys.modules["auth_config"] = config
    try:
        return _module(importer, zip_path, "handler", f"edge_handler_artifact_{suffix}")
    finally:
        if previous is None:
            sys.modules.pop("auth_config", None)
        else:
            sys.modules["auth_config"] = previous
