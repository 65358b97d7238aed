"""The two edge engines, by the names a stack's ``edgeRuntime`` takes.

``lambda-edge``: handler.py in a zip (build.py), run by Lambda@Edge. ``cloudfront-function``:
the code cloudfront_function.py generates, run by CloudFront Functions on ``FUNCTION_RUNTIME``.
"""

LAMBDA_EDGE = "lambda-edge"
CLOUDFRONT_FUNCTION = "cloudfront-function"
ENGINES = (LAMBDA_EDGE, CLOUDFRONT_FUNCTION)
# The only CloudFront Functions runtime with the KeyValueStore and crypto the check uses
# (CloudFront Developer Guide, "JavaScript runtime 2.0 features for CloudFront Functions").
FUNCTION_RUNTIME = "cloudfront-js-2.0"
