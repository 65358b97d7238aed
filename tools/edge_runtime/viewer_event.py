"""Build Lambda@Edge viewer-request events the way CloudFront does.

Shape from the AWS documentation's viewer-request example: ``Records[0].cf`` holds ``config``
and ``request``; headers are keyed by lowercase name, each a list of ``{key, value}`` in the
order the viewer sent them.
"""

from __future__ import annotations

from collections.abc import Iterable

DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"


def viewer_request_event(
    headers: Iterable[tuple[str, str]] = (),
    *,
    uri: str = "/ex-img/picture.jpg",
    method: str = "GET",
    querystring: str = "",
    client_ip: str = "203.0.113.178",
    request_id: str = "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
) -> dict:
    cloudfront_headers: dict[str, list[dict[str, str]]] = {}
    for name, value in headers:
        cloudfront_headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": DISTRIBUTION_DOMAIN,
                        "distributionId": DISTRIBUTION_ID,
                        "eventType": "viewer-request",
                        "requestId": request_id,
                    },
                    "request": {
                        "clientIp": client_ip,
                        "headers": cloudfront_headers,
                        "method": method,
                        "querystring": querystring,
                        "uri": uri,
                    },
                }
            }
        ]
    }
