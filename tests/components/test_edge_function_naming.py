"""The edge function is named by the provider, never by the program, and the outputs carry the
name the provider chose.

`pulumi destroy` leaves a Lambda@Edge function behind (skip_destroy: its replicas block the
deletion for hours). A fixed name would make the next `pulumi up` fail on that leftover;
without one, Pulumi names each new function from its logical name and a random suffix. These
tests check the program's choices; what the suffix looks like is the mock's, not checked.
"""

from __future__ import annotations

import pytest

from tests.components.stack_runs import stack_run
from tests.program_support import CF_FUNCTION, FUNCTION, engine_of, stack_cases
from tools.plan.program_run import autoname


@pytest.mark.parametrize("stack", stack_cases())
def test_the_edge_function_sets_no_name_and_lambda_edge_leaves_its_replicas_behind(stack):
    run = stack_run(stack)
    if engine_of(stack) == "cloudfront-function":
        function = run.one(CF_FUNCTION)
        assert "name" not in function.inputs
        # Deleted with the stack (no replicas): nothing left behind to collide with.
        assert not function.inputs.get("skipDestroy")
        return
    function = run.one(FUNCTION)
    assert "name" not in function.inputs
    assert function.inputs["skipDestroy"] is True


@pytest.mark.parametrize("stack", stack_cases())
def test_the_outputs_name_the_function_the_provider_named_and_its_log_groups(stack):
    run = stack_run(stack)
    outputs = run.outputs
    resource_type = CF_FUNCTION if engine_of(stack) == "cloudfront-function" else FUNCTION
    name = autoname(run.one(resource_type).name)  # the name the (mock) provider gave it
    assert outputs["edgeFunctionName"] == name
    if resource_type == CF_FUNCTION:
        assert outputs["edgeFunctionVersionArn"].endswith(f":function/{name}")
        assert outputs["edgeFunctionLogGroups"] == f"/aws/cloudfront/function/{name}"
        return
    # Lambda@Edge runs a published version, and logs in each region it runs in.
    assert outputs["edgeFunctionVersionArn"].endswith(f":function:{name}:1")
    assert outputs["edgeFunctionLogGroups"] == f"/aws/lambda/us-east-1.{name}"
