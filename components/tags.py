"""Tags every taggable resource of a stack carries, computed in one place."""

from __future__ import annotations

from .settings import PROJECT

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
