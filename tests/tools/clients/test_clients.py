"""`make clients`, `make new-client`, and what the three offline tools (plan, clients, local)
say about a stack file's odd clients: one line and status 2, never a secret, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.clients import clients
from tools.local_edge import local_edge
from tools.plan import plan

# What a secret in a test stack looks like: its ciphertext must appear in no output.
CIPHERTEXT = "v1:Qk9HVVMtbm9uY2U=:c2VjcmV0LWNpcGhlcnRleHQtbm90LWluLWFueS1vdXRwdXQ="
SECURE = f"{{secure: '{CIPHERTEXT}'}}"
HEAD = (
    "config:\n  aws:region: eu-west-1\n"
    f"  protected-cdn:authToken: {SECURE}\n"
    "  protected-cdn:protectedPaths:\n    - ex-img/*\n"
    "  protected-cdn:clients:\n"
)


def write_stack(folder: Path, clients_yaml: str, stack: str = "t") -> str:
    (folder / f"Pulumi.{stack}.yaml").write_text(HEAD + clients_yaml)
    return stack


def _no_serving(*_args, **_kwargs):
    raise AssertionError("the local edge started: the stack should have been refused")


def run_tools(folder: Path, stack: str, capsys, monkeypatch) -> dict[str, tuple[int, str]]:
    """Each offline tool on the stack: its status and everything it printed."""
    monkeypatch.setattr(local_edge.LocalEdge, "serve_forever", _no_serving)
    args = ["--stack", stack, "--stack-dir", str(folder)]
    results = {}
    for name, main in (
        ("plan", plan.main),
        ("clients", clients.main),
        ("local", lambda argv: local_edge.main([*argv, "--port", "0"])),
    ):
        capsys.readouterr()
        status = main(args)
        out, err = capsys.readouterr()
        results[name] = (status, out + err)
    return results


def assert_refused_in_one_line(results, *words, secrets=()) -> None:
    for tool, (status, output) in results.items():
        lines = [line for line in output.splitlines() if line.strip()]
        error = [line for line in lines if "Fix: " in line]
        assert status == 2, (tool, output)
        assert "Traceback" not in output and len(error) == 1, (tool, output)
        for word in words:
            assert word in error[0], (tool, error[0])
        for secret in (CIPHERTEXT, *secrets):
            assert secret not in output, (tool, output)


# --- expiry at the edges of time -------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires", "words"),
    [
        ("9999-12-31T23:59:59.999999Z", "fraction of a second"),
        ("0999-01-01T00:00:00Z", "years 2000 to 9999"),
        ("2030-12-31T23:59:60Z", "leap second"),
    ],
)
def test_an_expiry_out_of_range_is_one_line_in_every_tool(
    tmp_path, capsys, monkeypatch, expires, words
):
    stack = write_stack(
        tmp_path, f"    partner:\n      token: {SECURE}\n      expires: '{expires}'\n"
    )
    results = run_tools(tmp_path, stack, capsys, monkeypatch)
    assert_refused_in_one_line(results, "protected-cdn:clients.partner.expires:", words)


# --- encrypted values where only a token may be ----------------------------------------------

PARTNER_TOKEN = "7d1f0c5e9b3a2f4d6e8c0b1a3f5e7d9c2b4a6f8e0d1c3b5a7f9e2d4c6b8a0f1e"
PARTNER_PREVIOUS_TOKEN = "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b"


@pytest.mark.parametrize(
    ("clients_yaml", "key", "words"),
    [
        # pulumi config set --secret --path clients.partner '{"token": …}'
        (f"    partner: {SECURE}\n", "protected-cdn:clients.partner:", "encrypted as a whole"),
        (
            f"    partner:\n      token: {SECURE}\n      paths:\n        - {SECURE}\n",
            "protected-cdn:clients.partner.paths[0]:",
            "without --secret",
        ),
        (
            f"    partner:\n      token: {SECURE}\n      paths:\n        - ex-img/a/*\n"
            f"        - {SECURE}\n",
            "protected-cdn:clients.partner.paths[1]:",
            "without --secret",
        ),
        (
            f"    partner:\n      token: {SECURE}\n      paths: {SECURE}\n",
            "protected-cdn:clients.partner.paths:",
            "without --secret",
        ),
        (
            f"    partner:\n      token:\n        - {SECURE}\n",
            "protected-cdn:clients.partner.token[0]:",
            "pulumi config set --secret --path 'clients.partner.token'",
        ),
    ],
)
def test_an_encrypted_value_out_of_place_in_clients_is_one_line_in_every_tool(
    tmp_path, capsys, monkeypatch, clients_yaml, key, words
):
    stack = write_stack(tmp_path, clients_yaml)
    results = run_tools(tmp_path, stack, capsys, monkeypatch)
    assert_refused_in_one_line(results, key, words)


def test_an_encrypted_expiry_never_gets_a_token_and_no_token_is_printed(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("CLIENT_TOKEN_PARTNER", PARTNER_TOKEN)
    monkeypatch.setenv("CLIENT_PREVIOUS_TOKEN_PARTNER", PARTNER_PREVIOUS_TOKEN)
    stack = write_stack(tmp_path, f"    partner:\n      token: {SECURE}\n      expires: {SECURE}\n")
    results = run_tools(tmp_path, stack, capsys, monkeypatch)
    assert_refused_in_one_line(
        results,
        "protected-cdn:clients.partner.expires:",
        "is encrypted",
        "without --secret",
        secrets=(PARTNER_TOKEN, PARTNER_PREVIOUS_TOKEN),
    )


# --- one spelling per client field in a stack file ---------------------------------------------


def test_a_plaintext_previous_token_under_its_python_name_is_refused_as_exposed(
    tmp_path, capsys, monkeypatch
):
    stack = write_stack(
        tmp_path, f"    partner:\n      token: {SECURE}\n      previous_token: {PARTNER_TOKEN}\n"
    )
    from tools.stack_files.reader import read_stack_file

    # The guard the user's stacks are held to (tests/test_user_stacks.py) sees it too.
    assert read_stack_file(stack, tmp_path).plaintext_token_keys() == ["protected-cdn:clients"]
    results = run_tools(tmp_path, stack, capsys, monkeypatch)
    assert_refused_in_one_line(
        results,
        "protected-cdn:clients.partner.previous_token:",
        "committed in plaintext",
        "did you mean previousToken?",
        "make a new token",
        secrets=(PARTNER_TOKEN,),
    )


@pytest.mark.parametrize("spelling", ["previous_token", "PreviousToken", "previous-token"])
def test_a_client_field_has_one_spelling_in_a_stack_file(tmp_path, capsys, monkeypatch, spelling):
    stack = write_stack(
        tmp_path,
        f"    partner:\n      token: {SECURE}\n      previousToken: {SECURE}\n"
        f"      {spelling}: {SECURE}\n",
    )
    results = run_tools(tmp_path, stack, capsys, monkeypatch)
    assert_refused_in_one_line(
        results, f"protected-cdn:clients.partner.{spelling}:", "did you mean previousToken?"
    )
