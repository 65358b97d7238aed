"""A stack file's YAML read as the Pulumi CLI reads it, through the tools' own entry points.

Hostile values end in one line with exit 2 in every tool that reads a stack file, never a
traceback, never the value itself (it may be a token).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.checks import SettingsError
from components.stack_config import parse_settings
from tests.edge_support import CURRENT_TOKEN
from tests.support.locations import STACK_CASES_DIR
from tools.clients import clients
from tools.local_edge import local_edge
from tools.plan import plan
from tools.stack_files.reader import StackFileError, read_stack_file
from tools.upload import upload

ROOT = Path(__file__).resolve().parents[3]
REGION = "  aws:region: eu-west-1\n"
# Past Python's 4300-digit limit for int(): int() and json.loads() raise on it.
HUGE = "1" * 5000
DIGIT_TOKEN = "1234567890" * 4


def _write(folder: Path, config: str) -> str:
    (folder / "Pulumi.team.yaml").write_text("config:\n" + config)
    return "team"


def _no_serving(*_args, **_kwargs):
    raise AssertionError("the local edge started: the stack should have been refused")


ENTRY_POINTS = {
    "plan": plan.main,
    "clients": clients.main,
    "new-client": lambda argv: clients.main(["--new", "partner-b", *argv]),
    "upload": lambda argv: upload.main([*argv, "--dry-run"]),
    "local": lambda argv: local_edge.main([*argv, "--port", "0"]),
}


def _refused_everywhere(folder, stack, capsys, monkeypatch, *words, secret=None):
    """Every tool that reads a stack file stops with exit 2 and one line naming ``words``."""
    monkeypatch.setattr(local_edge.LocalEdge, "serve_forever", _no_serving)
    monkeypatch.delenv("AUTH_TOKEN", raising=False)
    for tool, main in ENTRY_POINTS.items():
        capsys.readouterr()
        status = main(["--stack", stack, "--stack-dir", str(folder)])
        out, err = capsys.readouterr()
        lines = [line for line in (out + err).splitlines() if line.strip()]
        errors = [line for line in err.splitlines() if line.strip()]
        assert status == 2, (tool, out + err)
        assert "Traceback" not in out + err, (tool, err)
        assert len(errors) == 1 and errors[0] in lines, (tool, err)
        for word in words:
            assert word in errors[0], (tool, errors[0])
        if secret is not None:
            assert secret not in out + err, tool


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("  protected-cdn:errorCachingMinTtl: !!int abc\n", ("errorCachingMinTtl", "!!int")),
        ("  protected-cdn:errorCachingMinTtl: !!float abc\n", ("errorCachingMinTtl", "!!float")),
        ("  protected-cdn:logAllowed: !!bool maybe\n", ("logAllowed", "!!bool")),
        ("  protected-cdn:logAllowed: !!bool yes\n", ("logAllowed", "!!bool")),
        ("  protected-cdn:priceClass: !!map x\n", ("priceClass", "!!map")),
        ("  protected-cdn:protectedPaths: [!!int abc]\n", ("protectedPaths", "!!int")),
        ("  !!int abc: x\n", ("a key", "!!int")),
        ("  pulumi:tags: {!!bool x: 1}\n", ("pulumi:tags", "a key", "!!bool")),
        (f"  protected-cdn:errorCachingMinTtl: !!int {HUGE}\n", ("errorCachingMinTtl",)),
        (f"  protected-cdn:errorCachingMinTtl: {HUGE}\n", ("errorCachingMinTtl",)),
        (f"  protected-cdn:errorCachingMinTtl: -{HUGE}\n", ("errorCachingMinTtl",)),
        (f"  protected-cdn:clients: {{partner-a: {{expires: {HUGE}}}}}\n", ("clients",)),
        ("  protected-cdn:protectedPaths: [.inf]\n", ("protectedPaths", ".inf")),
        (f"  protected-cdn:protectedPaths: '[{HUGE}]'\n", ("protectedPaths",)),
        (f"  protected-cdn:clients: '{{\"a\": {HUGE}}}'\n", ("clients",)),
    ],
    ids=[
        "int-abc",
        "float-abc",
        "bool-maybe",
        "bool-yes",
        "map-x",
        "nested-tag",
        "tagged-key",
        "tagged-nested-key",
        "int-5000-digits",
        "5000-digits",
        "minus-5000-digits",
        "5000-digits-in-clients",
        "inf",
        "5000-digits-in-list-text",
        "5000-digits-in-object-text",
    ],
)
def test_yaml_the_cli_refuses_is_one_line_in_every_tool(
    tmp_path, capsys, monkeypatch, entry, words
):
    stack = _write(tmp_path, REGION + entry)
    _refused_everywhere(tmp_path, stack, capsys, monkeypatch, *words)


@pytest.mark.parametrize(
    "entry",
    [
        f"  protected-cdn:authToken: !!int {CURRENT_TOKEN}\n",
        f"  protected-cdn:authToken: !!bool {CURRENT_TOKEN}\n",
        f"  protected-cdn:authToken: !!map {CURRENT_TOKEN}\n",
        f"  protected-cdn:authToken: !!int {DIGIT_TOKEN}\n",
        f"  protected-cdn:authToken: !!timestamp {DIGIT_TOKEN}\n",
        f"  protected-cdn:previousAuthTokens: [!!int {CURRENT_TOKEN}]\n",
        f"  protected-cdn:clients:\n    partner-a:\n      token: !!null {CURRENT_TOKEN}\n",
        f"  !!int {CURRENT_TOKEN}: x\n",
    ],
    ids=["int", "bool", "map", "int-digits", "timestamp", "list", "client", "key"],
)
def test_a_tagged_token_is_never_in_the_error(tmp_path, capsys, monkeypatch, entry):
    token = DIGIT_TOKEN if DIGIT_TOKEN in entry else CURRENT_TOKEN
    stack = _write(tmp_path, REGION + entry)
    _refused_everywhere(tmp_path, stack, capsys, monkeypatch, "Fix: ", secret=token)


def test_make_plan_on_a_tagged_token_prints_one_line_without_it(tmp_path, capsys, monkeypatch):
    _write(tmp_path, REGION + f"  protected-cdn:authToken: !!int {CURRENT_TOKEN}\n")
    monkeypatch.setenv("AUTH_TOKEN", "")
    status = plan.main(["--stack", "team", "--stack-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "protected-cdn:authToken: is tagged !!int" in err
    assert CURRENT_TOKEN not in err


# --- the strings the CLI passes ----------------------------------------------------------


def test_plain_values_arrive_as_the_text_written_as_the_cli_passes_them(tmp_path):
    stack = _write(
        tmp_path,
        "  pulumi:a: no\n  pulumi:b: yes\n  pulumi:c: 1:30\n  pulumi:d: 0x1A\n"
        "  pulumi:e: TRUE\n  pulumi:f: ~\n  pulumi:g: 1_000\n  pulumi:h: !!int 017\n"
        "  pulumi:i: !!float 1\n  pulumi:j: !!str yes\n  pulumi:k: '1:30'\n",
    )
    assert read_stack_file(stack, tmp_path).config == {
        "pulumi:a": "no",
        "pulumi:b": "yes",
        "pulumi:c": "1:30",
        "pulumi:d": "0x1A",
        "pulumi:e": "TRUE",
        "pulumi:f": "",
        "pulumi:g": "1_000",
        "pulumi:h": "017",
        "pulumi:i": "1",
        "pulumi:j": "yes",
        "pulumi:k": "1:30",
    }


def test_lists_and_objects_are_json_with_yaml_1_2_types_as_the_cli_passes_them(tmp_path):
    stack = _write(
        tmp_path,
        "  pulumi:tags: [no, yes, 1:30, 0x1A, 017, 09, 1_000, .5, 2.0, True, ~, 2024-01-01,"
        " 18446744073709551615, 1e400]\n"
        "  pulumi:x: {b: 1, a: {1: x, true: y, null: z}}\n",
    )
    config = read_stack_file(stack, tmp_path).config
    assert json.loads(config["pulumi:tags"]) == [
        "no",
        "yes",
        "1:30",
        26,
        15,
        9,
        1000,
        0.5,
        2,
        True,
        None,
        "2024-01-01",
        18446744073709551615,
        "1e400",
    ]
    # Go's json.Marshal: object keys sorted, typed keys printed with %v.
    assert config["pulumi:x"] == '{"a":{"1":"x","<nil>":"z","true":"y"},"b":1}'


@pytest.mark.parametrize(
    ("key", "text", "fix"),
    [
        ("logAllowed", "no", "pulumi config set logAllowed false"),
        ("protectContent", "yes", "pulumi config set protectContent true"),
        ("errorCachingMinTtl", "1:30", "pulumi config set errorCachingMinTtl 10"),
        ("errorCachingMinTtl", "0x1A", "pulumi config set errorCachingMinTtl 10"),
    ],
)
def test_unquoted_yaml_1_1_words_are_refused_offline_as_under_pulumi_up(
    tmp_path, capsys, monkeypatch, key, text, fix
):
    # What the program gets from the CLI: the text; the same check refuses it there.
    with pytest.raises(SettingsError) as under_pulumi_up:
        parse_settings({"authToken": CURRENT_TOKEN, key: text}, "team")
    assert fix in str(under_pulumi_up.value)
    stack = _write(tmp_path, REGION + f"  protected-cdn:{key}: {text}\n")
    _refused_everywhere(tmp_path, stack, capsys, monkeypatch, str(under_pulumi_up.value))


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("  pulumi:tags:\n    1: a\n    '1': b\n", "1"),
        ("  pulumi:tags:\n    true: a\n    'true': b\n", "true"),
        ("  pulumi:tags: {null: a, 'null': b}\n", "null"),
        ("  protected-cdn:logAllowed: true\n  'protected-cdn:logAllowed': false\n", "logAllowed"),
        ("  pulumi:tags:\n    1: a\n    !!str 1: b\n", "1"),
    ],
    ids=["int-and-text", "bool-and-text", "flow-null", "config-key", "tagged"],
)
def test_keys_that_differ_only_in_yaml_type_are_one_key_twice(
    tmp_path, capsys, monkeypatch, entry, key
):
    stack = _write(tmp_path, REGION + entry)
    _refused_everywhere(tmp_path, stack, capsys, monkeypatch, key, "is defined twice")


def test_keys_with_different_text_are_different_keys(tmp_path):
    stack = _write(tmp_path, REGION + "  pulumi:tags: {1: a, '01': b, 'True': c, true: d}\n")
    config = read_stack_file(stack, tmp_path).config
    assert json.loads(config["pulumi:tags"]) == {"1": "a", "01": "b", "True": "c", "true": "d"}


# --- unknown stack --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "close"), [("Staging", "staging"), ("STAGING", "staging"), ("prdo", "prod")]
)
def test_an_unknown_stack_suggests_the_close_one(stack, close):
    with pytest.raises(StackFileError) as caught:
        read_stack_file(stack, STACK_CASES_DIR)
    assert f"did you mean {close}? --stack {close}" in str(caught.value)


def test_an_unknown_stack_with_no_close_one_suggests_nothing(capsys):
    assert plan.main(["--stack", "zzzzzz", "--stack-dir", str(STACK_CASES_DIR)]) == 2
    err = capsys.readouterr().err
    assert "unknown stack 'zzzzzz'" in err and "did you mean" not in err
    assert err.count("\n") == 1


def test_a_merge_key_bomb_is_refused_bounded(tmp_path):
    # Each mapping merges the one before nine times: 9**11 keys to visit if merges were free.
    merges = "".join(
        f"  pulumi:x{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}]}}\n" for i in range(1, 12)
    )
    stack = _write(tmp_path, REGION + "  pulumi:x0: &m0 {a: 1, b: 2}\n" + merges)
    with pytest.raises(StackFileError, match="alias bomb") as caught:
        read_stack_file(stack, tmp_path)
    assert len(str(caught.value)) < 200
