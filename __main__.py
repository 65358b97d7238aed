"""protected-cdn: private content behind CloudFront, let in only with a secret header token."""

import pulumi

from components import ProtectedContent, read_stack_config

# The stack's config, checked (a bad value stops here, naming the key and the fix).
site = ProtectedContent("site", read_stack_config())

pulumi.export("url", site.url)
pulumi.export("distributionId", site.distribution_id)
pulumi.export("distributionDomain", site.distribution_domain)
pulumi.export("bucketName", site.bucket_name)
pulumi.export("publicBucketName", site.public_bucket_name)
pulumi.export("edgeFunctionVersionArn", site.edge_function_version_arn)
# Lambda@Edge: left in AWS by `pulumi destroy` (replicas): its name and log groups to clean
# up later. CloudFront Function: its name and its one log group in us-east-1.
pulumi.export("edgeFunctionName", site.edge_function_name)
pulumi.export("edgeFunctionLogGroups", site.edge_function_log_groups)
# cloudfront-function: the KeyValueStore of the clients (what `make revoke` writes to); empty
# on lambda-edge, whose clients are in the function's archive.
pulumi.export("clientStoreArn", site.client_store_arn)
pulumi.export("protectedPaths", site.protected_paths)
