"""protected-cdn's Pulumi side: ``ProtectedContent`` (the whole site) and ``EdgeCheck`` (the
token check alone, for a distribution of your own), with their args types, and the names the
offline tools build on (stack settings, the input spec, the site model, CloudFront's limits).

``from components import ProtectedContent, EdgeCheck``. Code outside this package imports
only the names in ``__all__`` (tests/test_imports.py). Each is imported from its module on
first use, so a tool that needs only the checks does not load the AWS SDK.
"""

import importlib
from typing import Any

# Public name -> the module that defines it ("module:attribute" where the name differs).
_EXPORTS = {
    "EdgeCheck": "edge_check",
    "ProtectedContent": "protected_content",
    "ClientArgs": "args",
    "EdgeCheckArgs": "args",
    "ProtectedContentArgs": "args",
    # The input spec: one entry per input, the source of every table and check.
    "CLIENT_FIELDS": "inputs",
    "CONFIG_INPUTS": "inputs",
    "CheckedInputs": "inputs",
    "EDGE_CHECK": "inputs",
    "Input": "inputs",
    "PROTECTED_CONTENT": "inputs",
    "check_inputs": "inputs",
    "inputs_of": "inputs",
    # Stack settings: reading, checking, the messages a bad value gets.
    "CLIENT_CONFIG_KEYS": "checks:CLIENT_FIELDS",
    "CLIENT_NAME": "checks",
    "CLIENT_NAME_RULE": "checks",
    "ClientSettings": "checks",
    "DEFAULT_CLIENT": "checks",
    "EXPIRY_EXAMPLE": "checks",
    "GENERATE_TOKEN": "checks",
    "PROJECT": "checks",
    "SettingsError": "checks",
    "check_function_fits": "checks",
    "clip": "checks",
    "REGION_KEY": "stack_config",
    "Settings": "stack_config",
    "check_config_keys": "stack_config",
    "client_field_error": "stack_config",
    "parse_settings": "stack_config",
    "read_stack_config": "stack_config",
    "settings_from_config": "stack_config",
    # What the distribution serves and from where (the local edge and upload follow it).
    "CacheBehavior": "site_model",
    "DEFAULT_ROOT_OBJECT": "site_model",
    "ERROR_PAGES_CONTENT_TYPE": "site_model",
    "ORIGIN_IDS": "site_model",
    "ORIGIN_PATH": "site_model",
    "OriginId": "site_model",
    "PROTECTED_ORIGIN_ID": "site_model",
    "PUBLIC_ORIGIN_ID": "site_model",
    "SiteModel": "site_model",
    "build_site_model": "site_model",
    "error_page_files": "site_model",
    "normalize_rfc3986": "site_model",
    "under_error_pages": "site_model",
    "CUSTOM_ERROR_CODES": "cloudfront_facts",
    "MAX_URL_LENGTH": "cloudfront_facts",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    value = getattr(importlib.import_module(f".{module}", __name__), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
