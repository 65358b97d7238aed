"""Offline plan, snapshots and the policy pack."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.edge_support import CURRENT_TOKEN
from tests.program_support import (
    BUCKET,
    DISTRIBUTION,
    FUNCTION,
    plan_case,
    plan_output,
    read_case,
    run_stack,
    secret_input_names,
    stack_cases,
)
from tests.support.locations import STACK_CASES_DIR
from tests.support.snapshots import snapshot_diff
from tools.plan.plan import PLACEHOLDER_TOKEN, plan_document
from tools.plan.plan import main as plan_main
from tools.plan.policy_run import load_policies, run_policies
from tools.plan.program_run import ProgramRun

ROOT = Path(__file__).resolve().parents[3]
POLICY_NAMES = {
    "s3-bucket-fully-private",
    "s3-origins-use-oac",
    "behaviors-https-only",
    "custom-certificate-modern-tls",
    "edge-numbered-version",
    "edge-function-limits",
    "error-pages-json-unprotected",
    "protected-content-versioned",
    "protected-origin-behind-check",
    "cloudfront-alarms-us-east-1",
    "cloudfront-function-published",
    "one-edge-engine-per-behavior",
    "cloudfront-function-reads-the-stacks-store",
    "client-store-holds-no-token",
}
CF_FUNCTION = "aws:cloudfront/function:Function"
# The stack case on the CloudFront Functions engine.
FN_STACK = "fn"
CASES = ("--stack-dir", str(STACK_CASES_DIR))


@pytest.fixture(scope="module")
def prod_run():
    return run_stack("prod")


# --- snapshots -------------------------------------------------------------------------


@pytest.mark.parametrize("stack", stack_cases())
def test_plan_matches_the_accepted_snapshot(stack):
    diff = snapshot_diff(stack, run=plan_case(stack))
    assert not diff, (
        f"the {stack} plan changed. If the change is intended, run `make snapshots` and commit "
        f"tests/snapshots/{stack}.json.\n{diff}"
    )


def _document(run):
    return plan_document(run, "dev", [])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["orderedCacheBehaviors"].pop(), '"pathPattern": "ex-img/*"'),
        (
            lambda d: d["orderedCacheBehaviors"][1].pop("lambdaFunctionAssociations"),
            "viewer-request",
        ),
        (lambda d: d["customErrorResponses"].pop(2), '"errorCode": 404'),
    ],
)
def test_a_removed_behavior_association_or_error_response_shows_in_the_plan_diff(change, expected):
    run = plan_case("dev")
    before = json.dumps(_document(run), indent=2, sort_keys=True).splitlines()
    changed = copy.deepcopy(run)
    change(next(r for r in changed.registrations if r.type == DISTRIBUTION).inputs)
    after = json.dumps(_document(changed), indent=2, sort_keys=True).splitlines()
    removed = [line for line in before if line not in after]
    assert any(expected in line for line in removed), removed


# --- the plan command (in process; the process itself: the no-network test below) ------


def _plan(capsys, monkeypatch, *args, token=""):
    """`make plan` with these options and AUTH_TOKEN: exit status, stdout, stderr."""
    monkeypatch.setenv("AUTH_TOKEN", token)
    status = plan_main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("stack", stack_cases())
def test_make_plan_prints_the_tree_and_a_clean_policy_report(stack):
    settings = read_case(stack).settings(CURRENT_TOKEN, ())
    status, out, err = plan_output(stack)
    assert status == 0, err
    assert "a placeholder token" in out
    assert "├─ protected-cdn:index:Distribution  site-cdn" in out
    # Each engine's association is shown per protected behavior.
    target = (
        r"CloudFront function arn:aws:cloudfront::\d{12}:function/"
        if settings.edge_runtime == "cloudfront-function"
        else r"arn:aws:lambda:us-east-1:"
    )
    for pattern in settings.protected_paths:
        label = "default  *" if pattern == "*" else f"{pattern:16}"
        assert re.search(
            rf"{re.escape(label)} +origin=protected +redirect-to-https, "
            rf"viewer-request → {target}",
            out,
        ), pattern
    if settings.edge_runtime == "cloudfront-function":
        assert "runtime=cloudfront-js-2.0 publish=True" in out
        # The code is plain (no token in it); the store's entries are the secret.
        assert re.search(r"code=sha256:[0-9a-f]{12} size=\d+ of 10240 bytes", out)
        assert re.search(r"entries=\d+ size=\d+ of 5242880 bytes .* pairs=\[secret\]", out)
    else:
        assert "code=[secret]" in out
    assert "404 → /_errors/404.json (status 404" in out
    assert f"policies: {len(load_policies())} of pack protected-cdn checked, no violations" in out
    assert ("[protect, retain]" in out) == settings.protect_content
    assert PLACEHOLDER_TOKEN not in out


def test_plan_with_auth_token_never_prints_it(capsys, monkeypatch):
    status, out, err = _plan(capsys, monkeypatch, "--stack", "dev", *CASES, token=CURRENT_TOKEN)
    assert status == 0, err
    assert "AUTH_TOKEN" in out
    assert CURRENT_TOKEN not in out + err


def test_plan_json_lists_every_resource_with_parents_and_masked_secrets(capsys, monkeypatch):
    _, out, _ = _plan(capsys, monkeypatch, "--stack", "dev", "--json", *CASES, token=CURRENT_TOKEN)
    document = json.loads(out)
    assert CURRENT_TOKEN not in out
    types = {r["type"] for r in document["resources"]}
    assert {DISTRIBUTION, FUNCTION, BUCKET} <= types
    function = next(r for r in document["resources"] if r["type"] == FUNCTION)
    assert function["inputs"]["code"] == "[secret]"
    assert function["parent"] == "site-edge-auth"
    assert document["policyViolations"] == []


def test_plan_shows_the_client_stores_entries_and_size_in_text_and_json():
    text = plan_output(FN_STACK)[1]
    document = json.loads(plan_output(FN_STACK, "--json")[1])
    store = document["clientStore"]
    assert store["entries"] >= 1 and store["maxBytes"] == 5 * 1024 * 1024
    assert 43 * store["entries"] < store["bytes"] < store["maxBytes"]
    assert store["largestValueBytes"] <= store["maxValueBytes"] == 1024
    assert f"entries={store['entries']} size={store['bytes']} of {store['maxBytes']} bytes" in text


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (None, "unknown stack 'staging'"),
        ("config: [not, a, mapping", "not valid YAML"),
        (
            "config:\n  aws:region: eu-west-1\n  protected-cdn:priceClass: cheap\n",
            "protected-cdn:priceClass",
        ),
        (
            "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths: []\n",
            "protected-cdn:protectedPaths",
        ),
    ],
)
def test_plan_bad_input_is_one_short_message(tmp_path, capsys, monkeypatch, setup, words):
    if setup is not None:
        (tmp_path / "Pulumi.staging.yaml").write_text(setup)
    status, _, err = _plan(capsys, monkeypatch, "--stack", "staging", "--stack-dir", str(tmp_path))
    assert status == 2
    assert words in err
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0


# --- policies --------------------------------------------------------------------------


def test_the_pack_has_every_policy_and_all_are_mandatory():
    policies = load_policies()
    assert {p.name for p in policies} == POLICY_NAMES
    assert all(p.enforcement_level.value == "mandatory" for p in policies)


@pytest.mark.parametrize("stack", stack_cases())
def test_every_stack_case_passes_every_policy(stack):
    assert run_policies(run_stack(stack)) == []


def test_protecting_everything_passes_every_policy():
    run = run_stack("everything")
    assert run_policies(run) == []
    default = run.one(DISTRIBUTION).inputs["defaultCacheBehavior"]
    assert default["targetOriginId"] == "protected"


def _break(run: ProgramRun, resource_type: str, change) -> ProgramRun:
    broken = copy.deepcopy(run)
    target = next(r for r in broken.registrations if r.type == resource_type)
    try:
        change(target)
    except _AddSecond as added:
        registration, name = added.args
        second = copy.deepcopy(registration)
        second.name, second.urn = name, registration.urn.rsplit("::", 1)[0] + f"::{name}"
        broken.registrations.append(second)
    return broken


def _set(path, value):
    """A change that sets inputs[path...] = value."""

    def change(registration):
        target = registration.inputs
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _public_policy(registration):
    document = json.loads(registration.inputs["policy"])
    document["Statement"].append(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )
    registration.inputs["policy"] = json.dumps(document)


def _unversioned(registration):
    registration.inputs["versioningConfiguration"]["status"] = "Suspended"


@pytest.mark.parametrize(
    ("policy", "resource_type", "change"),
    [
        (
            "s3-bucket-fully-private",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            _set(["blockPublicPolicy"], False),
        ),
        ("s3-bucket-fully-private", "aws:s3/bucketPolicy:BucketPolicy", _public_policy),
        ("s3-bucket-fully-private", BUCKET, _set(["acl"], "public-read")),
        ("s3-origins-use-oac", DISTRIBUTION, _set(["origins", 0, "originAccessControlId"], "")),
        (
            "behaviors-https-only",
            DISTRIBUTION,
            _set(["orderedCacheBehaviors", 1, "viewerProtocolPolicy"], "allow-all"),
        ),
        (
            "custom-certificate-modern-tls",
            DISTRIBUTION,
            _set(["viewerCertificate", "minimumProtocolVersion"], "TLSv1"),
        ),
        (
            "custom-certificate-modern-tls",
            DISTRIBUTION,
            _set(["viewerCertificate", "sslSupportMethod"], "vip"),
        ),
        (
            "edge-numbered-version",
            DISTRIBUTION,
            _set(
                ["orderedCacheBehaviors", 1, "lambdaFunctionAssociations", 0, "lambdaArn"],
                "arn:aws:lambda:us-east-1:123456789012:function:protected-cdn-prod-edge-auth:$LATEST",
            ),
        ),
        ("edge-function-limits", FUNCTION, _set(["environment"], {"variables": {"TOKEN": "x"}})),
        ("edge-function-limits", FUNCTION, _set(["memorySize"], 256)),
        ("edge-function-limits", FUNCTION, _set(["timeout"], 30)),
        (
            "error-pages-json-unprotected",
            DISTRIBUTION,
            _set(["customErrorResponses", 2, "responsePagePath"], "/ex-img/404.json"),
        ),
        (
            "error-pages-json-unprotected",
            DISTRIBUTION,
            _set(["customErrorResponses", 2, "responsePagePath"], "/_errors/404.html"),
        ),
        ("protected-content-versioned", "aws:s3/bucketVersioning:BucketVersioning", _unversioned),
        (
            "protected-origin-behind-check",
            DISTRIBUTION,
            _set(["defaultCacheBehavior", "targetOriginId"], "protected"),
        ),
        (
            "protected-origin-behind-check",
            DISTRIBUTION,
            _set(["orderedCacheBehaviors", 0, "targetOriginId"], "protected"),
        ),
    ],
)
def test_each_policy_fails_on_a_crafted_bad_resource(prod_run, policy, resource_type, change):
    (chosen,) = [p for p in load_policies() if p.name == policy]
    assert run_policies(prod_run, [chosen]) == []
    violations = run_policies(_break(prod_run, resource_type, change), [chosen])
    assert violations, f"{policy} did not notice the change"
    assert all(v.policy == policy and v.mandatory and v.urn for v in violations)


STORE = "aws:cloudfront/keyValueStore:KeyValueStore"
STORE_ENTRIES = "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"
PLAIN_TOKEN = "5f4dcc3b5aa765d61d8327deb882cf995f4dcc3b5aa765d61d8327deb882cf99"
CLIENT_VALUE = '{"c":"default","e":null,"p":null}'


def _associate_another_store(registration):
    """The function reads a store that is not the stack's (as a copied ARN would)."""
    registration.inputs["keyValueStoreAssociations"] = [
        "arn:aws:cloudfront::123456789012:key-value-store/other"
    ]
    registration.property_dependencies["keyValueStoreAssociations"] = []


def _rename(name: str):
    """A second KeyValueStore beside the stack's own (the original stays)."""

    def change(registration):
        # _break deep-copies the run; this appends a second store to it.
        raise _AddSecond(registration, name)

    return change


class _AddSecond(Exception):
    pass


def _entries(key: str, value: str):
    return _set(["resourceKeyValuePairs"], [{"key": key, "value": value}])


@pytest.fixture(scope="module")
def fn_run():
    return run_stack(FN_STACK)


def _add_lambda_edge(registration):
    behavior = registration.inputs["orderedCacheBehaviors"][1]
    behavior["lambdaFunctionAssociations"] = [
        {
            "eventType": "viewer-request",
            "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:edge:1",
            "includeBody": False,
        }
    ]


@pytest.mark.parametrize(
    ("policy", "resource_type", "change"),
    [
        ("cloudfront-function-published", CF_FUNCTION, _set(["publish"], False)),
        ("cloudfront-function-published", CF_FUNCTION, _set(["runtime"], "cloudfront-js-1.0")),
        ("cloudfront-function-published", CF_FUNCTION, _set(["code"], "x" * 10_241)),
        ("one-edge-engine-per-behavior", DISTRIBUTION, _add_lambda_edge),
        (
            "cloudfront-function-reads-the-stacks-store",
            CF_FUNCTION,
            _set(["keyValueStoreAssociations"], []),
        ),
        ("cloudfront-function-reads-the-stacks-store", CF_FUNCTION, _associate_another_store),
        ("cloudfront-function-reads-the-stacks-store", STORE, _rename("second-store")),
        ("client-store-holds-no-token", STORE_ENTRIES, _entries(PLAIN_TOKEN, CLIENT_VALUE)),
        (
            "client-store-holds-no-token",
            STORE_ENTRIES,
            _entries("A" * 43, '{"c":"default","e":null,"p":null,"t":"' + PLAIN_TOKEN + '"}'),
        ),
    ],
)
def test_each_cloudfront_function_policy_fails_on_a_crafted_bad_resource(
    fn_run, policy, resource_type, change
):
    (chosen,) = [p for p in load_policies() if p.name == policy]
    assert run_policies(fn_run, [chosen]) == []
    violations = run_policies(_break(fn_run, resource_type, change), [chosen])
    assert violations, f"{policy} did not notice the change"
    assert all(v.policy == policy and v.mandatory and v.urn for v in violations)


def _check_on(event: str):
    """A change that moves the protected behavior's function (either engine) to ``event``."""

    def change(registration):
        behavior = registration.inputs["orderedCacheBehaviors"][1]
        for key in ("lambdaFunctionAssociations", "functionAssociations"):
            for association in behavior.get(key) or []:
                association["eventType"] = event

    return change


def _extra_association(key: str, association: dict):
    """A change that adds ``association`` to the public default behavior, which then targets
    the protected origin."""

    def change(registration):
        behavior = registration.inputs["defaultCacheBehavior"]
        behavior["targetOriginId"] = "protected"
        behavior.setdefault(key, []).append(association)

    return change


ANOTHER_LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:rewrite:3"
ANOTHER_FUNCTION = "arn:aws:cloudfront::123456789012:function/rewrite"


@pytest.mark.parametrize(
    ("stack", "change"),
    [
        # Lambda@Edge on an event that is not the viewer's request: the object is read (or
        # served from the cache) before or without the token check.
        ("prod", _check_on("viewer-response")),
        ("prod", _check_on("origin-response")),
        ("prod", _check_on("origin-request")),
        (FN_STACK, _check_on("viewer-response")),
        # Some other function on viewer-request is not this product's check.
        (
            "prod",
            _extra_association(
                "lambdaFunctionAssociations",
                {"eventType": "viewer-request", "lambdaArn": ANOTHER_LAMBDA, "includeBody": False},
            ),
        ),
        (
            FN_STACK,
            _extra_association(
                "functionAssociations",
                {"eventType": "viewer-request", "functionArn": ANOTHER_FUNCTION},
            ),
        ),
        # Any function on another event does not guard the protected origin either.
        (
            "prod",
            _extra_association(
                "lambdaFunctionAssociations",
                {"eventType": "origin-response", "lambdaArn": ANOTHER_LAMBDA, "includeBody": False},
            ),
        ),
    ],
    ids=[
        "lambda-viewer-response",
        "lambda-origin-response",
        "lambda-origin-request",
        "function-viewer-response",
        "other-lambda-viewer-request",
        "other-function-viewer-request",
        "other-lambda-origin-response",
    ],
)
def test_the_protected_origin_is_read_only_behind_a_viewer_request_check(stack, change):
    (chosen,) = [p for p in load_policies() if p.name == "protected-origin-behind-check"]
    run = run_stack(stack)
    assert run_policies(run, [chosen]) == []
    violations = run_policies(_break(run, DISTRIBUTION, change), [chosen])
    assert violations, "a behavior without the viewer-request check reads the protected origin"
    assert all(v.mandatory and "viewer-request" in v.message for v in violations)


def test_the_policy_pack_names_the_protected_origin_as_the_site_model_does():
    # The pack is standalone (its own virtualenv): it keeps its own copy of the origin id.
    from components.site_model import PROTECTED_ORIGIN_ID

    spec = importlib.util.spec_from_file_location(
        "cdn_policies", ROOT / "policy" / "cdn_policies.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PROTECTED_ORIGIN_ID == PROTECTED_ORIGIN_ID


def test_the_function_code_is_plain_so_the_policy_measures_it_and_10_kb_passes(fn_run):
    (chosen,) = [p for p in load_policies() if p.name == "cloudfront-function-published"]
    # The code holds no token (the store does): plain, so the pack measures the real code.
    assert secret_input_names(fn_run.one(CF_FUNCTION)) == []
    assert isinstance(fn_run.one(CF_FUNCTION).inputs["code"], str)
    ok = _break(fn_run, CF_FUNCTION, _set(["code"], "x" * 10_240))
    assert run_policies(ok, [chosen]) == []


def test_the_store_entries_reach_the_policies_as_a_secret_and_the_real_entries_pass(fn_run):
    (chosen,) = [p for p in load_policies() if p.name == "client-store-holds-no-token"]
    entries = fn_run.one(STORE_ENTRIES)
    assert secret_input_names(entries) == ["resourceKeyValuePairs"]
    # Unwrapped (as an engine that hands secrets to policies would), the program's own
    # entries are digests and client values only.
    plain = entries.inputs["resourceKeyValuePairs"]["value"]
    assert (
        plain
        and run_policies(
            _break(fn_run, STORE_ENTRIES, _set(["resourceKeyValuePairs"], plain)), [chosen]
        )
        == []
    )


def test_a_plaintext_token_in_the_store_is_reported_without_printing_it(fn_run):
    (chosen,) = [p for p in load_policies() if p.name == "client-store-holds-no-token"]
    broken = _break(
        fn_run, STORE_ENTRIES, _entries(PLAIN_TOKEN, '{"c":"x","t":"' + PLAIN_TOKEN + '"}')
    )
    violations = run_policies(broken, [chosen])
    assert len(violations) == 2
    assert all(PLAIN_TOKEN not in v.message for v in violations)


def test_protected_bucket_without_any_versioning_resource_is_a_violation(prod_run):
    broken = copy.deepcopy(prod_run)
    broken.registrations = [
        r for r in broken.registrations if r.type != "aws:s3/bucketVersioning:BucketVersioning"
    ]
    (chosen,) = [p for p in load_policies() if p.name == "protected-content-versioned"]
    violations = run_policies(broken, [chosen])
    assert len(violations) == 2  # the protected and the public content bucket
    assert all("no BucketVersioning" in v.message for v in violations)


@pytest.mark.parametrize("bucket", ["site-content-bucket", "site-public-bucket"])
def test_bucket_policies_judge_each_of_the_two_buckets(prod_run, bucket):
    broken = copy.deepcopy(prod_run)
    (target,) = [r for r in broken.registrations if r.type == BUCKET and r.name == bucket]
    broken.registrations = [
        r
        for r in broken.registrations
        if not (
            r.type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
            and r.name.startswith(bucket.removesuffix("-bucket"))
        )
    ]
    target.inputs["acl"] = "public-read"
    (chosen,) = [p for p in load_policies() if p.name == "s3-bucket-fully-private"]
    violations = run_policies(broken, [chosen])
    assert len(violations) == 2 and all(bucket in v.message for v in violations)


def test_a_mandatory_violation_makes_the_plan_exit_non_zero(tmp_path, monkeypatch):
    import tools.plan.plan as plan

    def broken_policies(run, policies=None):
        return run_policies(_break(run, FUNCTION, _set(["memorySize"], 512)), policies)

    monkeypatch.setattr(plan, "run_policies", broken_policies)
    assert plan.main(["--stack", "dev", *CASES]) == 1


def _can_isolate_network() -> bool:
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, "--net", "true"]).returncode == 0


@pytest.mark.skipif(not _can_isolate_network(), reason="cannot create a network namespace here")
def test_plan_needs_no_network_no_credentials_and_no_cli():
    # A fresh network namespace has no interfaces up, not even loopback.
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "PULUMI_"))
    }
    env |= {"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    env["PATH"] = os.path.dirname(sys.executable) + ":/usr/bin:/bin"  # no pulumi binary
    result = subprocess.run(
        ["unshare", "--net", sys.executable, "-m", "tools.plan.plan", "--stack", "prod", *CASES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no violations" in result.stdout
    assert shutil.which("pulumi", path=env["PATH"]) is None


def test_plan_takes_a_fully_qualified_stack_name(capsys):
    assert plan_main(["--stack", "acme/protected-cdn/dev", "--json", *CASES]) == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "dev"


def test_plan_shows_a_bad_stack_name_quoted(capsys):
    assert plan_main(["--stack", "dev "]) == 2
    assert "'dev ' is not a stack name" in capsys.readouterr().err
