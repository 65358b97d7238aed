"""Differential proof: the Python handler (from the built zip) and the generated CloudFront
Function (in V8) decide every case alike: decision, status, body, challenge, cache headers,
the token header gone on allow, and the log line (reason, client, uri, requestId)."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from components.cloudfront_facts import MAX_URL_LENGTH
from edge_handler.build import EdgeClient
from tests.client_support import (
    CLIENTS,
    EXPIRED_TOKEN,
    FUTURE,
    OPEN_TOKEN,
    PAST,
    SCOPED_PREVIOUS_TOKEN,
    SCOPED_TOKEN,
    URI_PIECES,
)
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, set_store_fault, store_reads
from tests.support.adversarial import ADVERSARIAL_SCOPES
from tests.support.adversarial import LONGEST_URIS as ADVERSARIAL_URIS
from tools.edge_runtime.engines import (
    ENGINES,
    CloudFrontFunctionEngine,
    LambdaEdgeEngine,
    function_event,
    make_engine,
)
from tools.edge_runtime.viewer_event import viewer_request_event

TOKENS = [CURRENT_TOKEN, PREVIOUS_TOKEN]
KNOWN = (
    CURRENT_TOKEN,
    PREVIOUS_TOKEN,
    EXPIRED_TOKEN,
    SCOPED_TOKEN,
    SCOPED_PREVIOUS_TOKEN,
    OPEN_TOKEN,
)
NOW = 1_800_000_000  # between PAST and FUTURE


class Engines:
    """The two engines built from the same inputs, with one clock for both."""

    def __init__(self, tmp_path, tokens, header="authorization", clients=(), log_allowed=False):
        self.python = LambdaEdgeEngine(tmp_path, tokens, header, clients, log_allowed)
        self.module = self.python.handler.__globals__
        self.js = CloudFrontFunctionEngine(tokens, header, clients, log_allowed)

    def python_run(self, event, now):
        self.module["time"] = lambda: now  # the handler reads time() from its module
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = self.python.handler(json.loads(json.dumps(event)), None)
        return result, [json.loads(line) for line in out.getvalue().splitlines()]

    def js_run(self, cf_event, now):
        self.js.runtime.now = now
        return self.js.runtime.handle(cf_event)

    def close(self):
        self.js.close()


def python_outcome(result) -> dict:
    if isinstance(result, dict) and "status" in result:
        return {
            "status": int(result["status"]),
            "description": result.get("statusDescription"),
            "headers": {n: [e["value"] for e in v] for n, v in result["headers"].items()},
            "body": result["body"],
        }
    return {
        "status": None,
        "uri": result["uri"],
        "headers": {n: [e["value"] for e in v] for n, v in result["headers"].items()},
    }


def js_outcome(result) -> dict:
    if "statusCode" in result:
        return {
            "status": result["statusCode"],
            "description": result.get("statusDescription"),
            "headers": {n: [f["value"]] for n, f in result["headers"].items()},
            "body": result["body"],
        }
    headers = {}
    for name, field in result["headers"].items():
        values = [v["value"] for v in field["multiValue"]] if "multiValue" in field else None
        headers[name] = values or [field["value"]]
    return {"status": None, "uri": result["uri"], "headers": headers}


def assert_agree(engines, event, now=NOW) -> dict:
    """Run ``event`` (Lambda@Edge shape) on both engines; fail with the case on a mismatch."""
    py_result, py_logs = engines.python_run(event, now)
    cf_event = function_event(event)
    js_result, js_logs = engines.js_run(cf_event, now)
    py, js = python_outcome(py_result), js_outcome(js_result)
    # Cookies travel apart in the CloudFront Functions event.
    py["headers"] = {n: v for n, v in py["headers"].items() if n != "cookie"}
    case = json.dumps({"event": event, "now": now}, ensure_ascii=True)[:2000]
    assert py == js, f"engines disagree\ncase: {case}\npython: {py}\njs:     {js}"
    assert py_logs == js_logs, f"logs disagree\ncase: {case}\npython: {py_logs}\njs: {js_logs}"
    return py


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    built = Engines(tmp_path_factory.mktemp("engines"), TOKENS, clients=CLIENTS)
    yield built
    built.close()


@pytest.fixture(scope="module")
def logging_engines(tmp_path_factory):
    built = Engines(tmp_path_factory.mktemp("log"), TOKENS, clients=CLIENTS, log_allowed=True)
    yield built
    built.close()


def auth(value, name="Authorization", uri="/ex-img/partner-a/logo.svg", **kwargs):
    return viewer_request_event([(name, value), ("Accept", "*/*")], uri=uri, **kwargs)


# --- the corpus of test_edge_artifact.py and test_client_edge.py ----------------------------

ARTIFACT_VALUES = [
    CURRENT_TOKEN,
    PREVIOUS_TOKEN,
    f"Bearer {CURRENT_TOKEN}",
    f"bearer {CURRENT_TOKEN}",
    f"BEARER {CURRENT_TOKEN}",
    "wrong-token-0123456789abcdef0123456789abcdef",
    CURRENT_TOKEN[:-1],
    CURRENT_TOKEN + "0",
    "x" + CURRENT_TOKEN,
    CURRENT_TOKEN.upper(),
    f"Basic {CURRENT_TOKEN}",
    f"Bearer  {CURRENT_TOKEN}",
    "Bearer ",
    "",
    CURRENT_TOKEN + "é",
    "é" * 40,
    "a" * 1025,
    "a" * 100_000,
    "nope",
]


@pytest.mark.parametrize("value", ARTIFACT_VALUES)
def test_artifact_corpus(engines, value):
    assert_agree(engines, auth(value))


def test_missing_and_repeated_headers(engines):
    assert assert_agree(engines, viewer_request_event([("Accept", "*/*")]))["status"] == 401
    twice = [("Authorization", CURRENT_TOKEN), ("authorization", "other")]
    assert assert_agree(engines, viewer_request_event(twice))["status"] == 401
    same_twice = [("Authorization", CURRENT_TOKEN), ("AUTHORIZATION", CURRENT_TOKEN)]
    assert assert_agree(engines, viewer_request_event(same_twice))["status"] == 401


CLIENT_URIS = [
    "/ex-img/partner-a/logo.svg",
    "/ex-img/partner-a/sub/x%20y.txt",
    "/ex-img/gradient.png",
    "/ex-img/partner-b/logo.svg",
    "/ex-img/partner-a",
    "/ex-img/partner-ab/x",
    "/EX-IMG/partner-a/x",
    "/ex-img/partner-a/../partner-b/x",
    "/ex-img/partner-a/./x",
    "/ex-img/partner-a/%2e%2e/partner-b/x",
    "/ex-img/partner-%61/x",
    "/ex-img/partner-a/..%2Fpartner-b/x",
    "/ex-img/partner-a/x%2f",
    "/ex-img%2Fpartner-a/x",
    "/ex-img/partner-a%2F..%2Fpartner-b/x",
    "/ex-img/partner-a/%C3%A9.png",
    "/ex-img/partner-a/%C3.png",
    "/ex-img/partner-a/%F0%9F%98%80%ED%A0%80%FF",
    "/ex-img/partner-a/é😀",
]


@pytest.mark.parametrize("token", KNOWN)
@pytest.mark.parametrize("uri", CLIENT_URIS)
def test_client_corpus(engines, token, uri):
    assert_agree(engines, auth(f"Bearer {token}", uri=uri))


# Fractions of a millisecond before expiry: JS Date.now() counts whole milliseconds (floor).
@pytest.mark.parametrize(
    "now",
    [PAST - 1, PAST - 0.0004, PAST, PAST + 1, FUTURE - 1, FUTURE - 0.0004, FUTURE, FUTURE + 1],
)
@pytest.mark.parametrize("token", [EXPIRED_TOKEN, SCOPED_TOKEN, OPEN_TOKEN])
def test_expiry_at_the_same_now(engines, token, now):
    assert_agree(engines, auth(token), now)


@pytest.mark.parametrize("token", KNOWN)
def test_allowed_requests_log_alike(logging_engines, token):
    assert_agree(logging_engines, auth(token))


def test_a_custom_header_name(tmp_path):
    built = Engines(tmp_path, TOKENS, header="x-cdn-token")
    try:
        for name, value in [("X-CDN-Token", CURRENT_TOKEN), ("Authorization", CURRENT_TOKEN)]:
            assert_agree(built, auth(value, name=name))
    finally:
        built.close()


# --- hostile inputs -------------------------------------------------------------------------

HOSTILE_VALUES = [
    "😀" * 1024,  # 1024 code points (2048 UTF-16 units): non_ascii, not oversized
    "😀" * 1025,
    "a" * 1023 + "😀",
    "a" * 1024,
    "Bearer " + "😀" * 1020,
    "Bearer\t" + CURRENT_TOKEN,
    "bearer " + CURRENT_TOKEN + " ",
    " " + CURRENT_TOKEN,
    "\x00",
    "İ" * 7 + CURRENT_TOKEN,
    "Bearer Bearer " + CURRENT_TOKEN,
    CURRENT_TOKEN + "\n",
    "\u2028",
    "%41" * 20,
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_values(engines, value):
    assert_agree(engines, auth(value))


# Malformed events have no common shape: each engine gets its own and both must fail closed.
MALFORMED = [
    (None, None),
    ({}, {}),
    ({"Records": [{"cf": {"request": {}}}]}, {"request": {}}),
    ({"Records": [{"cf": {"request": {"headers": None}}}]}, {"request": {"headers": None}}),
    (
        {"Records": [{"cf": {"request": {"headers": {"authorization": [{"value": 42}]}}}}]},
        {"request": {"headers": {"authorization": {"value": 42}}}},
    ),
    (
        {"Records": [{"cf": {"request": {"headers": {"authorization": 7}}}}]},
        {"request": {"headers": {"authorization": 7}}},
    ),
    ("not an event", "not an event"),
]


@pytest.mark.parametrize(("lambda_event", "cf_event"), MALFORMED)
def test_malformed_events_fail_closed_on_both(engines, lambda_event, cf_event):
    py_result, _ = engines.python_run(lambda_event, NOW)
    js_result, _ = engines.js_run(cf_event, NOW)
    py, js = python_outcome(py_result), js_outcome(js_result)
    assert py["status"] == js["status"] == 401, (lambda_event, py, js)
    assert py["body"] == js["body"]


# --- generated cases ------------------------------------------------------------------------

VALUES = st.one_of(
    st.sampled_from(KNOWN),
    st.builds(
        lambda s, t: s + t,
        st.sampled_from(["Bearer ", "bearer ", "BeArEr ", ""]),
        st.sampled_from(KNOWN),
    ),
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("a😀é \t"), min_size=1000, max_size=1100),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80),
)
NAMES = st.sampled_from(["Authorization", "authorization", "AUTHORIZATION", "x-cdn-token"])
HEADERS = st.lists(st.tuples(NAMES, VALUES), max_size=3).map(lambda h: [*h, ("Accept", "*/*")])
PIECES = st.sampled_from([*URI_PIECES, "%C3", "%FF", "%F0%9F%98%80", "é", "😀", "*", "+", "%2B"])
URIS = st.lists(PIECES, max_size=12).map(lambda p: "/ex-img/" + "".join(p))
NOWS = st.sampled_from([PAST - 1, PAST, NOW, FUTURE - 1, FUTURE, FUTURE + 1])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers=HEADERS, uri=URIS, now=NOWS)
@example(headers=[("Authorization", "😀" * 1024)], uri="/ex-img/a", now=NOW)
def test_generated_requests(engines, headers, uri, now):
    assert_agree(engines, viewer_request_event(headers, uri=uri), now)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token=st.sampled_from([SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN]), uri=URIS)
@example(token=SCOPED_TOKEN, uri="/ex-img/partner-a/%F0%9F%98%80")
def test_generated_paths_for_a_scoped_client(engines, token, uri):
    assert_agree(engines, auth(f"Bearer {token}", uri=uri))


# No + (settings and both builds refuse it in a scope); paths hold + (PIECES).
PATTERN_PIECES = st.sampled_from(["ex-img/", "p", "a", "*", "?", "/", ".png", "$", "é"])
CLIENT_SPECS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from([PAST, NOW, FUTURE])),
        st.one_of(
            st.none(),
            st.lists(st.lists(PATTERN_PIECES, min_size=1).map("".join), min_size=1, max_size=3),
        ),
    ),
    min_size=1,
    max_size=4,
)


# Each example builds both engines (a zip and a V8 context): 17 ms.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=CLIENT_SPECS, uri=URIS, now=NOWS, data=st.data())
def test_generated_clients(tmp_path_factory, specs, uri, now, data):
    clients = [
        EdgeClient(f"c{i}", (f"token-of-client-{i}-0123456789abcdef",), expiry, paths)
        for i, (expiry, paths) in enumerate(specs)
    ]
    built = Engines(tmp_path_factory.mktemp("gen"), TOKENS, clients=clients, log_allowed=True)
    try:
        token = data.draw(st.sampled_from([c.tokens[0] for c in clients]))
        assert_agree(built, auth(f"Bearer {token}", uri=uri), now)
    finally:
        built.close()


QUESTION_CLIENTS = (
    EdgeClient("q2", ("token-of-q2-0123456789abcdef0123456789",), None, ("ex-img/??",)),
    EdgeClient("q1", ("token-of-q1-0123456789abcdef0123456789",), None, ("ex-img/?/*",)),
)


@pytest.mark.parametrize(
    "uri", ["/ex-img/😀", "/ex-img/ab", "/ex-img/é", "/ex-img/😀/x", "/ex-img/%F0%9F%98%80/x"]
)
@pytest.mark.parametrize("client", QUESTION_CLIENTS, ids=lambda c: c.name)
def test_a_question_mark_matches_one_code_point_on_both(tmp_path, client, uri):
    built = Engines(tmp_path, TOKENS, clients=QUESTION_CLIENTS)
    try:
        assert_agree(built, auth(client.tokens[0], uri=uri))
    finally:
        built.close()


# --- scopes that make a backtracking matcher slow, on the longest URIs ----------------------

ADVERSARIAL_CLIENTS = tuple(
    EdgeClient(f"adv{i}", (f"token-of-adversarial-client-{i}-0123456789",), None, (scope,))
    for i, scope in enumerate(ADVERSARIAL_SCOPES)
)
# The longest URIs CloudFront accepts, and one short path for contrast.
LONGEST_URIS = (*ADVERSARIAL_URIS, "/ex-img/a/b.png")


@pytest.fixture(scope="module")
def adversarial_engines(tmp_path_factory):
    built = Engines(tmp_path_factory.mktemp("adv"), TOKENS, clients=ADVERSARIAL_CLIENTS)
    yield built
    built.close()


@pytest.mark.parametrize("uri", LONGEST_URIS, ids=lambda u: f"{u[8:11]!r}x{len(u)}")
@pytest.mark.parametrize("client", ADVERSARIAL_CLIENTS, ids=lambda c: c.paths[0][:16])
def test_adversarial_scopes_on_the_longest_uris(adversarial_engines, client, uri):
    assert len(uri.encode()) <= MAX_URL_LENGTH
    assert_agree(adversarial_engines, auth(client.tokens[0], uri=uri))


# --- + in scopes and paths ----------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["ex-img/c++/*", "ex-img/c+/*", "ex-img/[ab]/*"])
@pytest.mark.parametrize("engine", ENGINES)
def test_both_builds_refuse_a_scope_with_plus_or_a_bracket(tmp_path, engine, pattern):
    # Settings refuse both; the builds refuse them too, whoever calls them.
    client = EdgeClient("cpp", ("token-of-cpp-0123456789abcdef0123456789",), None, (pattern,))
    with pytest.raises(ValueError, match=r"client cpp: .* in a path pattern"):
        make_engine(engine, tmp_path, TOKENS, "authorization", clients=(client,))


PLUS_CLIENT = EdgeClient(
    "cpp", ("token-of-cpp-0123456789abcdef0123456789",), None, ("ex-img/c*/*",)
)


@pytest.fixture(scope="module")
def plus_engines(tmp_path_factory):
    built = Engines(tmp_path_factory.mktemp("plus"), TOKENS, clients=(PLUS_CLIENT,))
    yield built
    built.close()


@pytest.mark.parametrize(
    ("uri", "status"),
    [
        ("/ex-img/c++/x", None),
        ("/ex-img/c%20%20/x", None),  # the key if S3 reads + as a space: in scope too
        ("/ex-img/c%2B%2B/x", None),
        ("/ex-img/a+b/x", 403),
        ("/ex-img/+/x", 403),
    ],
)
def test_a_plus_in_the_path_is_decided_alike_on_both_engines(plus_engines, uri, status):
    assert assert_agree(plus_engines, auth(PLUS_CLIENT.tokens[0], uri=uri))["status"] == status


# --- the function's KeyValueStore -----------------------------------------------------------

STORE_CASES = [
    auth(f"Bearer {CURRENT_TOKEN}"),
    auth(f"Bearer {SCOPED_TOKEN}"),
    auth(f"Bearer {SCOPED_TOKEN}", uri="/ex-img/partner-b/logo.svg"),
    auth(f"Bearer {EXPIRED_TOKEN}"),
    auth("wrong-token-0123456789abcdef0123456789abcdef"),
]


@pytest.mark.parametrize("fault", ["reject", "throw"])
@pytest.mark.parametrize("event", STORE_CASES)
def test_a_store_read_error_is_a_401_never_a_pass_nor_a_throw(fault, event):
    edge = CloudFrontFunctionEngine(TOKENS, "authorization", CLIENTS)
    try:
        edge.runtime.now = NOW
        set_store_fault(edge.runtime, fault)
        result, logs = edge.runtime.handle(function_event(event))  # no JSEvalException
        assert result["statusCode"] == 401
        assert result["headers"]["www-authenticate"]["value"].endswith('error="invalid_token"')
        assert [line["reason"] for line in logs] == ["invalid"]
    finally:
        edge.close()


@pytest.mark.parametrize(
    ("event", "reads"),
    [(e, 1) for e in STORE_CASES]
    + [(viewer_request_event([("Accept", "*/*")]), 0), (auth(""), 0), (auth("é" * 40), 0)],
)
def test_one_store_read_per_request_at_most(engines, event, reads):
    store_reads(engines.js.runtime)  # from zero
    assert_agree(engines, event)
    assert store_reads(engines.js.runtime) == reads


def test_the_function_decides_by_the_store_it_is_given():
    # The same code with a store that lacks the scoped client: that client is unknown.
    full = CloudFrontFunctionEngine(TOKENS, "authorization", CLIENTS)
    less = [c for c in CLIENTS if SCOPED_TOKEN not in c.tokens]
    revoked = CloudFrontFunctionEngine(TOKENS, "authorization", less)
    try:
        assert full.code.encode() == revoked.code.encode()
        event = function_event(auth(f"Bearer {SCOPED_TOKEN}"))
        for edge, status in ((full, None), (revoked, 401)):
            edge.runtime.now = NOW
            result, _ = edge.runtime.handle(json.loads(json.dumps(event)))
            assert result.get("statusCode") == status
    finally:
        full.close()
        revoked.close()
