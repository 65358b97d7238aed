"""The whole program under Pulumi mocks, for every stack case: every promise of the design."""

from __future__ import annotations

import json
import re

import pulumi
import pytest

from components import cloudfront_facts as facts
from components.checks import SettingsError
from components.site_model import ERROR_PAGES_DIR
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import (
    BUCKET,
    DISTRIBUTION,
    FUNCTION,
    PREVIOUS_KEY,
    RECORD,
    TOKEN_KEY,
    behaviors,
    edge_associations,
    engine_of,
    read_case,
    run_stack,
    secret_input_names,
    stack_cases,
    stack_config,
    walk_inputs,
)
from tools.plan.program_run import (
    CLOUDFRONT_ZONE_ID,
    DISTRIBUTION_DOMAIN,
    HOSTED_ZONE_ID,
    CloudMocks,
    RecordingMonitor,
    run_program,
)

# Every stack case (tests/stacks/); expectations come from the file, never from its values here.
STACKS = stack_cases()
SECRET_KEYS = [TOKEN_KEY, PREVIOUS_KEY]
NUMBERED_VERSION = re.compile(r"arn:aws:lambda:us-east-1:\d{12}:function:[\w-]+:\d+")


@pytest.fixture(scope="module", params=STACKS)
def stack(request):
    return request.param


@pytest.fixture(scope="module")
def run(stack):
    return run_stack(stack)


@pytest.fixture(scope="module")
def expected(stack):
    """The stack file's validated settings: what the program must have declared."""
    return read_case(stack).settings(CURRENT_TOKEN, (PREVIOUS_TOKEN,))


# The protected content bucket keeps its original name; the public one holds the rest.
ORIGIN_COMPONENTS = {"protected": "site-content", "public": "site-public"}


def named(run, resource_type: str, name: str):
    (found,) = [r for r in run.of_type(resource_type) if r.name == name]
    return found


def test_both_buckets_are_private_with_all_block_public_access_flags(run):
    assert sorted(b.name for b in run.of_type(BUCKET)) == [
        "site-content-bucket",
        "site-public-bucket",
    ]
    for prefix in ORIGIN_COMPONENTS.values():
        bucket = named(run, BUCKET, f"{prefix}-bucket")
        block = named(
            run,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            f"{prefix}-public-access-block",
        ).inputs
        for flag in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            assert block[flag] is True, (prefix, flag)
        ownership = named(
            run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", f"{prefix}-ownership"
        ).inputs
        assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
        sse = named(
            run,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            f"{prefix}-encryption",
        ).inputs
        assert sse["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
        versioning = named(
            run, "aws:s3/bucketVersioning:BucketVersioning", f"{prefix}-versioning"
        ).inputs
        assert versioning["versioningConfiguration"]["status"] == "Enabled"
        assert "acl" not in bucket.inputs
        for resource in (block, ownership, sse, versioning):
            assert resource["bucket"] == bucket.inputs.get("bucket", f"{prefix}-bucket-0a1b2c3")


def test_each_origin_uses_origin_access_control_on_its_own_bucket(run):
    origins = {o["originId"]: o for o in run.one(DISTRIBUTION).inputs["origins"]}
    assert sorted(origins) == ["protected", "public"]
    for origin_id, prefix in ORIGIN_COMPONENTS.items():
        oac = named(run, "aws:cloudfront/originAccessControl:OriginAccessControl", f"{prefix}-oac")
        assert oac.inputs["originAccessControlOriginType"] == "s3"
        assert oac.inputs["signingBehavior"] == "always"
        assert oac.inputs["signingProtocol"] == "sigv4"
        origin = origins[origin_id]
        assert origin["originAccessControlId"] == f"{oac.name}-id"
        assert re.fullmatch(
            rf"{prefix}-bucket-0a1b2c3\.s3\.[a-z0-9-]+\.amazonaws\.com", origin["domainName"]
        )
        assert "customOriginConfig" not in origin


def test_protected_behaviors_read_the_protected_origin_and_no_other_does(run):
    for behavior in behaviors(run):
        protected = bool(edge_associations(behavior))
        expected = "protected" if protected else "public"
        assert behavior["targetOriginId"] == expected, behavior.get("pathPattern")
    assert any(edge_associations(b) for b in behaviors(run))


def test_each_bucket_policy_lets_only_this_distribution_read_and_list_over_tls(run):
    policies = run.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert sorted(p.name for p in policies) == ["site-content-policy", "site-public-policy"]
    for policy in policies:
        prefix = policy.name.removesuffix("-policy")
        bucket_arn = f"arn:aws:s3:::{prefix}-bucket-0a1b2c3"
        document = json.loads(policy.inputs["policy"])
        allow, deny = document["Statement"]
        assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert sorted(allow["Action"]) == ["s3:GetObject", "s3:ListBucket"]
        assert allow["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
        assert allow["Condition"] == {
            "StringEquals": {
                "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE1234"
            }
        }
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_error_page_is_uploaded_as_json_to_the_public_bucket(run):
    objects = run.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
    keys = sorted(o.inputs["key"] for o in objects)
    assert keys == sorted(f"_errors/{p.name}" for p in ERROR_PAGES_DIR.glob("*.json"))
    assert all(o.inputs["contentType"] == "application/json" for o in objects)
    assert all(o.inputs["bucket"] == "site-public-bucket-0a1b2c3" for o in objects)
    errors_behavior = behaviors(run)[0]
    assert errors_behavior["pathPattern"] == "_errors/*"
    assert errors_behavior["targetOriginId"] == "public"
    assert not edge_associations(errors_behavior)


def _lambda_edge_only(stack: str) -> None:
    if engine_of(stack) != "lambda-edge":
        pytest.skip("this stack runs the CloudFront Function engine (tests/test_edge_engine.py)")


def test_edge_function_is_a_published_python_version_in_us_east_1(run, stack):
    _lambda_edge_only(stack)
    function = run.one(FUNCTION).inputs
    assert function["region"] == "us-east-1"
    assert function["runtime"] == "python3.13"
    assert function["memorySize"] == 128
    assert function["timeout"] == 5
    assert function["publish"] is True
    assert function["skipDestroy"] is True
    assert function["handler"] == "handler.handler"
    assert "environment" not in function
    assert "code" in secret_input_names(run.one(FUNCTION))


def test_edge_role_trusts_lambda_and_edgelambda_and_logs_in_every_region(run, stack):
    _lambda_edge_only(stack)
    trust = json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert sorted(trust["Statement"][0]["Principal"]["Service"]) == [
        "edgelambda.amazonaws.com",
        "lambda.amazonaws.com",
    ]
    logs = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert logs["Statement"][0]["Resource"] == "arn:aws:logs:*:*:*"
    assert "logs:PutLogEvents" in logs["Statement"][0]["Action"]


def test_viewer_request_check_sits_only_on_protected_behaviors(run, expected):
    protected = []
    for behavior in behaviors(run):
        associations = edge_associations(behavior)
        if associations:
            protected.append(behavior["pathPattern"])
            (association,) = associations
            assert association["eventType"] == "viewer-request"
            arn = association.get("lambdaArn") or association.get("functionArn")
            if expected.edge_runtime == "lambda-edge":
                assert NUMBERED_VERSION.fullmatch(arn), association
            else:
                assert "lambdaArn" not in association
            assert arn == run.outputs["edgeFunctionVersionArn"]
    assert protected == [None if p == "*" else p for p in expected.protected_paths]


def test_behavior_order_is_error_pages_then_protected_patterns_then_default():
    run = run_stack("dev", protectedPaths='["ex-img/*", "/private/*.pdf"]')
    assert [b["pathPattern"] for b in behaviors(run)] == [
        "_errors/*",
        "ex-img/*",
        "private/*.pdf",
        None,
    ]
    assert run.outputs["protectedPaths"] == ["ex-img/*", "private/*.pdf"]


def test_star_protects_the_default_behavior_and_nothing_else():
    run = run_stack("dev", protectedPaths='["*"]')
    ordered = behaviors(run)
    assert [b["pathPattern"] for b in ordered] == ["_errors/*", None]
    assert "lambdaFunctionAssociations" not in ordered[0]
    assert ordered[-1]["lambdaFunctionAssociations"][0]["eventType"] == "viewer-request"


def test_every_behavior_is_https_cached_by_managed_policies(run):
    for behavior in behaviors(run):
        assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["compress"] is True
        assert behavior["allowedMethods"] == ["GET", "HEAD", "OPTIONS"]
        assert behavior["cachePolicyId"] == facts.CACHING_OPTIMIZED_POLICY_ID
        assert behavior["responseHeadersPolicyId"] == facts.SECURITY_HEADERS_POLICY_ID
        assert "forwardedValues" not in behavior
    distribution = run.one(DISTRIBUTION).inputs
    assert distribution["httpVersion"] == "http2and3"
    assert distribution["isIpv6Enabled"] is True
    assert distribution["enabled"] is True


def test_all_eleven_error_codes_map_to_their_json_pages_and_401_is_left_to_the_function(run):
    responses = run.one(DISTRIBUTION).inputs["customErrorResponses"]
    assert [r["errorCode"] for r in responses] == list(facts.CUSTOM_ERROR_CODES)
    for response in responses:
        assert response["responseCode"] == response["errorCode"]
        page = ERROR_PAGES_DIR / response["responsePagePath"].removeprefix("/_errors/")
        assert json.loads(page.read_text())["meta"]["code"] == response["errorCode"]
    assert 401 not in [r["errorCode"] for r in responses]


def test_custom_domain_gets_a_validated_us_east_1_certificate_and_alias_records(run, expected):
    if expected.domain is None:
        pytest.skip("this stack uses the cloudfront.net name")
    certificate = run.one("aws:acm/certificate:Certificate").inputs
    domain = expected.domain.domain_name
    assert run.outputs["url"] == f"https://{domain}/"
    assert certificate == {**certificate, "domainName": domain, "validationMethod": "DNS"}
    assert certificate["region"] == "us-east-1"
    validation = run.one("aws:acm/certificateValidation:CertificateValidation").inputs
    assert validation["region"] == "us-east-1"
    records = {r.inputs["type"]: r.inputs for r in run.of_type(RECORD)}
    assert records["CNAME"]["zoneId"] == HOSTED_ZONE_ID
    assert validation["validationRecordFqdns"] == [records["CNAME"]["name"].rstrip(".")]
    for record_type in ("A", "AAAA"):
        alias = records[record_type]["aliases"][0]
        assert records[record_type]["name"] == domain
        assert records[record_type]["zoneId"] == HOSTED_ZONE_ID
        assert alias["name"] == DISTRIBUTION_DOMAIN
        assert alias["zoneId"] == CLOUDFRONT_ZONE_ID
    distribution = run.one(DISTRIBUTION).inputs
    assert distribution["aliases"] == [domain]
    certificate_settings = distribution["viewerCertificate"]
    assert certificate_settings["sslSupportMethod"] == "sni-only"
    assert certificate_settings["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate_settings["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")


def test_without_a_domain_the_site_uses_its_cloudfront_name():
    run = run_stack("dev", domainName=None, hostedZoneName=None)
    assert run.of_type(RECORD) == []
    assert run.of_type("aws:acm/certificate:Certificate") == []
    distribution = run.one(DISTRIBUTION).inputs
    assert distribution["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert "aliases" not in distribution
    assert run.outputs["url"] == f"https://{DISTRIBUTION_DOMAIN}/"


def test_each_stack_gets_its_own_domain_price_class_and_protection(run, expected):
    domain = expected.domain.domain_name if expected.domain else DISTRIBUTION_DOMAIN
    assert run.outputs["url"] == f"https://{domain}/"
    assert run.one(DISTRIBUTION).inputs["priceClass"] == expected.price_class
    assert len(run.of_type(BUCKET)) == 2
    for bucket in run.of_type(BUCKET):
        assert bucket.protect is expected.protect_content
        assert bucket.retain_on_delete is expected.protect_content
        assert bucket.inputs["forceDestroy"] is not expected.protect_content


def test_a_stack_without_protect_content_set_protects_the_bucket():
    run = run_stack("dev", protectContent=None)
    assert [b.protect for b in run.of_type(BUCKET)] == [True, True]


def test_optional_web_acl_and_access_logs_reach_the_distribution():
    acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/0123abcd-4567"
    run = run_stack("dev", webAclId=acl, accessLogBucket="my-cdn-logs")
    distribution = run.one(DISTRIBUTION).inputs
    assert distribution["webAclId"] == acl
    assert distribution["loggingConfig"]["bucket"] == "my-cdn-logs.s3.amazonaws.com"


def test_token_plaintext_appears_in_no_plain_input_and_no_output(run):
    for registration, path, value in walk_inputs(run):
        for token in (CURRENT_TOKEN, PREVIOUS_TOKEN):
            assert token not in str(value), f"{registration.urn} {path} holds a token"
    assert CURRENT_TOKEN not in json.dumps(run.outputs)
    assert PREVIOUS_TOKEN not in json.dumps(run.outputs)


def test_exports_are_the_documented_stack_outputs(run):
    assert sorted(run.outputs) == [
        "bucketName",
        "clientStoreArn",
        "distributionDomain",
        "distributionId",
        "edgeFunctionLogGroups",
        "edgeFunctionName",
        "edgeFunctionVersionArn",
        "protectedPaths",
        "publicBucketName",
        "url",
    ]
    # The client store's ARN, for the revoke tool: a store on the function engine only.
    on_function = any(
        r.type == "aws:cloudfront/keyValueStore:KeyValueStore" for r in run.registrations
    )
    assert bool(run.outputs["clientStoreArn"]) == on_function


def test_every_child_resource_has_a_component_parent(run):
    by_urn = {r.urn: r for r in run.registrations}
    for registration in run.registrations:
        if registration.type.startswith("aws:"):
            assert by_urn[registration.parent].type.startswith("protected-cdn:index:")


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"authToken": None}, "authToken"),
        ({"authToken": "too-short"}, "authToken"),
        ({"protectedPaths": '["ex img/*"]'}, "protectedPaths"),
        ({"domainName": "Not A Domain"}, "domainName"),
        ({"priceClass": "PriceClass_1"}, "priceClass"),
    ],
)
def test_bad_config_stops_the_program_before_any_resource_naming_the_key(overrides, key):
    monitor = RecordingMonitor(CloudMocks())
    with pytest.raises(SettingsError, match=f"protected-cdn:{key}"):
        run_program("dev", stack_config("dev", **overrides), SECRET_KEYS, monitor=monitor)
    assert monitor.registrations == []


def test_a_token_stored_in_plaintext_stops_the_program():
    with pytest.raises(SettingsError, match="plaintext"):
        run_stack("dev", secret_keys=())


def test_root_serves_index_html_so_the_bucket_is_never_listed(run):
    # Without a default root object CloudFront sends "/" to the bucket, and with
    # s3:ListBucket granted S3 would list every key, protected ones included.
    assert run.one(DISTRIBUTION).inputs["defaultRootObject"] == "index.html"


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("protected-cdn:protectedPath", '["ex-img/*"]', "did you mean protectedPaths?"),
        ("aws:regoin", "eu-west-1", "did you mean aws:region?"),
        ("confg:priceClass", "PriceClass_100", "did you mean protected-cdn:priceClass?"),
        ("aws:region", "eu-west-9", "is not an AWS region"),
        ("aws:region", None, "aws:region: is missing"),
    ],
)
def test_main_ends_bad_config_with_one_line_run_error_before_any_resource(key, value, words):
    # pulumi.Config reads only known keys, so typos would pass unseen without this check.
    config = stack_config("dev")
    if value is None:
        config.pop(key, None)
    else:
        config[key] = value
    monitor = RecordingMonitor(CloudMocks())
    with pytest.raises(pulumi.RunError) as caught:
        run_program("dev", config, SECRET_KEYS, monitor=monitor)
    message = str(caught.value)
    assert words in message and "Fix: " in message
    assert "\n" not in message and len(message) < 400
    assert monitor.registrations == []


def test_pulumi_namespace_keys_are_allowed_and_change_nothing():
    # pulumi:tags are the stack's own tags in Pulumi Cloud, not the resources'.
    config = stack_config("dev")
    plain = run_program("dev", config, SECRET_KEYS).registrations
    config["pulumi:tags"] = '{"team": "cdn"}'
    tagged = run_program("dev", config, SECRET_KEYS).registrations
    assert plain and _declared(tagged) == _declared(plain)


def _declared(registrations) -> dict[str, str]:
    """Each resource's inputs as text (an asset by its path)."""
    return {
        r.urn: json.dumps(r.inputs, sort_keys=True, default=lambda o: getattr(o, "path", repr(o)))
        for r in registrations
    }


def test_settings_read_keys_the_cli_passes_through_pulumi_config_env(monkeypatch):
    # Under the CLI the language host passes config as PULUMI_CONFIG; typos there count too.
    config = stack_config("dev")
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"protected-cdn:protectedPath": "[]"}))
    with pytest.raises(pulumi.RunError, match="did you mean protectedPaths"):
        run_program("dev", config, SECRET_KEYS)
