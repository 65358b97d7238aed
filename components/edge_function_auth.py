"""Edge check as a CloudFront Function (edgeRuntime cloudfront-function): no Lambda, no role.

The code is generated from the token policy (digests only) by edge_handler.cloudfront_function
and published to the LIVE stage, which is what a distribution runs. CloudFront Functions log
only in us-east-1, to /aws/cloudfront/function/<name> (Developer Guide, "Edge function logs").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

FUNCTION_RUNTIME = "cloudfront-js-2.0"


@dataclass(frozen=True)
class EdgeCheckFunctionArgs:
    # The JavaScript source from the stack's tokens (digests only). An Output when the tokens
    # are (secret or unknown until deploy); marked secret here anyway.
    code: pulumi.Input[str]
    comment: str = "protected-cdn token check"
    tags: dict[str, str] = field(default_factory=dict)


def function_log_group(function_name: str) -> str:
    """The one log group of a CloudFront Function, in us-east-1 whatever edge ran it."""
    return f"/aws/cloudfront/function/{function_name}"


class EdgeCheckFunction(pulumi.ComponentResource):
    """The token check as a published CloudFront Function (cloudfront-js-2.0)."""

    function_arn: pulumi.Output[str]
    """ARN of the function; a distribution runs its LIVE stage."""
    function_name: pulumi.Output[str]
    """The name Pulumi chose (logical name plus a random suffix)."""
    log_group: pulumi.Output[str]
    """/aws/cloudfront/function/<name>, in us-east-1."""

    def __init__(
        self, name: str, args: EdgeCheckFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("protected-cdn:index:EdgeCheckFunction", name, None, opts)
        self.function = aws.cloudfront.Function(
            f"{name}-function",
            # No fixed name: auto-named (logical name plus a random suffix), as the Lambda one.
            runtime=FUNCTION_RUNTIME,
            # Treated as secret although it holds digests only: it is derived from the tokens.
            code=pulumi.Output.secret(args.code),
            # Publish to LIVE: a distribution runs the LIVE stage only.
            publish=True,
            comment=args.comment,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.function_arn = self.function.arn
        self.function_name = self.function.name
        self.log_group = self.function.name.apply(function_log_group)
        self.register_outputs(
            {
                "functionArn": self.function_arn,
                "functionName": self.function_name,
                "logGroup": self.log_group,
            }
        )
