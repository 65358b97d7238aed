"""Both engines behind one call: their log lines never change a decision, and the function
engine runs its calls side by side, each within a time limit."""

from __future__ import annotations

import io
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from edge_handler.client_store import store_entries
from edge_handler.cloudfront_function import render_function_code
from tests.edge_support import CURRENT_TOKEN
from tests.process_support import HANG_SECONDS
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime, FunctionPool, FunctionTimeout
from tools.edge_runtime.engines import ENGINES, function_event, make_engine
from tools.edge_runtime.viewer_event import viewer_request_event

# Appended to a generated function: a request for /ex-img/slow never ends on its own.
STORE = store_entries([CURRENT_TOKEN])
SLOW = (
    "\nvar __checked = handler;\n"
    "handler = function (event) {\n"
    "  if (event.request.uri === '/ex-img/slow') { for (;;) {} }\n"
    "  return __checked(event);\n"
    "};\n"
)


class BrokenStream(io.TextIOBase):
    """stdout after the reader of the pipe has gone (`make local | head`)."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("stream", ["closed", "broken pipe"])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_log_write_that_fails_changes_no_decision(tmp_path, monkeypatch, engine, stream):
    edge = make_engine(engine, tmp_path, [CURRENT_TOKEN], "authorization", log_allowed=True)
    try:
        if stream == "closed":
            closed = io.StringIO()
            closed.close()
            monkeypatch.setattr(sys, "stdout", closed)
        else:
            monkeypatch.setattr(sys, "stdout", BrokenStream())
        denied = edge(viewer_request_event([("Accept", "*/*")]), None)
        assert denied["status"] == "401"
        allowed = edge(viewer_request_event([("Authorization", CURRENT_TOKEN)]), None)
        assert "status" not in allowed and "authorization" not in allowed["headers"]
    finally:
        edge.close()


def event(uri: str) -> dict:
    return function_event(viewer_request_event([("Accept", "*/*")], uri=uri))


def slow_code() -> str:
    return render_function_code("authorization") + SLOW


def signal_slow_calls(monkeypatch) -> threading.Event:
    """An event set when the function starts on /ex-img/slow (a call that never ends)."""
    started = threading.Event()
    real_handle = CloudFrontRuntime.handle

    def handle(self, cf_event):
        if cf_event["request"]["uri"] == "/ex-img/slow":
            started.set()
        return real_handle(self, cf_event)

    monkeypatch.setattr(CloudFrontRuntime, "handle", handle)
    return started


def test_a_call_past_its_time_limit_fails_and_its_context_is_replaced():
    pool = FunctionPool(slow_code(), size=2, time_limit=0.05, store=STORE)
    try:
        with pytest.raises(FunctionTimeout):
            pool.handle(event("/ex-img/slow"))
        assert pool.contexts() == 0  # the context that ran over is gone
        for _ in range(3):
            assert pool.handle(event("/ex-img/a.png"))[0]["statusCode"] == 401
        assert pool.contexts() == 1
    finally:
        pool.close()


def test_a_slow_call_holds_up_no_other_and_close_stops_it(monkeypatch):
    started = signal_slow_calls(monkeypatch)
    pool = FunctionPool(slow_code(), size=2, time_limit=HANG_SECONDS, store=STORE)
    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            slow = executor.submit(pool.handle, event("/ex-img/slow"))
            assert started.wait(HANG_SECONDS)
            for _ in range(5):
                assert pool.handle(event("/ex-img/a.png"))[0]["statusCode"] == 401
            # Only the time limit (HANG_SECONDS) or close can end it: it is still running.
            assert not slow.done()
            pool.close()
            with pytest.raises(FunctionTimeout):
                slow.result(timeout=HANG_SECONDS)
    finally:
        pool.close()


def test_a_closed_pool_refuses_calls():
    pool = FunctionPool(render_function_code("authorization"), size=1, store=STORE)
    pool.close()
    with pytest.raises(FunctionTimeout):
        pool.handle(event("/ex-img/a.png"))


def test_a_full_pool_makes_a_call_wait_for_a_context_not_fail():
    pool = FunctionPool(render_function_code("authorization"), size=2, store=STORE)
    try:
        with ThreadPoolExecutor(max_workers=6) as executor:
            answers = list(executor.map(pool.handle, [event("/ex-img/a.png")] * 30))
        assert {a[0]["statusCode"] for a in answers} == {401}
        assert pool.contexts() <= 2
    finally:
        pool.close()
