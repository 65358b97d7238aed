"""Every resource that AWS lets carry tags carries the stack's tags."""

from __future__ import annotations

import importlib
import inspect

import pytest

from components.checks import SettingsError
from components.tags import MAX_TAG_VALUE_LENGTH, check_extra_tags, resource_tags
from tests.components.stack_runs import stack_run
from tests.program_support import engine_of, stack_cases

# The stack as written, and with a custom domain, so the certificate is checked too.
DOMAIN_OVERRIDES = ({}, {"domainName": "cdn.example.org", "hostedZoneName": "example.org"})


def resource_class(type_token: str) -> type:
    """The installed pulumi_aws class of a type token such as aws:s3/bucket:Bucket."""
    package, module_path, class_name = type_token.split(":")
    assert package == "aws", f"not a pulumi_aws resource: {type_token}"
    module_name = module_path.split("/")[0]
    try:
        module = importlib.import_module(f"pulumi_aws.{module_name}")
    except ImportError:  # Python keywords get a trailing underscore (lambda -> lambda_)
        module = importlib.import_module(f"pulumi_aws.{module_name}_")
    cls = getattr(module, class_name)
    assert cls.pulumi_type == type_token
    return cls


def accepts_tags(type_token: str) -> bool:
    """From the installed provider's own signature, so a new resource type cannot be missed."""
    return "tags" in inspect.signature(resource_class(type_token)._internal_init).parameters


def test_the_taggable_check_reads_the_provider_signatures():
    assert accepts_tags("aws:s3/bucket:Bucket")
    assert accepts_tags("aws:lambda/function:Function")
    assert not accepts_tags("aws:s3/bucketPolicy:BucketPolicy")
    assert not accepts_tags("aws:route53/record:Record")


@pytest.mark.parametrize("stack", stack_cases())
def test_every_taggable_resource_carries_project_stack_and_managed_by(stack):
    for overrides in DOMAIN_OVERRIDES:
        run = stack_run(stack, **overrides)
        custom = [r for r in run.registrations if r.custom]
        taggable = [r for r in custom if accepts_tags(r.type)]
        edge = (
            {"aws:cloudfront/function:Function"}
            if engine_of(stack) == "cloudfront-function"
            else {"aws:lambda/function:Function", "aws:iam/role:Role"}
        )
        assert {r.type for r in taggable} >= {
            "aws:s3/bucket:Bucket",
            "aws:cloudfront/distribution:Distribution",
            *edge,
        }
        if overrides:
            assert "aws:acm/certificate:Certificate" in {r.type for r in taggable}
        for registration in taggable:
            tags = registration.inputs.get("tags")
            assert tags == {
                "project": "protected-cdn",
                "stack": stack,
                "managed-by": "pulumi",
            }, f"{registration.urn} tags: {tags}"


def test_tag_values_stay_within_the_aws_limit():
    tags = resource_tags("s" * 300)
    assert all(len(value) <= MAX_TAG_VALUE_LENGTH for value in tags.values())


@pytest.mark.parametrize("key", ["aws:team", "AWS:team", "Aws:cost"])
def test_tag_keys_aws_reserves_are_refused_before_deploy(key):
    with pytest.raises(SettingsError) as error:
        check_extra_tags({key: "media"})
    assert str(error.value) == (
        f"protected-cdn:tags: {key!r} starts with aws:, which AWS reserves for itself. "
        "Fix: use another key, e.g. without the aws: prefix"
    )
    assert check_extra_tags({"team:aws": "media"}) == {"team:aws": "media"}


def test_tags_that_are_not_a_map_are_one_line():
    with pytest.raises(SettingsError, match=r"^protected-cdn:tags: must be a map of tag key"):
        check_extra_tags("x")
