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


# --- make new-client: the stack's own checks, on STACK's stack file -----------------------------

CASES = ["--stack-dir", str(Path(__file__).resolve().parents[2] / "stacks")]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "clients.md"
README = DOCS.parents[1] / "README.md"
# A fixed clock for the printed commands: the docs' example expiry stays in its future.
NOW = 1767225600  # 2026-01-01T00:00:00Z
EXAMPLE_TOKEN = "0123456789abcdef" * 4


def new_client(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(clients.time, "time", lambda: NOW)
    capsys.readouterr()
    status = clients.main(["--new", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("args", "words", "variable"),
    [
        (["--path", "private/*"], "is not inside the protected paths", "PATHS"),
        (["--path", "ex-img/partner-b"], "has no wildcard", "PATHS"),
        (["--expires", "2020-01-01T00:00:00Z"], "is in the past", None),
        (["--expires", "2026-01-01T00:00:00Z"], "is in the past", None),
        (["--expires", "2030-01-01T00:00:00.5Z"], "fraction of a second", "EXPIRES"),
    ],
)
def test_new_client_runs_the_stacks_checks_and_prints_no_token(
    capsys, monkeypatch, args, words, variable
):
    status, out, err = new_client(capsys, monkeypatch, "partner-b", "--stack", "dev", *CASES, *args)
    assert status == 2 and out == "", out
    (line,) = err.splitlines()
    assert line.startswith("new-client: protected-cdn:clients.partner-b.") and words in line
    assert "Fix: " in line
    # The make variable that gives the field, unless the fix is already a whole command.
    hint = f"(with make new-client: give the fixed value as {variable})"
    assert line.endswith(hint) if variable else "give the fixed value" not in line


def test_new_client_reads_the_stack_it_is_given(tmp_path, capsys, monkeypatch):
    (tmp_path / "Pulumi.docs.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths:\n    - private/*\n"
    )
    scoped = ["--path", "private/partner-b/*"]
    status, out, _ = new_client(
        capsys, monkeypatch, "partner-b", "--stack", "docs", "--stack-dir", str(tmp_path), *scoped
    )
    assert status == 0 and "'clients.partner-b.paths[0]' 'private/partner-b/*'" in out
    status, out, err = new_client(
        capsys, monkeypatch, "partner-b", "--stack", "dev", *CASES, *scoped
    )
    assert status == 2 and out == "" and "not inside the protected paths (ex-img/*)" in err


def test_new_client_refuses_a_name_the_stack_already_has(capsys, monkeypatch):
    status, out, err = new_client(capsys, monkeypatch, "mirror", "--stack", "partners", *CASES)
    assert status == 2 and out == ""
    assert err.startswith("new-client: protected-cdn:clients.mirror: is already a client")


def test_new_client_refuses_a_stack_it_cannot_find(tmp_path, capsys, monkeypatch):
    status, out, err = new_client(
        capsys, monkeypatch, "partner-b", "--stack", "nope", "--stack-dir", str(tmp_path)
    )
    assert status == 2 and out == "" and "unknown stack 'nope'" in err


def _docs_block(text: str, command: str) -> list[str]:
    """The lines of the fenced block that starts with ``$ <command>``."""
    lines = text.splitlines()
    start = lines.index(f"$ {command}")
    end = lines.index("```", start)
    return lines[start + 1 : end]


def test_the_docs_show_exactly_what_new_client_prints(capsys, monkeypatch):
    command = (
        "make new-client NAME=partner-a EXPIRES=2027-03-31T00:00:00Z PATHS='ex-img/partner-a/*'"
    )
    monkeypatch.setattr(clients.secrets, "token_hex", lambda _n: EXAMPLE_TOKEN)
    status, out, _ = new_client(
        capsys,
        monkeypatch,
        "partner-a",
        "--expires",
        "2027-03-31T00:00:00Z",
        "--path",
        "ex-img/partner-a/*",
        "--stack",
        "dev",
        *CASES,
    )
    assert status == 0
    assert _docs_block(DOCS.read_text(), command) == out.splitlines()
    # The token it prints is the one to store: README shows no command that makes another.
    readme = README.read_text().splitlines()
    assert not [line for line in readme if "clients." in line and "$(openssl rand" in line]
