"""The generic checker and its messages: the input's key from its entry, named as the caller
knows it (the stack config or a component's arguments), one line, never a token."""

import re

import pytest

from components.checks import (
    STACK_CONFIG,
    Caller,
    SettingsError,
    check_input,
    checked_for,
)
from components.inputs import BY_NAME, EDGE_CHECK, INPUTS, PROTECTED_CONTENT, Input, check_inputs
from tests.edge_support import CURRENT_TOKEN

PATTERN_INPUTS = [e for e in INPUTS if e.pattern is not None and e.type == "string"]
CHOICE_INPUTS = [entry for entry in INPUTS if entry.choices]


def error_of(entry, raw, who=STACK_CONFIG, checked=None) -> str:
    with checked_for(who), pytest.raises(SettingsError) as error:
        check_input(entry, raw, checked or {"auth_header": "authorization"})
    return str(error.value)


@pytest.mark.parametrize("entry", PATTERN_INPUTS, ids=lambda entry: entry.key)
def test_a_pattern_input_names_its_key_what_is_expected_and_an_example(entry):
    assert error_of(entry, " not valid ") == (
        f"protected-cdn:{entry.key}: 'not valid' is not {entry.expected}. "
        f"Fix: pulumi config set {entry.key} {entry.example}"
    )
    assert error_of(entry, "x", Caller(PROTECTED_CONTENT)) == (
        f"ProtectedContentArgs.{entry.name}: 'x' is not {entry.expected}. "
        f"Fix: pass {entry.name}={entry.example!r}"
    )
    # Optional: empty means none.
    assert check_input(entry, "  ", {}) is None


def test_pattern_inputs_accept_what_aws_names_look_like():
    valid = {
        "web_acl_id": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/a1b2-c3",
        "access_log_bucket": "my-cdn-logs",
        "alarm_email": "ops@example.com",
        "alarm_topic_arn": "arn:aws:sns:us-east-1:123456789012:edge-alarms",
    }
    assert {entry.name for entry in PATTERN_INPUTS} == set(valid)
    for name, value in valid.items():
        assert check_input(BY_NAME[name], f" {value} ", {}) == value
    # Regions that cannot work are refused: WAF for CloudFront and its alarms are us-east-1.
    with pytest.raises(SettingsError):
        check_input(
            BY_NAME["alarm_topic_arn"],
            valid["alarm_topic_arn"].replace("us-east-1", "eu-west-1"),
            {},
        )
    with pytest.raises(SettingsError):
        check_input(BY_NAME["alarm_email"], "a@" + "b" * 250 + ".com", {})


@pytest.mark.parametrize("entry", CHOICE_INPUTS, ids=lambda entry: entry.key)
def test_a_choice_input_suggests_the_close_choice_and_lists_the_others(entry):
    first, *others = entry.choices
    assert check_input(entry, f" {first} ", {"auth_header": "authorization"}) == first
    assert error_of(entry, first.upper()) == (
        f"protected-cdn:{entry.key}: {first.upper()!r} is not {entry.expected}. "
        f"Fix: did you mean {first}? pulumi config set {entry.key} {first}"
    )
    assert error_of(entry, "zzzzzzzz") == (
        f"protected-cdn:{entry.key}: 'zzzzzzzz' is not {entry.expected}. "
        f"Fix: pulumi config set {entry.key} {first} (or {', '.join(others)})"
    )


def test_an_integer_input_names_its_range_and_the_default_as_the_fix():
    entry = BY_NAME["error_caching_min_ttl"]
    low, high = entry.value_range
    assert check_input(entry, f"{high}", {}) == high and check_input(entry, 30.0, {}) == 30
    for bad in (low - 1, high + 1, "ten", 1.5):
        assert error_of(entry, bad) == (
            f"protected-cdn:errorCachingMinTtl: must be a whole number from {low} to {high}. "
            f"Fix: pulumi config set errorCachingMinTtl {entry.default}"
        )
    assert error_of(entry, -1, Caller(EDGE_CHECK)).endswith(
        f"Fix: pass error_caching_min_ttl={entry.default}"
    )


def test_a_boolean_input_fixes_to_the_value_meant():
    entry = BY_NAME["protect_content"]
    assert check_input(entry, "false", {}) is False
    assert error_of(entry, "no").endswith("Fix: pulumi config set protectContent false")
    assert error_of(entry, "yes", Caller(PROTECTED_CONTENT)).endswith(
        "Fix: pass protect_content=True"
    )


def test_the_caller_names_nested_inputs_and_fixes_in_its_own_terms():
    program = Caller(EDGE_CHECK)
    assert STACK_CONFIG.key("clients.partner-a.previousToken") == (
        "protected-cdn:clients.partner-a.previousToken"
    )
    assert program.key("clients.partner-a.previousToken") == (
        "EdgeCheckArgs.clients['partner-a']['previous_token']"
    )
    assert program.key("previousAuthTokens[1]") == "EdgeCheckArgs.previous_auth_tokens[1]"
    assert STACK_CONFIG.set_fix("clients.a.paths[0]", "'a/*'") == (
        "pulumi config set --path 'clients.a.paths[0]' 'a/*'"
    )
    assert program.set_fix("clients.a.paths[0]", "'a/*'") == "set clients['a']['paths'][0] to 'a/*'"
    assert STACK_CONFIG.remove_fix("clients.a") == "pulumi config rm --path 'clients.a'"
    assert program.remove_fix("clients.a") == "drop clients['a']"


# Wrong types, as a program may pass them: every one is a one-line SettingsError naming the
# argument (never a TypeError or AttributeError from inside a check).
WRONG_VALUES = [1.5, 7, True, ["a", ["b"]], [None], {"a": {"b": 1}}, "x", object(), ("a",)]


@pytest.mark.parametrize("component", [PROTECTED_CONTENT, EDGE_CHECK])
@pytest.mark.parametrize(
    "value", WRONG_VALUES, ids=[type(v).__name__ + str(i) for i, v in enumerate(WRONG_VALUES)]
)
def test_wrong_argument_types_are_one_line_naming_the_argument(component, value):
    from components.inputs import inputs_of

    for entry in inputs_of(component):
        args = {"auth_token": CURRENT_TOKEN, entry.name: value}
        try:
            check_inputs(args, component)
        except SettingsError as error:
            message = str(error)
            # The argument, or the one it goes with (domain_name: hosted_zone_name).
            assert message.startswith(f"{component}Args."), message
            assert "\n" not in message and "pulumi config" not in message, message
            assert CURRENT_TOKEN not in message


@pytest.mark.parametrize("args", [None, "auth_token", ["auth_token"]], ids=repr)
def test_args_that_are_not_a_map_are_one_line(args):
    with pytest.raises(SettingsError, match=r"^EdgeCheck: its args must be a EdgeCheckArgs"):
        check_inputs(args, EDGE_CHECK)


def test_a_wrongly_typed_token_shows_its_type_not_its_value():
    with pytest.raises(SettingsError) as error:
        check_inputs({"auth_token": [CURRENT_TOKEN]}, EDGE_CHECK)
    assert str(error.value).startswith("EdgeCheckArgs.auth_token: must be text, not a list.")
    assert CURRENT_TOKEN not in str(error.value)


def test_settings_errors_are_not_value_errors():
    """Pulumi rewraps a ValueError raised in an apply as 'While processing ... has risen'."""
    assert not issubclass(SettingsError, ValueError)


def test_a_list_of_patterns_checks_each_item_once_and_fixes_the_case():
    entry = Input(
        "allowed_things",
        "array",
        "Things.",
        "list[str]",
        default=[],
        items="string",
        pattern=re.compile(r"[A-Z]{2}"),
        expected="a two-letter code",
        example="DE",
    )
    assert check_input(entry, [" DE", "FR "], {}) == ("DE", "FR")
    assert check_input(entry, "[]", {}) == ()
    assert error_of(entry, ["DE", "fr"]) == (
        "protected-cdn:allowedThings: 'fr' is not a two-letter code. "
        "Fix: pulumi config set --path 'allowedThings[1]' FR"
    )
    assert error_of(entry, [7], Caller(PROTECTED_CONTENT)) == (
        "ProtectedContentArgs.allowed_things: 7 is not a two-letter code. "
        "Fix: set allowed_things[0] to 'DE'"
    )
    assert error_of(entry, ["DE", "DE"]).endswith("'DE' is listed twice. Fix: remove the duplicate")
    assert error_of(entry, "DE").startswith("protected-cdn:allowedThings: must be a list.")
