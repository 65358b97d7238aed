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
