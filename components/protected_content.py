"""ProtectedContent: the whole product for one stack, composed from the other components."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from edge_handler.build import write_archive

from .content_origin import ContentOrigin, ContentOriginArgs
from .distribution import Distribution, DistributionArgs, S3Origin
from .domain import (
    DomainAliasRecords,
    DomainAliasRecordsArgs,
    DomainCertificate,
    DomainCertificateArgs,
)
from .edge_auth import EdgeAuthFunction, EdgeAuthFunctionArgs
from .settings import PROJECT, Settings
from .site_model import PROTECTED_ORIGIN_ID, PUBLIC_ORIGIN_ID, build_site_model, error_page_files
from .tags import resource_tags

# Where the edge archive is written; relative, so the path in state works on any machine.
DEFAULT_BUILD_DIR = Path(".build") / "edge"


@dataclass(frozen=True)
class ProtectedContentArgs:
    settings: Settings
    build_dir: Path = DEFAULT_BUILD_DIR


class ProtectedContent(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: ProtectedContentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:ProtectedContent", name, None, opts)
        settings = args.settings
        self.site = build_site_model(settings)
        tags = resource_tags(settings.stack)

        # Two buckets so that no request on an unprotected behavior can read a protected
        # object, whatever CloudFront's path normalization and S3's key decoding do (README,
        # Security notes). The protected one keeps the original name: existing state stays.
        self.origin = ContentOrigin(
            f"{name}-content",
            ContentOriginArgs(error_pages={}, protect_content=settings.protect_content, tags=tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.public_origin = ContentOrigin(
            f"{name}-public",
            ContentOriginArgs(
                error_pages=error_page_files(),
                protect_content=settings.protect_content,
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        archive_path = write_archive(args.build_dir, settings.accepted_tokens, settings.auth_header)
        self.edge_auth = EdgeAuthFunction(
            f"{name}-edge-auth",
            EdgeAuthFunctionArgs(archive_path=archive_path, tags=tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

        certificate_arn = None
        zone_id = None
        if settings.domain:
            zone_id = aws.route53.get_zone_output(
                name=settings.domain.hosted_zone_name, private_zone=False
            ).zone_id
            certificate = DomainCertificate(
                f"{name}-certificate",
                DomainCertificateArgs(
                    domain_name=settings.domain.domain_name, zone_id=zone_id, tags=tags
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            certificate_arn = certificate.certificate_arn

        self.cdn = Distribution(
            f"{name}-cdn",
            DistributionArgs(
                site=self.site,
                origins={
                    PROTECTED_ORIGIN_ID: S3Origin(
                        self.origin.bucket.bucket_regional_domain_name,
                        self.origin.origin_access_control.id,
                    ),
                    PUBLIC_ORIGIN_ID: S3Origin(
                        self.public_origin.bucket.bucket_regional_domain_name,
                        self.public_origin.origin_access_control.id,
                    ),
                },
                edge_function_version_arn=self.edge_auth.version_arn,
                price_class=settings.price_class,
                aliases=(settings.domain.domain_name,) if settings.domain else (),
                certificate_arn=certificate_arn,
                web_acl_id=settings.web_acl_id,
                access_log_bucket=settings.access_log_bucket,
                comment=f"{PROJECT} ({settings.stack})",
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.origin.allow_distribution(self.cdn.arn)
        self.public_origin.allow_distribution(self.cdn.arn)

        if settings.domain:
            DomainAliasRecords(
                f"{name}-dns",
                DomainAliasRecordsArgs(
                    domain_name=settings.domain.domain_name,
                    zone_id=zone_id,
                    distribution_domain_name=self.cdn.domain_name,
                    distribution_hosted_zone_id=self.cdn.hosted_zone_id,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.url = pulumi.Output.from_input(f"https://{settings.domain.domain_name}/")
        else:
            self.url = self.cdn.domain_name.apply(lambda domain: f"https://{domain}/")

        self.distribution_id = self.cdn.distribution.id
        self.distribution_domain = self.cdn.domain_name
        # bucketName: the protected content; publicBucketName: public content and error pages.
        self.bucket_name = self.origin.bucket.bucket
        self.public_bucket_name = self.public_origin.bucket.bucket
        self.edge_function_version_arn = self.edge_auth.version_arn
        self.edge_function_name = self.edge_auth.function_name
        self.edge_function_log_groups = self.edge_auth.log_group_pattern
        self.register_outputs(
            {
                "url": self.url,
                "distributionId": self.distribution_id,
                "bucketName": self.bucket_name,
                "publicBucketName": self.public_bucket_name,
                "edgeFunctionVersionArn": self.edge_function_version_arn,
                "edgeFunctionName": self.edge_function_name,
                "edgeFunctionLogGroups": self.edge_function_log_groups,
            }
        )
