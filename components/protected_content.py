"""ProtectedContent: the whole product for one stack, composed from the other components.

Its public API (``ProtectedContentArgs`` and the ``pulumi.Output`` class attributes) is what
Pulumi's component provider host turns into a schema for TypeScript, Go, C#, Java and YAML
(provider/). No ``from __future__ import annotations`` here: the host reads these
annotations as real types.
"""

from pathlib import Path
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from edge_handler.build import write_archive

from .alarms import EdgeAlarms, EdgeAlarmsArgs
from .content_origin import ContentOrigin, ContentOriginArgs, bucket_policy_document
from .distribution import Distribution, DistributionArgs, S3Origin
from .domain import (
    DomainAliasRecords,
    DomainAliasRecordsArgs,
    DomainCertificate,
    DomainCertificateArgs,
)
from .edge_auth import EdgeAuthFunction, EdgeAuthFunctionArgs
from .edge_function_auth import EdgeCheckFunction, EdgeCheckFunctionArgs
from .settings import (
    CLOUDFRONT_FUNCTION,
    PROJECT,
    check_clients,
    check_function_size,
    check_tokens,
    check_values,
)
from .site_model import PROTECTED_ORIGIN_ID, PUBLIC_ORIGIN_ID, build_site_model, error_page_files
from .tags import check_extra_tags, resource_tags

# Where the edge archive is written; relative, so the path in state works on any machine.
DEFAULT_BUILD_DIR = Path(".build") / "edge"

# Input name (as in the schema and the stack config) -> key of ProtectedContentArgs, for the
# settings that are validated before any resource is declared.
_PLAIN_INPUTS = {
    "authHeader": "auth_header",
    "protectedPaths": "protected_paths",
    "domainName": "domain_name",
    "hostedZoneName": "hosted_zone_name",
    "priceClass": "price_class",
    "errorCachingMinTtl": "error_caching_min_ttl",
    "protectContent": "protect_content",
    "webAclId": "web_acl_id",
    "accessLogBucket": "access_log_bucket",
    "alarmEmail": "alarm_email",
    "alarmTopicArn": "alarm_topic_arn",
}

# Named clients (issue 10): whether admitted requests are logged is a plain setting too.
_PLAIN_INPUTS["logAllowed"] = "log_allowed"
# The engine (issue 11): it decides which resources exist, so a plain setting too.
_PLAIN_INPUTS["edgeRuntime"] = "edge_runtime"


class ClientArgs(TypedDict):
    """One named client: its own token, optional expiry and path scope."""

    token: pulumi.Input[str]
    """The client's token (32-256 chars, e.g. openssl rand -hex 32); secret."""
    previous_token: NotRequired[pulumi.Input[str]]
    """A second token accepted during this client's rotation; secret."""
    expires: NotRequired[pulumi.Input[str]]
    """RFC 3339 UTC time from which the edge refuses the client (2027-03-31T00:00:00Z)."""
    paths: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """Path patterns inside protectedPaths the client may open; omit for all of them."""


class ProtectedContentArgs(TypedDict):
    """Inputs of ProtectedContent; each mirrors the stack config key of the same name.

    Only the tokens are Inputs: they may come from another resource, an ESC environment or a
    secret manager, and are unknown during preview. The other settings are plain values
    because they decide which resources exist and how many (behaviors, certificate, DNS,
    protection), and are validated before any resource is declared.
    """

    auth_token: pulumi.Input[str]
    """Token viewers send in the auth header (32-256 chars, e.g. openssl rand -hex 32); secret."""
    previous_auth_tokens: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """Tokens still accepted during a rotation (at most 4); treated as secrets."""
    auth_header: NotRequired[str]
    """Lowercase name of the header that carries the token; default authorization."""
    protected_paths: NotRequired[list[str]]
    """Path patterns that require the token, each with a wildcard (ex-img/*); default ['*']."""
    domain_name: NotRequired[str]
    """Custom domain for the site; omit for the cloudfront.net name. Needs hostedZoneName."""
    hosted_zone_name: NotRequired[str]
    """Route 53 public hosted zone that holds domainName."""
    price_class: NotRequired[str]
    """CloudFront price class; default PriceClass_100."""
    error_caching_min_ttl: NotRequired[int]
    """Seconds CloudFront caches error responses (0 to 31536000); default 10."""
    protect_content: NotRequired[bool]
    """Protect the content bucket from deletion (pulumi destroy keeps it); default true."""
    web_acl_id: NotRequired[str]
    """ARN of a WAFv2 web ACL with scope CLOUDFRONT; omit for none."""
    access_log_bucket: NotRequired[str]
    """Bucket name for CloudFront standard logs; omit for none."""
    alarm_email: NotRequired[str]
    """Email for the edge alarms (5xx rate, edge errors, 401 rise) via a us-east-1 SNS topic."""
    alarm_topic_arn: NotRequired[str]
    """Existing SNS topic in us-east-1 for the edge alarms; omit for none."""
    tags: NotRequired[dict[str, str]]
    """Extra tags for every taggable resource, beside project, stack and managed-by."""
    clients: NotRequired[pulumi.Input[dict[str, pulumi.Input[ClientArgs]]]]
    """Named clients (at most 1000), name ([a-z0-9-]{1,40}) -> token, expiry, paths; secret."""
    log_allowed: NotRequired[bool]
    """Log one line per admitted request (client, uri, requestId); default false."""
    edge_runtime: NotRequired[str]
    """Engine of the token check: lambda-edge (default) or cloudfront-function (10 KB code)."""


def plain_settings(args: ProtectedContentArgs) -> dict:
    """The non-token inputs, validated like the stack config (same one-line errors)."""
    raw = {key: args.get(field) for key, field in _PLAIN_INPUTS.items()}
    return check_values({key: value for key, value in raw.items() if value is not None})


def edge_archive(
    auth_token: pulumi.Input[str],
    previous_auth_tokens: pulumi.Input[list[pulumi.Input[str]]] | None,
    header: str,
    build_dir: Path = DEFAULT_BUILD_DIR,
    clients: pulumi.Input[dict] | None = None,
    protected_paths: tuple[str, ...] = ("*",),
    log_allowed: bool = False,
) -> pulumi.Output[pulumi.Archive]:
    """The edge function's code, built once the tokens are known; secret on every path.

    ``clients`` (the named clients, tokens included) are checked inside the apply, as the
    tokens are: they may be secret or unknown Outputs.
    """
    tokens = pulumi.Output.secret(
        pulumi.Output.all(
            pulumi.Output.from_input(auth_token),
            pulumi.Output.from_input(previous_auth_tokens),
            pulumi.Output.from_input(clients),
        )
    )

    def build(values: list) -> pulumi.Archive:
        current, previous = check_tokens(values[0], values[1])
        named = check_clients(values[2], protected_paths, (current, *previous))
        return pulumi.FileArchive(
            str(
                write_archive(
                    build_dir, (current, *previous), header, clients=named, log_allowed=log_allowed
                )
            )
        )

    return pulumi.Output.secret(tokens.apply(build))


def edge_function_code(
    auth_token: pulumi.Input[str],
    previous_auth_tokens: pulumi.Input[list[pulumi.Input[str]]] | None,
    header: str,
    clients: pulumi.Input[dict] | None = None,
    protected_paths: tuple[str, ...] = ("*",),
    log_allowed: bool = False,
) -> pulumi.Output[str]:
    """The CloudFront Function's JavaScript, built once the tokens are known; secret.

    The tokens and clients are checked inside the apply (they may be secret or unknown
    Outputs), and so is the 10 KB size limit, with the same one-line error as the stack's.
    """
    # Imported here: only this engine needs the generator.
    from edge_handler.cloudfront_function import render_function_code

    tokens = pulumi.Output.secret(
        pulumi.Output.all(
            pulumi.Output.from_input(auth_token),
            pulumi.Output.from_input(previous_auth_tokens),
            pulumi.Output.from_input(clients),
        )
    )

    def build(values: list) -> str:
        current, previous = check_tokens(values[0], values[1])
        named = check_clients(values[2], protected_paths, (current, *previous))
        check_function_size(CLOUDFRONT_FUNCTION, 1 + len(previous), header, named, log_allowed)
        return render_function_code(
            (current, *previous), header, clients=named, log_allowed=log_allowed
        )

    return pulumi.Output.secret(tokens.apply(build))


class ProtectedContent(pulumi.ComponentResource):
    """Private S3 content behind CloudFront, let in only with a secret header token."""

    url: pulumi.Output[str]
    """https URL of the site (the custom domain, else the cloudfront.net name)."""
    distribution_id: pulumi.Output[str]
    """CloudFront distribution ID (for invalidations)."""
    distribution_domain: pulumi.Output[str]
    """The distribution's cloudfront.net domain name."""
    bucket_name: pulumi.Output[str]
    """Bucket for protected content (keys the protected paths match)."""
    public_bucket_name: pulumi.Output[str]
    """Bucket for public content and the JSON error pages."""
    edge_function_version_arn: pulumi.Output[str]
    """What CloudFront runs: numbered Lambda version ARN, or the CloudFront function's ARN."""
    edge_function_name: pulumi.Output[str]
    """Name of the edge function; a Lambda@Edge one stays after destroy (replicas)."""
    edge_function_log_groups: pulumi.Output[str]
    """Log group of the edge function: per replica region, or one in us-east-1 (function)."""
    protected_paths: pulumi.Output[list[str]]
    """The path patterns that require the token, as validated."""

    def __init__(
        self,
        name: str,
        args: ProtectedContentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("protected-cdn:index:ProtectedContent", name, None, opts)
        settings = plain_settings(args)
        domain = settings["domain"]
        site = build_site_model(settings["protected_paths"], settings["error_caching_min_ttl"])
        stack = pulumi.get_stack()
        tags = {**resource_tags(stack), **check_extra_tags(args.get("tags") or {})}
        protect_content = settings["protect_content"]
        child = pulumi.ResourceOptions(parent=self)

        # Two buckets so that no request on an unprotected behavior can read a protected
        # object, whatever CloudFront's path normalization and S3's key decoding do
        # (docs/security.md). The protected one keeps the original name: existing state stays.
        origin = ContentOrigin(
            f"{name}-content",
            ContentOriginArgs(error_pages={}, protect_content=protect_content, tags=tags),
            opts=child,
        )
        public_origin = ContentOrigin(
            f"{name}-public",
            ContentOriginArgs(
                error_pages=error_page_files(), protect_content=protect_content, tags=tags
            ),
            opts=child,
        )
        code_args = (args["auth_token"], args.get("previous_auth_tokens"), settings["auth_header"])
        code_kwargs = {
            "clients": args.get("clients"),
            "protected_paths": settings["protected_paths"],
            "log_allowed": settings["log_allowed"],
        }
        edge_runtime = settings["edge_runtime"]
        if edge_runtime == CLOUDFRONT_FUNCTION:
            # No Lambda, no role, no us-east-1 Lambda resources on this engine.
            edge_check = EdgeCheckFunction(
                f"{name}-edge-check",
                EdgeCheckFunctionArgs(
                    code=edge_function_code(*code_args, **code_kwargs),
                    comment=f"{PROJECT} ({stack}) token check",
                    tags=tags,
                ),
                opts=child,
            )
            edge_arn = edge_check.function_arn
            edge_name = edge_check.function_name
            edge_logs = edge_check.log_group
        else:
            edge_auth = EdgeAuthFunction(
                f"{name}-edge-auth",
                EdgeAuthFunctionArgs(code=edge_archive(*code_args, **code_kwargs), tags=tags),
                opts=child,
            )
            edge_arn = edge_auth.version_arn
            edge_name = edge_auth.function_name
            edge_logs = edge_auth.log_group_pattern

        certificate_arn = None
        zone_id = None
        if domain:
            zone_id = aws.route53.get_zone_output(
                name=domain.hosted_zone_name,
                private_zone=False,
                # parent=self: a provider passed to the component reaches the lookup too.
                opts=pulumi.InvokeOutputOptions(parent=self),
            ).zone_id
            certificate = DomainCertificate(
                f"{name}-certificate",
                DomainCertificateArgs(domain_name=domain.domain_name, zone_id=zone_id, tags=tags),
                opts=child,
            )
            certificate_arn = certificate.certificate_arn

        cdn = Distribution(
            f"{name}-cdn",
            DistributionArgs(
                site=site,
                origins={
                    PROTECTED_ORIGIN_ID: S3Origin(
                        origin.bucket_regional_domain_name, origin.origin_access_control_id
                    ),
                    PUBLIC_ORIGIN_ID: S3Origin(
                        public_origin.bucket_regional_domain_name,
                        public_origin.origin_access_control_id,
                    ),
                },
                edge_function_version_arn=edge_arn,
                edge_runtime=edge_runtime,
                price_class=settings["price_class"],
                aliases=(domain.domain_name,) if domain else (),
                certificate_arn=certificate_arn,
                web_acl_id=settings["web_acl_id"],
                access_log_bucket=settings["access_log_bucket"],
                comment=f"{PROJECT} ({stack})",
                tags=tags,
            ),
            opts=child,
        )
        # Here, not in ContentOrigin: the policy names the distribution, created after the
        # origins. The alias keeps the URN it had as the origin's child: no replacement.
        for origin_name, content in (
            (f"{name}-content", origin),
            (f"{name}-public", public_origin),
        ):
            aws.s3.BucketPolicy(
                f"{origin_name}-policy",
                bucket=content.policy_bucket,
                policy=pulumi.Output.all(content.bucket_arn, cdn.arn).apply(
                    lambda arns: bucket_policy_document(arns[0], arns[1])
                ),
                opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=content)]),
            )

        # Only on request: the additional metrics the 401 alarm needs are billed.
        if settings["alarm_email"] or settings["alarm_topic_arn"]:
            EdgeAlarms(
                f"{name}-alarms",
                EdgeAlarmsArgs(
                    distribution_id=cdn.distribution_id,
                    email=settings["alarm_email"],
                    topic_arn=settings["alarm_topic_arn"],
                    tags=tags,
                    edge_runtime=edge_runtime,
                    function_name=edge_name if edge_runtime == CLOUDFRONT_FUNCTION else None,
                ),
                opts=child,
            )

        if domain:
            DomainAliasRecords(
                f"{name}-dns",
                DomainAliasRecordsArgs(
                    domain_name=domain.domain_name,
                    zone_id=zone_id,
                    distribution_domain_name=cdn.domain_name,
                    distribution_hosted_zone_id=cdn.hosted_zone_id,
                ),
                opts=child,
            )
            self.url = pulumi.Output.from_input(f"https://{domain.domain_name}/")
        else:
            self.url = cdn.domain_name.apply(lambda domain_name: f"https://{domain_name}/")

        self.distribution_id = cdn.distribution_id
        self.distribution_domain = cdn.domain_name
        self.bucket_name = origin.bucket_name
        self.public_bucket_name = public_origin.bucket_name
        self.edge_function_version_arn = edge_arn
        self.edge_function_name = edge_name
        self.edge_function_log_groups = edge_logs
        self.protected_paths = pulumi.Output.from_input(list(settings["protected_paths"]))
        self.register_outputs(
            {
                "url": self.url,
                "distributionId": self.distribution_id,
                "distributionDomain": self.distribution_domain,
                "bucketName": self.bucket_name,
                "publicBucketName": self.public_bucket_name,
                "edgeFunctionVersionArn": self.edge_function_version_arn,
                "edgeFunctionName": self.edge_function_name,
                "edgeFunctionLogGroups": self.edge_function_log_groups,
                "protectedPaths": self.protected_paths,
            }
        )
