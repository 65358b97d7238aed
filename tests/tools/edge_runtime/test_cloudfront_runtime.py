"""The V8 harness offers what CloudFront Functions offer, no more; the generated code uses only
runtime-2.0 syntax, stays under the 10 KB quota for the committed stacks and holds no token."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_mini_racer import JSEvalException

from edge_handler.build import EdgeClient
from edge_handler.cloudfront_function import (
    MAX_CODE_BYTES,
    RUNTIME,
    code_size,
    render_function_code,
)
from tests.client_support import CLIENTS
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import read_case, stack_cases
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime, forbidden_syntax

STACKS = stack_cases()


@pytest.fixture(scope="module")
def runtime():
    with CloudFrontRuntime(render_function_code([CURRENT_TOKEN], "authorization")) as rt:
        yield rt


def digest(runtime, text: str, encoding: str) -> str:
    source = (
        f"require('crypto').createHash('sha256').update({json.dumps(text)}).digest('{encoding}')"
    )
    return runtime.eval(source)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_the_pure_js_sha256_is_hashlibs(runtime, text):
    raw = hashlib.sha256(text.encode()).digest()
    assert digest(runtime, text, "hex") == raw.hex()
    assert digest(runtime, text, "base64") == base64.b64encode(raw).decode()
    assert digest(runtime, text, "base64url") == base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("length", [0, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000])
def test_sha256_across_block_boundaries(runtime, length):
    assert digest(runtime, "a" * length, "hex") == hashlib.sha256(b"a" * length).hexdigest()


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("require('querystring')", "Cannot find module"),
        ("require('fs')", "Cannot find module"),
        ("setTimeout(function () {}, 0)", "not a function"),
        ("eval('1')", "eval is not supported"),
        ("Function('return 1')()", "Function is not supported"),
        ("console.log('a', 'b')", "one argument"),
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
        rt.set_now(12)
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
        ("async function f() { await g(); }", "async/await"),
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


def stack_code(stack: str) -> tuple[str, object]:
    settings_ = read_case(stack).settings(CURRENT_TOKEN, (PREVIOUS_TOKEN,))
    code = render_function_code(
        settings_.accepted_tokens,
        settings_.auth_header,
        settings_.clients,
        settings_.log_allowed,
    )
    return code, settings_


@pytest.mark.parametrize("stack", STACKS)
def test_stack_cases_generate_runtime_2_code_under_10_kb_without_tokens(stack):
    code, settings_ = stack_code(stack)
    assert RUNTIME == "cloudfront-js-2.0"
    assert forbidden_syntax(code) == []
    assert len(code.encode()) <= MAX_CODE_BYTES
    tokens = len(settings_.accepted_tokens)
    shape = code_size(tokens, settings_.auth_header, settings_.clients, settings_.log_allowed)
    assert shape == len(code.encode())
    for token in (*settings_.accepted_tokens, *(t for c in settings_.clients for t in c.tokens)):
        assert token not in code
    with CloudFrontRuntime(code):
        pass  # it loads: valid JavaScript, strict mode


def test_the_code_is_deterministic_and_holds_only_digests():
    code = render_function_code([CURRENT_TOKEN, PREVIOUS_TOKEN], "authorization", CLIENTS)
    assert code == render_function_code([CURRENT_TOKEN, PREVIOUS_TOKEN], "authorization", CLIENTS)
    assert CURRENT_TOKEN not in code and PREVIOUS_TOKEN not in code
    prefix = base64.b64encode(hashlib.sha256(CURRENT_TOKEN.encode()).digest()).decode()[:12]
    assert f'"{prefix}"' in code
    other = render_function_code(["another-token-0123456789abcdef0123"], "authorization", CLIENTS)
    assert other != code


def test_the_size_depends_on_the_shape_not_the_token_values():
    clients = [EdgeClient(f"partner-{i}", (f"t{i}",), None, (f"ex-img/p{i}/*",)) for i in range(10)]
    one = render_function_code(["a" * 40], "authorization", clients)
    two = render_function_code(["b" * 64], "authorization", clients)
    assert len(one.encode()) == len(two.encode()) == code_size(1, "authorization", clients)


@pytest.mark.parametrize(
    ("tokens", "header", "clients"),
    [
        ([], "authorization", ()),
        ([""], "authorization", ()),
        (["t"], "Authorization", ()),
        (["t"], "authorization", (EdgeClient("x", ("t",)),)),
        (["t"], "authorization", (EdgeClient("x", ("u",), None, ("ex-img/[ab]/*",)),)),
    ],
)
def test_inputs_that_would_deploy_a_broken_check_are_refused(tokens, header, clients):
    with pytest.raises(ValueError):
        render_function_code(tokens, header, clients)
