"""CloudFront's path normalization, written once per language: edge_handler/uri_normalization.py
(the Lambda@Edge zip and the site model) and cloudfront_function.js (the CloudFront Function).
One table of cases, normalization_cases.json, runs against each: the module, the handler as
the built zip loads it, and the generated function in V8."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components import site_model
from edge_handler import uri_normalization
from edge_handler.client_store import store_entries
from edge_handler.cloudfront_function import render_function_code
from tests.edge_support import CURRENT_TOKEN, load_built
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime

CASES = json.loads(Path(__file__).with_name("normalization_cases.json").read_text("utf-8"))
IDS = [case["why"] for case in CASES]


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    return load_built(tmp_path_factory.mktemp("zip"), [CURRENT_TOKEN])


@pytest.fixture(scope="module")
def function_normalized() -> list[str]:
    """What the generated CloudFront Function's ``normalize`` makes of every case's path."""
    paths = json.dumps([case["path"] for case in CASES])
    with CloudFrontRuntime(
        render_function_code("authorization"), store=store_entries([CURRENT_TOKEN])
    ) as runtime:
        return json.loads(runtime.eval(f"JSON.stringify({paths}.map(normalize))"))


def test_the_site_model_reads_paths_with_the_edge_modules_rules():
    assert site_model.normalize_rfc3986 is uri_normalization.normalize
    assert site_model.remove_dot_segments is uri_normalization.remove_dot_segments


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_python_normalization(case):
    assert uri_normalization.normalize(case["path"]) == case["normalized"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_built_zips_handler_normalizes_alike(handler, case):
    assert handler.normalize(case["path"]) == case["normalized"]


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=IDS)
def test_the_cloudfront_function_normalizes_alike(function_normalized, index, case):
    assert function_normalized[index] == case["normalized"]


def test_the_table_covers_each_rule():
    whys = " ".join(IDS)
    for rule in ("unreserved", "reserved", "not an escape", "dot segment", "query", "root"):
        assert rule in whys, rule
