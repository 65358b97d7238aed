"""Content origin: a private S3 bucket that only this distribution can read, through OAC."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from .cloudfront_facts import CLOUDFRONT_SERVICE_PRINCIPAL
from .site_model import ERROR_PAGES_CONTENT_TYPE


@dataclass(frozen=True)
class ContentOriginArgs:
    # Bucket key -> local file of each JSON error page (the public origin holds them).
    error_pages: dict[str, Path]
    # True: `pulumi destroy` refuses to delete the bucket, and it is never emptied by force.
    protect_content: bool
    tags: dict[str, str] = field(default_factory=dict)


def bucket_policy_document(bucket_arn: str, distribution_arn: str) -> str:
    """Read (and list, so a missing key is 404 not 403) for this distribution only; TLS only."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowCloudFrontReadViaOAC",
                    "Effect": "Allow",
                    "Principal": {"Service": CLOUDFRONT_SERVICE_PRINCIPAL},
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
        sort_keys=True,
    )


class ContentOrigin(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    origin_access_control: aws.cloudfront.OriginAccessControl

    def __init__(
        self, name: str, args: ContentOriginArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:ContentOrigin", name, None, opts)
        self._base_name = name
        child = pulumi.ResourceOptions(parent=self)

        self.bucket = aws.s3.Bucket(
            f"{name}-bucket",
            # Only an unprotected stack may empty the bucket on destroy.
            force_destroy=not args.protect_content,
            tags=args.tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.protect_content,
                retain_on_delete=args.protect_content,
            ),
        )
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        self.ownership_controls = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=self.bucket.id,
            # OAC needs ACLs disabled.
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # SSE-S3: CloudFront reads it through OAC without a KMS key policy.
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        self.origin_access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            description="protected-cdn: CloudFront signs every request to this bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        self.error_page_objects = [
            aws.s3.BucketObjectv2(
                f"{name}-error-page-{key.rsplit('/', 1)[-1].removesuffix('.json')}",
                bucket=self.bucket.id,
                key=key,
                # Relative to the project (Pulumi's working directory), so the state holds the
                # same path on every machine.
                source=pulumi.FileAsset(os.path.relpath(path)),
                content_type=ERROR_PAGES_CONTENT_TYPE,
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.ownership_controls]),
            )
            for key, path in sorted(args.error_pages.items())
        ]
        self.register_outputs(
            {
                "bucketName": self.bucket.bucket,
                "bucketRegionalDomainName": self.bucket.bucket_regional_domain_name,
                "originAccessControlId": self.origin_access_control.id,
            }
        )

    def allow_distribution(self, distribution_arn: pulumi.Input[str]) -> aws.s3.BucketPolicy:
        """The bucket policy needs the distribution's ARN, which exists only after the origin."""
        self.bucket_policy = aws.s3.BucketPolicy(
            f"{self._base_name}-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(self.bucket.arn, distribution_arn).apply(
                lambda arns: bucket_policy_document(arns[0], arns[1])
            ),
            # The policy must land after Block Public Access so it is never judged public.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )
        return self.bucket_policy
