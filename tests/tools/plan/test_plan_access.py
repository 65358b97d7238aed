"""`make plan` shows who needs the token and where, before anything is deployed."""

from __future__ import annotations

import copy
import json

import pytest

from components.stack_config import parse_settings
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import DISTRIBUTION, plan_case, plan_output, read_case, stack_cases
from tools.plan import plan


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
def test_plan_prints_the_region_and_that_protected_samples_need_the_token(stack):
    status, out, _ = plan_output(stack)
    assert status == 0
    region = read_case(stack).config.get("aws:region")
    engine = read_case(stack).config.get("protected-cdn:edgeRuntime", "lambda-edge")
    assert plan.render_region(plan.region_info(region, engine)) in out.splitlines()
    run = plan_case(stack)
    for pattern in run.outputs["protectedPaths"]:
        samples = plan.sample_paths(None if pattern == "*" else pattern)
        assert f"    {samples[0]} → token required" in out, pattern
    assert "/index.html → " in out
    assert "tags: managed-by=pulumi project=protected-cdn stack=" in out


def test_region_line_names_the_stack_region_and_the_edge_region():
    line = plan.render_region(plan.region_info("eu-west-1"))
    assert (
        line.startswith("region: eu-west-1 ") and "edge function and certificate: us-east-1" in line
    )
    function_line = plan.render_region(plan.region_info("eu-west-1", "cloudfront-function"))
    assert "CloudFront function is global" in function_line


@pytest.mark.parametrize("event", ["viewer-response", "origin-request", "origin-response"])
def test_a_function_on_another_event_than_viewer_request_needs_no_token(event):
    # Only the viewer-request check makes a request need the token; the plan says so.
    run = copy.deepcopy(plan_case("prod"))
    distribution = next(r for r in run.registrations if r.type == DISTRIBUTION)
    for behavior in distribution.inputs["orderedCacheBehaviors"]:
        for association in behavior.get("lambdaFunctionAssociations") or []:
            association["eventType"] = event
    access = plan.render_access(plan.access_rows(run))
    assert "/ex-img/example/file.txt → no token" in access
    assert "token required" not in access


def _section(lines: list[str], first: str, end: str) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    stop = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(end))
    return lines[start:stop]


@pytest.mark.parametrize("stack", stack_cases())
def test_plan_json_carries_what_make_plan_prints(stack):
    """`make plan-json` is the same plan as `make plan`: every section, as data."""
    # Both run on one clock (plan_output): a client's days left are the same in each.
    status, text, _ = plan_output(stack)
    assert status == 0
    lines = text.splitlines()
    status, out, _ = plan_output(stack, "--json")
    assert status == 0
    document = json.loads(out)

    assert (
        f"Plan for stack {document['stack']} (offline: Pulumi mocks, "
        f"{document['tokenSource']}, no cloud access)"
    ) in lines
    assert [line.removeprefix("note: ") for line in lines if line.startswith("note: ")] == (
        document["notes"]
    )
    region = document["region"]
    assert f"region: {region['awsRegion']} (aws:region; {region['note']})" in lines

    settings = _section(lines, "settings (", "protected-cdn:index:")[1:]
    # Spec order in the text; the JSON document's keys are sorted.
    assert sorted(settings) == sorted(
        f"  {key} = {json.dumps(value, sort_keys=True)}"
        for key, value in document["settings"].items()
    )
    assert "authToken" in document["settings"]

    expected = ["who needs the token (sample requests; the first matching behavior decides):"]
    for group in document["access"]:
        expected.append(f"  {group['behavior']}:")
        for request in group["requests"]:
            verdict = (
                "token required" if request["tokenRequired"] else "no token (public content only)"
            )
            expected.append(
                f"    {request['path']} → {verdict} (behavior {request['behavior']}, "
                f"origin {request['origin']})"
            )
    assert _section(lines, "who needs the token", "clients (") == expected

    table = _section(lines, "clients (", "tags: ")[2:]
    assert len(table) == len(document["clients"])
    for line, row in zip(table, document["clients"], strict=True):
        cells = line.split()
        assert cells[0] == row["name"]
        assert cells[1] == (row["expires"] or "never")
        days = row["daysLeft"]
        assert cells[2] == ("-" if days is None else "expired" if days < 0 else str(days))

    tags = document["tags"]
    sets = "; ".join(" ".join(f"{k}={v}" for k, v in sorted(s.items())) for s in tags["sets"])
    assert f"tags: {sets} (on {tags['resources']} resources)" in lines
    assert (
        f"policies: {document['policiesChecked']} of pack protected-cdn checked, no violations"
    ) in lines
    assert document["policyViolations"] == []


def test_the_settings_section_shows_the_inputs_set_away_from_their_default():
    settings = parse_settings(
        {
            "alarmEmail": "ops@example.com",
            "priceClass": "PriceClass_All",
            "previousAuthTokens": [PREVIOUS_TOKEN],
            "authToken": CURRENT_TOKEN,
            "protectedPaths": ["*"],  # the default: not shown
        },
        "dev",
    )
    summary = plan.settings_summary(settings)
    # In the spec's order, secrets as what they are, never their value.
    assert list(summary.items()) == [
        ("authToken", "<secret>"),
        ("previousAuthTokens", "<1 secret>"),
        ("priceClass", "PriceClass_All"),
        ("alarmEmail", "ops@example.com"),
    ]
    text = plan.render_settings(summary)
    assert '  priceClass = "PriceClass_All"' in text.splitlines()
    assert CURRENT_TOKEN not in text and PREVIOUS_TOKEN not in text
