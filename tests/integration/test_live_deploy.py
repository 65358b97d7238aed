"""Live: deploy an ephemeral stack to AWS with the Automation API, prove it over HTTPS, destroy.

Runs only with PROTECTED_CDN_INTEGRATION=1, the pulumi CLI on PATH and AWS credentials (CI:
.github/workflows/integration.yml, on demand and nightly). Without the variable (make test) it
is skipped, saying nothing ran and why; with it but without the CLI or credentials it fails
with that line, so a run that was asked for never passes without deploying anything.
Cost: one distribution, two buckets and a function for about 30-60 minutes.

    PROTECTED_CDN_INTEGRATION=1 .venv/bin/python -m pytest tests/integration -v -s

The stack gets a random name and token and no custom domain. The edge function is left by
`pulumi destroy` (skip_destroy: CloudFront deletes its replicas hours later); the test tries
to delete it and otherwise prints the exact command to run later.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integration.live_checks import (
    SiteProbe,
    asked_to_run,
    check_site,
    copy_project,
    edge_function_cleanup_commands,
    ephemeral_stack_name,
    missing_prerequisites,
    new_token,
    not_run_message,
    rotation_state,
    serves,
    wait_until,
)
from tools.local_edge.local_edge import DEFAULT_CONTENT

ROOT = Path(__file__).resolve().parents[2]
REGION = os.environ.get("PROTECTED_CDN_REGION", "eu-west-1")
# A new distribution takes 5-15 minutes to deploy everywhere; a new edge version as long.
DEPLOY_TIMEOUT_SECONDS = 40 * 60
PROTECTED_OBJECT = "ex-img/logo.svg"


def _config(token: str, previous: list[str]) -> dict:
    from pulumi import automation as auto

    return {
        "aws:region": auto.ConfigValue(REGION),
        "protected-cdn:authToken": auto.ConfigValue(token, secret=True),
        "protected-cdn:previousAuthTokens": auto.ConfigValue(json.dumps(previous), secret=True),
        "protected-cdn:protectedPaths": auto.ConfigValue(json.dumps(["ex-img/*"])),
        # Ephemeral: destroy must be able to empty and delete both buckets.
        "protected-cdn:protectContent": auto.ConfigValue("false"),
    }


def _up(stack, token: str, previous: list[str]) -> dict:
    stack.set_all_config(_config(token, previous))
    # The policy pack runs as in CI; show_secrets=False keeps tokens out of the log.
    result = stack.up(on_output=print, policy_packs=[str(ROOT / "policy")], show_secrets=False)
    return {name: output.value for name, output in result.outputs.items()}


def _delete_left_function(function_name: str) -> None:
    import boto3

    try:
        boto3.client("lambda", region_name="us-east-1").delete_function(FunctionName=function_name)
        print(f"deleted the edge function {function_name}")
    except Exception as error:  # replicas still exist: AWS refuses for hours
        print(f"the edge function stays until CloudFront removes its replicas ({error}). Later:")
        for command in edge_function_cleanup_commands(function_name):
            print("  " + command)


def test_an_ephemeral_stack_serves_protected_content_and_rotates_its_token(tmp_path):
    missing = missing_prerequisites()
    if missing and asked_to_run():
        # Asked for (make integration, the workflow) but unable: a failure, never a skip.
        pytest.fail(not_run_message(missing), pytrace=False)
    if missing:
        pytest.skip(not_run_message(missing))

    import boto3
    from pulumi import automation as auto

    name = ephemeral_stack_name()
    work_dir = copy_project(ROOT, tmp_path / "project")
    stack = auto.create_stack(stack_name=name, work_dir=str(work_dir))
    first = new_token()
    function_name = None
    print(f"ephemeral stack {name} in {REGION}")
    try:
        outputs = _up(stack, first, [])
        function_name = outputs["edgeFunctionName"]
        body = (DEFAULT_CONTENT / PROTECTED_OBJECT).read_bytes()
        boto3.client("s3", region_name=REGION).put_object(
            Bucket=outputs["bucketName"],
            Key=PROTECTED_OBJECT,
            Body=body,
            ContentType="image/svg+xml",
        )
        probe = SiteProbe(
            base_url=outputs["url"],
            protected_path=PROTECTED_OBJECT,
            missing_path="ex-img/does-not-exist.svg",
            expected_body=body,
        )
        wait_until(
            lambda: serves(probe, first), what="distribution", timeout=DEPLOY_TIMEOUT_SECONDS
        )
        print(check_site(probe, first))

        # Rotation, step 1: a new current token, the old one still accepted.
        second = new_token()
        _up(stack, second, [first])
        tokens = {"new": second, "old": first}
        wait_until(
            lambda: rotation_state(probe, accepted=tokens, refused={}),
            what="rotation (both tokens)",
            timeout=DEPLOY_TIMEOUT_SECONDS,
        )
        # Step 2: the old token dropped; replicas pick the new version up within minutes.
        _up(stack, second, [])
        wait_until(
            lambda: rotation_state(probe, {"new": second}, {"old": first}),
            what="rotation (old token refused)",
            timeout=DEPLOY_TIMEOUT_SECONDS,
        )
        print(check_site(probe, second))
    finally:
        try:
            stack.destroy(on_output=print, show_secrets=False)
            stack.workspace.remove_stack(name)
        except Exception:
            print(
                f"destroy failed; finish it by hand: cd {work_dir} && pulumi destroy "
                f"--stack {name} --yes && pulumi stack rm {name} --yes"
            )
            raise
        finally:
            if function_name:
                _delete_left_function(function_name)
