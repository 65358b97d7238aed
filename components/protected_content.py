"""ProtectedContent: the whole product for one stack, composed from the other components.

Its public API (``ProtectedContentArgs`` and the ``pulumi.Output`` class attributes) is what
Pulumi's component provider host turns into a schema for TypeScript, Go, C#, Java and YAML
(provider/). No ``from __future__ import annotations`` here: the host reads these
annotations as real types.
"""

from typing import Any

import pulumi
import pulumi_aws as aws

from edge_handler.engines import CLOUDFRONT_FUNCTION, LAMBDA_EDGE

from .alarms import EdgeAlarms, EdgeAlarmsArgs
from .args import EdgeCheckArgs, ProtectedContentArgs
from .checks import PROJECT, Caller, DomainSettings, checked_for
from .content_origin import ContentOrigin, ContentOriginArgs, bucket_policy_document
from .distribution import Distribution, DistributionArgs, S3Origin
from .domain import (
    DomainAliasRecords,
    DomainAliasRecordsArgs,
    DomainCertificate,
    DomainCertificateArgs,
)
from .edge_check import EdgeCheck
from .inputs import EDGE_CHECK, PROTECTED_CONTENT, check_inputs, inputs_of
from .site_model import PROTECTED_ORIGIN_ID, PUBLIC_ORIGIN_ID, build_site_model, error_page_files
from .tags import resource_tags

# The edge check's name and former type per engine: the names it had as EdgeAuthFunction and
# EdgeCheckFunction, so that the URNs of the function and its role stay (with an alias).
EDGE_CHECK_NAMES = {
    CLOUDFRONT_FUNCTION: ("edge-check", "protected-cdn:index:EdgeCheckFunction"),
    LAMBDA_EDGE: ("edge-auth", "protected-cdn:index:EdgeAuthFunction"),
}
_EDGE_CHECK_INPUTS = tuple(entry.name for entry in inputs_of(EDGE_CHECK))


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
    client_store_arn: pulumi.Output[str]
    """ARN of the KeyValueStore holding the clients (cloudfront-function); empty on lambda-edge."""
    protected_paths: pulumi.Output[list[str]]
    """The path patterns that require the token, as validated."""

    def __init__(
        self,
        name: str,
        args: ProtectedContentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Every input checked before anything is declared (secret Outputs once known).
        checked = check_inputs(args)
        super().__init__("protected-cdn:index:ProtectedContent", name, None, opts)
        stack = pulumi.get_stack()
        tags = {**resource_tags(stack), **checked.tags}
        origin, public_origin = self._origins(name, checked.protect_content, tags)
        edge = self._edge_check(name, args, checked.edge_runtime)
        zone_id = certificate_arn = None
        if checked.domain:
            zone_id, certificate_arn = self._certificate(name, checked.domain, tags)
        cdn = self._distribution(
            name, checked, origin, public_origin, edge, certificate_arn, stack, tags
        )
        self._bucket_policies(name, origin, public_origin, cdn)
        # Only on request: the additional metrics the 401 alarm needs are billed.
        if checked.alarm_email or checked.alarm_topic_arn:
            self._alarms(name, checked, cdn, edge, tags)
        if checked.domain:
            self._dns_records(name, checked.domain.domain_name, zone_id, cdn)
            self.url = pulumi.Output.from_input(f"https://{checked.domain.domain_name}/")
        else:
            self.url = cdn.domain_name.apply(lambda domain_name: f"https://{domain_name}/")
        self._register(checked, cdn, origin, public_origin, edge)

    def _origins(
        self, name: str, protect_content: bool, tags: dict[str, str]
    ) -> tuple[ContentOrigin, ContentOrigin]:
        """The protected and the public bucket, each behind its own origin access control.

        Two buckets so that no request on an unprotected behavior can read a protected
        object, whatever CloudFront's path normalization and S3's key decoding do
        (docs/security.md). The protected one keeps the original name: existing state stays.
        """
        child = pulumi.ResourceOptions(parent=self)
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
        return origin, public_origin

    def _edge_check(self, name: str, args: ProtectedContentArgs, edge_runtime: str) -> EdgeCheck:
        """The token check, under the name and former type it had on this engine."""
        check_name, former_type = EDGE_CHECK_NAMES[edge_runtime]
        # Its errors (tokens given as Outputs are checked there once known) name this
        # component's arguments, the ones its user passed.
        with checked_for(Caller(PROTECTED_CONTENT)):
            return EdgeCheck(
                f"{name}-{check_name}",
                EdgeCheckArgs(**{key: args[key] for key in _EDGE_CHECK_INPUTS if key in args}),
                opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(type_=former_type)]),
            )

    def _certificate(
        self, name: str, domain: DomainSettings, tags: dict[str, str]
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The hosted zone's id and a validated us-east-1 certificate for the domain."""
        zone_id = aws.route53.get_zone_output(
            name=domain.hosted_zone_name,
            private_zone=False,
            # parent=self: a provider passed to the component reaches the lookup too.
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).zone_id
        certificate = DomainCertificate(
            f"{name}-certificate",
            DomainCertificateArgs(domain_name=domain.domain_name, zone_id=zone_id, tags=tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return zone_id, certificate.certificate_arn

    def _distribution(
        self,
        name: str,
        checked: Any,
        origin: ContentOrigin,
        public_origin: ContentOrigin,
        edge: EdgeCheck,
        certificate_arn: pulumi.Output[str] | None,
        stack: str,
        tags: dict[str, str],
    ) -> Distribution:
        """The distribution: the site model's behaviors, the check on the protected ones."""
        if checked.edge_runtime == CLOUDFRONT_FUNCTION:
            edge_associations = {"function_associations": edge.function_associations}
        else:
            edge_associations = {"lambda_function_associations": edge.lambda_function_associations}
        domain = checked.domain
        return Distribution(
            f"{name}-cdn",
            DistributionArgs(
                site=build_site_model(
                    checked.protected_paths, checked.error_caching_min_ttl, checked.grants
                ),
                origins={
                    PROTECTED_ORIGIN_ID: S3Origin(
                        origin.bucket_regional_domain_name, origin.origin_access_control_id
                    ),
                    PUBLIC_ORIGIN_ID: S3Origin(
                        public_origin.bucket_regional_domain_name,
                        public_origin.origin_access_control_id,
                    ),
                },
                edge_associations=edge_associations,
                settings=checked,
                aliases=(domain.domain_name,) if domain else (),
                certificate_arn=certificate_arn,
                comment=f"{PROJECT} ({stack})",
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _bucket_policies(
        self, name: str, origin: ContentOrigin, public_origin: ContentOrigin, cdn: Distribution
    ) -> None:
        """Each bucket readable by this distribution only.

        Here, not in ContentOrigin: the policy names the distribution, created after the
        origins. The alias keeps the URN it had as the origin's child: no replacement.
        """
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

    def _alarms(
        self, name: str, checked: Any, cdn: Distribution, edge: EdgeCheck, tags: dict[str, str]
    ) -> None:
        on_function = checked.edge_runtime == CLOUDFRONT_FUNCTION
        EdgeAlarms(
            f"{name}-alarms",
            EdgeAlarmsArgs(
                distribution_id=cdn.distribution_id,
                email=checked.alarm_email,
                topic_arn=checked.alarm_topic_arn,
                tags=tags,
                edge_runtime=checked.edge_runtime,
                function_name=edge.function_name if on_function else None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _dns_records(
        self, name: str, domain_name: str, zone_id: pulumi.Output[str], cdn: Distribution
    ) -> None:
        DomainAliasRecords(
            f"{name}-dns",
            DomainAliasRecordsArgs(
                domain_name=domain_name,
                zone_id=zone_id,
                distribution_domain_name=cdn.domain_name,
                distribution_hosted_zone_id=cdn.hosted_zone_id,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _register(
        self,
        checked: Any,
        cdn: Distribution,
        origin: ContentOrigin,
        public_origin: ContentOrigin,
        edge: EdgeCheck,
    ) -> None:
        """Every output (``url`` is set already) as an attribute and a registered output."""
        self.distribution_id = cdn.distribution_id
        self.distribution_domain = cdn.domain_name
        self.bucket_name = origin.bucket_name
        self.public_bucket_name = public_origin.bucket_name
        self.edge_function_version_arn = edge.function_arn
        self.edge_function_name = edge.function_name
        self.edge_function_log_groups = edge.log_groups
        self.client_store_arn = edge.client_store_arn
        self.protected_paths = pulumi.Output.from_input(list(checked.protected_paths))
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
                "clientStoreArn": self.client_store_arn,
                "protectedPaths": self.protected_paths,
            }
        )
