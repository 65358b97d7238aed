"""Read a stack's settings file (Pulumi.<stack>.yaml) the way the Pulumi CLI hands it over.

The CLI gives a program every config value as a string (lists and objects JSON-encoded) and
tells it which keys are secret. The offline tools do the same, so they go through the same
``pulumi.Config`` → ``load_settings`` path (plan) or ``parse_settings`` (local edge).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.settings import PROJECT

ROOT = Path(__file__).resolve().parent.parent


class StackFileError(Exception):
    """The stack file is missing, unreadable or not a Pulumi stack settings file."""


@dataclass(frozen=True)
class StackFile:
    stack: str
    path: Path
    # Every key (namespaced, e.g. "protected-cdn:priceClass") as the CLI passes it: a string.
    config: dict[str, str]
    # Keys stored as `secure:` values in the file (encrypted; the offline tools cannot read them).
    secure_keys: frozenset[str]

    def project_values(self) -> dict[str, str]:
        """This project's keys without the namespace, secure ones left out."""
        prefix = PROJECT + ":"
        return {
            key.removeprefix(prefix): value
            for key, value in self.config.items()
            if key.startswith(prefix) and key not in self.secure_keys
        }


def available_stacks(root: Path = ROOT) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml")
    )


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def read_stack_file(stack: str, root: Path = ROOT) -> StackFile:
    path = root / f"Pulumi.{stack}.yaml"
    if "/" in stack or not path.is_file():
        known = ", ".join(available_stacks(root)) or "none"
        raise StackFileError(f"unknown stack {stack!r}: no {path.name} (stacks here: {known})")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as error:
        raise StackFileError(f"cannot read {path.name}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise StackFileError(f"{path.name} is not valid YAML{where}: {problem}") from None
    config = document.get("config", {}) if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise StackFileError(f"{path.name}: expected a 'config:' mapping of keys to values")
    secure = frozenset(
        key for key, value in config.items() if isinstance(value, dict) and "secure" in value
    )
    return StackFile(
        stack=stack,
        path=path,
        config={key: _as_config_string(value) for key, value in config.items()},
        secure_keys=secure,
    )
