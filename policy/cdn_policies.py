"""The protected-cdn policies. Mandatory: a violation stops `pulumi preview` and `pulumi up`.

Standalone on purpose (only pulumi-policy and the standard library): the pack runs in its own
virtualenv and must judge what the program declares, not trust the program's own modules.
Resources are linked through property dependencies (a BucketVersioning's ``bucket`` depends on
its Bucket), which the engine knows even while ids are still unknown during a preview.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
FUNCTION = "aws:lambda/function:Function"
CLOUDFRONT_FUNCTION = "aws:cloudfront/function:Function"
CLOUDFRONT_FUNCTION_RUNTIME = "cloudfront-js-2.0"
KEY_VALUE_STORE = "aws:cloudfront/keyValueStore:KeyValueStore"
STORE_ENTRIES = "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"
# A store key is a token's SHA-256 digest, base64url without padding: never the token.
DIGEST_KEY = re.compile(r"[A-Za-z0-9_-]{43}")
# A store value holds only what the decision needs: client name, expiry, scope.
STORE_VALUE_FIELDS = {"c", "e", "p"}
CLIENT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
# CloudFront Functions quota "Maximum function size": 10 KB, not adjustable.
MAX_FUNCTION_CODE_BYTES = 10_240
VIEWER_REQUEST = "viewer-request"
VIEWER_EVENTS = (VIEWER_REQUEST, "viewer-response")
# The origin ProtectedContent puts the protected content bucket behind (components/site_model).
PROTECTED_ORIGIN_ID = "protected"

BLOCK_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)
SECURE_VIEWER_POLICIES = ("https-only", "redirect-to-https")
MODERN_TLS = "TLSv1.2_2021"
NUMBERED_VERSION = re.compile(r"arn:aws[\w-]*:lambda:us-east-1:\d{12}:function:[\w-]+:\d+")
# Viewer-request quotas: (property, argument name, maximum, unit).
EDGE_LIMITS = (("memorySize", "memory_size", 128, "MB"), ("timeout", "timeout", 5, "s"))
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")


def _behaviors(props) -> list[tuple[str | None, Any]]:
    """(path pattern, behavior) in CloudFront's evaluation order; None is the default."""
    ordered = [(b.get("pathPattern"), b) for b in props.get("orderedCacheBehaviors") or []]
    return [*ordered, (None, props.get("defaultCacheBehavior") or {})]


def _behavior_for(props, path: str):
    clean = path.lstrip("/")
    for pattern, behavior in _behaviors(props)[:-1]:
        if pattern and fnmatch.fnmatchcase(clean, pattern.lstrip("/")):
            return pattern, behavior
    return _behaviors(props)[-1]


def _runs_edge_code(behavior) -> bool:
    return bool(behavior.get("lambdaFunctionAssociations") or behavior.get("functionAssociations"))


def _linked(
    resources: Iterable[PolicyResource], target: PolicyResource, resource_type: str, key: str
) -> Iterator[PolicyResource]:
    """Resources of ``resource_type`` whose property ``key`` depends on ``target``."""
    for resource in resources:
        if resource.resource_type != resource_type:
            continue
        depends = resource.property_dependencies.get(key) or []
        if any(dep.urn == target.urn for dep in depends):
            yield resource


def _is_public_principal(principal) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


# 1. Every bucket (protected and public content) is fully private.
def _bucket_fully_private(args: StackValidationArgs, report: ReportViolation) -> None:
    for bucket in (r for r in args.resources if r.resource_type == BUCKET):
        if bucket.props.get("acl") in PUBLIC_ACLS:
            report(f"bucket {bucket.name} has the public ACL {bucket.props['acl']!r}", bucket.urn)
        blocks = list(_linked(args.resources, bucket, PUBLIC_ACCESS_BLOCK, "bucket"))
        if not blocks:
            report(
                f"bucket {bucket.name} has no BucketPublicAccessBlock; add one with all four "
                "flags true",
                bucket.urn,
            )
        for block in blocks:
            off = [flag for flag in BLOCK_PUBLIC_ACCESS_FLAGS if block.props.get(flag) is not True]
            if off:
                report(
                    f"bucket {bucket.name}: Block Public Access flags not true: {', '.join(off)}",
                    block.urn,
                )
        for policy in _linked(args.resources, bucket, BUCKET_POLICY, "bucket"):
            _check_policy_document(bucket, policy, report)


def _check_policy_document(bucket, policy, report: ReportViolation) -> None:
    document = policy.props.get("policy")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return
    if not isinstance(document, dict):
        return
    statements = document.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if statement.get("Effect") == "Allow" and _is_public_principal(statement.get("Principal")):
            report(
                f"bucket {bucket.name}: policy statement {statement.get('Sid', '')!r} allows a "
                "public principal; only cloudfront.amazonaws.com with AWS:SourceArn may read",
                policy.urn,
            )


# 2. Every S3 origin goes through Origin Access Control.
def _s3_origins_use_oac(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DISTRIBUTION:
        return
    for origin in args.props.get("origins") or []:
        if origin.get("customOriginConfig"):
            continue  # a custom (non-S3) origin
        legacy = (origin.get("s3OriginConfig") or {}).get("originAccessIdentity")
        if not origin.get("originAccessControlId") or legacy:
            report(
                f"origin {origin.get('originId')!r} is an S3 origin without Origin Access "
                "Control; set origin_access_control_id (and no origin access identity)"
            )


# 3. Viewers reach every behavior over HTTPS.
def _https_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DISTRIBUTION:
        return
    for pattern, behavior in _behaviors(args.props):
        policy = behavior.get("viewerProtocolPolicy")
        if policy not in SECURE_VIEWER_POLICIES:
            report(
                f"behavior {pattern or 'default'!r} has viewer_protocol_policy {policy!r}; use "
                "redirect-to-https or https-only"
            )


# 4. A custom domain uses its own certificate with modern TLS over SNI.
def _custom_certificate_tls(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DISTRIBUTION or not args.props.get("aliases"):
        return
    certificate = args.props.get("viewerCertificate") or {}
    if not certificate.get("acmCertificateArn"):
        report("the distribution has aliases but no ACM certificate (acm_certificate_arn)")
    if certificate.get("minimumProtocolVersion") != MODERN_TLS:
        report(
            f"minimum_protocol_version is {certificate.get('minimumProtocolVersion')!r}; "
            f"use {MODERN_TLS}"
        )
    if certificate.get("sslSupportMethod") != "sni-only":
        report(
            f"ssl_support_method is {certificate.get('sslSupportMethod')!r}; use sni-only "
            "(vip costs a dedicated IP per edge location)"
        )


# 5. Lambda@Edge associations reference a numbered version.
def _numbered_versions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DISTRIBUTION:
        return
    for pattern, behavior in _behaviors(args.props):
        for association in behavior.get("lambdaFunctionAssociations") or []:
            arn = association.get("lambdaArn")
            if not isinstance(arn, str) or not NUMBERED_VERSION.fullmatch(arn):
                report(
                    f"behavior {pattern or 'default'!r}: {association.get('eventType')} uses "
                    f"{arn!r}; Lambda@Edge needs a numbered version in us-east-1 "
                    "(publish=True, qualified_arn), never $LATEST or an alias"
                )


def _behavior_dependencies(args: StackValidationArgs, resource_type: str):
    """Each resource of ``resource_type`` that a distribution's cache behaviors reference
    (edge functions), once, through the property dependencies the engine records."""
    for distribution in (r for r in args.resources if r.resource_type == DISTRIBUTION):
        found = {
            dep.urn: dep
            for key in ("defaultCacheBehavior", "orderedCacheBehaviors")
            for dep in distribution.property_dependencies.get(key) or []
            if dep.resource_type == resource_type
        }
        yield from found.values()


# 6. Edge functions: no environment, viewer-request limits.
def _edge_function_limits(args: StackValidationArgs, report: ReportViolation) -> None:
    for function in _behavior_dependencies(args, FUNCTION):
        props = function.props
        variables = (props.get("environment") or {}).get("variables")
        if variables:
            report(
                f"edge function {function.name} has environment variables; Lambda@Edge "
                "allows none (build configuration into the code archive)",
                function.urn,
            )
        for prop, argument, maximum, unit in EDGE_LIMITS:
            value = props.get(prop)
            if value is None or value > maximum:
                report(
                    f"edge function {function.name} has {argument} {value}; viewer-request "
                    f"functions may use at most {maximum} {unit}",
                    function.urn,
                )
        if props.get("publish") is not True:
            report(f"edge function {function.name} must set publish=True", function.urn)


# 7. Error pages are JSON and served without an edge function.
def _error_pages_json_unprotected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DISTRIBUTION:
        return
    for response in args.props.get("customErrorResponses") or []:
        page = response.get("responsePagePath")
        code = response.get("errorCode")
        if not page:
            continue
        if not page.endswith(".json"):
            report(f"error {code} points at {page!r}; error pages must be JSON (.json)")
        pattern, behavior = _behavior_for(args.props, page)
        if _runs_edge_code(behavior):
            report(
                f"error {code} page {page!r} is served by behavior {pattern or 'default'!r}, "
                "which runs an edge function; CloudFront fetches error pages without running "
                "functions, so put them under an unprotected behavior"
            )


# 8. Protected content is versioned.
def _protected_content_versioned(args: StackValidationArgs, report: ReportViolation) -> None:
    for bucket in (r for r in args.resources if r.resource_type == BUCKET):
        if not bucket.opts.protect:
            continue
        enabled = [
            v
            for v in _linked(args.resources, bucket, BUCKET_VERSIONING, "bucket")
            if (v.props.get("versioningConfiguration") or {}).get("status") == "Enabled"
        ]
        if not enabled:
            report(
                f"protected bucket {bucket.name} has no BucketVersioning with status Enabled; "
                "overwritten or deleted content could not be recovered",
                bucket.urn,
            )


# 9. An origin that holds protected content is read only behind the check.
ASSOCIATIONS = (
    ("lambdaFunctionAssociations", "lambdaArn"),
    ("functionAssociations", "functionArn"),
)


def _events(behavior) -> list[str]:
    return [
        str(association.get("eventType"))
        for key, _ in ASSOCIATIONS
        for association in behavior.get(key) or []
    ]


def _viewer_request_arns(behavior) -> list[str]:
    """ARNs of the functions a behavior runs on the viewer's request, either engine."""
    return [
        str(association.get(arn_key))
        for key, arn_key in ASSOCIATIONS
        for association in behavior.get(key) or []
        if association.get("eventType") == VIEWER_REQUEST
    ]


def _protected_origin_behind_check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Every behavior that targets an origin with protected content runs the token check: this
    product's function, Lambda@Edge or a CloudFront Function, on viewer-request, the only
    event that runs before every read (origin events skip cache hits; a response event runs
    after the object is read).

    Such an origin is the product's protected origin, or one that some behavior puts a function
    on (a team's own distribution with EdgeCheck). A behavior without the check there (a
    different spelling of a path, say, or a function on another event) reads the protected
    objects without the token; one with another viewer-request function is not the check, so
    all behaviors of the origin must run the same one.
    """
    if args.resource_type != DISTRIBUTION:
        return
    behaviors = _behaviors(args.props)
    guarded = {PROTECTED_ORIGIN_ID} | {
        b.get("targetOriginId") for _, b in behaviors if _runs_edge_code(b)
    }
    on_guarded = [(p, b) for p, b in behaviors if b.get("targetOriginId") in guarded]
    # Event types first: they are known in a preview, where the ARNs may not be yet (reading
    # an unknown one ends the policy for this resource as "can't run during preview").
    for pattern, behavior in on_guarded:
        events = _events(behavior)
        if VIEWER_REQUEST not in events:
            runs = (
                f"runs functions on {', '.join(sorted(set(events)))} only"
                if events
                else "runs no function"
            )
            report(
                f"behavior {pattern or 'default'!r} {runs} but targets origin "
                f"{behavior.get('targetOriginId')!r}, which holds protected content; put the "
                "token check on it (viewer-request) or point it at the public origin"
            )
    checks: dict[str, dict[str, list[str]]] = {}
    for pattern, behavior in on_guarded:
        for arn in _viewer_request_arns(behavior):
            by_arn = checks.setdefault(behavior.get("targetOriginId"), {})
            by_arn.setdefault(arn, []).append(repr(pattern or "default"))
    for origin, by_arn in checks.items():
        if len(by_arn) > 1:
            uses = "; ".join(f"{arn} on {', '.join(names)}" for arn, names in by_arn.items())
            report(
                f"behaviors that target origin {origin!r} run different viewer-request "
                f"functions ({uses}); only the token check may guard protected content, the "
                "same function on every behavior of the origin"
            )


# 10. Alarms on CloudFront metrics watch where CloudFront publishes them.
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CLOUDFRONT_NAMESPACE = "AWS/CloudFront"
METRICS_REGION = "us-east-1"


def _cloudfront_metrics(props) -> Iterator[tuple[str, dict]]:
    """(metric name, dimensions) of every CloudFront metric an alarm reads."""
    if props.get("namespace") == CLOUDFRONT_NAMESPACE:
        yield props.get("metricName"), props.get("dimensions") or {}
    for query in props.get("metricQueries") or []:
        metric = query.get("metric") or {}
        if metric.get("namespace") == CLOUDFRONT_NAMESPACE:
            yield metric.get("metricName"), metric.get("dimensions") or {}


def _cloudfront_alarms_in_us_east_1(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """An alarm elsewhere, or without Region=Global, watches a metric that never gets data:
    it stays quiet through an outage."""
    if args.resource_type != METRIC_ALARM:
        return
    metrics = list(_cloudfront_metrics(args.props))
    if not metrics:
        return
    if args.props.get("region") != METRICS_REGION:
        report(
            f"alarm on CloudFront metrics has region {args.props.get('region')!r}; CloudFront "
            f"publishes them only in {METRICS_REGION} (set region={METRICS_REGION!r})"
        )
    for name, dimensions in metrics:
        # A CloudFront Function's metrics carry FunctionName instead of DistributionId.
        owner = "FunctionName" if str(name).startswith("Function") else "DistributionId"
        if dimensions.get("Region") != "Global" or not dimensions.get(owner):
            report(
                f"alarm metric {name!r} has dimensions {dimensions!r}; CloudFront's carry "
                f"{owner} and Region=Global"
            )
    for key in ("alarmActions", "okActions"):
        for action in args.props.get(key) or []:
            if isinstance(action, str) and not action.startswith(f"arn:aws:sns:{METRICS_REGION}:"):
                report(
                    f"{key} {action!r} is not an SNS topic in {METRICS_REGION}; an alarm "
                    "notifies topics of its own region only"
                )


# 11. CloudFront Functions a distribution runs are LIVE, on runtime 2.0, within 10 KB.
def _cloudfront_function_published(args: StackValidationArgs, report: ReportViolation) -> None:
    for function in _behavior_dependencies(args, CLOUDFRONT_FUNCTION):
        props = function.props
        # Explicit, as for Lambda@Edge: a distribution runs the LIVE stage only, so an
        # unpublished change would never reach viewers.
        if props.get("publish") is not True:
            report(
                f"CloudFront function {function.name} must set publish=True; a distribution "
                "runs the LIVE stage only",
                function.urn,
            )
        if props.get("runtime") != CLOUDFRONT_FUNCTION_RUNTIME:
            report(
                f"CloudFront function {function.name} has runtime {props.get('runtime')!r}; "
                f"use {CLOUDFRONT_FUNCTION_RUNTIME!r} (crypto, Buffer, const/let)",
                function.urn,
            )
        code = props.get("code")
        # The code is secret in a plan ("[secret]" here) or unknown in a preview: then the
        # program's own size check (settings, and inside the apply) is what guards it.
        if isinstance(code, str) and code != "[secret]":
            size = len(code.encode("utf-8"))
            if size > MAX_FUNCTION_CODE_BYTES:
                report(
                    f"CloudFront function {function.name} code is {size} bytes; CloudFront "
                    f"allows at most {MAX_FUNCTION_CODE_BYTES} (use Lambda@Edge instead)",
                    function.urn,
                )


# 12. One engine per behavior on viewer events (CloudFront refuses both).
def _one_engine_per_behavior(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DISTRIBUTION:
        return
    for pattern, behavior in _behaviors(args.props):
        lambda_events = {
            a.get("eventType")
            for a in behavior.get("lambdaFunctionAssociations") or []
            if a.get("eventType") in VIEWER_EVENTS
        }
        function_events = {
            a.get("eventType")
            for a in behavior.get("functionAssociations") or []
            if a.get("eventType") in VIEWER_EVENTS
        }
        if lambda_events and function_events:
            report(
                f"behavior {pattern or 'default'!r} has both a Lambda@Edge "
                f"({', '.join(sorted(lambda_events))}) and a CloudFront function "
                f"({', '.join(sorted(function_events))}) on viewer events; CloudFront allows one "
                "engine there (edgeRuntime picks it)"
            )


# 13. A function the distribution runs reads exactly the stack's one client store.
def _function_reads_the_stacks_store(args: StackValidationArgs, report: ReportViolation) -> None:
    stores = [r for r in args.resources if r.resource_type == KEY_VALUE_STORE]
    for function in _behavior_dependencies(args, CLOUDFRONT_FUNCTION):
        associations = function.props.get("keyValueStoreAssociations") or []
        linked = function.property_dependencies.get("keyValueStoreAssociations") or []
        if len(stores) != 1:
            report(
                f"the stack declares {len(stores)} KeyValueStores; the token check reads its "
                "clients from exactly one",
                function.urn,
            )
        elif len(associations) != 1 or [d.urn for d in linked] != [stores[0].urn]:
            report(
                f"CloudFront function {function.name} must be associated with exactly the "
                f"stack's client store {stores[0].name} (keyValueStoreAssociations)",
                function.urn,
            )


def _value_problem(value: str) -> str | None:
    """Why a store value holds more than a client name, expiry and scope (None: it does not)."""
    try:
        entry = json.loads(value)
    except ValueError:
        return "is not JSON"
    if not isinstance(entry, dict) or set(entry) != STORE_VALUE_FIELDS:
        return "holds fields other than the client name, expiry and scope (c, e, p)"
    name, expiry, scope = entry["c"], entry["e"], entry["p"]
    if not isinstance(name, str) or not CLIENT_NAME.fullmatch(name):
        return "has a client name that is not one"
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int)):
        return "has an expiry that is not seconds since the epoch"
    if scope is not None and not (
        isinstance(scope, list) and all(isinstance(x, str) for x in scope)
    ):
        return "has a scope that is not a list of path patterns"
    return None


# 14. The client store holds digests, never a plaintext token. Secret entries (what the
# program declares; "[secret]" in the offline plan) are checked where they are plain.
def _client_store_holds_no_token(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != STORE_ENTRIES:
        return
    pairs = args.props.get("resourceKeyValuePairs")
    if not isinstance(pairs, list):
        return
    for index, pair in enumerate(pairs):
        if not isinstance(pair, dict):
            continue
        key, value = pair.get("key"), pair.get("value")
        # Neither key nor value is printed: either could be the token this guards.
        if isinstance(key, str) and key != "[secret]" and not DIGEST_KEY.fullmatch(key):
            report(
                f"client store entry {index}: its key is not a token digest (SHA-256, "
                "base64url, 43 characters); a store must never hold a token"
            )
        if isinstance(value, str) and value != "[secret]":
            problem = _value_problem(value)
            if problem:
                report(f"client store entry {index}: its value {problem}")


MANDATORY = EnforcementLevel.MANDATORY
POLICIES = [
    StackValidationPolicy(
        name="s3-bucket-fully-private",
        description="Buckets block all public access and grant nothing to public principals.",
        validate=_bucket_fully_private,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="s3-origins-use-oac",
        description="Every S3 origin of a distribution uses Origin Access Control.",
        validate=_s3_origins_use_oac,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="behaviors-https-only",
        description="Every cache behavior is https-only or redirect-to-https.",
        validate=_https_only,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="custom-certificate-modern-tls",
        description="A distribution with aliases uses an ACM certificate, TLSv1.2_2021, sni-only.",
        validate=_custom_certificate_tls,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="edge-numbered-version",
        description="Lambda@Edge associations reference a numbered function version.",
        validate=_numbered_versions,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="edge-function-limits",
        description="Edge functions have no environment and stay within 128 MB and 5 s.",
        validate=_edge_function_limits,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="error-pages-json-unprotected",
        description="Custom error responses use JSON pages under a behavior with no edge code.",
        validate=_error_pages_json_unprotected,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="protected-content-versioned",
        description="A bucket protected from destroy has versioning enabled.",
        validate=_protected_content_versioned,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="protected-origin-behind-check",
        description="Every behavior that targets an origin with protected content runs the "
        "token check on viewer-request (the same function on all of them).",
        validate=_protected_origin_behind_check,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="cloudfront-alarms-us-east-1",
        description="Alarms on CloudFront metrics are in us-east-1 with Region=Global.",
        validate=_cloudfront_alarms_in_us_east_1,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="cloudfront-function-published",
        description="CloudFront functions a distribution runs are published, on "
        "cloudfront-js-2.0, with code under 10,240 bytes.",
        validate=_cloudfront_function_published,
        enforcement_level=MANDATORY,
    ),
    StackValidationPolicy(
        name="cloudfront-function-reads-the-stacks-store",
        description="A CloudFront function a distribution runs is associated with exactly the "
        "stack's one KeyValueStore of clients.",
        validate=_function_reads_the_stacks_store,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="client-store-holds-no-token",
        description="The client store's keys are token digests and its values hold only a "
        "client name, expiry and scope.",
        validate=_client_store_holds_no_token,
        enforcement_level=MANDATORY,
    ),
    ResourceValidationPolicy(
        name="one-edge-engine-per-behavior",
        description="No behavior has both Lambda@Edge and a CloudFront function on viewer events.",
        validate=_one_engine_per_behavior,
        enforcement_level=MANDATORY,
    ),
]
