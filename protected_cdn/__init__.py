"""protected-cdn's components under a top-level name of their own.

``from protected_cdn import EdgeCheck, ProtectedContent`` works in a program that has its own
package called ``components`` (docs/component.md, "Using it from another program"). These are
the files of ``components/``, loaded once more under this name, not a copy of them.
"""

import importlib.util
import sys
from pathlib import Path

_COMPONENTS = Path(__file__).resolve().parent.parent / "components"
_spec = importlib.util.spec_from_file_location(
    __name__, _COMPONENTS / "__init__.py", submodule_search_locations=[str(_COMPONENTS)]
)
_package = importlib.util.module_from_spec(_spec)
# An import hands over whatever sys.modules holds under the name once the module has run:
# from here on that is components/__init__.py, loaded as this package.
sys.modules[__name__] = _package
_spec.loader.exec_module(_package)
