"""`make plan` shows who needs the token and where, before anything is deployed."""

from __future__ import annotations

import pytest

from tests.program_support import plan_case, read_case, stack_cases
from tools.plan import plan
from tools.plan.locations import STACK_CASES_DIR


def test_sample_paths_fill_the_wildcards_and_try_an_encoded_slash():
    assert plan.sample_paths("ex-img/*") == [
        "/ex-img/example/file.txt",
        "/ex-img%2Fexample/file.txt",
    ]
    assert plan.sample_paths("/docs/v?/*.pdf") == [
        "/docs/vx/example/file.txt.pdf",
        "/docs%2Fvx/example/file.txt.pdf",
    ]
    assert plan.sample_paths("*.jpg") == ["/example/file.txt.jpg", "/example%2Ffile.txt.jpg"]
    assert plan.sample_paths(None) == list(plan.DEFAULT_SAMPLES)


@pytest.mark.parametrize("stack", stack_cases())
def test_plan_prints_the_region_and_that_protected_samples_need_the_token(stack, capsys):
    assert plan.main(["--stack", stack, "--stack-dir", str(STACK_CASES_DIR)]) == 0
    out = capsys.readouterr().out
    region = read_case(stack).config.get("aws:region")
    engine = read_case(stack).config.get("protected-cdn:edgeRuntime", "lambda-edge")
    assert plan.render_region(region, engine) in out.splitlines()
    run = plan_case(stack)
    for pattern in run.outputs["protectedPaths"]:
        samples = plan.sample_paths(None if pattern == "*" else pattern)
        assert f"    {samples[0]} → token required" in out, pattern
    assert "/index.html → " in out
    assert "tags: managed-by=pulumi project=protected-cdn stack=" in out


def test_region_line_names_the_stack_region_and_the_edge_region():
    line = plan.render_region("eu-west-1")
    assert (
        line.startswith("region: eu-west-1 ") and "edge function and certificate: us-east-1" in line
    )
    function_line = plan.render_region("eu-west-1", "cloudfront-function")
    assert "CloudFront function is global" in function_line
