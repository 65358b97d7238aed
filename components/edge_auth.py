"""Edge auth function: the token check as a published Lambda@Edge version in us-east-1."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from edge_handler.build import HANDLER_ENTRY_POINT

from . import cloudfront_facts as facts


@dataclass(frozen=True)
class EdgeAuthFunctionArgs:
    # The archive built by edge_handler.build from the stack's token(s): digests only. An
    # Output when the tokens are (secret or unknown until deploy); marked secret here anyway.
    code: pulumi.Input[pulumi.Archive]
    tags: dict[str, str] = field(default_factory=dict)


ASSUME_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "edgelambda.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

# Replicas log to /aws/lambda/us-east-1.<name> in the region of the edge location that ran them.
LOGS_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:*:*:*",
            }
        ],
    }
)


def log_group_pattern(function_name: str) -> str:
    """Name of the log group the replicas write to, in every region an edge location ran it."""
    return f"/aws/lambda/{facts.EDGE_REGION}.{function_name}"


class EdgeAuthFunction(pulumi.ComponentResource):
    """The token check as a published Lambda@Edge function in us-east-1, with its role."""

    version_arn: pulumi.Output[str]
    """Numbered version ARN (…:function:name:7): what CloudFront must reference."""
    function_name: pulumi.Output[str]
    """The name Pulumi chose (logical name plus a random suffix)."""
    log_group_pattern: pulumi.Output[str]
    """/aws/lambda/us-east-1.<name>: the log group name in each region where replicas ran."""

    def __init__(
        self, name: str, args: EdgeAuthFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:EdgeAuthFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.role = aws.iam.Role(
            f"{name}-role", assume_role_policy=ASSUME_ROLE_POLICY, tags=args.tags, opts=child
        )
        self.logs_policy = aws.iam.RolePolicy(
            f"{name}-logs", role=self.role.id, policy=LOGS_POLICY, opts=child
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            # No fixed name: Pulumi auto-names it (logical name plus a random suffix), so after
            # `pulumi destroy` leaves the old function behind (skip_destroy below), the next
            # `pulumi up` creates a new one beside it instead of colliding with its name.
            region=facts.EDGE_REGION,
            role=self.role.arn,
            runtime=facts.EDGE_RUNTIME,
            handler=HANDLER_ENTRY_POINT,
            memory_size=facts.EDGE_MEMORY_MB,
            timeout=facts.EDGE_TIMEOUT_SECONDS,
            publish=True,
            # Treated as secret although it holds digests only: it is derived from the token.
            # No source_code_hash: Pulumi diffs the archive by content, and the zip is
            # deterministic, so a new version is published only on a real change
            # (pulumi/pulumi-aws#3478: a hand-set hash can disagree with the provider's).
            code=pulumi.Output.secret(args.code),
            # Deleting a replicated function fails for hours; drop it from state instead.
            skip_destroy=True,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.logs_policy]),
        )
        self.version_arn = self.function.qualified_arn
        self.function_name = self.function.name
        self.log_group_pattern = self.function.name.apply(log_group_pattern)
        self.register_outputs(
            {
                "versionArn": self.version_arn,
                "functionName": self.function_name,
                "logGroupPattern": self.log_group_pattern,
            }
        )
