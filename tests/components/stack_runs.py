"""Each stack case run under mocks once per worker: the component tests only read a run
(a test that changes one changes a deep copy), so one run serves every test that asks."""

from __future__ import annotations

from functools import cache

from tests.program_support import run_stack
from tools.plan.program_run import ProgramRun


@cache
def stack_run(stack: str = "dev", **overrides: str) -> ProgramRun:
    """``run_stack(stack, **overrides)``, shared: read it, never change it."""
    return run_stack(stack, **overrides)
