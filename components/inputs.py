"""The one input spec: every input of ProtectedContent and EdgeCheck, one entry each.

An entry holds the input's name, type, default, whether it is secret, whether it is a
``pulumi.Input`` (may be an Output: a token from a secret manager) or a plain value that
decides which resources exist, one line of doc, and what a valid value is: its choices,
pattern or range, and a custom check (components/checks.py) where those do not say it all.
One checker (``checks.check_input``) applies them, naming the input in every message. From
these entries come:

- the components' args types (components/args.py, written by ``make docs``), and so the
  component schema's descriptions, which Pulumi infers from those docstrings;
- the stack-config reading (components/stack_config.py) and the validation, done here once;
- Pulumi.yaml's ``config:`` block and the input tables in docs/ (``make docs``);
- the component schema test's expectations and the plan's settings section.

Adding an input is one entry here plus its use and its test; tests/components/test_inputs.py
and the docs tests fail until ``make docs`` has regenerated what comes from it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from edge_handler.engines import LAMBDA_EDGE

from . import checks, client_checks
from . import cloudfront_facts as facts
from .checks import (
    Caller,
    ClientSettings,
    DomainSettings,
    SettingsError,
    checked_for,
    outer_caller,
)
from .tags import check_extra_tags

PROTECTED_CONTENT = "ProtectedContent"
EDGE_CHECK = "EdgeCheck"
BOTH = frozenset({PROTECTED_CONTENT, EDGE_CHECK})
SITE_ONLY = frozenset({PROTECTED_CONTENT})

Check = Callable[[Any, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Input:
    """One input. ``name`` is the Python name; the stack config and the schema use ``key``."""

    name: str
    # Pulumi's config types: string, integer, boolean, array (of ``items``) or object.
    type: str
    doc: str
    # The args type's annotation (components/args.py), without NotRequired.
    annotation: str
    default: Any = None
    # What a valid value is, declared: a string's choices (the first is the fix's example),
    # or a pattern (the input is then optional: empty means none); a list's pattern for each
    # item (each once); an integer's range.
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    value_range: tuple[int, int] | None = None
    # The error's words for a valid value ("an S3 bucket name"), and a value for the fix.
    expected: str = ""
    example: str = ""
    # A check beyond the declared ones (components/checks.py): (value, checked) -> value.
    check: Check | None = None
    required: bool = False
    secret: bool = False
    items: str | None = None
    # False: a pulumi.Input (secret, may be unknown until deploy, checked once known).
    # True: a plain value, checked before any resource is declared.
    shapes_resources: bool = True
    components: frozenset[str] = SITE_ONLY
    # Also a key of the stack's config (Pulumi.<stack>.yaml).
    config: bool = True

    @property
    def key(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(word.capitalize() for word in rest)

    def default_value(self) -> Any:
        # A fresh copy: a list or map default must never be shared between stacks.
        return (
            type(self.default)(self.default)
            if isinstance(self.default, list | dict)
            else (self.default)
        )


INPUTS: tuple[Input, ...] = (
    Input(
        "auth_token",
        "string",
        "Token viewers send in the auth header: 32-256 characters of `[A-Za-z0-9._~+/=-]`, "
        "at least 10 distinct. Required; set it with "
        '`pulumi config set --secret authToken "$(openssl rand -hex 32)"`.',
        "pulumi.Input[str]",
        check=checks.check_auth_token,
        required=True,
        secret=True,
        shapes_resources=False,
        components=BOTH,
    ),
    Input(
        "previous_auth_tokens",
        "array",
        "Old tokens still accepted during a rotation (at most 4), stored as secrets: "
        "`pulumi config set --secret --path 'previousAuthTokens[0]' <old token>`.",
        "pulumi.Input[list[pulumi.Input[str]]]",
        check=checks.check_previous_auth_tokens,
        default=[],
        secret=True,
        items="string",
        shapes_resources=False,
        components=BOTH,
    ),
    Input(
        "auth_header",
        "string",
        "Lowercase name of the header that carries the token (`Bearer <token>` or the raw "
        "token); no underscore (`_`), since many proxies and servers drop such headers.",
        "str",
        check=checks.check_auth_header,
        default="authorization",
        components=BOTH,
    ),
    Input(
        "protected_paths",
        "array",
        "CloudFront path patterns that require the token, each with a `*` or `?` wildcard "
        '(`ex-img/*`, not `ex-img`, which would match one exact path only). `["*"]` protects '
        "the default behavior (everything); specific patterns such as `ex-img/*` become "
        "ordered behaviors with the check while other paths are served without it.",
        "list[str]",
        check=checks.check_protected_paths,
        default=["*"],
        items="string",
        components=BOTH,
    ),
    Input(
        "domain_name",
        "string",
        "Custom domain (e.g. `assets.example.com`); empty uses the distribution's "
        "`cloudfront.net` name. Set together with `hostedZoneName`.",
        "str",
        check=checks.check_domain_name,
        default="",
    ),
    Input(
        "hosted_zone_name",
        "string",
        "Public Route 53 hosted zone that holds `domainName` (e.g. `example.com`); set both "
        "or neither.",
        "str",
        check=checks.check_hosted_zone_name,
        default="",
    ),
    Input(
        "price_class",
        "string",
        "CloudFront price class: `PriceClass_100`, `PriceClass_200` or `PriceClass_All`.",
        "str",
        choices=facts.PRICE_CLASSES,
        expected="a price class",
        default="PriceClass_100",
    ),
    Input(
        "allowed_countries",
        "array",
        "Countries CloudFront serves (geo restriction, allow list), as ISO 3166-1 alpha-2 codes "
        "(`DE`, `FR`); viewers elsewhere get 403 on every path. Empty serves everywhere.",
        "list[str]",
        default=[],
        items="string",
        pattern=re.compile(r"[A-Z]{2}"),
        expected="an ISO 3166-1 alpha-2 country code (two capital letters)",
        example="DE",
    ),
    Input(
        "error_caching_min_ttl",
        "integer",
        "Seconds CloudFront caches an error response (0-31536000).",
        "int",
        default=10,
        value_range=(0, 31536000),
    ),
    Input(
        "protect_content",
        "boolean",
        "Protect the two content buckets from `pulumi destroy` (and never empty them by "
        "force); dev stacks may set `false`.",
        "bool",
        default=True,
    ),
    Input(
        "web_acl_id",
        "string",
        "ARN of a WAFv2 web ACL with scope CLOUDFRONT; empty for none.",
        "str",
        pattern=re.compile(r"arn:aws:wafv2:us-east-1:\d{12}:global/webacl/[\w-]+/[\w-]+"),
        expected="the ARN of a WAFv2 web ACL with scope CLOUDFRONT (in us-east-1)",
        example="arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>",
        default="",
    ),
    Input(
        "access_log_bucket",
        "string",
        "Name of an existing bucket for CloudFront standard logs (ACLs enabled); empty for none.",
        "str",
        pattern=re.compile(r"(?!-)[a-z0-9.-]{3,63}(?<!-)"),
        expected="an S3 bucket name (the name only)",
        example="my-cdn-logs",
        default="",
    ),
    Input(
        "alarm_email",
        "string",
        "Email address that gets the edge alarms (5xx rate, Lambda@Edge execution and "
        "validation errors, a sudden rise of 401s) through a new SNS topic in us-east-1; "
        "AWS mails a confirmation link first. Empty (with `alarmTopicArn` empty) for no alarms.",
        "str",
        # One address, no display name or list: SNS's email protocol takes exactly that.
        pattern=re.compile(r"(?=.{1,254}$)[^@\s,;<>]+@[a-z0-9-]+(\.[a-z0-9-]+)+", re.IGNORECASE),
        expected="one email address",
        example="ops@example.com",
        default="",
    ),
    Input(
        "alarm_topic_arn",
        "string",
        "ARN of an existing SNS topic in us-east-1 for the edge alarms, instead of (or beside) "
        "`alarmEmail`; empty for none.",
        "str",
        # CloudFront's metrics live in us-east-1; an alarm may only notify a topic there.
        pattern=re.compile(r"arn:aws:sns:us-east-1:\d{12}:[A-Za-z0-9_-]{1,256}"),
        expected="the ARN of an SNS topic in us-east-1 (CloudFront's metrics and so its alarms "
        "live there; an alarm notifies topics of its own region)",
        example="arn:aws:sns:us-east-1:<account>:<topic>",
        default="",
    ),
    Input(
        "clients",
        "object",
        "Named clients, each with its own token: name (`[a-z0-9][a-z0-9-]{0,39}`, not "
        "`default`) -> "
        "`{token, previousToken?, expires?, paths?}`; as many as fit the engine: the 1 MB "
        "archive of `lambda-edge` or the 5 MB KeyValueStore of `cloudfront-function` (10,000 "
        "with a previous token, an expiry and a path each take about 0.9 MB and 2.2 MB). "
        "`token` (and "
        "`previousToken` during a rotation) as secrets: `pulumi config set --secret --path "
        "'clients.partner-a.token' \"$(openssl rand -hex 32)\"`; `expires` an RFC 3339 UTC time "
        "in whole seconds, years 2000-9999 (`2027-03-31T00:00:00Z`), checked at the edge on "
        "each request; `paths` path patterns (with a wildcard) inside `protectedPaths` "
        "(`ex-img/partner-a/*`), default all protected paths. "
        "`authToken` is the client `default`.",
        "pulumi.Input[dict[str, pulumi.Input[ClientArgs]]]",
        check=client_checks.check_client_table,
        default={},
        secret=True,
        shapes_resources=False,
        components=BOTH,
    ),
    Input(
        "log_allowed",
        "boolean",
        "Write one log line per admitted request (`client`, `uri`, `requestId`) for usage "
        "accounting; denials are always logged.",
        "bool",
        default=False,
        components=BOTH,
    ),
    Input(
        "edge_runtime",
        "string",
        "Engine that runs the token check on protected behaviors: `lambda-edge` (a Lambda@Edge "
        "function in us-east-1) or `cloudfront-function` (a CloudFront Function, cheaper and "
        "faster; it reads the clients from a CloudFront KeyValueStore, so a client change "
        "updates the store, not the function). Switch with "
        "`pulumi config set edgeRuntime cloudfront-function && pulumi up`.",
        "str",
        default=LAMBDA_EDGE,
        choices=checks.EDGE_RUNTIMES,
        expected="an engine",
        check=checks.check_edge_runtime,
        components=BOTH,
    ),
    Input(
        "grants",
        "boolean",
        "Also admit signed grants: a JWT (HS256) a token holder mints offline for one path or "
        "prefix, sent as `?grant=` (a link) or as the `__Host-grant` cookie set by "
        "`/_grant?grant=…&to=…` (a browser); see docs/security.md. `cloudfront-function` only.",
        "bool",
        default=False,
        check=checks.check_grants,
        components=BOTH,
    ),
    Input(
        "max_grant_seconds",
        "integer",
        "Longest a grant may last from now, in seconds (60-31536000); a grant never outlives "
        "its client's `expires`.",
        "int",
        default=86400,
        value_range=(60, 31536000),
        components=BOTH,
    ),
    Input(
        "tags",
        "object",
        "Extra tags for every taggable resource, beside `project`, `stack` and `managed-by`.",
        "dict[str, str]",
        check=lambda raw, _checked: check_extra_tags(raw),
        default={},
        components=BOTH,
        config=False,
    ),
)


@dataclass(frozen=True)
class ClientField:
    """One field of a named client (the ``clients`` input's values)."""

    name: str
    annotation: str
    doc: str
    required: bool = False


CLIENT_FIELDS: tuple[ClientField, ...] = (
    ClientField(
        "token",
        "pulumi.Input[str]",
        "The client's token (32-256 chars, e.g. openssl rand -hex 32); secret.",
        required=True,
    ),
    ClientField(
        "previous_token",
        "pulumi.Input[str]",
        "A second token accepted during this client's rotation; secret.",
    ),
    ClientField(
        "expires",
        "pulumi.Input[str]",
        "RFC 3339 UTC time, whole seconds, years 2000-9999, from which the edge refuses the "
        "client (2027-03-31T00:00:00Z).",
    ),
    ClientField(
        "paths",
        "pulumi.Input[list[pulumi.Input[str]]]",
        "Path patterns inside protectedPaths the client may open; omit for all of them.",
    ),
)

BY_NAME: dict[str, Input] = {entry.name: entry for entry in INPUTS}
CONFIG_INPUTS: tuple[Input, ...] = tuple(entry for entry in INPUTS if entry.config)


def inputs_of(component: str) -> tuple[Input, ...]:
    return tuple(entry for entry in INPUTS if component in entry.components)


def _inputs_type_namespace() -> dict[str, Any]:
    def accepted_tokens(self: Any) -> tuple[str, ...]:
        return (self.auth_token, *self.previous_auth_tokens)

    def domain(self: Any) -> DomainSettings | None:
        if not self.domain_name:
            return None
        return DomainSettings(self.domain_name, self.hosted_zone_name)

    return {
        "accepted_tokens": property(accepted_tokens),
        "domain": property(domain),
        "__doc__": "Every input, checked: the values the components use (see INPUTS).",
    }


# The checked inputs, one field per entry; secrets stay out of repr (no log shows a token).
CheckedInputs = dataclasses.make_dataclass(
    "CheckedInputs",
    [(entry.name, Any, dataclasses.field(repr=not entry.secret)) for entry in INPUTS],
    frozen=True,
    namespace=_inputs_type_namespace(),
)
CheckedInputs.__module__ = __name__


def is_known(value: Any) -> bool:
    """Whether a value holds no Output (or other awaitable) at any depth."""
    if isinstance(value, pulumi.Output) or hasattr(value, "__await__"):
        return False
    if isinstance(value, dict):
        return all(is_known(item) for item in value.values())
    if isinstance(value, list | tuple):
        return all(is_known(item) for item in value)
    return True


def secret_inputs_known(values: Mapping[str, Any]) -> bool:
    """Whether every pulumi.Input among ``values`` is a plain value (checkable now)."""
    return all(is_known(values.get(e.name)) for e in INPUTS if not e.shapes_resources)


def check_inputs(
    values: Mapping[str, Any], component: str = PROTECTED_CONTENT, caller: Caller | None = None
) -> Any:
    """Check the inputs of ``component`` (Python names; a missing one takes its default).

    Returns ``CheckedInputs``. When a secret input is still an Output (unknown until deploy),
    the secret inputs are returned as given and checked by ``check_inputs`` again once
    resolved (the components do that inside ``Output.apply``); every plain input is checked
    now, before any resource is declared. Errors name the inputs as ``caller`` knows them:
    by default the component's arguments (``EdgeCheckArgs.auth_token``); the stack-config
    reader passes ``checks.STACK_CONFIG`` (``protected-cdn:authToken``).
    """
    with checked_for(caller or outer_caller() or Caller(component)):
        return _checked_inputs(values, component)


def _checked_inputs(values: Mapping[str, Any], component: str) -> Any:
    if not isinstance(values, Mapping):
        raise SettingsError(
            f"{component}: its args must be a {component}Args (a dict of inputs), not "
            f"{checks.shown(values)}. Fix: pass {component}Args(auth_token=...)"
        )
    accepted = inputs_of(component)
    for name in values:
        if name not in BY_NAME or BY_NAME[name] not in accepted:
            known = ", ".join(entry.name for entry in accepted)
            raise SettingsError(
                f"{component}: {checks.clip(str(name))} is not an input. Fix: "
                f"{checks.suggest(str(name), [e.name for e in accepted])}inputs: {known}"
            )
    secrets_known = secret_inputs_known(values)
    checked: dict[str, Any] = {}
    for entry in INPUTS:
        raw = values.get(entry.name)
        if raw is None:
            raw = entry.default_value()
        if not entry.shapes_resources and not secrets_known:
            checked[entry.name] = raw  # checked once resolved
            continue
        checked[entry.name] = checks.check_input(entry, raw, checked)
    if secrets_known:
        checks.check_function_fits(checked)
    return CheckedInputs(**checked)


__all__ = [
    "BY_NAME",
    "CLIENT_FIELDS",
    "CONFIG_INPUTS",
    "EDGE_CHECK",
    "INPUTS",
    "PROTECTED_CONTENT",
    "CheckedInputs",
    "ClientField",
    "ClientSettings",
    "Input",
    "check_inputs",
    "inputs_of",
    "is_known",
    "secret_inputs_known",
]
