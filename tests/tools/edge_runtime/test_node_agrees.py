"""The generated function in Node (a real JavaScript engine beside the harness's V8): the same
answers and log lines as in the harness, its KeyValueStore a stub over the same entries."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from edge_handler.client_store import store_entries
from edge_handler.cloudfront_function import render_function_code
from tests.client_support import CLIENTS, EXPIRED_TOKEN, OPEN_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime
from tools.edge_runtime.engines import function_event
from tools.edge_runtime.viewer_event import viewer_request_event

NODE = shutil.which("node")
NOW = 1_800_000_000

# The import line becomes a stub of cf.kvs() (get rejects for an absent key); Date.now is
# frozen; console.log is captured per call.
NODE_RUNNER = r"""
const fs = require('fs');
const [codeFile, storeFile, eventsFile, now] = process.argv.slice(1);
const store = new Map(Object.entries(JSON.parse(fs.readFileSync(storeFile, 'utf8'))));
const cf = { kvs: () => ({ get: async (key, options) => {
  if (!store.has(key)) throw new Error('Key not found');
  const v = store.get(key);
  return options && options.format === 'json' ? JSON.parse(v) : v;
} }) };
let logs = [];
console.log = (line) => logs.push(JSON.parse(line));
Date.now = () => +now * 1000;
const code = fs.readFileSync(codeFile, 'utf8').replace("import cf from 'cloudfront';", '');
const handler = new Function('cf', 'require', '"use strict";\n' + code + '\nreturn handler;')(
  cf, require);
(async () => {
  const out = [];
  for (const event of JSON.parse(fs.readFileSync(eventsFile, 'utf8'))) {
    logs = [];
    out.push([await handler(event), logs]);
  }
  process.stdout.write(JSON.stringify(out));
})();
"""


def events() -> list[dict]:
    cases = []
    for token in (CURRENT_TOKEN, PREVIOUS_TOKEN, SCOPED_TOKEN, EXPIRED_TOKEN, OPEN_TOKEN, "nope"):
        for uri in ("/ex-img/partner-a/logo.svg", "/ex-img/partner-b/x", "/ex-img/a/%2e%2e/b"):
            headers = [("Authorization", f"Bearer {token}"), ("Accept", "*/*")]
            cases.append(function_event(viewer_request_event(headers, uri=uri)))
    cases.append(function_event(viewer_request_event([("Accept", "*/*")])))
    cases.append(function_event(viewer_request_event([("Authorization", "")])))
    return cases


def answers_in_node_and_harness(tmp_path, code: str, store: dict, cases: list[dict]):
    """Each case's (answer, log lines) from Node 20 and from the V8 harness, same code and store."""
    (tmp_path / "code.js").write_text(code, encoding="utf-8")
    (tmp_path / "store.json").write_text(json.dumps(store), encoding="utf-8")
    (tmp_path / "events.json").write_text(json.dumps(cases), encoding="utf-8")
    files = [str(tmp_path / n) for n in ("code.js", "store.json", "events.json")]
    out = subprocess.run(
        [NODE, "-e", NODE_RUNNER, "--", *files, str(NOW)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with CloudFrontRuntime(code, now=NOW, store=store) as runtime:
        in_harness = [list(runtime.handle(json.loads(json.dumps(e)))) for e in cases]
    return json.loads(out), in_harness


@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_node_and_the_harness_answer_alike(tmp_path):
    code = render_function_code("authorization", log_allowed=True)
    store = store_entries([CURRENT_TOKEN, PREVIOUS_TOKEN], CLIENTS)
    cases = events()
    in_node, in_harness = answers_in_node_and_harness(tmp_path, code, store, cases)
    assert in_node == in_harness
    statuses = {answer.get("statusCode", 200) for answer, _ in in_node}
    assert statuses == {200, 401, 403}


def grant_events() -> list[dict]:
    from tests.client_support import SCOPED_PREVIOUS_TOKEN
    from tests.support.grants import mint

    good = mint(SCOPED_TOKEN, "partner-a", "/ex-img/partner-a/*", NOW + 600)
    grants = [
        good,
        mint(SCOPED_PREVIOUS_TOKEN, "partner-a", "/ex-img/partner-a/logo.svg", NOW + 60),
        mint(OPEN_TOKEN, "partner-a", "/ex-img/partner-a/*", NOW + 600),
        mint(SCOPED_TOKEN, "partner-a", "/ex-img/*", NOW + 600),
        mint(SCOPED_TOKEN, "partner-a", "/ex-img/partner-a/*", NOW + 10**6),
        mint(EXPIRED_TOKEN, "archive-co", "/ex-img/*", NOW + 60),
        good[:-2] + "AA",
        "é.x.y",
    ]
    cases = []
    for grant in grants:
        for uri in ("/ex-img/partner-a/logo.svg", "/ex-img/partner-b/x", "/ex-img/a/%2e%2e/b"):
            cases.append(
                function_event(viewer_request_event(uri=uri, querystring=f"grant={grant}"))
            )
        cookie = [("Cookie", f"__Host-grant={grant}")]
        cases.append(function_event(viewer_request_event(cookie)))
        query = f"grant={grant}&to=%2Fex-img%2Fpartner-a%2Flogo.svg"
        cases.append(function_event(viewer_request_event(uri="/_grant", querystring=query)))
    return cases


@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_node_and_the_harness_verify_grants_alike(tmp_path):
    code = render_function_code("authorization", log_allowed=True, grants=True)
    store = store_entries([CURRENT_TOKEN, PREVIOUS_TOKEN], CLIENTS, grants=True)
    cases = grant_events()
    in_node, in_harness = answers_in_node_and_harness(tmp_path, code, store, cases)
    assert in_node == in_harness
    statuses = [answer.get("statusCode", 200) for answer, _ in in_node]
    # Both admit the good grants and refuse the rest: the comparison is not of two failures.
    assert statuses.count(200) >= 2 and statuses.count(302) == 2 and 401 in statuses
