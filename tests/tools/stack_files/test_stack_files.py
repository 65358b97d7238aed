"""Stack files as the Pulumi CLI writes them: secrets at any depth, ESC imports, typos refused.

Every stack case of tests/stacks/ is covered; the odd cases are written to a temp folder.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from components.checks import SettingsError
from components.stack_config import parse_settings
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.passphrase_support import (
    STAGING_PASSPHRASE,
    STAGING_PREVIOUS_TOKEN,
    STAGING_TOKEN,
    decrypt,
    key_from_salt_state,
)
from tests.program_support import read_case, stack_cases
from tests.support.locations import STACK_CASES_DIR
from tools.local_edge import local_edge
from tools.plan import plan
from tools.plan.plan import PLACEHOLDER_TOKEN, TOKEN_KEY, placeholder_previous_token, plan_run
from tools.plan.program_run import run_program
from tools.stack_files.reader import (
    Secure,
    StackFileError,
    read_stack_file,
)

ROOT = Path(__file__).resolve().parents[3]
SECURE = "v1:CcbSIjQOwOCz/oZD:k0ZIbxGGH13AwGDHaH8kUVxIPI3M9/pxM53M4OOhwryUVcgDRZWYvOLeT/xOxQ5E"


def _write(folder: Path, text: str, stack: str = "team") -> str:
    (folder / f"Pulumi.{stack}.yaml").write_text(text)
    return stack


@pytest.fixture
def plan_cli(capsys, monkeypatch):
    """``make plan``'s ``main`` in this process: its exit status, stdout and stderr."""
    monkeypatch.setenv("AUTH_TOKEN", "")
    monkeypatch.setenv("PREVIOUS_AUTH_TOKENS", "")

    def run(*args: str) -> subprocess.CompletedProcess:
        status = plan.main(list(args))
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, status, captured.out, captured.err)

    return run


CASES = ("--stack-dir", str(STACK_CASES_DIR))
BASE = "  aws:region: eu-west-1\n  protected-cdn:protectedPaths:\n    - ex-img/*\n"


# --- every stack case ---------------------------------------------------------------------


@pytest.mark.parametrize("stack", stack_cases())
def test_every_stack_case_validates_as_the_program_would(stack):
    settings = read_case(stack).settings(CURRENT_TOKEN, (PREVIOUS_TOKEN,))
    assert settings.stack == stack
    assert settings.region  # aws:region is required and a real region


def test_a_stack_case_is_in_pulumis_encrypted_on_disk_format():
    encrypted = [s for s in stack_cases() if read_case(s).encryption_salt]
    assert encrypted, "keep one stack case with secure: values (tests/stacks/Pulumi.staging.yaml)"


def test_staging_ciphertext_is_real_pulumi_passphrase_encryption():
    stack_file = read_case("staging")
    key = key_from_salt_state(STAGING_PASSPHRASE, stack_file.encryption_salt)
    token = stack_file.values["protected-cdn:authToken"]
    (previous,) = stack_file.values["protected-cdn:previousAuthTokens"]
    assert decrypt(key, token.ciphertext) == STAGING_TOKEN
    assert decrypt(key, previous.ciphertext) == STAGING_PREVIOUS_TOKEN
    assert stack_file.secure_keys == {
        "protected-cdn:authToken",
        "protected-cdn:previousAuthTokens",
    }
    assert STAGING_TOKEN not in repr(stack_file)


# --- secure values at any depth ----------------------------------------------------------


def test_nested_secure_values_make_the_key_secret_and_stay_unread(tmp_path):
    stack = _write(
        tmp_path,
        "encryptionsalt: v1:MDjQbShFOmc=:v1:pfc+a5wwnwTH0oR8:6hxEMJKksEDBaVNzSPra2CI/NJiREg==\n"
        "config:\n" + BASE + "  protected-cdn:authToken:\n"
        f"    secure: {SECURE}\n"
        "  protected-cdn:previousAuthTokens:\n"
        f"    - secure: {SECURE}\n"
        f"    - secure: {SECURE}\n"
        "  protected-cdn:webAclId:\n"
        f"    nested:\n      - secure: {SECURE}\n",
    )
    stack_file = read_stack_file(stack, tmp_path)
    assert stack_file.secure_keys == {
        "protected-cdn:authToken",
        "protected-cdn:previousAuthTokens",
        "protected-cdn:webAclId",
    }
    assert stack_file.secure_count("protected-cdn:previousAuthTokens") == 2
    assert stack_file.values["protected-cdn:previousAuthTokens"][0] == Secure(SECURE)
    assert SECURE not in repr(stack_file) and SECURE not in str(stack_file)
    assert all(key not in stack_file.config for key in stack_file.secure_keys)
    assert stack_file.plaintext_token_keys() == []


def test_plan_with_a_nested_secure_token_list_keeps_the_count_and_says_so(tmp_path):
    # `pulumi config set --secret --path 'previousAuthTokens[0]' …` writes `- secure: v1:…`.
    stack = _write(
        tmp_path,
        "config:\n" + BASE + f"  protected-cdn:authToken:\n    secure: {SECURE}\n"
        "  protected-cdn:previousAuthTokens:\n"
        f"    - secure: {SECURE}\n    - secure: {SECURE}\n",
    )
    run = plan_run(stack, None, tmp_path)
    assert run.settings.previous_auth_tokens == (
        placeholder_previous_token(0),
        placeholder_previous_token(1),
    )
    assert run.settings.auth_token == PLACEHOLDER_TOKEN
    notes = "\n".join(run.notes)
    assert "authToken is encrypted" in notes and "previousAuthTokens is encrypted" in notes
    assert "2 placeholder(s)" in notes
    assert run.registrations
    given = plan_run(stack, CURRENT_TOKEN, tmp_path, (PREVIOUS_TOKEN,))
    assert given.settings.accepted_tokens == (CURRENT_TOKEN, PREVIOUS_TOKEN)
    assert "PREVIOUS_AUTH_TOKENS" in "\n".join(given.notes)


def test_make_plan_prints_the_notes_for_an_encrypted_stack(plan_cli):
    result = plan_cli("--stack", "staging", *CASES)
    assert result.returncode == 0, result.stderr
    assert "note: authToken is encrypted in Pulumi.staging.yaml" in result.stdout
    assert "is missing" not in result.stdout + result.stderr


def test_a_token_from_an_esc_environment_is_not_reported_missing(tmp_path):
    stack = _write(tmp_path, "environment:\n  - cdn/staging-secrets\nconfig:\n" + BASE)
    stack_file = read_stack_file(stack, tmp_path)
    assert stack_file.environments == ("cdn/staging-secrets",)
    run = plan_run(stack, None, tmp_path)
    notes = "\n".join(run.notes)
    assert "ESC environment cdn/staging-secrets" in notes and "not set" not in notes


def test_the_object_form_of_environment_is_read(tmp_path):
    stack = _write(
        tmp_path,
        "environment:\n  imports:\n    - cdn/base\n  values:\n    x: 1\nconfig:\n" + BASE,
    )
    assert read_stack_file(stack, tmp_path).environments == ("<inline definition>",)


# --- plaintext tokens: refused by plan, local edge and program alike ---------------------


@pytest.mark.parametrize(
    "entry",
    [
        f"  protected-cdn:authToken: {CURRENT_TOKEN}\n",
        f"  protected-cdn:previousAuthTokens:\n    - {PREVIOUS_TOKEN}\n",
        f"  protected-cdn:previousAuthTokens:\n    - secure: {SECURE}\n    - {PREVIOUS_TOKEN}\n",
    ],
)
def test_a_plaintext_token_in_the_file_is_refused_by_plan_and_local_edge(tmp_path, entry):
    stack = _write(tmp_path, "config:\n" + BASE + entry)
    with pytest.raises(SettingsError, match="committed in plaintext") as caught:
        plan_run(stack, None, tmp_path)
    assert CURRENT_TOKEN not in str(caught.value) and PREVIOUS_TOKEN not in str(caught.value)
    with pytest.raises(SettingsError, match="committed in plaintext"):
        local_edge.LocalEdge(local_edge.LocalEdgeOptions(stack=stack, port=0, stack_dir=tmp_path))


def test_ciphertext_tokens_are_never_refused(tmp_path):
    stack = _write(
        tmp_path,
        "config:\n" + BASE + f"  protected-cdn:authToken:\n    secure: {SECURE}\n",
    )
    notes = "\n".join(plan_run(stack, None, tmp_path).notes)
    assert "authToken is encrypted in" in notes and "the plan uses a placeholder" in notes
    options = local_edge.LocalEdgeOptions(stack=stack, port=0, stack_dir=tmp_path)
    with local_edge.LocalEdge(options, log=lambda _line: None) as edge:
        assert len(edge.token) == 64  # a token of its own: the ciphertext is not one


# --- typos and unknown keys, in plan and local edge -------------------------------------


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("  protected-cdn:protectedPath:\n    - ex-img/*\n", "did you mean protectedPaths?"),
        ("  aws:regoin: eu-west-1\n", "did you mean aws:region?"),
        ("  confg:x: 1\n", "is not a key this stack can use"),
        ("  protected-cdn:protectedPaths:\n    - ex-img\n", "use 'ex-img/*'"),
    ],
)
def test_typos_stop_plan_and_local_edge_alike(tmp_path, entry, words):
    text = "config:\n  aws:region: eu-west-1\n" + entry
    stack = _write(tmp_path, text)
    with pytest.raises(SettingsError) as from_plan:
        plan_run(stack, None, tmp_path)
    with pytest.raises(SettingsError) as from_local:
        local_edge.LocalEdge(local_edge.LocalEdgeOptions(stack=stack, port=0, stack_dir=tmp_path))
    assert words in str(from_plan.value)
    assert str(from_plan.value) == str(from_local.value)


def test_an_unknown_top_level_key_of_the_stack_file_is_refused_with_a_suggestion(tmp_path):
    stack = _write(tmp_path, "encryptionsalts: v1:abc\nconfig:\n" + BASE)
    with pytest.raises(StackFileError, match=re.escape("did you mean encryptionsalt?")):
        read_stack_file(stack, tmp_path)


# --- hostile input: one bounded line, fast ------------------------------------------------


def test_a_300_character_stack_name_is_one_line_not_an_oserror():
    # The one child process here: exit status 2 and a single stderr line are the contract.
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan.plan", "--stack", "s" * 300],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AUTH_TOKEN": ""},
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "not a stack name" in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 300


@pytest.mark.parametrize(
    "document",
    [
        # 178 KB pattern.
        "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths:\n    - "
        + "a" * 178_000
        + "\n",
        # Alias bomb: 9 levels of 9 references.
        "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths: &l9 [*l8]\n".replace(
            "config:",
            "x: &l0 [a,a,a,a,a,a,a,a,a]\n"
            + "".join(f"x{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
            + "config:",
        ),
    ],
    ids=["178KB-pattern", "alias-bomb"],
)
def test_hostile_values_give_one_bounded_line(tmp_path, document, plan_cli):
    _write(tmp_path, document)
    result = plan_cli("--stack", "team", "--stack-dir", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400, result.stderr[:500]


def test_alias_bomb_inside_config_is_refused_bounded(tmp_path):
    anchors = "".join(
        f"  pulumi:x{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9)
    )
    _write(
        tmp_path,
        "config:\n  pulumi:x0: &l0 [a,a,a,a,a,a,a,a,a]\n"
        + anchors
        + "  protected-cdn:protectedPaths: *l8\n",
    )
    with pytest.raises(StackFileError) as caught:
        read_stack_file("team", tmp_path)
    assert "alias bomb" in str(caught.value) and len(str(caught.value)) < 200


def test_40000_patterns_are_refused_fast_with_the_count(tmp_path):
    patterns = "".join(f"    - p{i}/*\n" for i in range(40_000))
    _write(
        tmp_path, "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths:\n" + patterns
    )
    started = time.process_time()  # CPU time: the same under load
    with pytest.raises(SettingsError, match="40001 cache behaviors") as caught:
        read_stack_file("team", tmp_path).settings(CURRENT_TOKEN)
    assert time.process_time() - started < 5
    assert len(str(caught.value)) < 300


def test_stack_file_yaml_is_what_pyyaml_and_the_cli_both_read():
    # Guard: the stack cases stay plain YAML mappings with only Pulumi's keys.
    for stack in stack_cases():
        document = yaml.safe_load((STACK_CASES_DIR / f"Pulumi.{stack}.yaml").read_text())
        assert set(document) <= {
            "secretsprovider",
            "encryptedkey",
            "encryptionsalt",
            "config",
            "environment",
        }
        assert TOKEN_KEY not in read_case(stack).config


@pytest.mark.parametrize("name", ["s" * 101, "../Pulumi", "a/b", "dev yaml", ""])
def test_local_edge_refuses_a_bad_stack_name_in_one_line(name):
    with pytest.raises(StackFileError, match="not a stack name") as caught:
        local_edge.LocalEdge(local_edge.LocalEdgeOptions(stack=name, port=0))
    assert len(str(caught.value)) < 200 and "\n" not in str(caught.value)


def test_the_longest_stack_name_pulumi_allows_is_accepted(tmp_path):
    stack = _write(tmp_path, "config:\n" + BASE, stack="s" * 100)
    assert read_stack_file(stack, tmp_path).stack == stack


# --- encrypted keys get the same unknown-key check as the program ------------------------


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("protected-cdn:previousAuthToken", "did you mean previousAuthTokens?"),
        ("protected-cdn:authtoken", "did you mean authToken?"),
        ("confg:x", "is not a key this stack can use"),
    ],
)
def test_an_encrypted_misspelt_key_stops_plan_and_local_edge_as_the_program(tmp_path, key, words):
    stack = _write(tmp_path, "config:\n" + BASE + f"  {key}:\n    secure: {SECURE}\n")
    with pytest.raises(SettingsError, match=re.escape(words)) as from_plan:
        plan_run(stack, None, tmp_path)
    with pytest.raises(SettingsError) as from_local:
        local_edge.LocalEdge(local_edge.LocalEdgeOptions(stack=stack, port=0, stack_dir=tmp_path))
    config = {
        "aws:region": "eu-west-1",
        "protected-cdn:protectedPaths": '["ex-img/*"]',
        "protected-cdn:authToken": CURRENT_TOKEN,
        key: "decrypted-value",
    }
    with pytest.raises(SettingsError) as from_program:
        run_program(stack, config, ["protected-cdn:authToken", key])
    assert str(from_plan.value) == str(from_local.value) == str(from_program.value)


# --- YAML the CLI reads differently or not at all: one line naming the key, exit 2 ------------


def test_an_unquoted_date_is_passed_as_the_text_written_as_the_cli_does(tmp_path, plan_cli):
    # go-yaml v3 decodes a timestamp into a string: the program gets "2024-01-01" as written.
    stack = _write(
        tmp_path,
        "config:\n"
        + BASE
        + "  pulumi:tags:\n    created: 2024-01-01\n    at: 2024-01-01 10:00:00\n",
    )
    config = read_stack_file(stack, tmp_path).config
    assert json.loads(config["pulumi:tags"]) == {
        "created": "2024-01-01",
        "at": "2024-01-01 10:00:00",
    }
    assert plan_cli("--stack", stack, "--stack-dir", str(tmp_path)).returncode == 0


NESTED = "[" * 5000 + "]" * 5000
SECURE_NESTED = "[" * 900 + "{secure: v1:x}" + "]" * 900


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ("  aws:region: !!binary ZXUtd2VzdC0x\n", "aws:region", "binary"),
        ("  pulumi:tags: !!set {a, b}\n", "pulumi:tags", "set"),
        (
            f"  protected-cdn:protectedPaths: {NESTED}\n",
            "protected-cdn:protectedPaths",
            "64 levels",
        ),
        (f"  protected-cdn:webAclId: {SECURE_NESTED}\n", "protected-cdn:webAclId", "64 levels"),
        (
            "  pulumi:x0: &a " + "[" * 40 + "x" + "]" * 40 + "\n"
            "  pulumi:x1: &b " + "[" * 40 + "*a" + "]" * 40 + "\n"
            "  pulumi:tags: " + "[" * 40 + "*b" + "]" * 40 + "\n",
            "pulumi:x1",
            "64 levels",
        ),
    ],
    ids=["binary", "set", "5000-deep", "900-deep-secure", "deep-by-aliases"],
)
def test_yaml_no_setting_can_be_is_one_line_exit_2_in_plan_and_local_edge(
    tmp_path, entry, key, words, plan_cli
):
    region = "" if key == "aws:region" else "  aws:region: eu-west-1\n"
    stack = _write(tmp_path, "config:\n" + region + entry)
    for json_flag in ((), ("--json",)):
        result = plan_cli("--stack", stack, "--stack-dir", str(tmp_path), *json_flag)
        assert result.returncode == 2, result.stderr[-300:]
        assert "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1 and len(result.stderr) < 400, result.stderr[:500]
        assert f"{key}: " in result.stderr and words in result.stderr
    with pytest.raises(StackFileError, match=re.escape(key)):
        local_edge.LocalEdge(local_edge.LocalEdgeOptions(stack=stack, port=0, stack_dir=tmp_path))


def test_nesting_too_deep_is_refused_as_soon_as_it_is_read(tmp_path):
    # Read no further: what follows the 65th "[" (here a character YAML cannot start a value
    # with) is never scanned, so a deep document costs no more than a shallow one.
    stack = _write(tmp_path, "config:\n  protected-cdn:protectedPaths: " + "[" * 65 + "@\n")
    with pytest.raises(StackFileError) as caught:
        read_stack_file(stack, tmp_path)
    assert "protected-cdn:protectedPaths: nests lists or objects more than 64 levels" in str(
        caught.value
    )


# --- aws:region from ESC or encrypted: a placeholder and a note offline ---------------------

PATHS = "  protected-cdn:protectedPaths:\n    - ex-img/*\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("environment:\n  - myproj/dev\nconfig:\n" + PATHS, "ESC environment myproj/dev"),
        (f"config:\n  aws:region:\n    secure: {SECURE}\n" + PATHS, "aws:region is encrypted"),
    ],
    ids=["esc", "encrypted"],
)
def test_a_region_the_offline_tools_cannot_read_is_a_note_not_missing(
    tmp_path, text, words, plan_cli
):
    stack = _write(tmp_path, text)
    run = plan_run(stack, None, tmp_path)
    (note,) = [n for n in run.notes if "aws:region" in n]
    assert words in note and "the offline plan uses us-east-1" in note
    assert run.settings.region == "us-east-1" and run.registrations
    result = plan_cli("--stack", stack, "--stack-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "is missing" not in result.stdout + result.stderr
    assert f"note: {note}" in result.stdout
    settings = read_stack_file(stack, tmp_path).settings(CURRENT_TOKEN)  # what local edge runs
    assert settings.region == "us-east-1"


def test_the_program_itself_still_requires_aws_region():
    config = {"protected-cdn:authToken": CURRENT_TOKEN}
    with pytest.raises(SettingsError, match="aws:region: is missing"):
        run_program("dev", config, ["protected-cdn:authToken"])


# --- every fix for a plaintext token is a command that runs -----------------------------------

# A command inside a fix text: words, or quoted strings, up to a comma, semicolon or "(".
_COMMAND = re.compile(r"pulumi config(?:\s+(?:'[^']*'|\"[^\"]*\"|[^\s,;()'\"]+))+")
_TOKEN_KEYS = ("authToken", "previousAuthTokens", "clients")


def _check_fix_commands(message: str) -> list[list[str]]:
    """Each `pulumi config` command in the fix: set/rm, one key (a --path for nested ones),
    --secret when a token is set, and exactly one value after the key."""
    commands = [shlex.split(c) for c in _COMMAND.findall(message.partition("Fix: ")[2])]
    assert commands, message
    for argv in commands:
        assert argv[:2] == ["pulumi", "config"] and argv[2] in ("set", "rm"), argv
        words = [a for a in argv[3:] if a not in ("--secret", "--path")]
        assert not any(a.startswith("-") for a in words), argv
        key = words[0]
        assert re.split(r"[.\[]", key)[0] in _TOKEN_KEYS, argv
        assert ("--path" in argv) == bool(re.search(r"[.\[]", key)), argv
        if argv[2] == "set":
            assert "--secret" in argv and len(words) == 2, argv
            assert re.split(r"[.\[]", words[1])[0] not in _TOKEN_KEYS, argv  # no key twice
        else:
            assert len(words) == 1, argv
    return commands


CLIENT = "  protected-cdn:clients:\n    partner-a:\n"


@pytest.mark.parametrize(
    "entry",
    [
        f"  protected-cdn:authToken: {CURRENT_TOKEN}\n",
        f"  protected-cdn:previousAuthTokens:\n    - {PREVIOUS_TOKEN}\n",
        CLIENT + f"      token: {CURRENT_TOKEN}\n",
        CLIENT + f"      token:\n        secure: {SECURE}\n      previousToken: {PREVIOUS_TOKEN}\n",
    ],
    ids=["authToken", "previousAuthTokens", "client-token", "client-previousToken"],
)
def test_the_fix_for_a_plaintext_token_in_the_file_is_valid_commands(tmp_path, entry):
    stack = _write(tmp_path, "config:\n" + BASE + entry)
    with pytest.raises(SettingsError, match="plaintext") as caught:
        plan_run(stack, None, tmp_path)
    commands = _check_fix_commands(str(caught.value))
    assert any(argv[2] == "set" for argv in commands)


@pytest.mark.parametrize("key", ["authToken", "previousAuthTokens", "clients"])
def test_the_fix_for_a_token_key_stored_in_plaintext_is_valid_commands(key):
    raw = {
        "authToken": CURRENT_TOKEN,
        "previousAuthTokens": f'["{PREVIOUS_TOKEN}"]',
        "clients": '{"partner-a": {"token": "' + "c" + CURRENT_TOKEN[1:] + '"}}',
    }
    with pytest.raises(SettingsError, match="plaintext") as caught:
        parse_settings(raw, "dev", is_secret=lambda name: name != key)
    _check_fix_commands(str(caught.value))


# --- duplicate keys (go-yaml v3 refuses them) and empty token keys ------------------------------


@pytest.mark.parametrize(
    ("text", "key", "lines"),
    [
        (
            "config:\n  aws:region: eu-west-1\n" + PATHS + "  aws:region: us-east-1\n",
            "aws:region",
            (2, 5),
        ),
        ("config:\n" + BASE + "  pulumi:tags:\n    a: 1\n    a: 2\n", "a", (6, 7)),
        ("config:\n" + BASE + "config:\n  aws:region: us-east-1\n", "config", (1, 5)),
    ],
    ids=["config-key", "nested", "top-level"],
)
def test_a_key_written_twice_is_refused_with_its_lines_in_plan_and_local_edge(
    tmp_path, text, key, lines, plan_cli
):
    stack = _write(tmp_path, text)
    result = plan_cli("--stack", stack, "--stack-dir", str(tmp_path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert f"{key} is defined twice (lines {lines[0]} and {lines[1]})" in result.stderr
    with pytest.raises(StackFileError, match="defined twice"):
        local_edge.LocalEdge(local_edge.LocalEdgeOptions(stack=stack, port=0, stack_dir=tmp_path))


def test_a_merge_key_may_be_overridden_as_in_go_yaml(tmp_path):
    stack = _write(
        tmp_path,
        "config:\n"
        + BASE
        + "  pulumi:x: &base {a: 1, b: 2}\n  pulumi:tags:\n    <<: *base\n    a: 3\n",
    )
    assert json.loads(read_stack_file(stack, tmp_path).config["pulumi:tags"]) == {"a": 3, "b": 2}


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("  protected-cdn:authToken:\n", "protected-cdn:authToken"),
        ("  protected-cdn:authToken: ''\n", "protected-cdn:authToken"),
        ("  protected-cdn:previousAuthTokens:\n    -\n", "protected-cdn:previousAuthTokens"),
        (CLIENT + "      token:\n", "protected-cdn:clients.partner-a.token"),
    ],
    ids=["authToken-null", "authToken-empty", "previous-null", "client-null"],
)
def test_an_empty_token_key_is_reported_empty_not_plaintext(tmp_path, entry, key):
    stack = _write(tmp_path, "config:\n" + BASE + entry)
    with pytest.raises(SettingsError) as caught:
        plan_run(stack, None, tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{key}: ") and "empty" in message and "plaintext" not in message
    _check_fix_commands(message)


# --- named clients: only their tokens are stood in for --------------------------------------


def test_the_offline_tools_stand_in_a_token_for_token_fields_only(tmp_path):
    stack = _write(
        tmp_path,
        "config:\n" + BASE + f"  protected-cdn:authToken:\n    secure: {SECURE}\n"
        "  protected-cdn:clients:\n    partner:\n"
        f"      token:\n        secure: {SECURE}\n"
        f"      previousToken:\n        secure: {SECURE}\n"
        f"      expires:\n        secure: {SECURE}\n",
    )
    asked: list[tuple[str, str]] = []

    def client_token(name: str, field_name: str) -> str:
        asked.append((name, field_name))
        return f"{field_name}-of-{name}-0123456789abcdefghijklmnop"

    with pytest.raises(SettingsError) as caught:
        read_stack_file(stack, tmp_path).offline_config(CURRENT_TOKEN, (), client_token)
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner.expires: is encrypted")
    assert ("partner", "expires") not in asked and "-of-partner-" not in message
    assert SECURE not in message and "\n" not in message
