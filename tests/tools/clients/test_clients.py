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
