"""CloudFront distribution: two S3 origins with OAC, the site model's behaviors, JSON errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from . import cloudfront_facts as facts
from .site_model import DEFAULT_ROOT_OBJECT, ORIGIN_IDS, ORIGIN_PATH, CacheBehavior, SiteModel

ALLOWED_METHODS = ["GET", "HEAD", "OPTIONS"]
CACHED_METHODS = ["GET", "HEAD"]


@dataclass(frozen=True)
class S3Origin:
    """A private bucket CloudFront reads through OAC."""

    domain_name: pulumi.Input[str]
    origin_access_control_id: pulumi.Input[str]


@dataclass(frozen=True)
class DistributionArgs:
    site: SiteModel
    # One entry per origin id of the site model (protected and public content).
    origins: Mapping[str, S3Origin]
    # What the protected behaviors (only they) run on viewer request: EdgeCheck's
    # associations of its engine, by argument name (lambda_function_associations or
    # function_associations). CloudFront refuses both engines on the viewer events of one
    # behavior, so a behavior gets exactly one of the two.
    edge_associations: Mapping[str, pulumi.Input[list]]
    # The checked inputs (components.inputs.CheckedInputs): the distribution reads its own
    # settings there (price class, web ACL, logging), so a new one is its entry plus its use.
    settings: Any
    # Custom domain: aliases plus a validated us-east-1 certificate; None for cloudfront.net.
    aliases: tuple[str, ...] = ()
    certificate_arn: pulumi.Input[str] | None = None
    comment: str = "protected-cdn"
    tags: dict[str, str] = field(default_factory=dict)


def _behavior_settings(
    behavior: CacheBehavior, edge_associations: Mapping[str, pulumi.Input[list]]
) -> dict:
    """Arguments shared by the default and the ordered behaviors."""
    settings = {
        "target_origin_id": behavior.origin_id,
        "viewer_protocol_policy": "redirect-to-https",
        "allowed_methods": ALLOWED_METHODS,
        "cached_methods": CACHED_METHODS,
        "compress": True,
        "cache_policy_id": facts.CACHING_OPTIMIZED_POLICY_ID,
        "response_headers_policy_id": facts.SECURITY_HEADERS_POLICY_ID,
    }
    if behavior.protected:
        settings |= edge_associations
    return settings


def _viewer_certificate(
    aliases: tuple[str, ...], certificate_arn: pulumi.Input[str] | None
) -> aws.cloudfront.DistributionViewerCertificateArgs:
    if not aliases:
        return aws.cloudfront.DistributionViewerCertificateArgs(cloudfront_default_certificate=True)
    return aws.cloudfront.DistributionViewerCertificateArgs(
        acm_certificate_arn=certificate_arn,
        ssl_support_method="sni-only",
        minimum_protocol_version="TLSv1.2_2021",
    )


def _logging_config(
    name: str, access_log_bucket: str | None
) -> aws.cloudfront.DistributionLoggingConfigArgs | None:
    if not access_log_bucket:
        return None
    return aws.cloudfront.DistributionLoggingConfigArgs(
        bucket=f"{access_log_bucket}.s3.amazonaws.com", prefix=f"{name}/", include_cookies=False
    )


def _restrictions(
    allowed_countries: tuple[str, ...],
) -> aws.cloudfront.DistributionRestrictionsArgs:
    # An allow list of countries, or none: served everywhere.
    return aws.cloudfront.DistributionRestrictionsArgs(
        geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
            restriction_type="whitelist" if allowed_countries else "none",
            locations=list(allowed_countries) or None,
        )
    )


class Distribution(pulumi.ComponentResource):
    """The CloudFront distribution: the site model's behaviors over the two S3 origins."""

    distribution_id: pulumi.Output[str]
    """ID of the distribution (for invalidations)."""
    arn: pulumi.Output[str]
    """ARN of the distribution: what the bucket policies grant read access to."""
    domain_name: pulumi.Output[str]
    """The distribution's cloudfront.net domain name."""
    hosted_zone_id: pulumi.Output[str]
    """CloudFront's Route 53 zone id, for alias records."""

    def __init__(
        self, name: str, args: DistributionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:Distribution", name, None, opts)
        site = args.site
        settings = args.settings
        if sorted(args.origins) != sorted(ORIGIN_IDS):
            raise ValueError(f"origins must be exactly {ORIGIN_IDS}, got {tuple(args.origins)}")

        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=args.comment,
            default_root_object=DEFAULT_ROOT_OBJECT,
            is_ipv6_enabled=True,
            http_version="http2and3",
            price_class=settings.price_class,
            aliases=list(args.aliases) or None,
            web_acl_id=settings.web_acl_id,
            logging_config=_logging_config(name, settings.access_log_bucket),
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=origin_id,
                    domain_name=args.origins[origin_id].domain_name,
                    origin_path=ORIGIN_PATH,
                    origin_access_control_id=args.origins[origin_id].origin_access_control_id,
                )
                for origin_id in ORIGIN_IDS
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                **_behavior_settings(site.default_behavior, args.edge_associations)
            ),
            ordered_cache_behaviors=[
                aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                    path_pattern=behavior.path_pattern,
                    **_behavior_settings(behavior, args.edge_associations),
                )
                for behavior in site.ordered_behaviors
            ],
            # No 401 here: the edge function writes its own 401 body.
            custom_error_responses=[
                aws.cloudfront.DistributionCustomErrorResponseArgs(
                    error_code=error.error_code,
                    response_code=error.response_code,
                    response_page_path=error.response_page_path,
                    error_caching_min_ttl=error.error_caching_min_ttl,
                )
                for error in site.error_responses
            ],
            restrictions=_restrictions(settings.allowed_countries),
            viewer_certificate=_viewer_certificate(args.aliases, args.certificate_arn),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.distribution_id = self.distribution.id
        self.arn = self.distribution.arn
        self.domain_name = self.distribution.domain_name
        self.hosted_zone_id = self.distribution.hosted_zone_id
        self.register_outputs(
            {
                "distributionId": self.distribution_id,
                "arn": self.arn,
                "domainName": self.domain_name,
                "hostedZoneId": self.hosted_zone_id,
            }
        )
