"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from .edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN, load_built


@pytest.fixture
def edge(tmp_path):
    """The handler imported from a freshly built archive with a current and a previous token."""
    return load_built(tmp_path, [CURRENT_TOKEN, PREVIOUS_TOKEN])
