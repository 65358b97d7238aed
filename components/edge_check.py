"""EdgeCheck: the token check at the edge, on either engine, for any distribution's behaviors.

It creates the check and no distribution: ProtectedContent uses it on its own protected
behaviors, and a team puts it on a distribution it already has by passing
``lambda_function_associations`` or ``function_associations`` (one of them is empty, by
engine) to the cache behaviors that need the token.

- ``lambda-edge``: a published Lambda@Edge version in us-east-1 with its role; the zip holds
  the handler and the digests of the accepted tokens (edge_handler/build.py).
- ``cloudfront-function``: a CloudFront Function (cloudfront-js-2.0) published to LIVE that
  reads the client table from a CloudFront KeyValueStore associated with it: one entry per
  accepted token, keyed by the token's digest (edge_handler/client_store.py), all written by
  one ``KeyvaluestoreKeysExclusive`` (keys it does not declare are deleted). The code holds no
  token, digest or client data, so a client change updates the store only. It logs only in
  us-east-1, to /aws/cloudfront/function/<name> (Developer Guide, "Edge function logs").

No ``from __future__ import annotations`` here: the component provider host reads these
annotations as real types.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from edge_handler.build import HANDLER_ENTRY_POINT, write_archive
from edge_handler.client_store import store_entries
from edge_handler.cloudfront_function import render_function_code
from edge_handler.engines import CLOUDFRONT_FUNCTION, FUNCTION_RUNTIME, LAMBDA_EDGE

from . import cloudfront_facts as facts
from .args import EdgeCheckArgs
from .checks import PROJECT
from .inputs import EDGE_CHECK, check_inputs, secret_inputs_known
from .tags import resource_tags

# Where the edge archive is written; relative, so the path in state works on any machine.
DEFAULT_BUILD_DIR = Path(".build") / "edge"
VIEWER_REQUEST = "viewer-request"
# The inputs that may be Outputs (secret, unknown during preview): the code waits for them.
_SECRET_INPUTS = ("auth_token", "previous_auth_tokens", "clients")
# Store entries written per API call (the provider's default; AWS: at most 50 keys or 3 MB).
STORE_BATCH_SIZE = 50

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
    """Name of the log group Lambda@Edge replicas write to, in every region that ran one."""
    return f"/aws/lambda/{facts.EDGE_REGION}.{function_name}"


def function_log_group(function_name: str) -> str:
    """The one log group of a CloudFront Function, in us-east-1 whatever edge ran it."""
    return f"/aws/cloudfront/function/{function_name}"


def lambda_association(version_arn: pulumi.Input[str]) -> dict[str, Any]:
    """A viewer-request Lambda@Edge association, with the wire (camelCase) names: valid as a
    cache behavior's ``lambda_function_associations`` item in every Pulumi language."""
    return {"eventType": VIEWER_REQUEST, "includeBody": False, "lambdaArn": version_arn}


def function_association(function_arn: pulumi.Input[str]) -> dict[str, Any]:
    """A viewer-request CloudFront Function association (``function_associations`` item)."""
    return {"eventType": VIEWER_REQUEST, "functionArn": function_arn}


def function_code(
    header: str, log_allowed: bool, grants: bool = False, max_grant_seconds: int = 86400
) -> str:
    """The CloudFront Function's code: from settings only, never from tokens or clients."""
    return render_function_code(header, log_allowed, grants, max_grant_seconds)


def store_pairs(checked: Any) -> list[dict[str, str]]:
    """The store's entries as ``KeyvaluestoreKeysExclusive`` pairs (digest keys, in order;
    with grants, each client's grant entry too)."""
    entries = store_entries(checked.accepted_tokens, checked.clients, checked.grants)
    return [{"key": key, "value": value} for key, value in entries.items()]


def _checked_code(args: EdgeCheckArgs, build: Any) -> Any:
    """``build(checked inputs)``, now when the secret inputs are plain values, else once they
    are known; secret either way (what it builds is derived from the tokens)."""
    if secret_inputs_known(args):
        return pulumi.Output.secret(build(check_inputs(args, EDGE_CHECK)))
    plain = {key: value for key, value in args.items() if key not in _SECRET_INPUTS}
    secrets = {key: pulumi.Output.from_input(args.get(key)) for key in _SECRET_INPUTS}
    resolved = pulumi.Output.secret(pulumi.Output.all(**secrets))
    return resolved.apply(
        lambda values: build(
            check_inputs(
                {**plain, **{k: v for k, v in values.items() if v is not None}}, EDGE_CHECK
            )
        )
    )


class EdgeCheck(pulumi.ComponentResource):
    """The token check as a Lambda@Edge function or a CloudFront Function, for the cache
    behaviors of any distribution (viewer request)."""

    lambda_function_associations: pulumi.Output[list[dict[str, Any]]]
    """Pass to a cache behavior's lambdaFunctionAssociations (empty on cloudfront-function)."""
    function_associations: pulumi.Output[list[dict[str, Any]]]
    """Pass to a cache behavior's functionAssociations (empty on lambda-edge)."""
    function_arn: pulumi.Output[str]
    """What CloudFront runs: numbered Lambda version ARN, or the CloudFront function's ARN."""
    function_name: pulumi.Output[str]
    """Name of the edge function; a Lambda@Edge one stays after destroy (replicas)."""
    log_groups: pulumi.Output[str]
    """Log group of the edge function: per replica region, or one in us-east-1 (function)."""
    client_store_arn: pulumi.Output[str]
    """ARN of the KeyValueStore holding the clients (cloudfront-function); empty on lambda-edge."""

    def __init__(
        self,
        name: str,
        args: EdgeCheckArgs,
        opts: pulumi.ResourceOptions | None = None,
        build_dir: Path = DEFAULT_BUILD_DIR,
    ) -> None:
        # Checked before anything is declared (the secret inputs once known, if Outputs).
        checked = check_inputs(args, EDGE_CHECK)
        super().__init__("protected-cdn:index:EdgeCheck", name, None, opts)
        stack = pulumi.get_stack()
        inputs = _EngineInputs(name, args, checked, stack, {**resource_tags(stack), **checked.tags})
        if checked.edge_runtime == CLOUDFRONT_FUNCTION:
            built = _build_cloudfront_function(inputs, parent=self)
        else:
            assert checked.edge_runtime == LAMBDA_EDGE
            built = _build_lambda_edge(inputs, build_dir, parent=self)

        self.lambda_function_associations = built.lambda_function_associations
        self.function_associations = built.function_associations
        self.function_arn = built.function_arn
        self.function_name = built.function_name
        self.log_groups = built.log_groups
        self.client_store_arn = built.client_store_arn
        self.register_outputs(
            {
                "lambdaFunctionAssociations": self.lambda_function_associations,
                "functionAssociations": self.function_associations,
                "functionArn": self.function_arn,
                "functionName": self.function_name,
                "logGroups": self.log_groups,
                "clientStoreArn": self.client_store_arn,
            }
        )


@dataclass(frozen=True)
class _EngineInputs:
    """What both builders start from: the component's name, its args as given (secret
    Outputs included) and as checked, the stack and the tags."""

    name: str
    args: EdgeCheckArgs
    checked: Any
    stack: str
    tags: dict[str, str]


@dataclass(frozen=True)
class _BuiltCheck:
    """One engine's check, as EdgeCheck's outputs."""

    function_arn: pulumi.Output[str]
    function_name: pulumi.Output[str]
    log_groups: pulumi.Output[str]
    lambda_function_associations: pulumi.Output[list[dict[str, Any]]]
    function_associations: pulumi.Output[list[dict[str, Any]]]
    client_store_arn: pulumi.Output[str]


def _build_cloudfront_function(inputs: _EngineInputs, parent: pulumi.Resource) -> _BuiltCheck:
    """A CloudFront Function published to LIVE, with the KeyValueStore of its clients."""
    name, checked, child = inputs.name, inputs.checked, pulumi.ResourceOptions(parent=parent)
    store = aws.cloudfront.KeyValueStore(
        f"{name}-clients",
        # No fixed name: auto-named, like the function.
        comment=f"{PROJECT} ({inputs.stack}) clients of the token check",
        tags=inputs.tags,
        opts=child,
    )
    aws.cloudfront.KeyvaluestoreKeysExclusive(
        f"{name}-client-entries",
        key_value_store_arn=store.arn,
        # Secret: the keys are digests of the tokens.
        resource_key_value_pairs=_checked_code(inputs.args, store_pairs),
        max_batch_size=STORE_BATCH_SIZE,
        opts=child,
    )
    function = aws.cloudfront.Function(
        f"{name}-function",
        # No fixed name: auto-named (logical name plus a random suffix).
        runtime=FUNCTION_RUNTIME,
        # From settings only: the same for every client table, so not secret.
        code=function_code(
            checked.auth_header, checked.log_allowed, checked.grants, checked.max_grant_seconds
        ),
        # One store per function (CloudFront's limit).
        key_value_store_associations=[store.arn],
        # Publish to LIVE: a distribution runs the LIVE stage only.
        publish=True,
        comment=f"{PROJECT} ({inputs.stack}) token check",
        tags=inputs.tags,
        opts=child,
    )
    return _BuiltCheck(
        function_arn=function.arn,
        function_name=function.name,
        log_groups=function.name.apply(function_log_group),
        lambda_function_associations=pulumi.Output.from_input([]),
        function_associations=pulumi.Output.from_input([function_association(function.arn)]),
        client_store_arn=store.arn,
    )


def _build_lambda_edge(
    inputs: _EngineInputs, build_dir: Path, parent: pulumi.Resource
) -> _BuiltCheck:
    """A published Lambda@Edge version in us-east-1, with its role and logs policy."""
    name, child = inputs.name, pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-role", assume_role_policy=ASSUME_ROLE_POLICY, tags=inputs.tags, opts=child
    )
    logs_policy = aws.iam.RolePolicy(f"{name}-logs", role=role.id, policy=LOGS_POLICY, opts=child)
    function = aws.lambda_.Function(
        f"{name}-function",
        # No fixed name: Pulumi auto-names it, so after `pulumi destroy` leaves the old
        # function behind (skip_destroy below), the next `pulumi up` creates a new one
        # beside it instead of colliding with its name.
        region=facts.EDGE_REGION,
        role=role.arn,
        runtime=facts.EDGE_RUNTIME,
        handler=HANDLER_ENTRY_POINT,
        memory_size=facts.EDGE_MEMORY_MB,
        timeout=facts.EDGE_TIMEOUT_SECONDS,
        publish=True,
        # Digests only, treated as secret: derived from the tokens. No
        # source_code_hash: Pulumi diffs the archive by content, and the zip is
        # deterministic, so a new version is published only on a real change
        # (pulumi/pulumi-aws#3478: a hand-set hash can disagree with the provider's).
        code=_checked_code(inputs.args, lambda checked: _edge_archive(build_dir, checked)),
        # Deleting a replicated function fails for hours; drop it from state instead.
        skip_destroy=True,
        tags=inputs.tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[logs_policy]),
    )
    return _BuiltCheck(
        function_arn=function.qualified_arn,
        function_name=function.name,
        log_groups=function.name.apply(log_group_pattern),
        lambda_function_associations=pulumi.Output.from_input(
            [lambda_association(function.qualified_arn)]
        ),
        function_associations=pulumi.Output.from_input([]),
        client_store_arn=pulumi.Output.from_input(""),
    )


def _edge_archive(build_dir: Path, checked: Any) -> pulumi.FileArchive:
    """The Lambda@Edge zip for checked inputs, written under ``build_dir``."""
    path = write_archive(
        build_dir,
        checked.accepted_tokens,
        checked.auth_header,
        clients=checked.clients,
        log_allowed=checked.log_allowed,
    )
    return pulumi.FileArchive(str(path))
