"""protected-cdn: private content behind CloudFront, let in only with a secret header token."""

import pulumi

from components.protected_content import ClientArgs, ProtectedContent, ProtectedContentArgs
from components.settings import Settings, load_settings


def component_args(settings: Settings) -> ProtectedContentArgs:
    """Validated stack settings as the component's inputs (its public API)."""
    args = ProtectedContentArgs(
        auth_token=settings.auth_token,
        previous_auth_tokens=list(settings.previous_auth_tokens),
        auth_header=settings.auth_header,
        protected_paths=list(settings.protected_paths),
        price_class=settings.price_class,
        error_caching_min_ttl=settings.error_caching_min_ttl,
        protect_content=settings.protect_content,
        edge_runtime=settings.edge_runtime,
    )
    if settings.domain:
        args["domain_name"] = settings.domain.domain_name
        args["hosted_zone_name"] = settings.domain.hosted_zone_name
    if settings.web_acl_id:
        args["web_acl_id"] = settings.web_acl_id
    if settings.access_log_bucket:
        args["access_log_bucket"] = settings.access_log_bucket
    if settings.alarm_email:
        args["alarm_email"] = settings.alarm_email
    if settings.alarm_topic_arn:
        args["alarm_topic_arn"] = settings.alarm_topic_arn
    if settings.clients:
        args["clients"] = client_args(settings)
    if settings.log_allowed:
        args["log_allowed"] = True
    return args


def client_args(settings: Settings) -> dict[str, ClientArgs]:
    """The named clients as the component's input (validated again there, inside the apply)."""
    result: dict[str, ClientArgs] = {}
    for client in settings.clients:
        entry = ClientArgs(token=client.tokens[0])
        if len(client.tokens) > 1:
            entry["previous_token"] = client.tokens[1]
        if client.expires is not None:
            entry["expires"] = client.expires
        if client.paths is not None:
            entry["paths"] = list(client.paths)
        result[client.name] = entry
    return result


# Validated before any resource is declared: a bad value stops here with the key and the fix.
settings = load_settings()
site = ProtectedContent("site", component_args(settings))

pulumi.export("url", site.url)
pulumi.export("distributionId", site.distribution_id)
pulumi.export("distributionDomain", site.distribution_domain)
pulumi.export("bucketName", site.bucket_name)
pulumi.export("publicBucketName", site.public_bucket_name)
pulumi.export("edgeFunctionVersionArn", site.edge_function_version_arn)
# Lambda@Edge: left in AWS by `pulumi destroy` (replicas), the name and log groups to clean up
# later. CloudFront Function: its name and its one log group in us-east-1.
pulumi.export("edgeFunctionName", site.edge_function_name)
pulumi.export("edgeFunctionLogGroups", site.edge_function_log_groups)
pulumi.export("protectedPaths", site.protected_paths)
