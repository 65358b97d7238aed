"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, load_built
from tests.process_support import Processes

# CI runs the property tests with a fixed seed so a landing never depends on luck;
# local runs explore new examples every time. Speed is measured by make bench, never asserted:
# no deadline, so a loaded machine cannot fail a property test.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", derandomize=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def edge(tmp_path):
    """The handler imported from a freshly built archive with a current and a previous token."""
    return load_built(tmp_path, [CURRENT_TOKEN, PREVIOUS_TOKEN])


@pytest.fixture
def processes():
    """Start processes with ``processes.start([...])``; each is killed (with its children)
    and reaped when the test ends, whatever happened in it."""
    started = Processes()
    try:
        yield started
    finally:
        started.close()
