"""Each component on its own under Pulumi mocks: its children, their parent and its outputs."""

from __future__ import annotations

import pulumi
import pytest

from components.checks import SettingsError
from components.content_origin import ContentOrigin, ContentOriginArgs
from components.distribution import Distribution, DistributionArgs, S3Origin
from components.domain import (
    DomainAliasRecords,
    DomainAliasRecordsArgs,
    DomainCertificate,
    DomainCertificateArgs,
)
from components.edge_check import lambda_association
from components.inputs import check_inputs
from components.site_model import build_site_model, error_page_files
from components.stack_config import parse_settings
from tests.edge_support import CURRENT_TOKEN
from tools.plan.program_run import ProgramRun, run_under_mocks

EDGE_ARN = "arn:aws:lambda:us-east-1:123456789012:function:edge:7"
# What ProtectedContent passes from EdgeCheck on the lambda-edge engine.
EDGE_ASSOCIATIONS = {"lambda_function_associations": [lambda_association(EDGE_ARN)]}


def declare(build) -> tuple[ProgramRun, dict]:
    """Run ``build`` under mocks; return the registrations and the resolved exports."""

    def body():
        for name, value in (build() or {}).items():
            pulumi.export(name, value)

    run = run_under_mocks(body, "dev")
    return run, run.outputs


def assert_children_of(run: ProgramRun, component_type: str) -> None:
    (component,) = run.of_type(component_type)
    children = [r for r in run.registrations if r.custom]
    assert children, "the component declared nothing"
    for child in children:
        assert child.parent == component.urn, f"{child.urn} is not parented to the component"


def test_content_origin_declares_a_private_bucket_with_its_error_pages():
    def build():
        origin = ContentOrigin(
            "origin", ContentOriginArgs(error_pages=error_page_files(), protect_content=True)
        )
        return {"oac": origin.origin_access_control_id}

    run, outputs = declare(build)
    assert_children_of(run, "protected-cdn:index:ContentOrigin")
    (bucket,) = run.of_type("aws:s3/bucket:Bucket")
    assert bucket.protect and bucket.inputs["forceDestroy"] is False
    pages = run.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
    assert len(pages) == len(error_page_files()) == 11
    # The policy names the distribution: ProtectedContent declares it (no back-edge).
    assert run.of_type("aws:s3/bucketPolicy:BucketPolicy") == []
    assert outputs["oac"] == "origin-oac-id"


def test_content_origin_unprotected_lets_destroy_empty_the_bucket():
    def build():
        ContentOrigin("origin", ContentOriginArgs(error_pages={}, protect_content=False))

    run, _ = declare(build)
    (bucket,) = run.of_type("aws:s3/bucket:Bucket")
    assert not bucket.protect and bucket.inputs["forceDestroy"] is True
    assert run.of_type("aws:s3/bucketObjectv2:BucketObjectv2") == []


def _site(*patterns):
    return build_site_model(
        parse_settings(
            {"authToken": CURRENT_TOKEN, "protectedPaths": list(patterns)}, "dev"
        ).protected_paths,
        10,
    )


def settings(**inputs):
    """A distribution's settings: the checked inputs, as ProtectedContent passes them."""
    return check_inputs({"auth_token": CURRENT_TOKEN, **inputs})


ORIGINS = {
    "protected": S3Origin("protected.s3.eu-west-1.amazonaws.com", "oac-1"),
    "public": S3Origin("public.s3.eu-west-1.amazonaws.com", "oac-2"),
}


def test_distribution_maps_the_site_model_to_behaviors_and_errors():
    def build():
        cdn = Distribution(
            "cdn",
            DistributionArgs(
                site=_site("a/*", "b/*"),
                origins=ORIGINS,
                edge_associations=EDGE_ASSOCIATIONS,
                settings=settings(price_class="PriceClass_200"),
            ),
        )
        return {"domain": cdn.domain_name}

    run, outputs = declare(build)
    assert_children_of(run, "protected-cdn:index:Distribution")
    inputs = run.one("aws:cloudfront/distribution:Distribution").inputs
    patterns = [
        (b["pathPattern"], bool(b.get("lambdaFunctionAssociations")), b["targetOriginId"])
        for b in inputs["orderedCacheBehaviors"]
    ]
    assert patterns == [
        ("_errors/*", False, "public"),
        ("a/*", True, "protected"),
        ("b/*", True, "protected"),
    ]
    assert "lambdaFunctionAssociations" not in inputs["defaultCacheBehavior"]
    assert inputs["defaultCacheBehavior"]["targetOriginId"] == "public"
    origins = {
        o["originId"]: (o["domainName"], o["originAccessControlId"]) for o in inputs["origins"]
    }
    assert origins == {
        "protected": ("protected.s3.eu-west-1.amazonaws.com", "oac-1"),
        "public": ("public.s3.eu-west-1.amazonaws.com", "oac-2"),
    }
    assert inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert inputs["priceClass"] == "PriceClass_200"
    assert len(inputs["customErrorResponses"]) == 11
    assert outputs["domain"].endswith(".cloudfront.net")


def test_distribution_protecting_everything_sends_the_default_to_the_protected_origin():
    def build():
        Distribution(
            "cdn",
            DistributionArgs(
                site=_site("*"),
                origins=ORIGINS,
                edge_associations=EDGE_ASSOCIATIONS,
                settings=settings(),
            ),
        )

    run, _ = declare(build)
    inputs = run.one("aws:cloudfront/distribution:Distribution").inputs
    default = inputs["defaultCacheBehavior"]
    assert default["targetOriginId"] == "protected" and default["lambdaFunctionAssociations"]
    (errors,) = inputs["orderedCacheBehaviors"]
    assert errors["targetOriginId"] == "public" and "lambdaFunctionAssociations" not in errors


def test_distribution_serves_only_the_allowed_countries_or_everywhere():
    def build(**inputs):
        def program():
            Distribution(
                "cdn",
                DistributionArgs(
                    site=_site("a/*"),
                    origins=ORIGINS,
                    edge_associations=EDGE_ASSOCIATIONS,
                    settings=settings(**inputs),
                ),
            )

        return program

    def geo_restriction(run):
        return run.one("aws:cloudfront/distribution:Distribution").inputs["restrictions"]

    run, _ = declare(build(allowed_countries=["DE", "FR"]))
    assert geo_restriction(run) == {
        "geoRestriction": {"restrictionType": "whitelist", "locations": ["DE", "FR"]}
    }
    run, _ = declare(build())
    assert geo_restriction(run) == {"geoRestriction": {"restrictionType": "none"}}
    # From a stack: the codes as its config holds them, checked on the way.
    assert parse_settings(
        {"authToken": CURRENT_TOKEN, "allowedCountries": '["DE"]'}, "dev"
    ).allowed_countries == ("DE",)
    with pytest.raises(SettingsError, match=r"^protected-cdn:allowedCountries: 'de' is not an ISO"):
        parse_settings({"authToken": CURRENT_TOKEN, "allowedCountries": ["de"]}, "dev")


def test_domain_certificate_and_alias_records():
    def build():
        certificate = DomainCertificate(
            "cert", DomainCertificateArgs(domain_name="cdn.example.org", zone_id="Z1")
        )
        DomainAliasRecords(
            "dns",
            DomainAliasRecordsArgs(
                domain_name="cdn.example.org",
                zone_id="Z1",
                distribution_domain_name="d1.cloudfront.net",
                distribution_hosted_zone_id="Z2FDTNDATAQYW2",
            ),
        )
        return {"certificate": certificate.certificate_arn}

    run, outputs = declare(build)
    certificate = run.one("aws:acm/certificate:Certificate")
    assert certificate.inputs["region"] == "us-east-1"
    records = {r.inputs["type"]: r for r in run.of_type("aws:route53/record:Record")}
    assert set(records) == {"CNAME", "A", "AAAA"}
    for record_type in ("A", "AAAA"):
        assert records[record_type].inputs["aliases"][0]["name"] == "d1.cloudfront.net"
    parents = {r.urn: r.type for r in run.registrations}
    assert parents[records["CNAME"].parent] == "protected-cdn:index:DomainCertificate"
    assert parents[records["A"].parent] == "protected-cdn:index:DomainAliasRecords"
    assert outputs["certificate"].startswith("arn:aws:acm:us-east-1:")
