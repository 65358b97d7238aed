"""The components' args types, written by `make docs` from components/inputs.py.

Pulumi's component provider host reads these TypedDicts and their docstrings as the schema of
ProtectedContent and EdgeCheck for every language. No ``from __future__ import annotations``:
the host reads the annotations as real types.
"""

from typing import NotRequired, TypedDict

import pulumi


class ClientArgs(TypedDict):
    """One named client: its own token, optional expiry and path scope."""

    token: pulumi.Input[str]
    """The client's token (32-256 chars, e.g. openssl rand -hex 32); secret."""
    previous_token: NotRequired[pulumi.Input[str]]
    """A second token accepted during this client's rotation; secret."""
    expires: NotRequired[pulumi.Input[str]]
    """RFC 3339 UTC time, whole seconds, years 2000-9999, from which the edge refuses the client (2027-03-31T00:00:00Z)."""
    paths: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """Path patterns inside protectedPaths the client may open; omit for all of them."""


class ProtectedContentArgs(TypedDict):
    """Inputs of ProtectedContent; each mirrors the stack config key of the same name."""

    auth_token: pulumi.Input[str]
    """Token viewers send in the auth header: 32-256 characters of `[A-Za-z0-9._~+/=-]`, at least 10 distinct. Required; set it with `pulumi config set --secret authToken "$(openssl rand -hex 32)"`."""
    previous_auth_tokens: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """Old tokens still accepted during a rotation (at most 4), stored as secrets: `pulumi config set --secret --path 'previousAuthTokens[0]' <old token>`."""
    auth_header: NotRequired[str]
    """Lowercase name of the header that carries the token (`Bearer <token>` or the raw token); no underscore (`_`), since many proxies and servers drop such headers."""
    protected_paths: NotRequired[list[str]]
    """CloudFront path patterns that require the token, each with a `*` or `?` wildcard (`ex-img/*`, not `ex-img`, which would match one exact path only). `["*"]` protects the default behavior (everything); specific patterns such as `ex-img/*` become ordered behaviors with the check while other paths are served without it."""
    domain_name: NotRequired[str]
    """Custom domain (e.g. `assets.example.com`); empty uses the distribution's `cloudfront.net` name. Set together with `hostedZoneName`."""
    hosted_zone_name: NotRequired[str]
    """Public Route 53 hosted zone that holds `domainName` (e.g. `example.com`); set both or neither."""
    price_class: NotRequired[str]
    """CloudFront price class: `PriceClass_100`, `PriceClass_200` or `PriceClass_All`."""
    allowed_countries: NotRequired[list[str]]
    """Countries CloudFront serves (geo restriction, allow list), as ISO 3166-1 alpha-2 codes (`DE`, `FR`); viewers elsewhere get 403 on every path. Empty serves everywhere."""
    error_caching_min_ttl: NotRequired[int]
    """Seconds CloudFront caches an error response (0-31536000)."""
    protect_content: NotRequired[bool]
    """Protect the two content buckets from `pulumi destroy` (and never empty them by force); dev stacks may set `false`."""
    web_acl_id: NotRequired[str]
    """ARN of a WAFv2 web ACL with scope CLOUDFRONT; empty for none."""
    access_log_bucket: NotRequired[str]
    """Name of an existing bucket for CloudFront standard logs (ACLs enabled); empty for none."""
    alarm_email: NotRequired[str]
    """Email address that gets the edge alarms (5xx rate, Lambda@Edge execution and validation errors, a sudden rise of 401s) through a new SNS topic in us-east-1; AWS mails a confirmation link first. Empty (with `alarmTopicArn` empty) for no alarms."""
    alarm_topic_arn: NotRequired[str]
    """ARN of an existing SNS topic in us-east-1 for the edge alarms, instead of (or beside) `alarmEmail`; empty for none."""
    clients: NotRequired[pulumi.Input[dict[str, pulumi.Input[ClientArgs]]]]
    """Named clients, each with its own token: name (`[a-z0-9][a-z0-9-]{0,39}`, not `default`) -> `{token, previousToken?, expires?, paths?}`; as many as fit the engine: the 1 MB archive of `lambda-edge` or the 5 MB KeyValueStore of `cloudfront-function` (10,000 with a previous token, an expiry and a path each take about 0.9 MB and 2.2 MB). `token` (and `previousToken` during a rotation) as secrets: `pulumi config set --secret --path 'clients.partner-a.token' "$(openssl rand -hex 32)"`; `expires` an RFC 3339 UTC time in whole seconds, years 2000-9999 (`2027-03-31T00:00:00Z`), checked at the edge on each request; `paths` path patterns (with a wildcard) inside `protectedPaths` (`ex-img/partner-a/*`), default all protected paths. `authToken` is the client `default`."""
    log_allowed: NotRequired[bool]
    """Write one log line per admitted request (`client`, `uri`, `requestId`) for usage accounting; denials are always logged."""
    edge_runtime: NotRequired[str]
    """Engine that runs the token check on protected behaviors: `lambda-edge` (a Lambda@Edge function in us-east-1) or `cloudfront-function` (a CloudFront Function, cheaper and faster; it reads the clients from a CloudFront KeyValueStore, so a client change updates the store, not the function). Switch with `pulumi config set edgeRuntime cloudfront-function && pulumi up`."""
    grants: NotRequired[bool]
    """Also admit signed grants: a JWT (HS256) a token holder mints offline for one path or prefix, sent as `?grant=` (a link) or as the `__Host-grant` cookie set by `/_grant?grant=…&to=…` (a browser); see docs/security.md. `cloudfront-function` only."""
    max_grant_seconds: NotRequired[int]
    """Longest a grant may last from now, in seconds (60-31536000); a grant never outlives its client's `expires`."""
    tags: NotRequired[dict[str, str]]
    """Extra tags for every taggable resource, beside `project`, `stack` and `managed-by`."""


class EdgeCheckArgs(TypedDict):
    """Inputs of EdgeCheck: the token check on a distribution of your own."""

    auth_token: pulumi.Input[str]
    """Token viewers send in the auth header: 32-256 characters of `[A-Za-z0-9._~+/=-]`, at least 10 distinct. Required; set it with `pulumi config set --secret authToken "$(openssl rand -hex 32)"`."""
    previous_auth_tokens: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """Old tokens still accepted during a rotation (at most 4), stored as secrets: `pulumi config set --secret --path 'previousAuthTokens[0]' <old token>`."""
    auth_header: NotRequired[str]
    """Lowercase name of the header that carries the token (`Bearer <token>` or the raw token); no underscore (`_`), since many proxies and servers drop such headers."""
    protected_paths: NotRequired[list[str]]
    """CloudFront path patterns that require the token, each with a `*` or `?` wildcard (`ex-img/*`, not `ex-img`, which would match one exact path only). `["*"]` protects the default behavior (everything); specific patterns such as `ex-img/*` become ordered behaviors with the check while other paths are served without it."""
    clients: NotRequired[pulumi.Input[dict[str, pulumi.Input[ClientArgs]]]]
    """Named clients, each with its own token: name (`[a-z0-9][a-z0-9-]{0,39}`, not `default`) -> `{token, previousToken?, expires?, paths?}`; as many as fit the engine: the 1 MB archive of `lambda-edge` or the 5 MB KeyValueStore of `cloudfront-function` (10,000 with a previous token, an expiry and a path each take about 0.9 MB and 2.2 MB). `token` (and `previousToken` during a rotation) as secrets: `pulumi config set --secret --path 'clients.partner-a.token' "$(openssl rand -hex 32)"`; `expires` an RFC 3339 UTC time in whole seconds, years 2000-9999 (`2027-03-31T00:00:00Z`), checked at the edge on each request; `paths` path patterns (with a wildcard) inside `protectedPaths` (`ex-img/partner-a/*`), default all protected paths. `authToken` is the client `default`."""
    log_allowed: NotRequired[bool]
    """Write one log line per admitted request (`client`, `uri`, `requestId`) for usage accounting; denials are always logged."""
    edge_runtime: NotRequired[str]
    """Engine that runs the token check on protected behaviors: `lambda-edge` (a Lambda@Edge function in us-east-1) or `cloudfront-function` (a CloudFront Function, cheaper and faster; it reads the clients from a CloudFront KeyValueStore, so a client change updates the store, not the function). Switch with `pulumi config set edgeRuntime cloudfront-function && pulumi up`."""
    grants: NotRequired[bool]
    """Also admit signed grants: a JWT (HS256) a token holder mints offline for one path or prefix, sent as `?grant=` (a link) or as the `__Host-grant` cookie set by `/_grant?grant=…&to=…` (a browser); see docs/security.md. `cloudfront-function` only."""
    max_grant_seconds: NotRequired[int]
    """Longest a grant may last from now, in seconds (60-31536000); a grant never outlives its client's `expires`."""
    tags: NotRequired[dict[str, str]]
    """Extra tags for every taggable resource, beside `project`, `stack` and `managed-by`."""
