"""The edge's two engines run on this machine: the built Lambda@Edge zip in-process and the
CloudFront Function in V8 (mini-racer), behind one call."""

from tools import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "CloudFrontRuntime": "cloudfront_runtime",
        "FunctionTimeout": "cloudfront_runtime",
        "function_event": "engines",
        "make_engine": "engines",
        "viewer_request_event": "viewer_event",
    },
)
