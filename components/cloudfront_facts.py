"""CloudFront and Lambda@Edge facts the design rests on: documented values, not choices."""

from __future__ import annotations

# Lambda@Edge functions and CloudFront certificates must live in N. Virginia.
EDGE_REGION = "us-east-1"

# Managed cache policy "CachingOptimized": no headers in the cache key, so the token is not in it.
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# Managed response headers policy "SecurityHeadersPolicy" (HSTS, nosniff, frame options, ...).
SECURITY_HEADERS_POLICY_ID = "67f7725c-6f97-4210-82d7-5512b31e9d03"

# Status codes CloudFront can map to a custom error page (401 is not one of them).
CUSTOM_ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)

# Cache behaviors per distribution (default quota; older documentation says 25).
MAX_CACHE_BEHAVIORS = 75
# Longest path pattern CloudFront accepts.
MAX_PATH_PATTERN_LENGTH = 255
# Longest URL CloudFront accepts (quota "Maximum length of a URL", bytes): a bound on the path
# an edge function is given.
MAX_URL_LENGTH = 8192

# Viewer-request quotas for Lambda@Edge.
EDGE_MEMORY_MB = 128
EDGE_TIMEOUT_SECONDS = 5
EDGE_RUNTIME = "python3.13"

# Headers a viewer-request function may not change or add (a change gives a 502), so the
# token header cannot be one of them.
READ_ONLY_OR_DISALLOWED_HEADERS = frozenset(
    {
        "content-length",
        "host",
        "transfer-encoding",
        "via",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
    }
)
DISALLOWED_HEADER_PREFIXES = ("x-accel-", "x-amz-cf-", "x-amzn-", "x-edge-")

PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")

# Principal CloudFront uses to read an S3 origin through Origin Access Control.
CLOUDFRONT_SERVICE_PRINCIPAL = "cloudfront.amazonaws.com"

# Regions of the commercial `aws` partition, the only one with CloudFront and Lambda@Edge
# (both need us-east-1). Source: botocore's endpoints data (botocore 1.44,
# boto3.session.Session().get_available_regions("ec2")); kept as data so the program needs
# no boto3. A new region means adding it here.
AWS_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)

# Config keys of the pulumi-aws provider (`aws:<key>`), from pulumi_aws/config/vars.py of
# pulumi-aws v7; a test keeps this list equal to the installed provider's.
AWS_PROVIDER_CONFIG_KEYS = frozenset(
    {
        "accessKey",
        "allowedAccountIds",
        "assumeRoleWithWebIdentity",
        "assumeRoles",
        "customCaBundle",
        "defaultTags",
        "ec2MetadataServiceEndpoint",
        "ec2MetadataServiceEndpointMode",
        "endpoints",
        "forbiddenAccountIds",
        "httpProxy",
        "httpsProxy",
        "ignoreTags",
        "insecure",
        "maxRetries",
        "noProxy",
        "profile",
        "region",
        "retryMode",
        "s3UsEast1RegionalEndpoint",
        "s3UsePathStyle",
        "secretKey",
        "sharedConfigFiles",
        "sharedCredentialsFiles",
        "skipCredentialsValidation",
        "skipMetadataApiCheck",
        "skipRegionValidation",
        "skipRequestingAccountId",
        "stsRegion",
        "tagPolicyCompliance",
        "token",
        "tokenBucketRateLimiterCapacity",
        "useDualstackEndpoint",
        "useFipsEndpoint",
        "userAgents",
    }
)
