"""The named clients' checks (components/client_checks.py): each error names the client's
field as the caller knows it, with a fix in the caller's terms, and never shows a token."""

import pytest

from components.checks import STACK_CONFIG, Caller, SettingsError, checked_for
from components.client_checks import check_clients, parse_expiry
from components.inputs import EDGE_CHECK
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN

PROTECTED = ("docs/*",)


def error_of(raw, who) -> str:
    with checked_for(who), pytest.raises(SettingsError) as error:
        check_clients(raw, PROTECTED, (CURRENT_TOKEN,))
    return str(error.value)


def test_a_path_without_a_wildcard_is_fixed_in_the_callers_terms():
    raw = {"partner-a": {"token": PREVIOUS_TOKEN, "paths": ["docs/a"]}}
    stack = error_of(raw, STACK_CONFIG)
    program = error_of(raw, Caller(EDGE_CHECK))
    assert stack.startswith("protected-cdn:clients.partner-a.paths: 'docs/a' has no wildcard")
    assert stack.endswith(
        "Fix: pulumi config set --path 'clients.partner-a.paths[0]' 'docs/a/*' to let the "
        "client open everything under it"
    )
    assert program.startswith("EdgeCheckArgs.clients['partner-a']['paths']: 'docs/a' has no")
    assert program.endswith(
        "Fix: set clients['partner-a']['paths'][0] to 'docs/a/*' to let the client open "
        "everything under it"
    )


def test_a_reused_token_names_whose_it_is_and_never_the_token():
    raw = {"partner-a": {"token": CURRENT_TOKEN}}
    for who in (STACK_CONFIG, Caller(EDGE_CHECK)):
        message = error_of(raw, who)
        assert "is the same token as client default's" in message
        assert CURRENT_TOKEN not in message
    assert error_of(raw, Caller(EDGE_CHECK)).endswith(
        "Fix: set clients['partner-a']['token'] to <a new token, e.g. from openssl rand -hex 32>"
    )


def test_an_expiry_fix_sets_the_example_time():
    with pytest.raises(SettingsError) as error:
        parse_expiry("clients.a.expires", "tomorrow")
    assert str(error.value).endswith(
        "Fix: pulumi config set --path 'clients.a.expires' 2027-03-31T00:00:00Z "
        "(RFC 3339 UTC, whole seconds)"
    )


@pytest.mark.parametrize("name", ["-x", "--help", "-", "a" * 41, "Partner", "a_b"])
def test_a_name_that_could_read_as_an_option_or_breaks_the_rule_is_refused(name):
    with pytest.raises(SettingsError, match=r"is not a client name \(1 to 40 of a-z, 0-9 and -, "):
        check_clients({name: {"token": "0123456789abcdef" * 3}}, ("ex-img/*",))


@pytest.mark.parametrize("name", ["a", "0", "partner-a", "a-", "x" * 40])
def test_names_of_the_rule_are_accepted(name):
    (client,) = check_clients({name: {"token": "0123456789abcdef" * 3}}, ("ex-img/*",))
    assert client.name == name
