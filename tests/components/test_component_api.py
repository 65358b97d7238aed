"""ProtectedContent as a reusable component: its inputs, secrecy of tokens, its own validation,
outputs as a contract, one-way data flow and stable identities of moved resources."""

import ast
import asyncio
import inspect
import typing
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

import components.alarms
import components.content_origin
import components.distribution
import components.domain
import components.edge_check
import components.protected_content
from components.checks import SettingsError
from components.inputs import INPUTS
from components.protected_content import ProtectedContent, ProtectedContentArgs
from components.stack_config import parse_settings
from tests.components.stack_runs import stack_run
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import FUNCTION, secret_input_names, walk_inputs
from tools.plan.program_run import CloudMocks, RecordingMonitor, run_under_mocks

COMPONENTS_DIR = Path(components.protected_content.__file__).parent
COMPONENT_CLASSES = (
    components.content_origin.ContentOrigin,
    components.edge_check.EdgeCheck,
    components.distribution.Distribution,
    components.domain.DomainCertificate,
    components.domain.DomainAliasRecords,
    components.alarms.EdgeAlarms,
    ProtectedContent,
)
DOMAIN = {"domain_name": "assets.example.com", "hosted_zone_name": "example.com"}
FULL = {"auth_token": CURRENT_TOKEN, **DOMAIN, "alarm_email": "ops@example.com"}
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


class InspectingMonitor(RecordingMonitor):
    """Also keeps each registration's aliases and every invoke request."""

    def __init__(self, mocks) -> None:
        super().__init__(mocks)
        self.aliases: dict[str, list] = {}
        self.invokes: list = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        self.aliases[response.urn] = list(request.aliases)
        return response

    def Invoke(self, request):
        self.invokes.append(request)
        return super().Invoke(request)


def declare(args: ProtectedContentArgs, monitor: RecordingMonitor | None = None, opts=None):
    exported = {}

    def body():
        site = ProtectedContent("site", args, opts)
        for name in output_names(ProtectedContent):
            exported[name] = getattr(site, name)
            pulumi.export(name, getattr(site, name))

    return run_under_mocks(body, "dev", monitor=monitor)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def output_names(cls: type) -> list[str]:
    hints = inspect.get_annotations(cls, eval_str=True)
    return [name for name, hint in hints.items() if typing.get_origin(hint) is pulumi.Output]


def leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def assert_no_token_in_the_clear(run) -> None:
    for registration, path, value in walk_inputs(run):
        for token in (CURRENT_TOKEN, PREVIOUS_TOKEN):
            assert token not in str(value), f"{registration.name}.{path} holds a token"
    for value in leaves(run.outputs):
        assert CURRENT_TOKEN not in str(value) and PREVIOUS_TOKEN not in str(value)


# Public input surface: tokens secret on every path.


def test_plain_string_tokens_become_secret_inside_the_component():
    run = declare({"auth_token": CURRENT_TOKEN, "previous_auth_tokens": [PREVIOUS_TOKEN]})
    assert secret_input_names(run.one(FUNCTION)) == ["code"]
    assert_no_token_in_the_clear(run)


def test_tokens_from_another_resource_as_plain_outputs_become_secret_too():
    def args():
        # Outputs (not secret) as another resource or a secret manager lookup would give.
        token = pulumi.Output.from_input(CURRENT_TOKEN)
        return {
            "auth_token": token,
            "previous_auth_tokens": [pulumi.Output.from_input(PREVIOUS_TOKEN)],
        }

    run = run_under_mocks(lambda: ProtectedContent("site", args()), "dev")
    assert secret_input_names(run.one(FUNCTION)) == ["code"]
    assert_no_token_in_the_clear(run)


def test_the_stack_program_keeps_tokens_secret_through_the_component():
    run = stack_run("dev")
    assert secret_input_names(run.one(FUNCTION)) == ["code"]
    assert_no_token_in_the_clear(run)


def test_unknown_tokens_during_preview_still_declare_every_resource():
    def body():
        loop = asyncio.get_event_loop()
        value, known, secret = loop.create_future(), loop.create_future(), loop.create_future()
        value.set_result(None)
        known.set_result(False)
        secret.set_result(True)
        ProtectedContent("site", {"auth_token": pulumi.Output(set(), value, known, secret)})

    unknown = run_under_mocks(body, "dev")
    known_run = declare({"auth_token": CURRENT_TOKEN})
    assert sorted(r.urn for r in unknown.registrations) == sorted(
        r.urn for r in known_run.registrations
    )


# The component validates its own inputs with the stack config's one-line errors, naming
# the input as the program calls it (ProtectedContentArgs.auth_token, auth_token=...).


def _stack_error(raw: dict) -> str:
    with pytest.raises(SettingsError) as error:
        parse_settings({"authToken": CURRENT_TOKEN, **raw}, "dev")
    return str(error.value)


def _problem(line: str) -> str:
    """The problem an error line names, without whose it is or how to fix it."""
    return line.partition(": ")[2].partition(". Fix: ")[0]


def assert_program_line(line: str, argument: str, stack_line: str) -> None:
    """One line naming ``argument`` of ProtectedContentArgs, with the stack line's problem and
    a fix in the program's terms."""
    assert "\n" not in line
    assert line.startswith(f"ProtectedContentArgs.{argument}: "), line
    assert stack_line.startswith("protected-cdn:"), stack_line
    # The same problem, its words naming inputs the program's way (domain_name).
    stack_problem = _problem(stack_line)
    for entry in INPUTS:
        stack_problem = stack_problem.replace(entry.key, entry.name)
    assert _problem(line) == stack_problem
    assert "pulumi config" not in line and "protected-cdn:" not in line


@pytest.mark.parametrize(
    ("args", "raw"),
    [
        ({"protected_paths": ["ex-img"]}, {"protectedPaths": ["ex-img"]}),
        ({"auth_header": "x_token"}, {"authHeader": "x_token"}),
        ({"domain_name": "assets.example.com"}, {"domainName": "assets.example.com"}),
        ({"price_class": "PriceClass_1"}, {"priceClass": "PriceClass_1"}),
        ({"error_caching_min_ttl": -1.0}, {"errorCachingMinTtl": -1}),
        ({"web_acl_id": "acl"}, {"webAclId": "acl"}),
    ],
)
def test_bad_plain_inputs_stop_the_component_with_the_stack_configs_line(args, raw):
    monitor = RecordingMonitor(CloudMocks())
    with pytest.raises(SettingsError) as error:
        run_under_mocks(
            lambda: ProtectedContent("site", {"auth_token": CURRENT_TOKEN, **args}),
            "dev",
            monitor=monitor,
        )
    [argument] = [key for key in args if key != "domain_name"] or ["hosted_zone_name"]
    assert_program_line(str(error.value), argument, _stack_error(raw))
    # Stopped before declaring anything, the component itself included.
    assert monitor.registrations == []


@pytest.mark.parametrize(
    ("args", "raw"),
    [
        ({"auth_token": "short"}, {"authToken": "short"}),
        (
            {"auth_token": CURRENT_TOKEN, "previous_auth_tokens": [CURRENT_TOKEN]},
            {"previousAuthTokens": [CURRENT_TOKEN]},
        ),
    ],
)
@pytest.mark.parametrize("as_output", [False, True], ids=["plain", "output"])
def test_bad_tokens_fail_with_the_same_line_and_no_token(args, raw, as_output):
    """Plain tokens are checked before anything is declared; tokens given as Outputs (from a
    secret manager, unknown during preview) inside the apply, once known."""

    def body():
        given = args
        if as_output:
            given = {key: pulumi.Output.from_input(value) for key, value in args.items()}
        ProtectedContent("site", given)

    # The error itself, not Pulumi's "While processing input ... has risen" wrapping.
    with pytest.raises(SettingsError) as error:
        run_under_mocks(body, "dev")
    assert_program_line(str(error.value), list(args)[-1], _stack_error(raw))
    assert CURRENT_TOKEN not in str(error.value)


def test_integers_the_provider_hands_over_as_floats_are_accepted():
    run = declare({"auth_token": CURRENT_TOKEN, "error_caching_min_ttl": 30.0})
    errors = run.one("aws:cloudfront/distribution:Distribution").inputs["customErrorResponses"]
    assert {e["errorCachingMinTtl"] for e in errors} == {30}


def test_extra_tags_reach_resources_but_cannot_replace_ours():
    run = declare({"auth_token": CURRENT_TOKEN, "tags": {"team": "media"}})
    bucket = run.of_type("aws:s3/bucket:Bucket")[0]
    assert bucket.inputs["tags"] == {
        "project": "protected-cdn",
        "stack": "dev",
        "managed-by": "pulumi",
        "team": "media",
    }
    with pytest.raises(SettingsError, match=r"^ProtectedContentArgs.tags: 'stack' is set by"):
        declare({"auth_token": CURRENT_TOKEN, "tags": {"stack": "other"}})


# Outputs as a contract.


def test_every_component_registers_exactly_its_annotated_outputs(monkeypatch):
    registered: dict[type, set[str]] = {}
    original = pulumi.ComponentResource.register_outputs

    def record(self, outputs):
        if type(self).__module__.startswith("components."):  # not the root Stack
            registered[type(self)] = set(outputs)
        return original(self, outputs)

    monkeypatch.setattr(pulumi.ComponentResource, "register_outputs", record)
    # One run per engine: each declares its own edge component.
    declare({**FULL, "edge_runtime": "cloudfront-function"})
    run = declare(FULL)
    assert set(registered) == set(COMPONENT_CLASSES), registered
    for cls in COMPONENT_CLASSES:
        names = output_names(cls)
        assert names, f"{cls.__name__} declares no outputs"
        assert registered[cls] == {camel(n) for n in names}, cls.__name__
    assert sorted(run.outputs) == sorted(output_names(ProtectedContent))


def test_protected_content_exposes_everything_the_stack_exports():
    run = stack_run("dev")
    assert sorted(run.outputs) == sorted(camel(n) for n in output_names(ProtectedContent))


def _component_accesses(tree: ast.AST, classes: dict[str, type]):
    """(class, attribute, line) for every attribute read on a variable holding a component."""
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        # Parameters annotated with a component class hold one too.
        holders: dict[str, str] = {
            arg.arg: arg.annotation.id
            for arg in function.args.args
            if isinstance(arg.annotation, ast.Name) and arg.annotation.id in classes
        }
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id in classes
            ):
                for target in node.targets:
                    holders[ast.unparse(target)] = node.value.func.id
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and ast.unparse(node.value) in holders:
                yield holders[ast.unparse(node.value)], node.attr, node.lineno


def test_no_component_reads_a_childs_attributes_beyond_its_declared_outputs():
    classes = {cls.__name__: cls for cls in COMPONENT_CLASSES}
    reads = []
    for path in sorted(COMPONENTS_DIR.glob("*.py")):
        for cls, attribute, line in _component_accesses(ast.parse(path.read_text()), classes):
            reads.append(cls)
            assert attribute in output_names(classes[cls]), (
                f"{path.name}:{line} reads {cls}.{attribute}, which is not a declared output"
            )
    assert {"ContentOrigin", "EdgeCheck", "Distribution", "DomainCertificate"} <= set(reads)


# One-way data flow.


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            found |= {f"{node.module}" if node.module else n for n in names}
            if node.level and node.module is None:
                found |= set(names)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def test_the_site_model_imports_no_component_and_no_settings():
    imports = _imports(COMPONENTS_DIR / "site_model.py")
    local = {name for name in imports if (COMPONENTS_DIR / f"{name}.py").exists()}
    assert local == {"cloudfront_facts"}


def test_checks_take_the_error_prefix_and_behavior_count_from_the_site_model():
    assert "site_model" in _imports(COMPONENTS_DIR / "checks.py")
    source = (COMPONENTS_DIR / "checks.py").read_text()
    assert "ERROR_PAGES_PREFIX =" not in source and "len(patterns) + 1" not in source


# URNs the bucket policies had as children of ContentOrigin, as an existing stack holds them
# (the engine prefixes a child's type with its parent's whole qualified type; the mock monitor
# keeps only the parent's last type, so its URNs are not used here).
_OLD_PARENT = "protected-cdn:index:ProtectedContent$protected-cdn:index:ContentOrigin"
OLD_POLICY_URNS = {
    name: f"urn:pulumi:dev::protected-cdn::{_OLD_PARENT}$aws:s3/bucketPolicy:BucketPolicy::{name}"
    for name in ("site-content-policy", "site-public-policy")
}


def _resolve_alias(alias, registration) -> str:
    """The URN an alias names, by the engine's rule: parent's qualified type $ type :: name."""
    if alias.WhichOneof("alias") == "urn":
        return alias.urn
    spec = alias.spec
    stack_project = registration.urn.split("::")[:2]
    parent = spec.parentUrn if spec.WhichOneof("parent") == "parentUrn" else registration.parent
    qualified = f"{parent.split('::')[2]}${spec.type or registration.type}"
    return "::".join([*stack_project, qualified, spec.name or registration.name])


def test_bucket_policies_moved_to_protected_content_alias_their_old_urns():
    monitor = InspectingMonitor(CloudMocks())
    run = declare({"auth_token": CURRENT_TOKEN}, monitor=monitor)
    (site,) = run.of_type("protected-cdn:index:ProtectedContent")
    policies = run.of_type(BUCKET_POLICY)
    assert sorted(p.name for p in policies) == sorted(OLD_POLICY_URNS)
    for policy in policies:
        assert policy.parent == site.urn  # created where bucket and distribution are known
        resolved = [_resolve_alias(a, policy) for a in monitor.aliases[policy.urn]]
        assert OLD_POLICY_URNS[policy.name] in resolved


def test_the_zone_lookup_uses_the_provider_passed_to_the_component():
    monitor = InspectingMonitor(CloudMocks())

    def body():
        provider = aws.Provider("east", region="us-east-1")
        ProtectedContent(
            "site",
            {"auth_token": CURRENT_TOKEN, **DOMAIN},
            pulumi.ResourceOptions(providers=[provider]),
        )

    run_under_mocks(body, "dev", monitor=monitor)
    (lookup,) = [i for i in monitor.invokes if i.tok == "aws:route53/getZone:getZone"]
    assert "::east::" in lookup.provider
