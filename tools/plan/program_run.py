"""Run the real Pulumi program (or any component) under Pulumi mocks and record what it declares.

Only the AWS control plane is mocked: ``CloudMocks`` returns each resource's inputs as its
state plus the few outputs AWS would compute. ``RecordingMonitor`` keeps what the engine
would see for every registration (type, name, parent, protect, inputs with secrets still
marked), so tests, the plan and the offline policy run work on plain data.
"""

from __future__ import annotations

import hashlib
import runpy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings

from components import PROJECT

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
# CloudFront's fixed alias hosted zone id.
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"
HOSTED_ZONE_ID = "Z0123456789EXAMPLE"
SECRET_MARK = "[secret]"


def autoname(logical_name: str) -> str:
    """What Pulumi's auto-naming gives a resource without an explicit name: the logical name,
    a dash and 7 random hex characters. Derived from the logical name here, so runs repeat."""
    suffix = hashlib.sha256(logical_name.encode()).hexdigest()[:7]
    return f"{logical_name}-{suffix}"


def is_secret_value(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


# Resources AWS names like Pulumi's auto-naming when no name is given, and the ARN each gets.
NAMED_ARNS = {
    "aws:lambda/function:Function": f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{{name}}",
    "aws:cloudfront/function:Function": f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{{name}}",
    "aws:cloudfront/keyValueStore:KeyValueStore": (
        f"arn:aws:cloudfront::{ACCOUNT_ID}:key-value-store/{{store_id}}"
    ),
    "aws:iam/role:Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{{name}}",
    "aws:sns/topic:Topic": f"arn:aws:sns:{{region}}:{ACCOUNT_ID}:{{name}}",
    "aws:cloudwatch/metricAlarm:MetricAlarm": None,
}
ETAG = "ETVPDKIKX0DER"


class CloudMocks(pulumi.runtime.Mocks):
    """Inputs become state; add the outputs AWS computes, with stable fake identifiers."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        name = args.name
        kind = args.typ
        resource_id = f"{name}-id"
        if kind in NAMED_ARNS:
            state["name"] = state.get("name") or autoname(name)
            arn = NAMED_ARNS[kind]
            if arn:
                state["arn"] = arn.format(
                    name=state["name"],
                    region=state.get("region") or "us-east-1",
                    store_id=uuid.uuid5(uuid.NAMESPACE_URL, state["name"]),
                )
        if kind == "aws:s3/bucket:Bucket":
            resource_id = f"{name}-0a1b2c3"
            state |= {
                "bucket": resource_id,
                "arn": f"arn:aws:s3:::{resource_id}",
                "bucketRegionalDomainName": f"{resource_id}.s3.eu-west-1.amazonaws.com",
            }
        elif kind == "aws:lambda/function:Function":
            state |= {"version": "1", "qualifiedArn": f"{state['arn']}:1"}
        elif kind == "aws:cloudfront/function:Function":
            state |= {
                "etag": ETAG,
                "liveStageEtag": ETAG if state.get("publish", True) else "",
                "status": "UNASSOCIATED",
            }
        elif kind == "aws:cloudfront/keyValueStore:KeyValueStore":
            resource_id = state["name"]
            state["etag"] = ETAG
        elif kind == "aws:cloudfront/distribution:Distribution":
            resource_id = "E2EXAMPLE1234"
            state |= {
                "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{resource_id}",
                "domainName": DISTRIBUTION_DOMAIN,
                "hostedZoneId": CLOUDFRONT_ZONE_ID,
            }
        elif kind == "aws:acm/certificate:Certificate":
            domain = state["domainName"]
            state |= {
                "arn": f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/{name}",
                "domainValidationOptions": [
                    {
                        "domainName": domain,
                        "resourceRecordName": f"_0123abcd.{domain}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": "_4567efab.acm-validations.aws.",
                    }
                ],
            }
        elif kind == "aws:route53/record:Record":
            state["fqdn"] = str(state.get("name", "")).rstrip(".")
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        if args.token == "aws:route53/getZone:getZone":
            return {"zoneId": HOSTED_ZONE_ID, "id": HOSTED_ZONE_ID, "name": args.args["name"]}
        raise NotImplementedError(f"no mock for invoke {args.token}")


@dataclass
class Registration:
    """One resource the program declared, as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    protect: bool
    retain_on_delete: bool
    inputs: dict[str, Any]
    # Input property name -> URNs of the resources its value came from.
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # The resource's own aliases as the engine receives them (pulumirpc.Alias messages).
    aliases: list[Any] = field(default_factory=list)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    inputs=rpc.deserialize_properties(request.object, keep_internal=True),
                    property_dependencies={
                        key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                    },
                    aliases=list(request.aliases),
                )
            )
        return response


@dataclass
class ProgramRun:
    registrations: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == resource_type]

    def one(self, resource_type: str) -> Registration:
        found = self.of_type(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
        return found[0]


def run_under_mocks(
    body: Callable[[], Any],
    stack: str,
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
    monitor: RecordingMonitor | None = None,
    project: str = PROJECT,
) -> ProgramRun:
    """Run ``body`` (which declares resources) under mocks; return what it registered.

    ``config`` uses namespaced keys ("protected-cdn:authToken") with string values, as the CLI.
    Pass a ``monitor`` to see what was registered even when the body raises.
    """
    mocks = CloudMocks()
    monitor = monitor or RecordingMonitor(mocks)
    runtime_settings.ROOT.set(None)  # a fresh root stack for every run
    pulumi.runtime.set_all_config(dict(config or {}), list(secret_keys or []))
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program():
        body()
        outputs = runtime_settings.get_root_resource().outputs
        return pulumi.Output.all(**outputs).apply(exported.update)

    program()
    return ProgramRun(monitor.registrations, exported)


def run_program(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str] | None = None,
    monitor: RecordingMonitor | None = None,
) -> ProgramRun:
    """Run ``__main__.py`` exactly as ``pulumi up`` would start it, under mocks."""
    program = partial(runpy.run_path, str(ROOT / "__main__.py"), run_name="__main__")
    return run_under_mocks(program, stack, config, secret_keys, monitor)
