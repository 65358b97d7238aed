"""Named clients in the stack config: every bad value stops with one line naming the key."""

from __future__ import annotations

import json

import pytest

from components.checks import SettingsError
from components.client_checks import MAX_CLIENTS, check_clients, covered_by
from components.stack_config import parse_settings
from tests.client_support import (
    CLIENTS_CONFIG,
    EXPIRED_TOKEN,
    FUTURE,
    OPEN_TOKEN,
    PAST,
    SCOPE,
    SCOPED_PREVIOUS_TOKEN,
    SCOPED_TOKEN,
)
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import read_case
from tools.clients.clients import new_client_commands, render_clients
from tools.stack_files.reader import read_stack_file


def parse(clients, protected=("ex-img/*",), is_secret=lambda _name: True):
    raw = {
        "authToken": CURRENT_TOKEN,
        "previousAuthTokens": [PREVIOUS_TOKEN],
        "protectedPaths": list(protected),
        "clients": clients,
    }
    return parse_settings(raw, "dev", is_secret=is_secret)


def test_three_clients_parse_sorted_with_expiry_scope_and_rotation_token():
    for form in (CLIENTS_CONFIG, json.dumps(CLIENTS_CONFIG)):
        clients = parse(form).clients
        assert [c.name for c in clients] == ["archive-co", "mirror", "partner-a"]
        expired, unrestricted, scoped = clients
        assert expired.expires_at == PAST and expired.paths is None
        assert unrestricted.expires_at is None and unrestricted.paths is None
        assert scoped.expires_at == FUTURE and scoped.paths == (SCOPE,)
        assert scoped.tokens == (SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN)
        assert scoped.expires == "2099-12-31T00:00:00Z"


def test_no_clients_is_the_default_and_existing_stacks_need_no_change():
    settings = parse_settings({"authToken": CURRENT_TOKEN}, "dev")
    assert settings.clients == () and settings.log_allowed is False


def test_tokens_never_appear_in_repr():
    text = repr(parse(CLIENTS_CONFIG))
    for token in (EXPIRED_TOKEN, SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN, OPEN_TOKEN):
        assert token not in text


def client(**fields):
    return {"partner-b": {"token": OPEN_TOKEN, **fields}}


@pytest.mark.parametrize(
    ("clients", "key", "words"),
    [
        ({"Partner_B": {"token": OPEN_TOKEN}}, "clients.Partner_B", "not a client name"),
        ({"a" * 41: {"token": OPEN_TOKEN}}, "clients.aaaa", "not a client name"),
        ({"": {"token": OPEN_TOKEN}}, "clients.", "not a client name"),
        ({"default": {"token": OPEN_TOKEN}}, "clients.default", "reserved"),
        (
            {"partner-a": {"token": OPEN_TOKEN}, "partner-b": {"token": OPEN_TOKEN}},
            "clients.partner-b.token",
            "same token as client partner-a",
        ),
        ({"partner-b": {"token": CURRENT_TOKEN}}, "clients.partner-b.token", "client default"),
        ({"partner-b": {"token": PREVIOUS_TOKEN}}, "clients.partner-b.token", "client default"),
        (client(previousToken=OPEN_TOKEN), "clients.partner-b.previousToken", "same token"),
        (client(expires="next year"), "clients.partner-b.expires", "not an RFC 3339"),
        (client(expires="2027-02-30T00:00:00Z"), "clients.partner-b.expires", "not a valid"),
        (client(expires="2027-03-31"), "clients.partner-b.expires", "not an RFC 3339"),
        (client(expires="2027-03-31T00:00:00+02:00"), "clients.partner-b.expires", "RFC 3339"),
        (client(paths=["private/*"]), "clients.partner-b.paths", "not inside the protected"),
        (client(paths=["ex-img"]), "clients.partner-b.paths", "not inside the protected"),
        (client(paths=["*"]), "clients.partner-b.paths", "not inside the protected"),
        (client(paths=[]), "clients.partner-b.paths", "is empty"),
        (client(paths=["ex-img/[ab]*"]), "clients.partner-b.paths", "characters"),
        (client(paths="ex-img/*"), "clients.partner-b.paths", "must be a list"),
        (client(expiry="2027-03-31T00:00:00Z"), "clients.partner-b.expiry", "did you mean"),
        ({"partner-b": {}}, "clients.partner-b.token", "is missing"),
        ({"partner-b": "x"}, "clients.partner-b", "must be an object"),
        ({"partner-b": {"token": "short"}}, "clients.partner-b.token", "32 to 256"),
        ({"partner-b": {"token": "ab" * 20}}, "clients.partner-b.token", "too weak"),
        (["partner-b"], "clients", "must be a map"),
        ("not json", "clients", "must be a map"),
    ],
)
def test_bad_clients_stop_with_one_line_naming_the_key_and_the_fix(clients, key, words):
    with pytest.raises(SettingsError) as caught:
        parse(clients)
    message = str(caught.value)
    assert message.startswith(f"protected-cdn:{key}"), message
    assert words in message and "Fix: " in message and "\n" not in message
    for token in (OPEN_TOKEN, CURRENT_TOKEN, PREVIOUS_TOKEN):
        assert token not in message


def test_a_runaway_client_map_is_refused_by_its_count_before_any_other_check():
    clients = {f"!{i}": "not even a client" for i in range(MAX_CLIENTS + 1)}
    with pytest.raises(SettingsError, match=r"^protected-cdn:clients: holds 100001 clients; at"):
        parse(clients)


def test_1000_clients_are_accepted():
    clients = {f"c{i}": {"token": f"{i:08d}abcdefghijklmnopqrstuvwxyz0123"} for i in range(1000)}
    assert len(parse(clients).clients) == 1000


def test_clients_in_plaintext_are_refused():
    with pytest.raises(SettingsError, match=r"^protected-cdn:clients: is stored in plaintext"):
        parse(CLIENTS_CONFIG, is_secret=lambda name: name != "clients")


def test_a_scope_must_lie_inside_a_protected_pattern():
    assert covered_by("ex-img/partner-a/*", "ex-img/*")
    assert covered_by("ex-img/a.png", "ex-img/*")
    assert covered_by("private/*.pdf", "private/*.pdf")
    assert covered_by("anything/*", "*")
    assert not covered_by("ex-img/*", "ex-img/partner-a/*")
    assert not covered_by("private/a/*.pdf", "private/*.pdf")  # conservative: refused
    assert not covered_by("ex-img2/*", "ex-img/*")
    with pytest.raises(SettingsError, match=r"Fix: .* e\.g\. private/\*\.pdf$"):
        check_clients(client(paths=["private/a.pdf"]), ("private/*.pdf",))
    assert check_clients(client(paths=["private/*.pdf"]), ("private/*.pdf",))[0].paths


def test_scope_check_uses_the_normalized_protected_patterns():
    assert parse(client(paths=["/ex-img/b/*"])).clients[0].paths == ("ex-img/b/*",)


def test_the_partners_stack_case_reads_nested_secure_tokens_without_decrypting():
    stack_file = read_case("partners")
    assert "protected-cdn:clients" in stack_file.secure_keys
    settings = stack_file.settings(CURRENT_TOKEN)
    names = {c.name: c for c in settings.clients}
    assert names["partner-a"].paths == (SCOPE,) and len(names["partner-a"].tokens) == 2
    assert names["archive-co"].expires_at == PAST
    assert names["mirror"].paths is None and names["mirror"].expires_at is None
    assert all(t.startswith("PLACEHOLDER-") for c in settings.clients for t in c.tokens)


def write_stack(tmp_path, clients_yaml: str):
    (tmp_path / "Pulumi.t.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  protected-cdn:protectedPaths:\n    - ex-img/*\n"
        f"  protected-cdn:clients:\n{clients_yaml}"
    )
    return read_stack_file("t", tmp_path)


def test_a_client_token_committed_in_plaintext_is_refused(tmp_path):
    stack_file = write_stack(tmp_path, f"    partner-a:\n      token: {OPEN_TOKEN}\n")
    assert stack_file.plaintext_token_keys() == ["protected-cdn:clients"]
    assert read_case("partners").plaintext_token_keys() == []
    with pytest.raises(SettingsError) as caught:
        stack_file.settings(CURRENT_TOKEN)
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-a.token: is committed in plaintext")
    assert OPEN_TOKEN not in message


def test_clients_encrypted_as_a_whole_are_refused_with_the_fix(tmp_path):
    stack_file = write_stack(tmp_path, "    secure: v1:abc:def\n")
    with pytest.raises(SettingsError, match="set each field with --path"):
        stack_file.settings(CURRENT_TOKEN)


def test_an_unquoted_yaml_timestamp_is_read_as_utc(tmp_path):
    stack_file = write_stack(
        tmp_path,
        "    partner-a:\n      token:\n        secure: v1:a:b\n"
        "      expires: 2027-03-31T00:00:00Z\n",
    )
    assert stack_file.settings(CURRENT_TOKEN).clients[0].expires == "2027-03-31T00:00:00Z"


def test_clients_table_shows_expiry_days_paths_rotation_and_never_a_token():
    settings = parse(CLIENTS_CONFIG)
    text = render_clients(settings, now=FUTURE - 10 * 86_400)
    lines = text.splitlines()
    assert lines[0].startswith("clients (4;")
    row = next(line for line in lines if "partner-a" in line)
    assert "2099-12-31T00:00:00Z" in row and " 10 " in row and SCOPE in row and "yes" in row
    assert "expired" in next(line for line in lines if "archive-co" in line)
    assert "all protected paths" in next(line for line in lines if "mirror" in line)
    for token in (EXPIRED_TOKEN, SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN, OPEN_TOKEN, CURRENT_TOKEN):
        assert token not in text


def test_new_client_commands_are_the_pulumi_config_commands():
    lines = new_client_commands("partner-b", OPEN_TOKEN, "2027-03-31T00:00:00Z", ["ex-img/b/*"])
    assert lines == [
        f"pulumi config set --secret --path 'clients.partner-b.token' {OPEN_TOKEN}",
        "pulumi config set --path 'clients.partner-b.expires' 2027-03-31T00:00:00Z",
        "pulumi config set --path 'clients.partner-b.paths[0]' 'ex-img/b/*'",
        "pulumi up",
    ]


def test_a_client_path_with_dot_segments_is_refused():
    with pytest.raises(SettingsError, match=r"clients\.a\.paths: .* has a \. or \.\. segment"):
        parse({"a": {"token": OPEN_TOKEN, "paths": ["ex-img/../*"]}})


# --- expiry: whole seconds, years 2000 to 9999 ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds", "shown_as"),
    [
        ("2000-01-01T00:00:00Z", 946684800, "2000-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", 253402300799, "9999-12-31T23:59:59Z"),
        ("2030-06-30T12:00:00.000Z", 1909051200, "2030-06-30T12:00:00Z"),  # zero fraction
        ("2030-06-30t12:00:00z", 1909051200, "2030-06-30T12:00:00Z"),
        ("2030-06-30T12:00:00+00:00", 1909051200, "2030-06-30T12:00:00Z"),
    ],
)
def test_an_expiry_is_whole_seconds_from_2000_to_9999_and_round_trips_in_js(
    text, seconds, shown_as
):
    from py_mini_racer import MiniRacer

    settings = parse(client(expires=text)).clients[0]
    assert settings.expires_at == seconds and settings.expires == shown_as
    js = MiniRacer()
    try:
        # The function engine compares Date.now() / 1000 with the same number; JS renders it
        # as Python does and parses the rendered text back to the same second.
        assert js.eval(f"new Date({seconds} * 1000).toISOString()") == shown_as[:-1] + ".000Z"
        assert js.eval(f"Date.parse('{shown_as}') / 1000") == seconds
    finally:
        js.close()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("9999-12-31T23:59:59.999999Z", "has a fraction of a second"),
        ("2030-01-01T00:00:00.5Z", "has a fraction of a second"),
        ("2030-01-01T00:00:00.000000001Z", "has a fraction of a second"),
        ("0999-01-01T00:00:00Z", "years 2000 to 9999"),
        ("1999-12-31T23:59:59Z", "years 2000 to 9999"),
        ("0000-01-01T00:00:00Z", "years 2000 to 9999"),
        ("10000-01-01T00:00:00Z", "not an RFC 3339"),
        ("2016-12-31T23:59:60Z", "leap second"),
        ("2030-06-30T12:30:60Z", "not a valid date and time"),
        ("2030-02-29T00:00:00Z", "not a valid date and time"),
    ],
)
def test_an_expiry_outside_the_range_or_precision_is_refused_in_one_line(text, words):
    with pytest.raises(SettingsError) as caught:
        parse(client(expires=text))
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.expires: ")
    assert words in message and "Fix: " in message and "\n" not in message
    # The value is never echoed: it may have come from a secret.
    assert text not in message and text[:10] not in message.split("Fix: ")[0]


# --- one spelling per field: camelCase in stack config, Python names from the provider ---------


def test_the_stack_config_refuses_a_python_field_name_with_did_you_mean():
    clients = {"partner-b": {"token": OPEN_TOKEN, "previous_token": SCOPED_TOKEN}}
    for form in (clients, json.dumps(clients)):
        with pytest.raises(SettingsError) as caught:
            parse(form)
        message = str(caught.value)
        assert message.startswith("protected-cdn:clients.partner-b.previous_token: ")
        assert "did you mean previousToken?" in message
        assert SCOPED_TOKEN not in message and OPEN_TOKEN not in message


def test_the_component_takes_python_names_but_not_both_spellings():
    protected = ("ex-img/*",)
    given = {"partner-b": {"token": OPEN_TOKEN, "previous_token": SCOPED_TOKEN}}
    assert check_clients(given, protected)[0].tokens == (OPEN_TOKEN, SCOPED_TOKEN)
    both = {"partner-b": {**given["partner-b"], "previousToken": SCOPED_PREVIOUS_TOKEN}}
    with pytest.raises(SettingsError) as caught:
        check_clients(both, protected)
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.previousToken: is given twice")
    for token in (OPEN_TOKEN, SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN):
        assert token not in message


# --- a token error's fix names the token's own key ------------------------------------------

NEW_CLIENT_TOKEN = (
    "pulumi config set --secret --path 'clients.partner-b.token' \"$(openssl rand -hex 32)\""
)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({}, "is missing"),
        ({"token": ""}, "is missing"),
        ({"token": "short"}, "32 to 256"),
        ({"token": "ab" * 20}, "too weak"),
        ({"token": "é" * 40}, "may only hold"),
    ],
)
def test_a_bad_client_token_is_fixed_at_the_clients_own_key(fields, words):
    with pytest.raises(SettingsError) as caught:
        parse({"partner-b": fields})
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.token: ") and words in message
    assert message.endswith(f"Fix: {NEW_CLIENT_TOKEN}"), message
    assert "authToken" not in message


@pytest.mark.parametrize("previous", ["", "short", "ab" * 20])
def test_a_bad_previous_client_token_is_fixed_at_its_own_key(previous):
    with pytest.raises(SettingsError) as caught:
        parse({"partner-b": {"token": OPEN_TOKEN, "previousToken": previous}})
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.previousToken: ")
    fix = message.split("Fix: ", 1)[1]
    assert "pulumi config set --secret --path 'clients.partner-b.previousToken' " in fix
    assert "pulumi config rm --path 'clients.partner-b.previousToken'" in fix
    assert "authToken" not in message


@pytest.mark.parametrize("index", [0, 1])
def test_a_bad_previous_auth_token_is_fixed_at_its_own_item(index):
    previous = [PREVIOUS_TOKEN, SCOPED_TOKEN]
    previous[index] = "short"
    with pytest.raises(SettingsError) as caught:
        parse_settings({"authToken": CURRENT_TOKEN, "previousAuthTokens": previous}, "dev")
    message = str(caught.value)
    assert message.startswith(f"protected-cdn:previousAuthTokens[{index}]: must be 32 to 256")
    fix = message.split("Fix: ", 1)[1]
    assert f"pulumi config rm --path 'previousAuthTokens[{index}]'" in fix
    assert "authToken" not in fix.replace("previousAuthTokens", "")


# --- a client scope needs a wildcard, as protectedPaths does ------------------------------------


@pytest.mark.parametrize(
    ("pattern", "folder"),
    [("ex-img/partner-a", "ex-img/partner-a/*"), ("/ex-img/partner-a/", "ex-img/partner-a/*")],
)
def test_a_client_scope_without_a_wildcard_is_refused_with_the_folder_fix(pattern, folder):
    with pytest.raises(SettingsError) as caught:
        parse(client(paths=["ex-img/b/*", pattern]))
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.paths: ")
    assert "has no wildcard" in message and "\n" not in message
    assert message.endswith(
        f"Fix: pulumi config set --path 'clients.partner-b.paths[1]' '{folder}'"
        " to let the client open everything under it"
    ), message
    assert parse(client(paths=[folder])).clients[0].paths == (folder,)


def test_an_expiry_that_holds_a_token_is_refused_without_showing_it():
    # Under the CLI an encrypted expires arrives decrypted: whatever it holds stays unshown.
    with pytest.raises(SettingsError) as caught:
        parse(client(expires=SCOPED_TOKEN))
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.expires: is not an RFC 3339")
    assert SCOPED_TOKEN[:12] not in message


def test_a_plus_in_a_client_scope_is_refused_and_kept_in_protected_paths():
    # S3 may read a + of the URL path as a space: the key read could lie outside the scope.
    with pytest.raises(SettingsError) as caught:
        parse(client(paths=["ex-img/c++/*"]))
    message = str(caught.value)
    assert message.startswith("protected-cdn:clients.partner-b.paths: 'ex-img/c++/*' has a +")
    assert "as a space" in message and "Fix: " in message and "\n" not in message
    # A protected pattern may hold one: which behavior runs the check does not depend on it.
    settings = parse(client(paths=["ex-img/c*/*"]), protected=("ex-img/c++/*", "ex-img/*"))
    assert settings.protected_paths == ("ex-img/c++/*", "ex-img/*")
    assert settings.clients[0].paths == ("ex-img/c*/*",)
