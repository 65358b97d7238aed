"""Signed grants in the CloudFront Function: what admits a request, and every hostile grant
refused with the 401 or 403 JSON, never a let-in, a throw or the grant in a log line.

The function runs in the V8 harness with the store the stack would hold (grants on); the
clock is frozen at NOW. partner-a is scoped to ex-img/partner-a/* and has a previous token,
archive-co has expired, mirror is open, default is the stack's own token.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_handler import grant_entry_key, render_function_code, store_entries
from tests.client_support import (
    CLIENTS,
    EXPIRED_TOKEN,
    OPEN_TOKEN,
    SCOPED_PREVIOUS_TOKEN,
    SCOPED_TOKEN,
)
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, store_reads
from tests.support.grants import b64url, mint, part
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime
from tools.edge_runtime.engines import function_event
from tools.edge_runtime.viewer_event import viewer_request_event

NOW = 1_800_000_000
MAX_GRANT = 3600
LOGO = "/ex-img/partner-a/logo.svg"
UNAUTHORIZED = {"meta": {"code": 401, "error_message": "Unauthorized"}, "data": {}}
FORBIDDEN = {"meta": {"code": 403, "error_message": "Forbidden"}, "data": {}}


@pytest.fixture(scope="module")
def runtime():
    code = render_function_code(
        "authorization", log_allowed=True, grants=True, max_grant_seconds=MAX_GRANT
    )
    store = store_entries([CURRENT_TOKEN, PREVIOUS_TOKEN], CLIENTS, grants=True)
    with CloudFrontRuntime(code, now=NOW, store=store) as rt:
        yield rt


def call(runtime, uri=LOGO, query="", headers=()):
    event = function_event(viewer_request_event(list(headers), uri=uri, querystring=query))
    return runtime.handle(event)


def link(runtime, grant, uri=LOGO, headers=()):
    return call(runtime, uri, f"grant={grant}", headers)


def grant(path=LOGO, exp=NOW + 600, token=SCOPED_TOKEN, kid="partner-a", **kwargs):
    return mint(token, kid, path, exp, **kwargs)


def status_of(result, logs, secret):
    """The status (200: passed on), after the rules every answer keeps."""
    assert not secret or not any(secret in json.dumps(x) for x in logs), "a grant in a log"
    if "statusCode" not in result:
        assert logs and logs[-1]["event"] == "allowed"
        return 200
    body = json.loads(result["body"])
    assert body == {401: UNAUTHORIZED, 403: FORBIDDEN}[result["statusCode"]]
    assert logs and logs[-1]["event"] == "denied"
    return result["statusCode"]


def test_a_link_opens_its_path_and_leaves_no_grant_for_the_origin(runtime):
    g = grant()
    result, logs = link(runtime, g)
    assert status_of(result, logs, g) == 200
    assert result["querystring"] == {} and logs[-1]["client"] == "partner-a"
    assert logs[-1]["reason"] == "grant"


def test_a_prefix_grant_opens_what_is_under_it_only(runtime):
    g = grant("/ex-img/partner-a/c2/*")
    assert status_of(*link(runtime, g, "/ex-img/partner-a/c2/x/y.png"), g) == 200
    assert status_of(*link(runtime, g, "/ex-img/partner-a/c2x.png"), g) == 403
    assert status_of(*link(runtime, g, "/ex-img/partner-a/c2"), g) == 403
    assert status_of(*link(runtime, g, "/ex-img/partner-a/logo.svg"), g) == 403


def test_the_previous_token_and_the_default_client_sign_too(runtime):
    for g in (
        grant(token=SCOPED_PREVIOUS_TOKEN),
        grant(token=PREVIOUS_TOKEN, kid="default", path="/ex-img/*"),
        grant(token=OPEN_TOKEN, kid="mirror", path="/ex-img/*"),
    ):
        assert status_of(*link(runtime, g), g) == 200


def test_the_header_token_wins_over_a_grant(runtime):
    good, bad = grant(), grant()[:-4] + "AAAA"
    bearer = [("Authorization", f"Bearer {CURRENT_TOKEN}")]
    result, logs = link(runtime, bad, headers=bearer)
    assert status_of(result, logs, bad) == 200 and logs[-1].get("reason") is None
    assert result["querystring"] == {}  # removed all the same
    wrong = [("Authorization", "Bearer " + "x" * 64)]
    assert status_of(*link(runtime, good, headers=wrong), good) == 401


def test_the_cookie_session(runtime):
    g = grant("/ex-img/partner-a/*")
    result, logs = call(runtime, "/_grant", f"grant={g}&to=%2Fex-img%2Fpartner-a%2Flogo.svg")
    assert result["statusCode"] == 302 and not any(g in json.dumps(x) for x in logs)
    assert result["headers"]["location"] == {"value": LOGO}
    assert result["cookies"] == {
        "__Host-grant": {
            "value": g,
            "attributes": "Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600",
        }
    }
    cookie = [("Cookie", f"__Host-grant={g}")]
    result, logs = call(runtime, headers=cookie)
    assert status_of(result, logs, g) == 200 and result["cookies"] == {}
    assert status_of(*call(runtime, "/ex-img/partner-b/x", headers=cookie), g) == 403


@pytest.mark.parametrize(
    "to",
    [
        "https://evil.example/",
        "//evil.example/x",
        "%2F%2Fevil.example",
        "/%2Fevil.example",
        "/\\evil.example",
        "%5C%5Cevil.example",
        "/%5Cevil.example",
        "/ex-img%0D%0ASet-Cookie:%20x=1",
        "/ex-img\r\nx: 1",
        "%252F%252Fevil.example",
        "",
        "ex-img/a.png",
        "javascript:alert(1)",
    ],
)
def test_the_session_refuses_a_target_off_this_site(runtime, to):
    g = grant()
    result, logs = call(runtime, "/_grant", f"grant={g}&to={to}")
    assert status_of(result, logs, g) == 401 and "cookies" not in result


def test_the_session_refuses_duplicates_and_missing_parts(runtime):
    g = grant()
    for query in (f"grant={g}&grant={g}&to=/a", f"grant={g}&to=/a&to=/b", "to=/a", f"grant={g}"):
        result, logs = call(runtime, "/_grant", query)
        assert status_of(result, logs, g) == 401, query
    bad = grant(path="/ex-img/partner-b/*")
    assert status_of(*call(runtime, "/_grant", f"grant={bad}&to=/"), bad) == 403


def header_of(**fields):
    return {"alg": "HS256", "typ": "JWT", "kid": "partner-a", **fields}


def resign(header, body, key_token=SCOPED_TOKEN):
    """A JWT of ``header`` and ``body`` signed HS256 with a token's grant key, whatever alg
    the header claims."""
    import hashlib
    import hmac

    from edge_handler import grant_key

    signed = f"{part(header)}.{part(body)}"
    mac = hmac.new(grant_key(key_token), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64url(mac)}"


BODY = {"exp": NOW + 600, "path": LOGO}
HOSTILE_401 = {
    "tampered header": lambda: part(header_of(kid="mirror")) + grant()[grant().index(".") :],
    "tampered payload": lambda: ".".join(
        [grant().split(".")[0], part({**BODY, "exp": NOW + 900}), grant().split(".")[2]]
    ),
    "tampered signature": lambda: grant()[:-2] + ("AA" if grant()[-2:] != "AA" else "BA"),
    "no signature": lambda: grant().rsplit(".", 1)[0] + ".",
    "alg none": lambda: f"{part(header_of(alg='none'))}.{part(BODY)}.",
    "alg none signed": lambda: resign(header_of(alg="none"), BODY),
    "alg HS512": lambda: resign(header_of(alg="HS512"), BODY),
    "alg RS256": lambda: resign(header_of(alg="RS256"), BODY),
    "alg hs256": lambda: resign(header_of(alg="hs256"), BODY),
    "typ other": lambda: resign(header_of(typ="JWS"), BODY),
    "extra header field": lambda: resign(header_of(jku="https://evil.example/k"), BODY),
    "no kid": lambda: resign({"alg": "HS256"}, BODY),
    "kid as a list": lambda: resign(header_of(kid=["partner-a"]), BODY),
    "kid as a number": lambda: resign(header_of(kid=123), BODY),
    "another client's kid": lambda: grant(kid="mirror"),
    "unknown kid": lambda: resign(header_of(kid="nobody"), BODY),
    "kid as a digest key": lambda: resign(header_of(kid="../x"), BODY),
    "expired client": lambda: grant(token=EXPIRED_TOKEN, kid="archive-co", path="/ex-img/*"),
    "missing exp": lambda: grant(exp=None),
    "past exp": lambda: grant(exp=NOW - 1),
    "exp now": lambda: grant(exp=NOW),
    "far-future exp": lambda: grant(exp=NOW + MAX_GRANT + 1),
    "exp after the client's": lambda: grant(exp=4102358400 + 1),
    "exp as text": lambda: grant(exp=str(NOW + 600)),
    "exp fractional": lambda: grant(exp=NOW + 600.5),
    "future nbf": lambda: grant(nbf=NOW + 60),
    "nbf as text": lambda: grant(nbf="0"),
    "iat as text": lambda: grant(iat="now"),
    "missing path": lambda: resign(header_of(), {"exp": NOW + 600}),
    "path with ..": lambda: grant("/ex-img/partner-a/../partner-b/x"),
    "path with encoded dots": lambda: grant("/ex-img/partner-a/%2e%2e/partner-b/x"),
    "path with encoded slash": lambda: grant("/ex-img/partner-a%2Flogo.svg"),
    "path without a slash": lambda: grant("ex-img/partner-a/logo.svg"),
    "path with an inner star": lambda: grant("/ex-img/*/logo.svg"),
    "path with a backslash": lambda: grant("/ex-img/partner-a\\logo.svg"),
    "path as a list": lambda: grant([LOGO]),
    "payload not JSON": lambda: "e30." + b64url(b"not json") + "." + "A" * 43,
    "payload a list": lambda: resign(header_of(), [BODY]),
    "oversized": lambda: grant(pad="x" * 2100),
    "signed with the token itself": lambda: _signed_with_raw_token(),
    "four parts": lambda: grant() + ".x",
    "empty": lambda: "",
}


def _signed_with_raw_token():
    import hashlib
    import hmac

    signed = f"{part(header_of())}.{part(BODY)}"
    mac = hmac.new(SCOPED_TOKEN.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64url(mac)}"


@pytest.mark.parametrize("case", sorted(HOSTILE_401))
def test_hostile_grants_get_the_401(runtime, case):
    g = HOSTILE_401[case]()
    for result, logs in (
        link(runtime, g),
        call(runtime, headers=[("Cookie", f"__Host-grant={g}")]),
    ):
        assert status_of(result, logs, g) == 401, case


HOSTILE_403 = {
    "wider than the scope": "/ex-img/*",
    "everything": "/*",
    "another folder": "/ex-img/partner-b/*",
    "the folder itself": "/ex-img/partner-a",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_403))
def test_grants_outside_the_clients_scope_get_the_403(runtime, case):
    g = grant(HOSTILE_403[case])
    assert status_of(*link(runtime, g), g) == 403


@pytest.mark.parametrize(
    "uri",
    [
        "/ex-img/partner-a/../partner-b/x",
        "/ex-img/partner-a/%2e%2e/partner-b/x",
        "/ex-img/partner-a%2F..%2Fpartner-b/x",
        "/ex-img/partner-a/./logo.svg",
        "/ex-img/partner-a/%6Cogo.svg",
    ],
)
def test_a_request_path_that_escapes_the_grant_gets_the_403(runtime, uri):
    g = grant("/ex-img/partner-a/*")
    assert status_of(*link(runtime, g, uri), g) == 403


def test_duplicated_and_mixed_carriers_are_decided_one_way(runtime):
    g, other = grant(), grant(path="/ex-img/partner-a/other.svg")
    assert status_of(*call(runtime, query=f"grant={g}&grant={g}"), g) == 401
    two_cookies = [("Cookie", f"__Host-grant={g}; __Host-grant={g}")]
    assert status_of(*call(runtime, headers=two_cookies), g) == 401
    # The link's grant is judged, never the cookie's.
    result, logs = call(runtime, query=f"grant={other}", headers=[("Cookie", f"__Host-grant={g}")])
    assert status_of(result, logs, g) == 403


def test_at_most_two_store_reads_per_request(runtime):
    store_reads(runtime)
    for g in (grant(), HOSTILE_401["unknown kid"](), HOSTILE_401["tampered signature"]()):
        link(runtime, g, headers=[("Authorization", "Bearer " + "y" * 64)])
        assert store_reads(runtime) <= 2
        link(runtime, g)
        assert store_reads(runtime) <= 2


def test_the_store_holds_no_token_and_no_digest_that_signs(runtime):
    store = store_entries([CURRENT_TOKEN, PREVIOUS_TOKEN], CLIENTS, grants=True)
    text = json.dumps(store)
    for token in (CURRENT_TOKEN, PREVIOUS_TOKEN, SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN, OPEN_TOKEN):
        assert token not in text
    entry = json.loads(store[grant_entry_key("partner-a")])
    assert entry["e"] == 4102358400 and entry["p"] == ["ex-img/partner-a/*"]
    assert len(entry["k"]) == 2


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    position=st.integers(min_value=0, max_value=10_000),
    replacement=st.text(alphabet="AZaz09-_.=%/+ \r\n\\", min_size=0, max_size=3),
)
def test_any_change_to_a_grant_lets_nothing_in(runtime, position, replacement):
    g = grant()
    i = position % (len(g) + 1)
    changed = g[:i] + replacement + g[i + len(replacement) :]
    if changed == g:
        return
    result, logs = link(runtime, changed.replace("&", "").replace("#", ""))
    status = status_of(result, logs, changed)
    assert status in (401, 403) or _same_signed_parts(changed, g)


def _same_signed_parts(changed: str, original: str) -> bool:
    # base64url's last character carries spare bits: a change there may decode alike.
    return changed.split(".")[:2] == original.split(".")[:2]


def test_without_a_grant_the_code_with_grants_decides_as_the_code_without():
    from tests.tools.edge_runtime.test_node_agrees import events

    store = store_entries([CURRENT_TOKEN, PREVIOUS_TOKEN], CLIENTS, grants=True)
    codes = [render_function_code("authorization", True, grants) for grants in (False, True)]
    answers = []
    for code in codes:
        with CloudFrontRuntime(code, now=NOW, store=store) as rt:
            answers.append([rt.handle(json.loads(json.dumps(e))) for e in events()])
    assert answers[0] == answers[1]
    assert {a.get("statusCode", 200) for a, _ in answers[0]} == {200, 401, 403}
