"""Both engines behind one call: their log lines never change a decision, and the function
engine runs its calls one at a time, each within a time limit."""

from __future__ import annotations

import io
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from edge_handler import CLOUDFRONT_FUNCTION
from tests.edge_support import CURRENT_TOKEN
from tests.process_support import HANG_SECONDS
from tools.edge_runtime import engines
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime, FunctionTimeout
from tools.edge_runtime.engines import ENGINES, make_engine
from tools.edge_runtime.viewer_event import viewer_request_event

# Appended to a generated function: a request for /ex-img/slow never ends on its own.
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


def slow_engine(monkeypatch, time_limit: float):
    """The function engine, with a function that never ends on /ex-img/slow."""
    rendered = engines.render_function_code
    monkeypatch.setattr(engines, "render_function_code", lambda *a, **k: rendered(*a, **k) + SLOW)
    return make_engine(
        CLOUDFRONT_FUNCTION, None, [CURRENT_TOKEN], "authorization", time_limit=time_limit
    )


def event(uri: str) -> dict:
    return viewer_request_event([("Accept", "*/*")], uri=uri)


def is_closed(runtime: CloudFrontRuntime) -> bool:
    try:
        runtime.eval("1")
    except FunctionTimeout:
        return True
    return False


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


def test_a_call_past_its_time_limit_fails_and_the_next_runs_on_a_fresh_context(monkeypatch):
    edge = slow_engine(monkeypatch, time_limit=0.05)
    try:
        stopped = edge.runtime
        stopped.eval("globalThis.leftover = 1")
        with pytest.raises(FunctionTimeout):
            edge(event("/ex-img/slow"), None)
        assert is_closed(stopped)  # the context that ran over is gone
        assert edge.runtime.eval("typeof leftover") == "undefined"
        for _ in range(3):
            assert edge(event("/ex-img/a.png"), None)["status"] == "401"
    finally:
        edge.close()


def test_close_stops_a_running_call_and_leaves_no_context_open(monkeypatch):
    started = signal_slow_calls(monkeypatch)
    edge = slow_engine(monkeypatch, time_limit=HANG_SECONDS)
    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            slow = executor.submit(edge, event("/ex-img/slow"), None)
            assert started.wait(HANG_SECONDS)
            # Only the time limit (HANG_SECONDS) or close can end it: it is still running.
            assert not slow.done()
            edge.close()
            with pytest.raises(FunctionTimeout):
                slow.result(timeout=HANG_SECONDS)
        assert is_closed(edge.runtime)
        with pytest.raises(FunctionTimeout):
            edge(event("/ex-img/a.png"), None)
    finally:
        edge.close()


def test_a_context_made_to_replace_a_stopped_one_while_closing_is_closed_too(monkeypatch):
    """close() runs while a timed-out call is making the fresh context: it must wait for it."""
    edge = slow_engine(monkeypatch, time_limit=0.05)
    stopped = edge.runtime
    real_close, real_start = stopped.close, edge._start
    closing = threading.Event()
    closer = threading.Thread(target=edge.close, name="closer")

    def close_stopped():
        real_close()
        if threading.current_thread() is closer:
            closing.set()

    def start_while_closing():
        closer.start()
        assert closing.wait(HANG_SECONDS)  # close() has closed the stopped context
        return real_start()

    monkeypatch.setattr(stopped, "close", close_stopped)
    monkeypatch.setattr(edge, "_start", start_while_closing)
    try:
        with pytest.raises(FunctionTimeout):
            edge(event("/ex-img/slow"), None)
        closer.join(HANG_SECONDS)
        assert edge.runtime is not stopped and is_closed(edge.runtime)
    finally:
        edge.close()


def test_calls_from_many_threads_all_get_answers():
    edge = make_engine(CLOUDFRONT_FUNCTION, None, [CURRENT_TOKEN], "authorization")
    try:
        with ThreadPoolExecutor(max_workers=6) as executor:
            answers = list(executor.map(edge, [event("/ex-img/a.png")] * 30, [None] * 30))
        assert {a["status"] for a in answers} == {"401"}
    finally:
        edge.close()
