"""protected-cdn: private content behind CloudFront, let in only with a secret header token."""

import pulumi

from components.protected_content import ProtectedContent, ProtectedContentArgs
from components.settings import load_settings

# Validated before any resource is declared: a bad value stops here with the key and the fix.
settings = load_settings()
site = ProtectedContent("site", ProtectedContentArgs(settings=settings))

pulumi.export("url", site.url)
pulumi.export("distributionId", site.distribution_id)
pulumi.export("distributionDomain", site.distribution_domain)
pulumi.export("bucketName", site.bucket_name)
pulumi.export("publicBucketName", site.public_bucket_name)
pulumi.export("edgeFunctionVersionArn", site.edge_function_version_arn)
# Left in AWS by `pulumi destroy` (replicas): the name and log groups to clean up later.
pulumi.export("edgeFunctionName", site.edge_function_name)
pulumi.export("edgeFunctionLogGroups", site.edge_function_log_groups)
pulumi.export("protectedPaths", list(settings.protected_paths))
