"""Destroy, then deploy again, with no manual step."""

from __future__ import annotations

import re

import pytest

from tests.program_support import CF_FUNCTION, FUNCTION, engine_of, run_stack, stack_cases


@pytest.mark.parametrize("stack", stack_cases())
def test_edge_function_is_auto_named_so_a_redeploy_never_collides(stack):
    run = run_stack(stack)
    if engine_of(stack) == "cloudfront-function":
        # Deleted with the stack (no replicas); auto-named all the same.
        function = run.one(CF_FUNCTION)
        assert "name" not in function.inputs
        assert function.name == "site-edge-check-function"
        return
    function = run.one(FUNCTION)
    # `pulumi destroy` leaves the function in AWS (skip_destroy: replicas block deletion for
    # hours). A fixed name would make the next `pulumi up` fail on the leftover; without one,
    # Pulumi auto-names each new function with a fresh random suffix.
    assert "name" not in function.inputs
    assert function.inputs["skipDestroy"] is True
    # The logical name (and so the URN) is unchanged: no replacement for existing stacks'
    # other resources, and the auto-name keeps the readable part.
    assert function.name == "site-edge-auth-function"


@pytest.mark.parametrize("stack", stack_cases())
def test_outputs_name_the_function_and_its_regional_log_groups(stack):
    outputs = run_stack(stack).outputs
    name = outputs["edgeFunctionName"]
    if engine_of(stack) == "cloudfront-function":
        assert re.fullmatch(r"site-edge-check-function-[0-9a-f]{7}", name)
        assert outputs["edgeFunctionVersionArn"].endswith(f":function/{name}")
        assert outputs["edgeFunctionLogGroups"] == f"/aws/cloudfront/function/{name}"
        return
    assert re.fullmatch(r"site-edge-auth-function-[0-9a-f]{7}", name)
    assert outputs["edgeFunctionVersionArn"].endswith(f":function:{name}:1")
    assert outputs["edgeFunctionLogGroups"] == f"/aws/lambda/us-east-1.{name}"
