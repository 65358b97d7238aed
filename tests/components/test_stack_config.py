"""Settings: every bad stack value stops the program with the key, the problem and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from components import cloudfront_facts as facts
from components.checks import SettingsError
from components.inputs import CONFIG_INPUTS
from components.stack_config import Settings, parse_settings, settings_from_config
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN
from tests.program_support import read_case, stack_cases

ROOT = Path(__file__).resolve().parents[2]


def parse(**values) -> Settings:
    raw = {"authToken": CURRENT_TOKEN, **values}
    return parse_settings({k: v for k, v in raw.items() if v is not None}, "dev")


def test_defaults_protect_everything_and_the_bucket():
    settings = parse()
    assert settings.protected_paths == ("*",)
    assert settings.auth_header == "authorization"
    assert settings.protect_content is True
    assert settings.domain is None
    assert settings.accepted_tokens == (CURRENT_TOKEN,)


def test_values_arrive_as_config_strings_or_yaml_values():
    from_strings = parse(
        protectedPaths='["/ex-img/*"]', protectContent="false", errorCachingMinTtl="30"
    )
    from_yaml = parse(protectedPaths=["ex-img/*"], protectContent=False, errorCachingMinTtl=30)
    assert from_strings == from_yaml
    assert from_strings.protected_paths == ("ex-img/*",)


def test_tokens_never_appear_in_repr_or_errors():
    settings = parse(previousAuthTokens=f'["{PREVIOUS_TOKEN}"]')
    assert CURRENT_TOKEN not in repr(settings) and PREVIOUS_TOKEN not in repr(settings)
    weak = "a" * 40
    with pytest.raises(SettingsError) as caught:
        parse(authToken=weak)
    assert weak not in str(caught.value)


@pytest.mark.parametrize(
    ("values", "key", "words"),
    [
        ({"authToken": None}, "authToken", "openssl rand -hex 32"),
        ({"authToken": "short-token"}, "authToken", "32 to 256 characters"),
        ({"authToken": "ab" * 20}, "authToken", "too weak"),
        ({"authToken": "space in the token 0123456789abcdef"}, "authToken", "may only hold"),
        ({"previousAuthTokens": f'["{CURRENT_TOKEN}"]'}, "previousAuthTokens", "repeats"),
        ({"previousAuthTokens": '"not-a-list"'}, "previousAuthTokens", "must be a list"),
        ({"previousAuthTokens": '["short"]'}, "previousAuthTokens[0]", "32 to 256"),
        ({"authHeader": "Authorization"}, "authHeader", "lowercase header name"),
        ({"authHeader": "host"}, "authHeader", "may read"),
        ({"authHeader": "x-amz-cf-id"}, "authHeader", "may read"),
        ({"protectedPaths": "[]"}, "protectedPaths", "is empty"),
        ({"protectedPaths": '["ex img/*"]'}, "protectedPaths", "does not accept"),
        ({"protectedPaths": '["a/*", "/a/*"]'}, "protectedPaths", "listed twice"),
        ({"protectedPaths": '["*", "a/*"]'}, "protectedPaths", "alone"),
        ({"protectedPaths": '["_errors/*"]'}, "protectedPaths", "error pages"),
        ({"protectedPaths": '["' + "a" * 256 + '"]'}, "protectedPaths", "255"),
        (
            {"protectedPaths": str([f"p{i}/*" for i in range(75)]).replace("'", '"')},
            "protectedPaths",
            "75 per distribution",
        ),
        ({"domainName": "assets.example.com"}, "hostedZoneName", "required"),
        ({"hostedZoneName": "example.com"}, "domainName", "required"),
        (
            {"domainName": "Assets.Example.com", "hostedZoneName": "example.com"},
            "domainName",
            "lowercase DNS name",
        ),
        (
            {"domainName": "assets.other.org", "hostedZoneName": "example.com"},
            "domainName",
            "not inside the hosted zone",
        ),
        ({"priceClass": "cheap"}, "priceClass", "PriceClass_100"),
        ({"errorCachingMinTtl": "-1"}, "errorCachingMinTtl", "whole number"),
        ({"errorCachingMinTtl": "ten"}, "errorCachingMinTtl", "whole number"),
        ({"protectContent": "yes"}, "protectContent", "true or false"),
        ({"webAclId": "my-acl"}, "webAclId", "WAFv2"),
        ({"accessLogBucket": "My_Bucket"}, "accessLogBucket", "bucket name"),
        ({"authTokens": "x"}, "authTokens", "not a setting"),
    ],
)
def test_bad_values_name_the_key_and_the_fix(values, key, words):
    with pytest.raises(SettingsError) as caught:
        parse(**values)
    message = str(caught.value)
    assert message.startswith(f"protected-cdn:{key}: ")
    assert words in message
    assert "Fix: " in message


def test_pulumi_yaml_declares_every_key_with_its_type_default_and_description():
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert sorted(declared) == sorted(key.key for key in CONFIG_INPUTS)
    for key in CONFIG_INPUTS:
        entry = declared[key.key]
        # An object key is declared untyped, without a default (see tools/docs/generate.py).
        assert entry.get("type", "object") == key.type, key.key
        assert entry["description"], key.key
        assert entry.get("default") == (None if key.type == "object" else key.default), key.key
        assert bool(entry.get("secret")) == (key.secret and key.default is None), key.key


@pytest.mark.parametrize("stack", stack_cases())
def test_stack_cases_commit_no_plaintext_token(stack):
    # Ciphertext (secure: v1:...) is what `pulumi config set --secret` writes: allowed.
    assert read_case(stack).plaintext_token_keys() == [], stack


def test_the_docs_document_exactly_the_config_keys_and_their_commands_use_them():
    configuration = (ROOT / "docs" / "configuration.md").read_text()
    table = configuration[
        configuration.index("<!-- config-table") : configuration.index("<!-- /config-table")
    ]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert documented == [key.key for key in CONFIG_INPUTS]
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    text = "\n".join(page.read_text() for page in pages)
    used = set(
        re.findall(r"pulumi config (?:set|get|rm)(?: --secret)?(?: --path)? '?([\w:]+)", text)
    )
    aws_keys = {f"aws:{name}" for name in facts.AWS_PROVIDER_CONFIG_KEYS}
    assert used and used <= {key.key for key in CONFIG_INPUTS} | aws_keys, used


@pytest.mark.parametrize(
    ("pattern", "fix"),
    [("ex-img", "use 'ex-img/*'"), ("/ex-img/", "use 'ex-img/*'"), ("a/b.png", "'a/b.png/*'")],
)
def test_a_pattern_without_a_wildcard_is_refused_with_the_folder_fix(pattern, fix):
    with pytest.raises(SettingsError, match="matches only that one exact path") as caught:
        parse(protectedPaths=[pattern])
    assert fix in str(caught.value)


@pytest.mark.parametrize("pattern", ["ex-img/*", "*.pdf", "a?/*", "x/$~'@:+&/*"])
def test_patterns_with_cloudfront_characters_and_a_wildcard_pass(pattern):
    assert parse(protectedPaths=[pattern]).protected_paths == (pattern,)


@pytest.mark.parametrize("pattern", ["ex img/*", "ex-img/%2F*", "é/*", "a\\b/*", "a#/*"])
def test_patterns_with_characters_cloudfront_refuses_are_refused(pattern):
    with pytest.raises(SettingsError, match="does not accept"):
        parse(protectedPaths=[pattern])


def test_the_count_is_checked_before_duplicates_and_fast():
    import time

    started = time.process_time()  # CPU time: the same under load
    with pytest.raises(SettingsError, match="40001 cache behaviors"):
        parse(protectedPaths=["a/*"] * 40_000)
    assert time.process_time() - started < 1


def test_error_lines_never_echo_more_than_80_characters_of_a_value():
    huge = "a" * 178_000
    for values in (
        {"protectedPaths": [huge]},
        {"protectedPaths": [huge + "/*"]},
        {"protectedPaths": [[huge] * 1000]},
        {"priceClass": huge},
        {"domainName": huge, "hostedZoneName": "example.com"},
        {"authHeader": huge},
        {"protectContent": huge},
        {"alarmEmail": huge},
        {"alarmTopicArn": huge},
        {huge: "x"},
        {"clients": {huge: {"token": huge}}},
        {"clients": {"a": {"token": "x" * 64, "expires": huge}}},
        {"clients": {"a": {"token": "0123456789abcdef" * 4, "paths": [huge + "/*"]}}},
        {"clients": {"a": {"token": "0123456789abcdef" * 4, huge: 1}}},
    ):
        with pytest.raises(SettingsError) as caught:
            parse(**values)
        # An unknown key's line also lists every setting: that part grows with CONFIG_INPUTS.
        key_list = len(", ".join(key.key for key in CONFIG_INPUTS))
        assert len(str(caught.value)) < 250 + key_list, str(caught.value)[:200]
        assert "\n" not in str(caught.value)


def test_an_auth_header_with_an_underscore_is_refused_with_the_hyphen_fix():
    with pytest.raises(SettingsError, match="underscore") as caught:
        parse(authHeader="x_auth_token")
    assert "pulumi config set authHeader x-auth-token" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("protected-cdn:protectedPath", "did you mean protectedPaths?"),
        ("protected-cdn:authtoken", "did you mean authToken?"),
        ("aws:regoin", "did you mean aws:region?"),
        ("aws:defaultTag", "did you mean aws:defaultTags?"),
        ("confg:x", "is not a key this stack can use"),
        ("protectd-cdn:priceClass", "did you mean protected-cdn:priceClass?"),
        ("awz:profile", "did you mean aws:profile?"),
    ],
)
def test_unknown_keys_of_any_namespace_are_refused_with_a_suggestion(key, words):
    config = {"aws:region": "eu-west-1", "protected-cdn:authToken": CURRENT_TOKEN, key: "x"}
    with pytest.raises(SettingsError) as caught:
        settings_from_config(config, "dev", lambda config_key: True)
    assert str(caught.value).startswith(f"{key}: ")
    assert words in str(caught.value)


def test_pulumi_and_aws_provider_keys_are_allowed_and_the_region_is_kept():
    config = {
        "aws:region": "us-west-2",
        "aws:defaultTags": '{"tags": {"team": "cdn"}}',
        "aws:profile": "cdn",
        "pulumi:tags": '{"team": "cdn"}',
        "protected-cdn:authToken": CURRENT_TOKEN,
    }
    assert settings_from_config(config, "dev", lambda config_key: True).region == "us-west-2"


@pytest.mark.parametrize(
    ("region", "words"),
    [
        (None, "is missing"),
        ("", "is missing"),
        ("eu-west-9", "not an AWS region"),
        ("EU-WEST-1", "did you mean eu-west-1?"),
        ("cn-north-1", "not an AWS region"),  # no Lambda@Edge outside the aws partition
    ],
)
def test_aws_region_is_required_and_real(region, words):
    config = {"protected-cdn:authToken": CURRENT_TOKEN}
    if region is not None:
        config["aws:region"] = region
    with pytest.raises(SettingsError) as caught:
        settings_from_config(config, "dev", lambda config_key: True)
    assert str(caught.value).startswith("aws:region: ") and words in str(caught.value)


def test_aws_provider_key_list_matches_the_installed_pulumi_aws():
    import importlib.util

    # Read, not import: importing vars.py alone trips the package's lazy-import cycle.
    package = Path(importlib.util.find_spec("pulumi_aws").origin).parent
    source = (package / "config" / "vars.py").read_text()
    keys = set(re.findall(r"__config__\.get\w*\('(\w+)'\)", source))
    assert keys == set(facts.AWS_PROVIDER_CONFIG_KEYS)


def test_region_list_matches_botocores_aws_partition():
    import boto3

    regions = boto3.session.Session().get_available_regions("ec2", partition_name="aws")
    assert set(regions) == set(facts.AWS_REGIONS)


@pytest.mark.parametrize("pattern", ["_errorsx/*", "_errors-old/*", "_errors*.json"])
def test_a_prefix_that_only_starts_like_the_error_pages_is_protected(pattern):
    assert parse(protectedPaths=[pattern]).protected_paths == (pattern,)


@pytest.mark.parametrize("pattern", ["_errors/*", "/_errors/private/*", "_errors/?.json"])
def test_a_pattern_under_the_error_pages_is_refused_as_one_that_never_applies(pattern):
    with pytest.raises(SettingsError) as caught:
        parse(protectedPaths=[pattern])
    message = str(caught.value)
    assert message.startswith("protected-cdn:protectedPaths: ")
    assert "never apply" in message and "_errors/* comes first" in message


def test_the_cookie_header_is_refused_on_the_function_engine_only():
    with pytest.raises(SettingsError, match=r"authHeader: 'cookie' never reaches a CloudFront"):
        parse(authHeader="cookie", edgeRuntime="cloudfront-function")
    assert parse(authHeader="cookie").auth_header == "cookie"


@pytest.mark.parametrize("pattern", ["a/../b/*", "./ex-img/*", "ex-img/./x/*", "ex-img/.."])
def test_patterns_with_dot_segments_are_refused(pattern):
    with pytest.raises(SettingsError, match=r"protectedPaths: .* has a \. or \.\. segment"):
        parse(protectedPaths=[pattern])


# --- a fix agrees with its own suggestion ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "command"),
    [
        ({"aws:region": "EU-WEST-1"}, "pulumi config set aws:region eu-west-1"),
        ({"aws:region": "eu-west-9"}, None),  # the fix sets the region suggested
        ({"aws:region": "mars-1"}, "pulumi config set aws:region eu-west-1"),
        ({"authHeader": "X-Auth-Token"}, "pulumi config set authHeader x-auth-token"),
        ({"authHeader": "X_Auth_Token"}, "pulumi config set authHeader x-auth-token"),
        ({"authHeader": "host"}, "pulumi config set authHeader authorization"),
        ({"errorCachingMinTtl": "ten"}, "pulumi config set errorCachingMinTtl 10"),
        ({"errorCachingMinTtl": "-5"}, "pulumi config set errorCachingMinTtl 10"),
        (
            {"edgeRuntime": "cloudfront-functions"},
            "pulumi config set edgeRuntime cloudfront-function",
        ),
        ({"edgeRuntime": "lambda"}, "pulumi config set edgeRuntime lambda-edge"),
        ({"logAllowed": "no"}, "pulumi config set logAllowed false"),
        ({"logAllowed": "yes"}, "pulumi config set logAllowed true"),
        ({"logAllowed": "maybe"}, "pulumi config set logAllowed false"),
        ({"protectContent": "off"}, "pulumi config set protectContent false"),
        ({"protectContent": "maybe"}, "pulumi config set protectContent true"),
        (
            {"domainName": "CDN.Example.com", "hostedZoneName": "example.com"},
            "pulumi config set domainName cdn.example.com",
        ),
        (
            {"domainName": "cdn.example.com", "hostedZoneName": "Example.COM"},
            "pulumi config set hostedZoneName example.com",
        ),
    ],
)
def test_a_fix_sets_the_value_its_line_suggests(values, command):
    config = {"aws:region": "eu-west-1", "protected-cdn:authToken": CURRENT_TOKEN}
    config |= {k if ":" in k else f"protected-cdn:{k}": v for k, v in values.items()}
    with pytest.raises(SettingsError) as caught:
        settings_from_config(config, "dev", lambda config_key: True)
    message = str(caught.value)
    fix = message.split("Fix: ", 1)[1]
    suggested = re.search(r"did you mean (\S+)\?", message)
    sets = re.findall(r"pulumi config set (\S+) (\S+)", fix)
    assert sets, message
    if suggested:
        assert all(value == suggested[1] for _key, value in sets), message
    if command is not None:
        assert command in fix, message


def test_an_unknown_key_lists_the_settings_only_when_none_is_close():
    with pytest.raises(SettingsError) as close:
        settings_from_config(
            {"protected-cdn:maxGrantSecond": "60", "aws:region": "eu-west-1"}, "dev", bool
        )
    assert "did you mean maxGrantSeconds?" in str(close.value)
    assert "settings:" not in str(close.value)
    with pytest.raises(SettingsError) as far:
        settings_from_config({"protected-cdn:zzzz": "1", "aws:region": "eu-west-1"}, "dev", bool)
    assert "settings: authToken, " in str(far.value) and "maxGrantSeconds" in str(far.value)
