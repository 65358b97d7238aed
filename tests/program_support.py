"""Run the real program under Pulumi mocks for a stack case, with test tokens.

The suite's stack cases are the fixtures in tests/stacks/ (STACK_CASES_DIR), never the
top-level Pulumi.*.yaml files: those are the user's (tests/test_user_stacks.py).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import os
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.support.locations import STACK_CASES_DIR
from tools.plan import plan as plan_module
from tools.plan.plan import PlanRun, plan_run
from tools.plan.plan import main as plan_main
from tools.plan.program_run import ProgramRun, Registration, is_secret_value, run_program
from tools.stack_files.reader import StackFile, available_stacks, read_stack_file

TOKEN_KEY = "protected-cdn:authToken"
PREVIOUS_KEY = "protected-cdn:previousAuthTokens"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
FUNCTION = "aws:lambda/function:Function"
BUCKET = "aws:s3/bucket:Bucket"
RECORD = "aws:route53/record:Record"
CF_FUNCTION = "aws:cloudfront/function:Function"
ENGINE_KEY = "protected-cdn:edgeRuntime"


def stack_cases() -> list[str]:
    """The names of the suite's stack cases (tests/stacks/Pulumi.<case>.yaml)."""
    return available_stacks(STACK_CASES_DIR)


def read_case(stack: str) -> StackFile:
    """A stack case's settings file, read as the offline tools read a stack file."""
    return read_stack_file(stack, STACK_CASES_DIR)


def plan_case(stack: str, token: str | None = None, **kwargs) -> PlanRun:
    """The offline plan's run of a stack case (placeholder tokens unless given). With the
    placeholders, each case runs once per process; every caller gets its own copy to change."""
    if token is None and not kwargs:
        return copy.deepcopy(_placeholder_plan(stack))
    return plan_run(stack, token, STACK_CASES_DIR, **kwargs)


@functools.cache
def _placeholder_plan(stack: str) -> PlanRun:
    return plan_run(stack, None, STACK_CASES_DIR)


# One clock for every cached plan output: a client's days left read the same in text and JSON.
PLAN_CLOCK = time.time()


def _cached_plan_run(stack, token, config_dir, previous_tokens, client_token) -> PlanRun:
    """plan_run as `make plan` calls it without any token set: the case's cached run."""
    assert (token, config_dir, previous_tokens) == (None, STACK_CASES_DIR, None)
    return plan_case(stack)


@functools.cache
def plan_output(stack: str, *options: str) -> tuple[int, str, str]:
    """`make plan` (or, with "--json", `make plan-json`) of a stack case without AUTH_TOKEN,
    run in process once on the case's cached plan run: exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["--stack", stack, "--stack-dir", str(STACK_CASES_DIR), *options]
    with (
        mock.patch.dict(os.environ, {"AUTH_TOKEN": ""}),
        mock.patch.object(plan_module, "plan_run", _cached_plan_run),
        mock.patch("time.time", return_value=PLAN_CLOCK),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        status = plan_main(argv)
    return status, out.getvalue(), err.getvalue()


def engine_of(stack: str) -> str:
    """The stack case's edgeRuntime; lambda-edge when unset."""
    return read_case(stack).config.get(ENGINE_KEY) or "lambda-edge"


def edge_associations(behavior: dict) -> list[dict]:
    """The behavior's viewer-event associations of either engine."""
    return [
        *(behavior.get("lambdaFunctionAssociations") or []),
        *(behavior.get("functionAssociations") or []),
    ]


def stack_config(stack: str, **overrides: str | None) -> dict[str, str]:
    """The stack case's config plus test tokens; an override of None removes the key."""
    config = dict(read_case(stack).config)
    config[TOKEN_KEY] = CURRENT_TOKEN
    config[PREVIOUS_KEY] = f'["{PREVIOUS_TOKEN}"]'
    for key, value in overrides.items():
        full = f"protected-cdn:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return config


def run_stack(stack: str = "dev", secret_keys=(TOKEN_KEY, PREVIOUS_KEY), **overrides) -> ProgramRun:
    """The program's run of a stack case with test tokens; as the case stands (no overrides),
    it runs once per process and every caller gets its own copy to change."""
    if overrides or tuple(secret_keys) != (TOKEN_KEY, PREVIOUS_KEY):
        return run_program(stack, stack_config(stack, **overrides), list(secret_keys))
    return copy.deepcopy(_case_run(stack))


@functools.cache
def _case_run(stack: str) -> ProgramRun:
    return run_program(stack, stack_config(stack), [TOKEN_KEY, PREVIOUS_KEY])


def behaviors(run: ProgramRun) -> list[dict]:
    """Ordered behaviors in evaluation order, then the default behavior (pathPattern None)."""
    inputs = run.one(DISTRIBUTION).inputs
    return [
        *inputs["orderedCacheBehaviors"],
        {**inputs["defaultCacheBehavior"], "pathPattern": None},
    ]


def secret_input_names(registration: Registration) -> list[str]:
    """The inputs the engine receives marked secret."""
    return sorted(k for k, v in registration.inputs.items() if is_secret_value(v))


def walk_inputs(run: ProgramRun) -> Iterator[tuple[Registration, str, Any]]:
    """Every plain (non-secret) leaf value of every resource's inputs."""

    def leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
        if is_secret_value(value):
            return
        if isinstance(value, dict):
            for key, item in value.items():
                yield from leaves(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from leaves(item, f"{path}[{index}]")
        else:
            yield path, value

    for registration in run.registrations:
        for path, value in leaves(registration.inputs, ""):
            yield registration, path.lstrip("."), value
