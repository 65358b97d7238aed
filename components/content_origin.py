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


def state_path(path: Path) -> str:
    """Relative to the project (Pulumi's working directory) when the file is inside it, so the
    state holds the same path on every machine; absolute when the component runs as a
    provider from another project's directory."""
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative


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
    """A private, encrypted, versioned bucket and the OAC CloudFront signs its reads with.

    The bucket policy is not here: it names the distribution, which is created after the
    origin; ``ProtectedContent`` declares it where both are known (``bucket_policy_document``).
    """

    bucket_name: pulumi.Output[str]
    """Name of the bucket (AWS-generated suffix)."""
    bucket_arn: pulumi.Output[str]
    """ARN of the bucket, for its policy."""
    bucket_regional_domain_name: pulumi.Output[str]
    """The bucket's regional S3 endpoint: the CloudFront origin domain."""
    origin_access_control_id: pulumi.Output[str]
    """ID of the origin access control CloudFront signs requests to this bucket with."""
    policy_bucket: pulumi.Output[str]
    """The bucket's name once Block Public Access is in place: what a bucket policy must
    attach to, so the policy is never judged public."""

    def __init__(
        self, name: str, args: ContentOriginArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:ContentOrigin", name, None, opts)
        self._declare_bucket(name, args)
        self.origin_access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            description="protected-cdn: CloudFront signs every request to this bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.error_page_objects = [
            aws.s3.BucketObjectv2(
                f"{name}-error-page-{key.rsplit('/', 1)[-1].removesuffix('.json')}",
                bucket=self.bucket.id,
                key=key,
                source=pulumi.FileAsset(state_path(path)),
                content_type=ERROR_PAGES_CONTENT_TYPE,
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.ownership_controls]),
            )
            for key, path in sorted(args.error_pages.items())
        ]
        self._register()

    def _declare_bucket(self, name: str, args: ContentOriginArgs) -> None:
        """The bucket, private (Block Public Access, no ACLs), encrypted and versioned."""
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

    def _register(self) -> None:
        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn
        self.bucket_regional_domain_name = self.bucket.bucket_regional_domain_name
        self.origin_access_control_id = self.origin_access_control.id
        # Depends on the bucket (policy checks link a policy to its bucket by this) and on
        # Block Public Access, so the policy lands after it and is never judged public.
        self.policy_bucket = pulumi.Output.all(self.bucket.id, self.public_access_block.id).apply(
            lambda ids: ids[0]
        )
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "bucketArn": self.bucket_arn,
                "bucketRegionalDomainName": self.bucket_regional_domain_name,
                "originAccessControlId": self.origin_access_control_id,
                "policyBucket": self.policy_bucket,
            }
        )
