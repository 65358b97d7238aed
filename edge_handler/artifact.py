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


# The modules the handler imports from the zip's root.
_HANDLER_IMPORTS = ("auth_config", "uri_normalization")


def load_handler(zip_path: Path) -> ModuleType:
    importer = zipimport.zipimporter(str(zip_path))
    suffix = next(_counter)
    # The handler does `from auth_config import ...` at import; give it this archive's
    # modules, under their own names only while it imports them.
    previous = {name: sys.modules.get(name) for name in _HANDLER_IMPORTS}
    for name in _HANDLER_IMPORTS:
        sys.modules[name] = _module(importer, zip_path, name, f"edge_{name}_{suffix}")
    try:
        return _module(importer, zip_path, "handler", f"edge_handler_artifact_{suffix}")
    finally:
        for name, module in previous.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
