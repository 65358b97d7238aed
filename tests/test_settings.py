"""Settings: every bad stack value stops the program with the key, the problem and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from components.settings import CONFIG_KEYS, Settings, SettingsError, parse_settings
from offline.stack_file import available_stacks, read_stack_file

from .edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN

ROOT = Path(__file__).resolve().parent.parent


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
        ({"previousAuthTokens": '["short"]'}, "previousAuthTokens", "32 to 256"),
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
    assert sorted(declared) == sorted(key.name for key in CONFIG_KEYS)
    for key in CONFIG_KEYS:
        entry = declared[key.name]
        assert entry["type"] == key.type, key.name
        assert entry["description"], key.name
        assert entry.get("default") == key.default, key.name
        assert bool(entry.get("secret")) == (key.secret and key.default is None), key.name


@pytest.mark.parametrize("stack", available_stacks())
def test_stack_files_commit_no_plaintext_token(stack):
    # Ciphertext (secure: v1:...) is what `pulumi config set --secret` writes: allowed.
    assert read_stack_file(stack).plaintext_token_keys() == [], stack


def test_readme_documents_exactly_the_config_keys_and_its_commands_use_them():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("## How a request flows")]
    documented = re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE)
    assert documented == [key.name for key in CONFIG_KEYS]
    used = set(
        re.findall(r"pulumi config (?:set|get|rm)(?: --secret)?(?: --path)? '?(\w+)", readme)
    )
    assert used and used <= {key.name for key in CONFIG_KEYS}, used
