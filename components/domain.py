"""Custom domain: a DNS-validated ACM certificate in us-east-1 and Route 53 alias records.

Two components because the certificate must exist before the distribution and the alias
records after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from . import cloudfront_facts as facts


@dataclass(frozen=True)
class DomainCertificateArgs:
    domain_name: str
    zone_id: pulumi.Input[str]
    tags: dict[str, str] = field(default_factory=dict)


class DomainCertificate(pulumi.ComponentResource):
    """A DNS-validated ACM certificate in us-east-1 (the only region CloudFront reads)."""

    certificate_arn: pulumi.Output[str]
    """ARN of the certificate once DNS validation has completed: what CloudFront may use."""

    def __init__(
        self, name: str, args: DomainCertificateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:DomainCertificate", name, None, opts)
        self.certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=args.domain_name,
            validation_method="DNS",
            tags=args.tags,
            region=facts.EDGE_REGION,  # CloudFront only uses certificates from us-east-1
            opts=pulumi.ResourceOptions(parent=self),
        )
        option = self.certificate.domain_validation_options[0]
        self.validation_record = aws.route53.Record(
            f"{name}-validation-record",
            zone_id=args.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            allow_overwrite=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.validation = aws.acm.CertificateValidation(
            f"{name}-validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[self.validation_record.fqdn],
            region=facts.EDGE_REGION,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.certificate_arn = self.validation.certificate_arn
        self.register_outputs({"certificateArn": self.certificate_arn})


@dataclass(frozen=True)
class DomainAliasRecordsArgs:
    domain_name: str
    zone_id: pulumi.Input[str]
    distribution_domain_name: pulumi.Input[str]
    distribution_hosted_zone_id: pulumi.Input[str]


class DomainAliasRecords(pulumi.ComponentResource):
    """A and AAAA alias records pointing the custom domain at the distribution."""

    fqdn: pulumi.Output[str]
    """The domain name the records answer for."""

    def __init__(
        self, name: str, args: DomainAliasRecordsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:DomainAliasRecords", name, None, opts)
        alias = aws.route53.RecordAliasArgs(
            name=args.distribution_domain_name,
            zone_id=args.distribution_hosted_zone_id,
            evaluate_target_health=False,
        )
        # A for IPv4 and AAAA for IPv6 (the distribution has IPv6 enabled).
        self.records = {
            record_type: aws.route53.Record(
                f"{name}-{record_type.lower()}",
                zone_id=args.zone_id,
                name=args.domain_name,
                type=record_type,
                aliases=[alias],
                opts=pulumi.ResourceOptions(parent=self),
            )
            for record_type in ("A", "AAAA")
        }
        self.fqdn = self.records["A"].fqdn
        self.register_outputs({"fqdn": self.fqdn})
