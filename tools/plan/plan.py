"""`make plan STACK=…`: what a stack will create, and whether it keeps the policies, offline.

Runs the real program under Pulumi mocks with the stack's settings file (token from
AUTH_TOKEN or a placeholder), prints a tree of the resources with the settings that matter,
then runs every policy of the pack in policy/ over them. No AWS credentials, no Pulumi CLI,
no network. Secret values print as [secret]; the token never appears.

    python -m tools.plan.plan --stack dev [--json] [--stack-dir DIR]

The snapshots of the suite's stack cases are tests/support/snapshots.py (`make snapshots`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from components import (
    CONFIG_INPUTS,
    GENERATE_TOKEN,
    CacheBehavior,
    Input,
    Settings,
    SettingsError,
    SiteModel,
    check_inputs,
)
from edge_handler import (
    CLOUDFRONT_FUNCTION,
    LAMBDA_EDGE,
    MAX_CODE_BYTES,
    MAX_STORE_BYTES,
    MAX_VALUE_BYTES,
    store_bytes,
)
from tools import STACK_VARIABLES, make_argv, stack_tool_parser
from tools.clients import client_rows, env_client_token, render_clients
from tools.plan.policy_run import Violation, load_policies, masked, run_policies
from tools.plan.program_run import ProgramRun, Registration, run_program
from tools.stack_files import (
    CLIENTS_KEY,
    LOCAL_TOKENS_FOLDER,
    ROOT,
    SECRET_KEYS,
    TOKEN_KEYS,
    ClientTokenSource,
    StackFile,
    StackFileError,
    any_encrypted_client_token,
    local_only_tokens,
    read_stack_file,
    stack_file_name,
    token_environment,
    with_local_tokens,
)

# Pass validation; stand in for the secrets the offline plan cannot decrypt.
PLACEHOLDER_TOKEN = "PLACEHOLDER-offline-plan-token-0123456789abcdef"
TOKEN_KEY, PREVIOUS_KEY = TOKEN_KEYS
CLOUDFRONT_FUNCTION_TYPE = "aws:cloudfront/function:Function"
DISTRIBUTION_TYPE = "aws:cloudfront/distribution:Distribution"
VIEWER_REQUEST = "viewer-request"
KEY_VALUE_STORE_TYPE = "aws:cloudfront/keyValueStore:KeyValueStore"
STORE_ENTRIES_TYPE = "aws:cloudfront/keyvaluestoreKeysExclusive:KeyvaluestoreKeysExclusive"


def placeholder_previous_token(index: int) -> str:
    return f"PLACEHOLDER-offline-plan-previous-{index}-0123456789abcdef"


@dataclass
class PlanRun(ProgramRun):
    """A program run for a stack file, with what the plan had to assume about its secrets."""

    settings: Settings | None = None
    # One line each: where the token values came from, what the offline tools cannot see.
    notes: list[str] = field(default_factory=list)
    # What the default token is in this run: the AUTH_TOKEN variable or a placeholder.
    token_source: str = "a placeholder token"


def _token_notes(
    stack_file: StackFile, token: str | None, previous: tuple[str, ...] | None
) -> tuple[str, tuple[str, ...], list[str]]:
    """The tokens the plan runs with, and notes saying where they came from."""
    name = stack_file.path.name
    source = "AUTH_TOKEN" if token else "a placeholder"
    notes = []
    if TOKEN_KEY in stack_file.secure_keys:
        notes.append(f"authToken is encrypted in {name} ([secret]); the plan uses {source}")
    elif stack_file.environments:
        notes.append(
            f"authToken is not in {name}: it comes from the ESC environment "
            f"{', '.join(stack_file.environments)}, which offline tools cannot read; "
            f"the plan uses {source}"
        )
    elif TOKEN_KEY not in stack_file.values:
        notes.append(f"authToken is not set; pulumi up stops until you run: {GENERATE_TOKEN}")
    encrypted = PREVIOUS_KEY in stack_file.secure_keys
    # One placeholder per encrypted token; one for an encrypted list (its length is unknown).
    count = (stack_file.secure_count(PREVIOUS_KEY) or 1) if encrypted else 0
    used, previous_source = previous, "PREVIOUS_AUTH_TOKENS"
    if previous is None:
        used = tuple(placeholder_previous_token(i) for i in range(count))
        previous_source = f"{count} placeholder(s)"
    if encrypted:
        notes.append(
            f"previousAuthTokens is encrypted in {name} ([secret]); the plan uses {previous_source}"
        )
    elif stack_file.environments and PREVIOUS_KEY not in stack_file.values:
        notes.append(
            f"previousAuthTokens, if set in the ESC environment, is not visible offline; "
            f"the plan uses {previous_source if used else 'none'}"
        )
    local_only = local_only_tokens(stack_file)
    if local_only:
        notes.append(
            f"{', '.join(local_only)} only in {LOCAL_TOKENS_FOLDER}/{stack_file.stack}.env "
            "(make new-stack): "
            f"the plan uses it; pulumi up stops until it is a stack secret (see {name})"
        )
    if CLIENTS_KEY in stack_file.secure_keys and any_encrypted_client_token(stack_file):
        notes.append(
            f"clients' tokens are encrypted in {name} ([secret]); the plan uses "
            "CLIENT_TOKEN_<NAME> where set, else placeholders"
        )
    other = sorted(stack_file.secure_keys - {TOKEN_KEY, PREVIOUS_KEY, CLIENTS_KEY, "aws:region"})
    if other:
        notes.append(
            f"{', '.join(other)} encrypted in {name}: unreadable offline, the plan uses defaults"
        )
    return token or PLACEHOLDER_TOKEN, used, notes


def plan_run(
    stack: str,
    token: str | None,
    config_dir: Path = ROOT,
    previous_tokens: tuple[str, ...] | None = None,
    client_token: ClientTokenSource = env_client_token,
) -> PlanRun:
    """Run the program for the stack file in ``config_dir``.

    Tokens: ``token`` / ``previous_tokens`` when given (AUTH_TOKEN, PREVIOUS_AUTH_TOKENS),
    else placeholders, one per encrypted token in the file so the count is kept; named
    clients' tokens from ``client_token`` (CLIENT_TOKEN_<NAME> or placeholders). A token in
    plaintext in the file, an unknown key or a bad value stops it (``SettingsError``).
    """
    stack_file = with_local_tokens(read_stack_file(stack, config_dir))
    used_token, used_previous, notes = _token_notes(stack_file, token, previous_tokens)
    notes += [note for note in (stack_file.region_note(),) if note]
    # The program's checks, early.
    settings = stack_file.settings(used_token, used_previous, client_token)
    config = stack_file.offline_config(used_token, used_previous, client_token)
    run = run_program(stack, config, list(SECRET_KEYS))
    return PlanRun(
        run.registrations,
        run.outputs,
        settings=settings,
        notes=notes,
        token_source="AUTH_TOKEN" if token else "a placeholder token",
    )


def plan_document(run: PlanRun, stack: str, violations: list[Violation]) -> dict[str, Any]:
    """The JSON form of every section `make plan` prints (the clients' days left: as of now),
    with each resource (sorted by URN) and its masked inputs."""
    names = {r.urn: r.name for r in run.registrations}
    resources = [
        {
            "type": r.type,
            "name": r.name,
            "parent": names.get(r.parent),
            "protect": r.protect,
            "retainOnDelete": r.retain_on_delete,
            "inputs": _portable(masked(r.inputs)),
        }
        for r in sorted(run.registrations, key=lambda r: r.urn)
    ]
    settings = run.settings
    document: dict[str, Any] = {
        "stack": stack,
        "tokenSource": run.token_source,
        "notes": list(run.notes),
        "region": region_info(settings.region, settings.edge_runtime),
        "settings": settings_summary(settings),
        "outputs": run.outputs,
        "resources": resources,
        "access": access_rows(run),  # the program always declares one distribution
        "clients": client_rows(settings),
        "tags": tag_summary(run),
        "policiesChecked": len(load_policies()),
        "policyViolations": [v.__dict__ for v in violations],
    }
    for store in run.of_type(STORE_ENTRIES_TYPE):  # one on cloudfront-function, else none
        document["clientStore"] = store_size(store)
    return document


def _portable(value: Any) -> Any:
    """Asset paths relative to the project and whole numbers as integers (the wire format
    carries every number as a float), so a plan reads the same on every machine."""
    if isinstance(value, dict):
        if set(value) == {"archive"} and value["archive"].startswith(str(ROOT)):
            return {"archive": os.path.relpath(value["archive"], ROOT)}
        return {key: _portable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_portable(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- the readable tree -------------------------------------------------------------------


AUTO_NAME = "auto (logical name + random suffix)"
# The settings shown under a resource, by type (or the type's last part): lines filled from
# its masked inputs (an input not set shows as None) and the few values _details derives;
# the other kinds are in _details.
DETAIL_LINES = {
    "Bucket": "forceDestroy={forceDestroy}",
    "BucketPublicAccessBlock": "blockPublicAcls={blockPublicAcls} "
    "blockPublicPolicy={blockPublicPolicy} ignorePublicAcls={ignorePublicAcls} "
    "restrictPublicBuckets={restrictPublicBuckets}",
    "BucketOwnershipControls": "objectOwnership={rule[objectOwnership]}",
    "BucketServerSideEncryptionConfiguration": "sse="
    "{rules[0][applyServerSideEncryptionByDefault][sseAlgorithm]} "
    "bucketKey={rules[0][bucketKeyEnabled]}",
    "BucketVersioning": "versioning={versioningConfiguration[status]}",
    "OriginAccessControl": "type={originAccessControlOriginType} "
    "signing={signingBehavior}/{signingProtocol}",
    "BucketObjectv2": "key={key} contentType={contentType}",
    KEY_VALUE_STORE_TYPE: "name={shownName} comment={comment!r}",
    CLOUDFRONT_FUNCTION_TYPE: "name={shownName} runtime={runtime} publish={publish}\n"
    f"code=sha256:{{codeDigest}} size={{codeBytes}} of {MAX_CODE_BYTES} bytes",
    "Function": "name={shownName} region={region} runtime={runtime} memory={memorySize}MB "
    "timeout={timeout}s\npublish={publish} skipDestroy={skipDestroy} handler={handler} "
    "code={code}",
    "Certificate": "{domainName} validation={validationMethod} region={region}",
    "CertificateValidation": "region={region} records={validationRecordFqdns}",
    "MonitoringSubscription": "additional metrics {monitoringSubscription"
    "[realtimeMetricsSubscriptionConfig][realtimeMetricsSubscriptionStatus]} (billed)",
    "Topic": "region={region}",
    "TopicSubscription": "{protocol} {endpoint} region={region}",
    STORE_ENTRIES_TYPE: "entries={entries} size={bytes} of {maxBytes} bytes (largest value "
    "{largestValueBytes} of {maxValueBytes}) maxBatchSize={maxBatchSize} "
    "pairs={resourceKeyValuePairs}",
}


def _details(r: Registration) -> list[str]:
    if not r.custom:
        return []  # components hold no settings of their own
    i = _portable(masked(r.inputs))
    kind = r.type.split(":")[-1]
    lines = DETAIL_LINES.get(r.type) or DETAIL_LINES.get(kind)
    if lines:
        fields = defaultdict(lambda: None, i, shownName=i.get("name") or AUTO_NAME)
        if r.type == CLOUDFRONT_FUNCTION_TYPE:
            # Plain code (its clients are in the store): two plans run the same code when the
            # digests are equal.
            code = i["code"].encode()
            fields |= {"codeDigest": hashlib.sha256(code).hexdigest()[:12], "codeBytes": len(code)}
        if r.type == STORE_ENTRIES_TYPE:
            fields |= store_size(r)
        return lines.format_map(fields).split("\n")
    if kind == "BucketPolicy":
        return [_statement(s) for s in json.loads(i["policy"])["Statement"]]
    if kind == "Role":
        principal = json.loads(i["assumeRolePolicy"])["Statement"][0]["Principal"]
        return [f"trusted by {', '.join(principal['Service'])}"]
    if kind == "RolePolicy":
        statement = json.loads(i["policy"])["Statement"][0]
        return [f"{','.join(statement['Action'])} on {statement['Resource']}"]
    if kind == "Distribution":
        return _distribution_details(i)
    if kind == "MetricAlarm":
        return _alarm_details(i)
    if kind == "Record":
        if i.get("aliases"):
            alias = i["aliases"][0]
            return [f"{i['type']} {i['name']} → alias {alias['name']} (zone {alias['zoneId']})"]
        return [f"{i['type']} {i['name']} → {', '.join(i.get('records', []))}"]
    return []


def store_size(r: Registration) -> dict[str, Any]:
    """How many entries the client store gets and their bytes against CloudFront's limits:
    counted from the entries, which EdgeCheck always marks secret and the mocks always know
    (no preview); counts and sizes reveal no token."""
    entries = {p["key"]: p["value"] for p in r.inputs["resourceKeyValuePairs"]["value"]}
    return {
        "entries": len(entries),
        "bytes": store_bytes(entries),
        "maxBytes": MAX_STORE_BYTES,
        "largestValueBytes": max(len(value.encode()) for value in entries.values()),
        "maxValueBytes": MAX_VALUE_BYTES,
    }


def _alarm_details(i: dict) -> list[str]:
    """An edge alarm (components/alarms.py): what it watches, where, and whom it tells."""
    condition = f"{i['comparisonOperator']} {i.get('thresholdMetricId') or i.get('threshold')}"
    window = f"{i.get('datapointsToAlarm')} of {i['evaluationPeriods']} periods"
    if i.get("metricQueries"):
        metric = next(q["metric"] for q in i["metricQueries"] if q.get("metric"))
        band = next(q["expression"] for q in i["metricQueries"] if q.get("expression"))
        watched = f"{metric['namespace']} {metric['metricName']} {metric['stat']} vs {band}"
        period, dimensions = metric["period"], metric["dimensions"]
    else:
        watched = f"{i['namespace']} {i['metricName']} {i['statistic']}"
        period, dimensions = i["period"], i["dimensions"]
    dims = " ".join(f"{k}={v}" for k, v in sorted(dimensions.items()))
    return [
        f"{watched} {condition}, {window} of {period}s region={i.get('region')}",
        f"{dims} missing={i.get('treatMissingData')}",
    ]


def _statement(statement: dict) -> str:
    principal = statement["Principal"]
    who = principal.get("Service") if isinstance(principal, dict) else principal
    actions = statement["Action"]
    actions = ",".join(actions) if isinstance(actions, list) else actions
    condition = "; ".join(
        f"{key}={value}"
        for operator in statement.get("Condition", {}).values()
        for key, value in operator.items()
    )
    return f"{statement['Effect']} {who} {actions} when {condition}"


def _behaviors(distribution: dict, default_pattern: str | None) -> list[dict]:
    """The distribution's behaviors in CloudFront's order, the default last."""
    default = {**distribution["defaultCacheBehavior"], "pathPattern": default_pattern}
    return [*distribution.get("orderedCacheBehaviors", []), default]


def _distribution_details(i: dict) -> list[str]:
    certificate = i.get("viewerCertificate", {})
    tls = (
        "cloudfront.net default certificate"
        if certificate.get("cloudfrontDefaultCertificate")
        else f"{certificate.get('sslSupportMethod')} {certificate.get('minimumProtocolVersion')}"
    )
    lines = [
        f"aliases={i.get('aliases', [])} priceClass={i.get('priceClass')} "
        f"http={i.get('httpVersion')} ipv6={i.get('isIpv6Enabled')} tls={tls}",
        f"defaultRootObject={i.get('defaultRootObject')} webAcl={i.get('webAclId')} "
        f"logging={i.get('loggingConfig', {}).get('bucket')}",
        "behaviors (CloudFront order, first match wins):",
    ]
    ordered = _behaviors(i, "*")
    for number, behavior in enumerate(ordered, 1):
        label = "default" if number == len(ordered) else f"{number}."
        associations = [
            f"{a['eventType']} → {a['lambdaArn']}"
            for a in behavior.get("lambdaFunctionAssociations") or []
        ] + [
            f"{a['eventType']} → CloudFront function {a['functionArn']}"
            for a in behavior.get("functionAssociations") or []
        ]
        check = ", ".join(associations) or "no edge function"
        lines.append(
            f"  {label:8} {behavior['pathPattern']:16} origin={behavior['targetOriginId']:9} "
            f"{behavior['viewerProtocolPolicy']}, {check}"
        )
    lines.append("custom error responses:")
    for response in i.get("customErrorResponses", []):
        lines.append(
            f"  {response['errorCode']} → {response['responsePagePath']} "
            f"(status {response['responseCode']}, cached {response['errorCachingMinTtl']}s)"
        )
    return lines


def render_tree(run: ProgramRun) -> str:
    children: dict[str, list[Registration]] = {}
    for registration in sorted(run.registrations, key=lambda r: (r.type, r.name)):
        children.setdefault(registration.parent, []).append(registration)
    urns = {r.urn for r in run.registrations}
    roots = [r for r in run.registrations if r.parent not in urns]
    lines: list[str] = []

    def walk(node: Registration, head: str, indent: str) -> None:
        """``head`` goes before the node's own line, ``indent`` before its details and kids."""
        flags = [
            f for f, on in (("protect", node.protect), ("retain", node.retain_on_delete)) if on
        ]
        flag_text = f"  [{', '.join(flags)}]" if flags else ""
        lines.append(f"{head}{node.type}  {node.name}{flag_text}")
        kids = children.get(node.urn, [])
        lines.extend(f"{indent}{'│    ' if kids else '     '}{d}" for d in _details(node))
        for index, child in enumerate(kids):
            last = index == len(kids) - 1
            walk(child, indent + ("└─ " if last else "├─ "), indent + ("   " if last else "│  "))

    for root in roots:
        walk(root, "", "")
    return "\n".join(lines)


def render_violations(violations: list[dict[str, str]], policy_count: int) -> str:
    if not violations:
        return f"policies: {policy_count} of pack protected-cdn checked, no violations"
    lines = [f"policies: {len(violations)} violation(s):"]
    for v in violations:
        lines += [f"  [{v['enforcement']}] {v['policy']}: {v['message']}", f"      {v['urn']}"]
    return "\n".join(lines)


# --- who needs the token ---------------------------------------------------------------

# What a sample request path puts in place of a pattern's wildcards.
SAMPLE_FILL = {"*": "example/file.txt", "?": "x"}
DEFAULT_SAMPLES = ("/index.html", "/example/file.txt")


def sample_paths(pattern: str | None) -> list[str]:
    """A few request paths for a behavior's pattern (None: the default behavior): the plain
    path, and the same path with its first slash sent as %2F, which CloudFront matches as
    written (RFC 3986 keeps %2F encoded) and so may route to another behavior."""
    if pattern is None:
        return list(DEFAULT_SAMPLES)
    body = "".join(SAMPLE_FILL.get(character, character) for character in pattern.lstrip("/"))
    samples = [f"/{body}"]
    head, slash, tail = body.partition("/")
    if slash:
        samples.append(f"/{head}%2F{tail}")
    return samples


def access_rows(run: ProgramRun) -> list[dict[str, Any]]:
    """Sample paths under each behavior as declared: whether the token is required, and which
    behavior and origin answer (the data of the "who needs the token" section). A behavior is
    protected when either engine's function runs on viewer-request: the only event that runs
    before every read (policy protected-origin-behind-check)."""
    planned = [
        CacheBehavior(
            b["pathPattern"],
            protected=any(
                a.get("eventType") == VIEWER_REQUEST
                for key in ("lambdaFunctionAssociations", "functionAssociations")
                for a in b.get(key) or []
            ),
            origin_id=str(b.get("targetOriginId")),
        )
        for b in _behaviors(run.one(DISTRIBUTION_TYPE).inputs, None)
    ]
    site = SiteModel(tuple(planned), ())
    rows = []
    for behavior in planned:
        requests = []
        for path in sample_paths(behavior.path_pattern):
            chosen = site.behavior_for(path)
            requests.append(
                {
                    "path": path,
                    "tokenRequired": chosen.protected,
                    "behavior": chosen.label,
                    "origin": chosen.origin_id,
                }
            )
        rows.append({"behavior": behavior.label, "requests": requests})
    return rows


def render_access(rows: list[dict[str, Any]]) -> str:
    """For sample paths under each behavior: token required or public, and from which origin."""
    lines = ["who needs the token (sample requests; the first matching behavior decides):"]
    for row in rows:
        lines.append(f"  {row['behavior']}:")
        for request in row["requests"]:
            verdict = (
                "token required" if request["tokenRequired"] else "no token (public content only)"
            )
            lines.append(
                f"    {request['path']} → {verdict} (behavior {request['behavior']}, "
                f"origin {request['origin']})"
            )
    return "\n".join(lines)


def _setting_value(entry: Input, value: Any) -> Any:
    """A checked input as plain data; a secret only as what it is (never its value)."""
    if entry.secret:
        return f"<{len(value)} secret>" if isinstance(value, tuple | list | dict) else "<secret>"
    return "" if value is None else value


def settings_summary(settings: Any) -> dict[str, Any]:
    """Every stack config input of the spec (components/inputs.py) whose checked value is not
    its default, by key: what this stack chose. A new input needs no code here."""
    defaults = check_inputs({"auth_token": PLACEHOLDER_TOKEN})
    return {
        entry.key: _setting_value(entry, getattr(settings, entry.name))
        for entry in CONFIG_INPUTS
        if entry.required or getattr(settings, entry.name) != getattr(defaults, entry.name)
    }


def render_settings(summary: dict[str, Any]) -> str:
    lines = ["settings (the stack's inputs not at their default; docs/configuration.md):"]
    for key, value in summary.items():
        lines.append(f"  {key} = {json.dumps(value, sort_keys=True)}")
    return "\n".join(lines)


def tag_summary(run: ProgramRun) -> dict[str, Any]:
    """The distinct tag sets and how many resources carry tags."""
    tagged = [r for r in run.registrations if isinstance(r.inputs.get("tags"), dict)]
    sets = sorted({tuple(sorted(r.inputs["tags"].items())) for r in tagged})
    return {"sets": [dict(tags) for tags in sets], "resources": len(tagged)}


def render_tags(summary: dict[str, Any]) -> str:
    text = "; ".join(
        " ".join(f"{k}={v}" for k, v in sorted(tags.items())) for tags in summary["sets"]
    )
    return f"tags: {text or 'none'} (on {summary['resources']} resources)"


REGION_NOTES = {
    LAMBDA_EDGE: "the edge function and certificate: us-east-1",
    CLOUDFRONT_FUNCTION: (
        "the CloudFront function is global, its logs and metrics and the certificate are in "
        "us-east-1"
    ),
}


def region_info(region: str, edge_runtime: str = LAMBDA_EDGE) -> dict[str, str]:
    """The stack's region and what lives elsewhere (the data of the region line)."""
    return {"awsRegion": region, "edgeRuntime": edge_runtime, "note": REGION_NOTES[edge_runtime]}


def render_region(info: dict[str, str]) -> str:
    return f"region: {info['awsRegion']} (aws:region; {info['note']})"


# --- command line --------------------------------------------------------------------------


def render_text(run: PlanRun, document: dict[str, Any]) -> str:
    """The readable plan: every section of the JSON document, and the resource tree."""
    return "\n".join(
        [
            f"Plan for stack {document['stack']} (offline: Pulumi mocks, "
            f"{document['tokenSource']}, no cloud access)",
            render_region(document["region"]),
            render_settings(document["settings"]),
            render_tree(run),
            "outputs:",
            *(f"  {name} = {value}" for name, value in sorted(document["outputs"].items())),
            render_access(document["access"]),
            render_clients(run.settings),
            render_tags(document["tags"]),
            render_violations(document["policyViolations"], document["policiesChecked"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = stack_tool_parser("make plan", __doc__)
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    args = parser.parse_args(argv)
    status = 0
    try:
        try:
            args.stack = stack_file_name(args.stack)  # org/project/dev -> dev
            # AUTH_TOKEN and the others, over the stack's local tokens (make new-stack).
            environ = token_environment(args.stack_dir, args.stack)
            args.token = environ.get("AUTH_TOKEN") or None
            previous = environ.get("PREVIOUS_AUTH_TOKENS")
            previous_tokens = tuple(t for t in previous.split(",") if t) if previous else None
            client_token = partial(env_client_token, environ=environ)
            run = plan_run(args.stack, args.token, args.stack_dir, previous_tokens, client_token)
        except (StackFileError, SettingsError) as error:
            print(f"plan: {error}", file=sys.stderr)
            return 2
        violations = run_policies(run)
        status = 1 if any(v.mandatory for v in violations) else 0
        for note in run.notes:
            print(f"note: {note}", file=sys.stderr if args.json else sys.stdout)
        document = plan_document(run, args.stack, violations)
        print(
            json.dumps(document, indent=2, sort_keys=True)
            if args.json
            else render_text(run, document)
        )
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (`make plan | head -1`): end quietly, with the status a full read
        # would give (a closed pipe hides no violation). Python's documented recipe (signal
        # module, "Note on SIGPIPE"): stdout to devnull, so the exit flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


if __name__ == "__main__":
    sys.exit(main(make_argv(STACK_VARIABLES)))
