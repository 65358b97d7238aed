"""The input spec (components/inputs.py) is the contract: the args types, the checked values,
the stack-config reading and the docs all follow its entries."""

from __future__ import annotations

import dataclasses

import pytest

from components import EdgeCheckArgs, ProtectedContentArgs
from components.args import ClientArgs
from components.checks import SettingsError
from components.inputs import (
    CLIENT_FIELDS,
    CONFIG_INPUTS,
    EDGE_CHECK,
    INPUTS,
    PROTECTED_CONTENT,
    CheckedInputs,
    check_inputs,
    inputs_of,
)
from components.stack_config import CONFIG_KEYS, Settings, inputs_from_config
from tests.edge_support import CURRENT_TOKEN


@pytest.mark.parametrize(
    ("args_type", "component"),
    [(ProtectedContentArgs, PROTECTED_CONTENT), (EdgeCheckArgs, EDGE_CHECK)],
)
def test_the_args_types_hold_exactly_the_spec_entries_in_order(args_type, component):
    entries = inputs_of(component)
    assert list(args_type.__annotations__) == [entry.name for entry in entries]
    assert args_type.__required_keys__ == {entry.name for entry in entries if entry.required}


def test_the_client_type_holds_exactly_the_client_fields():
    assert list(ClientArgs.__annotations__) == [field.name for field in CLIENT_FIELDS]
    assert ClientArgs.__required_keys__ == {f.name for f in CLIENT_FIELDS if f.required}


def test_secret_inputs_are_pulumi_inputs_and_the_others_plain_values():
    for entry in INPUTS:
        is_input = entry.annotation.startswith("pulumi.Input[")
        assert is_input == (not entry.shapes_resources), entry.name
        if entry.secret:
            assert is_input, f"{entry.name}: a secret may come from a secret manager"


def test_every_entry_has_one_line_of_doc_a_type_and_a_check():
    keys = [entry.key for entry in INPUTS]
    assert len(set(keys)) == len(keys)
    for entry in INPUTS:
        assert entry.doc.endswith(".") and "\n" not in entry.doc, entry.name
        assert entry.type in {"string", "integer", "boolean", "array", "object"}, entry.name
        assert (entry.items is not None) == (entry.type == "array"), entry.name
        declared = entry.choices or entry.pattern or entry.value_range
        assert declared or entry.check is not None or entry.type == "boolean", entry.name
        if entry.pattern is not None or entry.choices:
            assert entry.expected and (entry.example or entry.choices), entry.name
        assert entry.required == (entry.default is None), entry.name


def test_every_default_passes_its_own_check():
    checked = check_inputs({"auth_token": CURRENT_TOKEN})
    assert [f.name for f in dataclasses.fields(checked)] == [entry.name for entry in INPUTS]
    assert checked.auth_header == "authorization" and checked.protected_paths == ("*",)
    assert checked.error_caching_min_ttl == 10 and checked.protect_content is True
    assert checked.clients == () and checked.domain is None
    assert checked.edge_runtime == "lambda-edge" and checked.tags == {}


def test_the_checked_values_never_show_a_token():
    checked = check_inputs({"auth_token": CURRENT_TOKEN})
    assert CURRENT_TOKEN not in repr(checked)
    settings = Settings(**dataclasses.asdict(checked), stack="dev", region="eu-west-1")
    assert CURRENT_TOKEN not in repr(settings)
    assert isinstance(settings, CheckedInputs)


def test_the_stack_config_keys_are_the_config_entries():
    assert tuple(entry.key for entry in CONFIG_INPUTS) == CONFIG_KEYS
    assert "tags" not in CONFIG_KEYS  # a component input only


def test_the_stack_config_reader_decodes_each_type_as_the_cli_passes_it():
    inputs = inputs_from_config(
        {
            "authToken": CURRENT_TOKEN,
            "protectedPaths": '["ex-img/*"]',
            "errorCachingMinTtl": "30",
            "protectContent": "false",
            "clients": "{}",
            "priceClass": "PriceClass_200",
        }
    )
    assert inputs == {
        "auth_token": CURRENT_TOKEN,
        "protected_paths": ["ex-img/*"],
        "error_caching_min_ttl": 30,
        "protect_content": False,
        "clients": {},
        "price_class": "PriceClass_200",
    }


def test_an_input_of_another_component_is_refused_in_one_line():
    with pytest.raises(SettingsError, match="EdgeCheck: price_class is not an input"):
        check_inputs({"auth_token": CURRENT_TOKEN, "price_class": "PriceClass_100"}, EDGE_CHECK)
