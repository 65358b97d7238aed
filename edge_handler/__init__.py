"""What runs at the edge: the Lambda@Edge handler (handler.py) and its archive builder
(build.py), the CloudFront Function generator and its client store, and the engine names.

Code outside this package imports only the names in ``__all__`` (tests/test_imports.py),
each loaded from its module on first use. This file is not part of the deployed archive.
"""

import importlib
from typing import Any

# Public name -> the module that defines it.
_EXPORTS = {
    "CLOUDFRONT_FUNCTION": "engines",
    "ENGINES": "engines",
    "FUNCTION_RUNTIME": "engines",
    "LAMBDA_EDGE": "engines",
    "DEFAULT_CLIENT": "build",
    "EdgeClient": "build",
    "HANDLER_ENTRY_POINT": "build",
    "build_archive": "build",
    "edge_clients": "build",
    "write_archive": "build",
    "load_handler": "artifact",
    "DEFAULT_MAX_GRANT_SECONDS": "cloudfront_function",
    "MAX_CODE_BYTES": "cloudfront_function",
    "render_function_code": "cloudfront_function",
    "MAX_KEY_BYTES": "client_store",
    "MAX_STORE_BYTES": "client_store",
    "MAX_VALUE_BYTES": "client_store",
    "entry_key": "client_store",
    "grant_entry_key": "client_store",
    "grant_entry_value": "client_store",
    "grant_key": "client_store",
    "entry_value": "client_store",
    "store_bytes": "client_store",
    "store_entries": "client_store",
    "normalize": "uri_normalization",
    "remove_dot_segments": "uri_normalization",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
