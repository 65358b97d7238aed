"""Run every policy of the pack in policy/ over a program run, without the Pulumi CLI.

The engine would hand each policy the resources' inputs; here they come from the mock run,
wrapped in pulumi-policy's own argument classes so the very same policy functions run.
Secret values reach the policies as "[secret]".
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from tools.plan.program_run import ROOT, SECRET_MARK, ProgramRun, is_secret_value

POLICY_MODULE = ROOT / "policy" / "cdn_policies.py"


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str
    message: str

    @property
    def mandatory(self) -> bool:
        return self.enforcement == EnforcementLevel.MANDATORY.value


def load_policies() -> list:
    return list(runpy.run_path(str(POLICY_MODULE))["POLICIES"])


def masked(value: Any) -> Any:
    """Inputs as a policy sees them, with secrets replaced and assets named."""
    if is_secret_value(value):
        return SECRET_MARK
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    if hasattr(value, "path") and type(value).__name__.endswith(("Archive", "Asset")):
        return {"archive": str(value.path)}
    return value


def policy_resources(run: ProgramRun) -> list[PolicyResource]:
    """The custom resources of the run as pulumi-policy PolicyResource objects, linked."""
    custom = [r for r in run.registrations if r.custom]
    resources: dict[str, PolicyResource] = {}
    for registration in custom:
        options = PolicyResourceOptions(
            protect=registration.protect,
            ignore_changes=[],
            delete_before_replace=None,
            aliases=[],
            custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
            additional_secret_outputs=[],
            parent=registration.parent,
        )
        resources[registration.urn] = PolicyResource(
            resource_type=registration.type,
            props=masked(registration.inputs),
            urn=registration.urn,
            name=registration.name,
            opts=options,
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )
    for registration in custom:
        resource = resources[registration.urn]
        for key, urns in registration.property_dependencies.items():
            linked = [resources[urn] for urn in urns if urn in resources]
            resource.property_dependencies[key] = linked
            resource.dependencies.extend(d for d in linked if d not in resource.dependencies)
    return list(resources.values())


def run_policies(run: ProgramRun, policies: list | None = None) -> list[Violation]:
    policies = load_policies() if policies is None else policies
    resources = policy_resources(run)
    violations: list[Violation] = []

    def reporter(policy, default_urn: str):
        """pulumi-policy's ReportViolation: a message, and the URN when not the resource's."""
        level = (policy.enforcement_level or EnforcementLevel.ADVISORY).value
        return lambda message, urn=None: violations.append(
            Violation(policy.name, level, urn or default_urn, message)
        )

    for policy in policies:
        if isinstance(policy, StackValidationPolicy):
            policy.validate(StackValidationArgs(resources), reporter(policy, ""))
        elif isinstance(policy, ResourceValidationPolicy):
            for r in resources:  # the engine passes no provider offline
                args = ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, None)
                policy.validate(args, reporter(policy, r.urn))
    return violations
