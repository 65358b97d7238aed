"""The user's stacks (the top-level Pulumi.<stack>.yaml): only what holds for ANY valid stack.

Those files are the user's: examples to edit, rename or delete, and their own stacks beside
them, encrypted with their own secrets provider. The suite's stack cases are the fixtures in
tests/stacks/. So nothing here expects a value of a file; for each stack file there is:
it validates as the program would, its offline plan runs and passes every mandatory policy
with no token in the clear, a CloudFront Function stack's generated code fits the 10 KB quota,
no token is committed in plaintext, and `make local` starts on it with a token of its own.

USER_STACK_DIR (the environment variable) points the checks at another folder of stack files;
tests/test_user_edits.py calls ``check_user_stack`` on edited copies directly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from edge_handler.cloudfront_function import MAX_CODE_BYTES, render_function_code
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import walk_inputs
from tests.support.js_syntax import forbidden_syntax
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions
from tools.plan.plan import plan_run
from tools.plan.policy_run import run_policies
from tools.stack_files.reader import ROOT, available_stacks, read_stack_file


def user_stack_dir() -> Path:
    return Path(os.environ.get("USER_STACK_DIR") or ROOT)


def user_stacks(stack_dir: Path) -> list[str]:
    """The stacks the checks cover: every Pulumi.<stack>.yaml in ``stack_dir``."""
    return available_stacks(stack_dir)


def check_no_plaintext_token(stack: str, stack_dir: Path) -> None:
    # Ciphertext (secure: v1:...) is what `pulumi config set --secret` writes: allowed.
    assert read_stack_file(stack, stack_dir).plaintext_token_keys() == [], stack


def check_validates(stack: str, stack_dir: Path) -> None:
    settings = read_stack_file(stack, stack_dir).settings(CURRENT_TOKEN, (PREVIOUS_TOKEN,))
    assert settings.stack == stack and settings.region


def check_plan_passes_the_policies_and_shows_no_token(stack: str, stack_dir: Path) -> None:
    run = plan_run(stack, CURRENT_TOKEN, stack_dir, (PREVIOUS_TOKEN,))
    assert run.registrations, stack
    mandatory = [v for v in run_policies(run) if v.mandatory]
    assert mandatory == [], "\n".join(f"{v.policy}: {v.message}" for v in mandatory)
    for registration, path, value in walk_inputs(run):
        for token in (CURRENT_TOKEN, PREVIOUS_TOKEN):
            assert token not in str(value), f"{registration.urn} {path} holds a token"
    assert CURRENT_TOKEN not in json.dumps(run.outputs)


def check_function_code_fits(stack: str, stack_dir: Path) -> None:
    settings = read_stack_file(stack, stack_dir).settings(CURRENT_TOKEN, (PREVIOUS_TOKEN,))
    if settings.edge_runtime != "cloudfront-function":
        return
    code = render_function_code(
        settings.auth_header, settings.log_allowed, settings.grants, settings.max_grant_seconds
    )
    assert len(code.encode()) <= MAX_CODE_BYTES
    assert forbidden_syntax(code) == []
    assert CURRENT_TOKEN not in code and PREVIOUS_TOKEN not in code  # clients are in the store


def check_local_edge_starts_with_its_own_token(stack: str, stack_dir: Path) -> None:
    # No AUTH_TOKEN: `make local` generates a token (the file's own is encrypted or unset).
    options = LocalEdgeOptions(stack=stack, stack_dir=stack_dir, port=0)
    with LocalEdge(options, log=lambda _line: None) as edge:
        assert len(edge.token) == 64 and edge.token in edge.banner()


CHECKS = (
    check_no_plaintext_token,
    check_validates,
    check_plan_passes_the_policies_and_shows_no_token,
    check_function_code_fits,
    check_local_edge_starts_with_its_own_token,
)


def check_user_stack(stack: str, stack_dir: Path) -> None:
    """Every check above, for one stack file."""
    for check in CHECKS:
        check(stack, stack_dir)


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__.removeprefix("check_"))
@pytest.mark.parametrize("stack", user_stacks(user_stack_dir()))
def test_user_stack(stack, check):
    check(stack, user_stack_dir())
