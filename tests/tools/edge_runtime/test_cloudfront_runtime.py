"""The V8 harness offers what CloudFront Functions offer, no more (the KeyValueStore helpers
included); the generated code uses only runtime-2.0 syntax, stays far under the 10 KB quota and
holds no token, no digest and no client: it does not change when clients or tokens do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_mini_racer import JSEvalException

from edge_handler.build import EdgeClient
from edge_handler.client_store import entry_key, store_entries
from edge_handler.cloudfront_function import (
    MAX_CODE_BYTES,
    code_size,
    render_function_code,
)
from tests.client_support import CLIENTS
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, store_reads
from tests.program_support import read_case, stack_cases
from tests.support.js_syntax import forbidden_syntax
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime
from tools.edge_runtime.engines import function_event
from tools.edge_runtime.viewer_event import viewer_request_event

STACKS = stack_cases()


@pytest.fixture(scope="module")
def runtime():
    code = render_function_code("authorization")
    with CloudFrontRuntime(code, store=store_entries([CURRENT_TOKEN])) as rt:
        yield rt


def digest(runtime, text: str) -> bytes:
    """The harness's SHA-256 of ``text``, from its base64url digest."""
    source = (
        f"require('crypto').createHash('sha256').update({json.dumps(text)}).digest('base64url')"
    )
    encoded = runtime.eval(source)
    assert "=" not in encoded  # base64url without padding, as Node gives it
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_the_pure_js_sha256_is_hashlibs(runtime, text):
    assert digest(runtime, text) == hashlib.sha256(text.encode()).digest()


@pytest.mark.parametrize("length", [0, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000])
def test_sha256_across_block_boundaries(runtime, length):
    assert digest(runtime, "a" * length) == hashlib.sha256(b"a" * length).digest()


def test_a_lone_surrogate_is_hashed_as_u_fffd_as_node_does(runtime):
    assert digest(runtime, "a\ud800b\udc00") == hashlib.sha256("a\ufffdb\ufffd".encode()).digest()


@pytest.mark.parametrize("key", [b"", bytes(range(32)), bytes(range(70))])
def test_hmac_with_a_base64_buffer_key_is_pythons(runtime, key):
    source = (
        f"require('crypto').createHmac('sha256', Buffer.from('{base64.b64encode(key).decode()}',"
        " 'base64')).update('p.é').digest('base64url')"
    )
    expected = hmac.new(key, "p.é".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(runtime.eval(source) + "=") == expected


@pytest.mark.parametrize("text", ["AAAA AAAA", "AAAA\\nAAAA", "AA-_", "AAA*"])
def test_a_key_outside_the_base64_alphabet_throws_where_node_would_skip_it(runtime, text):
    # The store's keys are written by the product; a bad one must show here, not decode quietly.
    with pytest.raises(JSEvalException, match="not base64"):
        runtime.eval(f"Buffer.from('{text}', 'base64')")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("require('querystring')", "Cannot find module"),
        ("require('fs')", "Cannot find module"),
        ("setTimeout(function () {}, 0)", "not a function"),
        ("eval('1')", "eval is not supported"),
        ("Function('return 1')()", "Function is not supported"),
        ("console.log('a', 'b')", "one argument"),
        ("require('crypto').createHash('sha256').update('a').digest('hex')", "only digest"),
        ("require('crypto').createHash('md5')", "only sha256"),
        ("undeclared = 1", "not defined"),  # strict mode, as CloudFront's
    ],
)
def test_the_harness_refuses_what_cloudfront_functions_lack(source, message):
    code = f"function handler(event) {{ {source}; return event.request; }}"
    with CloudFrontRuntime(code) as rt, pytest.raises(JSEvalException, match=message):
        rt.handle({"request": {"headers": {}}})


def test_date_now_is_the_frozen_start_time_and_logs_are_captured():
    code = "function handler(e) { console.log(JSON.stringify({t: Date.now()})); return e.request; }"
    with CloudFrontRuntime(code, now=1_800_000_000.5) as rt:
        assert rt.handle({"request": {}}) == ({}, [{"t": 1_800_000_000_500}])
        rt.now = 12
        assert rt.handle({"request": {}})[1] == [{"t": 12_000}]


@pytest.mark.parametrize(
    ("code", "construct"),
    [
        ("var a = b?.c;", "optional chaining"),
        ("var a = b ?? c;", "nullish coalescing"),
        ("f(...args);", "spread or rest"),
        ("class A {}", "class"),
        ("for (const x of xs) {}", "for-of"),
        ("const {a} = b;", "destructuring"),
        ("let [a] = b;", "destructuring"),
        ("async function f() { await Promise.all([a, b]); }", "promise combinator or chain"),
        ("kvs.get('k').then(f);", "promise combinator or chain"),
        ("import cf from 'cloudfronts';", "module syntax"),
        ("function* g() { yield 1; }", "generator"),
        ("import crypto from 'crypto';", "module syntax"),
        ("var m = new Map();", "unlisted API"),
        ("var a = Array.from(s);", "unlisted API"),
        ("var c = s.at(-1);", "unlisted API"),
    ],
)
def test_the_syntax_check_names_constructs_runtime_2_lacks(code, construct):
    assert construct in forbidden_syntax(code)
    assert forbidden_syntax("var s = '?. ?? ... class';") == []  # strings do not count
    documented = "import cf from 'cloudfront';\nasync function handler(e) { await g(); }"
    assert forbidden_syntax(documented) == []


def digests_of(token: str) -> list[str]:
    raw = hashlib.sha256(token.encode()).digest()
    b64 = base64.b64encode(raw).decode()
    return [raw.hex(), b64[:12], b64[12:43], entry_key(token), entry_key(token)[:12]]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_cases_generate_runtime_2_code_far_under_10_kb_without_client_data(stack):
    settings_ = read_case(stack).settings(CURRENT_TOKEN, (PREVIOUS_TOKEN,))
    code = render_function_code(settings_.auth_header, settings_.log_allowed)
    assert forbidden_syntax(code) == []
    assert code_size(settings_.auth_header, settings_.log_allowed) == len(code.encode())
    assert len(code.encode()) <= MAX_CODE_BYTES * 2 // 3
    tokens = (*settings_.accepted_tokens, *(t for c in settings_.clients for t in c.tokens))
    for token in tokens:
        assert token not in code
        for digest_text in digests_of(token):
            assert digest_text not in code
    for client in settings_.clients:
        assert f'"{client.name}"' not in code
    # It runs (valid JavaScript, strict mode) and decides: no header 401, the token passes.
    uri = "/" + settings_.protected_paths[0].replace("*", "x").replace("?", "y")
    store = store_entries(settings_.accepted_tokens, settings_.clients)
    with CloudFrontRuntime(code, store=store) as rt:
        denied, _ = rt.handle(function_event(viewer_request_event(uri=uri)))
        assert denied["statusCode"] == 401, uri
        token = [(settings_.auth_header, CURRENT_TOKEN)]
        passed, _ = rt.handle(function_event(viewer_request_event(token, uri=uri)))
        assert "statusCode" not in passed and passed["uri"] == uri


def test_the_code_is_byte_for_byte_the_same_whatever_the_clients_and_tokens():
    code = render_function_code("authorization")
    assert code.splitlines()[:2] == ["import cf from 'cloudfront';", "const kvsHandle=cf.kvs();"]
    # The inputs that once changed it: tokens, clients, their expiry and scope.
    for tokens, clients in [
        ([CURRENT_TOKEN, PREVIOUS_TOKEN], CLIENTS),
        (["another-token-0123456789abcdef0123"], ()),
        ([CURRENT_TOKEN], [EdgeClient(f"p-{i}", (f"t{i}" * 20,), 1, ("a/*",)) for i in range(50)]),
    ]:
        assert store_entries(tokens, clients)  # a different store each time ...
        assert render_function_code("authorization").encode() == code.encode()  # ... same code
    assert render_function_code("x-token") != code
    assert render_function_code("authorization", log_allowed=True) != code


@pytest.mark.parametrize("header", ["", "Authorization", "X-Token"])
def test_a_header_name_that_would_deploy_a_broken_check_is_refused(header):
    with pytest.raises(ValueError):
        render_function_code(header)


@pytest.mark.parametrize(
    ("tokens", "clients"),
    [
        ([], ()),
        ([""], ()),
        (["t"], (EdgeClient("x", ("t",)),)),
        (["t"], (EdgeClient("x", ("",)),)),
        (["t"], (EdgeClient("x", ("u",), None, ("ex-img/[ab]/*",)),)),
        (["t"], (EdgeClient("x", ("u",), None, ("ex-img/a+b/*",)),)),
    ],
)
def test_a_store_that_would_deploy_a_broken_check_is_refused(tokens, clients):
    with pytest.raises(ValueError):
        store_entries(tokens, clients)


# --- the KeyValueStore helpers the function uses ----------------------------------------

KVS_PROBE = """import cf from 'cloudfront';
const kvsHandle = cf.kvs();
async function handler(event) {
  var out = {};
  out.string = await kvsHandle.get('k');
  out.explicit = await kvsHandle.get('k', {format: 'string'});
  out.json = await kvsHandle.get('k', {format: 'json'});
  try { await kvsHandle.get('absent'); out.absent = 'resolved'; }
  catch (e) { out.absent = 'rejected'; }
  out.handle = Object.keys(kvsHandle).sort();
  out.module = Object.keys(cf);
  return out;
}
"""


def test_the_store_offers_get_as_string_or_json_and_nothing_else():
    with CloudFrontRuntime(KVS_PROBE, store={"k": '{"c":"é"}', "other": "x"}) as rt:
        store_reads(rt)  # counted from here
        out, _ = rt.handle({})
        assert store_reads(rt) == 4
    assert out == {
        "string": '{"c":"é"}',
        "explicit": '{"c":"é"}',
        "json": {"c": "é"},
        "absent": "rejected",
        "handle": ["get"],
        "module": ["kvs"],
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("kvsHandle.exists('k')", "not a function"),
        ("kvsHandle.meta()", "not a function"),
        ("kvsHandle.get('k', {format: 'bytes'})", "only the string and json formats"),
    ],
)
def test_what_the_function_does_not_use_fails_loudly(call, message):
    code = f"""import cf from 'cloudfront';
const kvsHandle = cf.kvs();
async function handler(event) {{ return await {call}; }}
"""
    with (
        CloudFrontRuntime(code, store={"k": "v"}) as rt,
        pytest.raises(JSEvalException, match=message),
    ):
        rt.handle({})


def test_a_function_without_a_store_cannot_open_one():
    with pytest.raises(JSEvalException, match="no KeyValueStore"):
        CloudFrontRuntime(KVS_PROBE)


def test_an_async_handlers_rejection_is_an_uncaught_throw():
    code = "async function handler(e) { throw new Error('boom'); }"
    with CloudFrontRuntime(code) as rt, pytest.raises(JSEvalException, match="boom"):
        rt.handle({})
