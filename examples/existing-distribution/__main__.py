"""protected-cdn's token check on a CloudFront distribution you already have.

Your distribution stays yours: EdgeCheck creates only the check (a Lambda@Edge function or a
CloudFront Function) and hands you the associations for the cache behaviors that need the
token. Here the behavior `private/*` needs it; everything else stays public.
"""

import json
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws

# This repository on the path, as a program of your own would have it (vendored or a git
# submodule). Appended, so the program's own packages come first; imported as protected_cdn,
# a name no program of yours is likely to have (a package of your own called `components`
# stays yours; docs/component.md, "Using it from another program").
sys.path.append(str(Path(__file__).resolve().parents[2]))
from protected_cdn import EdgeCheck

config = pulumi.Config()

check = EdgeCheck(
    "private-check",
    {
        "auth_token": config.require_secret("authToken"),
        "edge_runtime": config.get("edgeRuntime") or "lambda-edge",
        # Only used to check the clients' scopes: the patterns the check is put on below.
        "protected_paths": ["private/*"],
    },
)

# --- your own distribution, as you have it today -------------------------------------------
bucket = aws.s3.Bucket("content")
access = aws.cloudfront.OriginAccessControl(
    "content",
    origin_access_control_origin_type="s3",
    signing_behavior="always",
    signing_protocol="sigv4",
)
behavior = {
    "target_origin_id": "content",
    "viewer_protocol_policy": "redirect-to-https",
    "allowed_methods": ["GET", "HEAD"],
    "cached_methods": ["GET", "HEAD"],
    # AWS's managed CachingOptimized policy.
    "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
}
distribution = aws.cloudfront.Distribution(
    "site",
    enabled=True,
    origins=[
        aws.cloudfront.DistributionOriginArgs(
            origin_id="content",
            domain_name=bucket.bucket_regional_domain_name,
            origin_access_control_id=access.id,
        )
    ],
    default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(**behavior),
    ordered_cache_behaviors=[
        aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
            path_pattern="private/*",
            **behavior,
            # The check: one of the two lists is empty, by engine; pass both.
            lambda_function_associations=check.lambda_function_associations,
            function_associations=check.function_associations,
        )
    ],
    restrictions=aws.cloudfront.DistributionRestrictionsArgs(
        geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
            restriction_type="none"
        )
    ),
    viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
        cloudfront_default_certificate=True
    ),
)
aws.s3.BucketPolicy(
    "content",
    bucket=bucket.id,
    policy=pulumi.Output.all(bucket.arn, distribution.arn).apply(
        lambda arns: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": f"{arns[0]}/*",
                        "Condition": {"StringEquals": {"AWS:SourceArn": arns[1]}},
                    }
                ],
            }
        )
    ),
)

pulumi.export("url", distribution.domain_name.apply(lambda name: f"https://{name}/private/"))
pulumi.export("edgeFunctionName", check.function_name)
