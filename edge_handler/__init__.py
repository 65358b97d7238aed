"""What runs at the edge: the Lambda@Edge handler (handler.py) and its archive builder
(build.py), the CloudFront Function generator, and the engine names (engines.py)."""
