"""The stack-config reader: a stack's config, as the CLI passes it, into the components' inputs.

What only a stack file can get wrong is checked here: a key this project or its providers do
not read (with "did you mean"), a secret stored in plaintext, a missing or unknown
``aws:region``. Values are decoded as their input's type says (the CLI hands lists, maps,
numbers and booleans over as text) and passed on; the inputs' own checks run once, in
``components.inputs.check_inputs`` (ProtectedContent calls it before it declares anything).

``read_stack_config`` is what ``__main__.py`` calls; ``settings_from_config`` and
``parse_settings`` do the same from a config map and also check the inputs, for the offline
tools that need the checked values without running the program.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import cloudfront_facts as facts
from .checks import (
    CLIENT_FIELDS,
    NEW_TOKEN,
    PROJECT,
    STACK_CONFIG,
    SettingsError,
    clip,
    config_key,
    fail,
    shown,
    suggest,
)
from .inputs import CONFIG_INPUTS, CheckedInputs, check_inputs

# Config namespaces a stack may use: this project's, the aws provider's and Pulumi's own
# (e.g. pulumi:tags). Anything else is a typo or a provider this program does not use.
NAMESPACES = (PROJECT, "aws", "pulumi")
REGION_KEY = "aws:region"
CONFIG_KEYS = tuple(entry.key for entry in CONFIG_INPUTS)
_BY_KEY = {entry.key: entry for entry in CONFIG_INPUTS}


def plaintext_fix(key: str) -> str:
    """The fix for secret input ``key`` found in plaintext: new tokens, stored as secrets."""
    entry = _BY_KEY[key]
    if entry.type == "string":
        return STACK_CONFIG.set_fix(key, NEW_TOKEN, secret=True)
    if entry.type == "array":
        return STACK_CONFIG.set_fix(f"{key}[0]", "<token>", secret=True)
    return (
        f"{STACK_CONFIG.remove_fix(key)}, make new tokens (these are exposed), then "
        f"{STACK_CONFIG.set_fix(f'{key}.<name>.<field>', '<token>', secret=True)}"
    )


# A stack's checked settings: its inputs, the stack's name and its aws:region.
Settings = dataclasses.make_dataclass(
    "Settings",
    [("stack", str), ("region", str | None)],
    bases=(CheckedInputs,),
    frozen=True,
)
Settings.__module__ = __name__


def check_region(region: Any) -> str:
    """aws:region must be set and name a region of the commercial AWS partition."""
    fix = "pulumi config set aws:region eu-west-1 (any AWS region name)"
    if region is None or not str(region).strip():
        raise SettingsError(f"{REGION_KEY}: is missing (the region of the buckets). Fix: {fix}")
    text = str(region).strip()
    if text not in facts.AWS_REGIONS:
        # The fix sets the region suggested, if one is close.
        close = difflib.get_close_matches(text.lower()[:200], facts.AWS_REGIONS, n=1)
        if close:
            fix = f"did you mean {close[0]}? pulumi config set {REGION_KEY} {close[0]}"
        raise SettingsError(f"{REGION_KEY}: {shown(text)} is not an AWS region. Fix: {fix}")
    return text


def check_config_keys(keys: Iterable[str]) -> None:
    """Every config key must be one this program or its providers read (typos stop here)."""
    for full in sorted(keys):
        namespace, _, name = full.partition(":")
        if namespace == PROJECT and name not in CONFIG_KEYS:
            # The full list only when no key is close: it keeps the line short.
            hint = suggest(name, CONFIG_KEYS)
            listed = "" if hint else f"; settings: {', '.join(CONFIG_KEYS)}"
            raise SettingsError(
                f"{clip(full)}: is not a setting of this project. Fix: "
                f"{hint}pulumi config rm {clip(name)}{listed}"
            )
        if namespace == "aws" and name not in facts.AWS_PROVIDER_CONFIG_KEYS:
            hint = suggest(name, facts.AWS_PROVIDER_CONFIG_KEYS)
            raise SettingsError(
                f"{clip(full)}: is not a config key of the aws provider. Fix: "
                f"{hint.replace('mean ', 'mean aws:')}pulumi config rm {clip(full)}"
            )
        if namespace not in NAMESPACES or not name:
            close = difflib.get_close_matches(namespace[:200], NAMESPACES, n=1, cutoff=0.6)
            hint = ""
            if name in CONFIG_KEYS:
                hint = f"did you mean {PROJECT}:{name}? "
            elif close:
                hint = f"did you mean {close[0]}:{clip(name)}? "
            raise SettingsError(
                f"{clip(full)}: is not a key this stack can use (namespaces: "
                f"{', '.join(f'{n}:' for n in NAMESPACES)}). Fix: {hint}"
                f"pulumi config rm {clip(full)}"
            )


def client_field_error(name: Any, field_name: Any, exposed_in: str | None = None) -> SettingsError:
    """The error for a client field a stack file may not hold: each field has one spelling,
    the camelCase the CLI writes (``previousToken``, never ``previous_token``). ``exposed_in``
    names the stack file when the field holds a token committed in plaintext."""
    client, field = clip(str(name)), clip(str(field_name))
    problem = f"is not a client field (a stack file spells them {', '.join(CLIENT_FIELDS)})"
    fix = f"pulumi config rm --path 'clients.{client}.{field}'"
    close = difflib.get_close_matches(str(field_name)[:200], CLIENT_FIELDS, n=1, cutoff=0.6)
    if close:
        secret = "--secret " if close[0] in ("token", "previousToken") else ""
        value = "<token>" if secret else "<value>"
        fix = (
            f"did you mean {close[0]}? {fix}, then pulumi config set {secret}--path "
            f"'clients.{client}.{close[0]}' {value}"
        )
    if exposed_in:
        problem += f", and holds a token committed in plaintext in {exposed_in}"
        fix = f"make a new token (this one is exposed); {fix}"
    return fail(f"clients.{client}.{field}", problem, fix)


def check_client_fields(clients: Any) -> None:
    """A stack's ``clients`` uses only the fields' camelCase names; the component's own
    inputs also take the Python names the provider hands over (client_checks.check_clients)."""
    if not isinstance(clients, dict):
        return  # the input's check names what is wrong
    for name in sorted(clients, key=str):
        entry = clients[name]
        for field_name in entry if isinstance(entry, dict) else ():
            if field_name not in CLIENT_FIELDS:
                raise client_field_error(name, field_name)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {}, "[]", "{}")


def _decode(key: str, value: Any) -> Any:
    """A config value as its input's type: the CLI passes lists, maps, numbers and booleans
    as JSON text. Text that does not decode is passed on for the check to name (a number
    past Python's digit limit too: it is out of every range)."""
    if _BY_KEY[key].type == "string" or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def inputs_from_config(
    raw: Mapping[str, Any], is_secret: Callable[[str], bool] = lambda _name: True
) -> dict[str, Any]:
    """This project's config values (camelCase keys) as the components' inputs (Python names),
    after the checks only a stack file needs: unknown keys, secrets stored in plaintext."""
    check_config_keys(config_key(name) for name in raw)
    for name, entry in _BY_KEY.items():
        if entry.secret and _present(raw.get(name)) and not is_secret(name):
            raise fail(name, "is stored in plaintext", plaintext_fix(name))
    inputs = {
        _BY_KEY[name].name: _decode(name, value) for name, value in raw.items() if value is not None
    }
    check_client_fields(inputs.get("clients"))
    return inputs


def _project_values(config: Mapping[str, Any]) -> dict[str, Any]:
    prefix = PROJECT + ":"
    return {
        key.removeprefix(prefix): value
        for key, value in config.items()
        if key.startswith(prefix) and value is not None
    }


def parse_settings(
    raw: Mapping[str, Any],
    stack: str,
    is_secret: Callable[[str], bool] = lambda _name: True,
    region: str | None = None,
) -> Any:
    """Read and check this project's config values (camelCase keys; text as Pulumi gives it,
    or YAML values). ``is_secret(name)`` says whether a key was stored encrypted; tokens must
    be. ``region`` is aws:region, checked when given. Returns ``Settings``."""
    check_config_keys(config_key(name) for name in raw)
    if region is not None:
        region = check_region(region)
    inputs = check_inputs(inputs_from_config(raw, is_secret), caller=STACK_CONFIG)
    values = {field.name: getattr(inputs, field.name) for field in dataclasses.fields(inputs)}
    return Settings(**values, stack=stack, region=region)


def settings_from_config(
    config: Mapping[str, Any], stack: str, is_secret: Callable[[str], bool]
) -> Any:
    """Check a stack's whole config (namespaced keys, as the CLI passes it to a program).

    ``is_secret(full_key)`` says whether the CLI marked a key secret.
    """
    check_config_keys(config)
    return parse_settings(
        _project_values(config),
        stack,
        is_secret=lambda name: is_secret(config_key(name)),
        region=check_region(config.get(REGION_KEY)),
    )


def read_stack_config() -> dict[str, Any]:
    """This stack's config as ProtectedContent's inputs (the program's only config read).

    ``pulumi.Config`` reads only the keys it is asked for, so a misspelt key would pass
    unseen; the runtime's config map holds every key the CLI passed, typos included.
    """
    from pulumi.runtime.config import CONFIG, get_config_env, is_config_secret

    config = {**get_config_env(), **CONFIG.get()}
    check_config_keys(config)
    check_region(config.get(REGION_KEY))
    inputs = inputs_from_config(
        _project_values(config), lambda name: is_config_secret(config_key(name))
    )
    # Checked here too, so that a bad value is named as the stack's config key with its
    # `pulumi config` fix; ProtectedContent's own check then names its arguments.
    check_inputs(inputs, caller=STACK_CONFIG)
    return inputs


__all__ = [
    "CONFIG_KEYS",
    "NAMESPACES",
    "REGION_KEY",
    "Settings",
    "check_client_fields",
    "check_config_keys",
    "check_region",
    "client_field_error",
    "inputs_from_config",
    "parse_settings",
    "read_stack_config",
    "settings_from_config",
]
