"""Tags every taggable resource of a stack carries, computed in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checks import PROJECT, SettingsError, shown

# AWS caps a tag value at 256 characters (IAM, Lambda, S3 objects, CloudFront, ACM alike).
MAX_TAG_VALUE_LENGTH = 256


def resource_tags(stack: str) -> dict[str, str]:
    """Who owns a resource: found by project and stack in the console or Cost Explorer, and
    marked as managed by Pulumi so nobody edits it by hand (also the function left in AWS
    by skip_destroy, which is no longer in any state)."""
    return {
        "project": PROJECT,
        "stack": stack[:MAX_TAG_VALUE_LENGTH],
        "managed-by": "pulumi",
    }


# Our tag keys: an extra tag may not replace them (they say who owns the resource).
MAX_TAG_KEY_LENGTH = 128


def check_extra_tags(extra: Mapping[str, Any]) -> dict[str, str]:
    """Tags a component user adds: strings within AWS's limits, never replacing ours."""
    fix = "pass tags as a map of short strings, e.g. {team: media}"
    ours = resource_tags("")
    checked: dict[str, str] = {}
    for key, value in extra.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY_LENGTH:
            raise SettingsError(f"{PROJECT}:tags: {shown(key)} is not a tag key. Fix: {fix}")
        if key in ours:
            raise SettingsError(
                f"{PROJECT}:tags: {shown(key)} is set by the component. Fix: use another key"
            )
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE_LENGTH:
            raise SettingsError(
                f"{PROJECT}:tags: the value of {shown(key)} is not a string of at most "
                f"{MAX_TAG_VALUE_LENGTH} characters. Fix: {fix}"
            )
        checked[key] = value
    return checked
