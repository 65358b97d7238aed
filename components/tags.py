"""Tags every taggable resource of a stack carries, computed in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checks import PROJECT, fail, shown

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
# AWS reserves tag keys that start with aws: and refuses them when the resource is created.
RESERVED_TAG_PREFIX = "aws:"


def check_extra_tags(extra: Any) -> dict[str, str]:
    """Tags a component user adds: strings within AWS's limits, never replacing ours."""
    fix = "pass tags as a map of short strings, e.g. {'team': 'media'}"
    if not isinstance(extra, Mapping):
        raise fail("tags", f"must be a map of tag key to value, not {shown(extra)}", fix)
    ours = resource_tags("")
    checked: dict[str, str] = {}
    for key, value in extra.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_TAG_KEY_LENGTH:
            raise fail("tags", f"{shown(key)} is not a tag key", fix)
        if key.lower().startswith(RESERVED_TAG_PREFIX):
            raise fail(
                "tags",
                f"{shown(key)} starts with {RESERVED_TAG_PREFIX}, which AWS reserves for itself",
                "use another key, e.g. without the aws: prefix",
            )
        if key in ours:
            raise fail("tags", f"{shown(key)} is set by the component", "use another key")
        if not isinstance(value, str) or len(value) > MAX_TAG_VALUE_LENGTH:
            raise fail(
                "tags",
                f"the value of {shown(key)} is not a string of at most "
                f"{MAX_TAG_VALUE_LENGTH} characters",
                fix,
            )
        checked[key] = value
    return checked
