"""Property tests: whatever a viewer sends that is not a configured token, the handler denies."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, assert_valid_denial, load_built
from tools.edge_runtime.viewer_event import viewer_request_event

header_names = st.one_of(
    st.just("Authorization"),
    st.just("authorization"),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20),
)
header_values = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
    st.sampled_from([CURRENT_TOKEN, PREVIOUS_TOKEN]).map(lambda t: t[:-1]),
    st.sampled_from([CURRENT_TOKEN, PREVIOUS_TOKEN]).map(lambda t: "Bearer " + t.swapcase()),
)
not_a_token = header_values.filter(
    lambda v: (
        v not in {CURRENT_TOKEN, PREVIOUS_TOKEN} and v[7:] not in {CURRENT_TOKEN, PREVIOUS_TOKEN}
    )
)


@pytest.fixture(scope="module")
def module_edge(tmp_path_factory):
    return load_built(tmp_path_factory.mktemp("edge"), [CURRENT_TOKEN, PREVIOUS_TOKEN])


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    others=st.lists(st.tuples(header_names, header_values), max_size=6),
    token_values=st.lists(not_a_token, max_size=3),
    uri=st.text(max_size=200),
)
def test_requests_without_a_configured_token_are_always_denied(
    module_edge, others, token_values, uri
):
    pairs = [(name, value) for name, value in others if name.lower() != "authorization"]
    pairs += [("Authorization", value) for value in token_values]
    response = module_edge.handler(viewer_request_event(pairs, uri=uri), None)
    assert_valid_denial(response)


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=json_like)
def test_arbitrary_events_never_raise_and_never_pass(module_edge, event):
    assert_valid_denial(module_edge.handler(event, None))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    others=st.lists(st.tuples(header_names, header_values), max_size=6),
    token=st.sampled_from([CURRENT_TOKEN, PREVIOUS_TOKEN, "Bearer " + CURRENT_TOKEN]),
    uri=st.text(max_size=100),
)
def test_a_valid_token_passes_the_request_with_only_the_token_header_removed(
    module_edge, others, token, uri
):
    pairs = [(name, value) for name, value in others if name.lower() != "authorization"]
    event = viewer_request_event([*pairs, ("Authorization", token)], uri=uri)
    expected = copy.deepcopy(event["Records"][0]["cf"]["request"])
    del expected["headers"]["authorization"]
    result = module_edge.handler(event, None)
    assert result == expected
