"""The policy pack as the Pulumi CLI runs it: start policy/__main__.py and talk gRPC to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tests.process_support import started
from tests.tools.plan.test_plan_and_policies import POLICY_NAMES

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
URN = "urn:pulumi:dev::protected-cdn::aws:cloudfront/distribution:Distribution::cdn"


@pytest.fixture(scope="module")
def analyzer():
    # The CLI starts the pack, reads the port it prints, then calls the Analyzer service.
    # started(): the pack is killed and reaped when the module's tests end, whatever happens.
    command = [sys.executable, str(ROOT / "policy" / "__main__.py")]
    with started(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        port = int(process.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)


def _distribution(viewer_protocol_policy: str) -> struct_pb2.Struct:
    properties = struct_pb2.Struct()
    properties.update(
        {
            "origins": [{"originId": "content", "originAccessControlId": "oac-1"}],
            "defaultCacheBehavior": {"viewerProtocolPolicy": viewer_protocol_policy},
            "customErrorResponses": [],
        }
    )
    return properties


def test_the_pack_serves_every_policy_as_mandatory(analyzer):
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "protected-cdn"
    assert {p.name for p in info.policies} == POLICY_NAMES
    mandatory = analyzer_pb2.EnforcementLevel.Value("MANDATORY")
    assert all(p.enforcementLevel == mandatory for p in info.policies)


def test_the_served_pack_reports_a_violation_and_passes_a_good_resource(analyzer):
    def analyze(policy):
        request = analyzer_pb2.AnalyzeRequest(
            type=DISTRIBUTION, properties=_distribution(policy), urn=URN, name="cdn"
        )
        return analyzer.Analyze(request, timeout=30).diagnostics

    bad = analyze("allow-all")
    assert [d.policyName for d in bad] == ["behaviors-https-only"]
    assert "redirect-to-https" in bad[0].message
    assert list(analyze("redirect-to-https")) == []


# How the engine sends a string it does not know yet (a function ARN in a first preview).
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _guarded_distribution(event_type: str) -> struct_pb2.Struct:
    protected = {
        "pathPattern": "ex-img/*",
        "targetOriginId": "protected",
        "viewerProtocolPolicy": "redirect-to-https",
        "lambdaFunctionAssociations": [{"eventType": event_type, "lambdaArn": UNKNOWN_STRING}],
    }
    properties = struct_pb2.Struct()
    properties.update(
        {
            "origins": [
                {"originId": "protected", "originAccessControlId": "oac-1"},
                {"originId": "public", "originAccessControlId": "oac-1"},
            ],
            "defaultCacheBehavior": {
                "targetOriginId": "public",
                "viewerProtocolPolicy": "redirect-to-https",
            },
            "orderedCacheBehaviors": [protected],
            "customErrorResponses": [],
        }
    )
    return properties


def test_a_check_on_the_wrong_event_is_refused_even_while_the_arn_is_unknown(analyzer):
    def analyze(event_type):
        request = analyzer_pb2.AnalyzeRequest(
            type=DISTRIBUTION, properties=_guarded_distribution(event_type), urn=URN, name="cdn"
        )
        return analyzer.Analyze(request, timeout=30).diagnostics

    mandatory = analyzer_pb2.EnforcementLevel.Value("MANDATORY")
    wrong = [d for d in analyze("viewer-response") if d.enforcementLevel == mandatory]
    assert [d.policyName for d in wrong] == ["protected-origin-behind-check"]
    assert "viewer-request" in wrong[0].message
    # The right event with an ARN still unknown: nothing mandatory (judged again at `up`).
    assert [d for d in analyze("viewer-request") if d.enforcementLevel == mandatory] == []
