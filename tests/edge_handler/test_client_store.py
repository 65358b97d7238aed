"""The function engine's client table as KeyValueStore entries: digests as keys, never a
token; what the decision needs as values; 10,000 clients with a previous token, an expiry and a
scope fit in one store."""

from __future__ import annotations

import base64
import hashlib
import json

from edge_handler.build import EdgeClient
from edge_handler.client_store import (
    MAX_STORE_BYTES,
    MAX_VALUE_BYTES,
    entry_key,
    store_bytes,
    store_entries,
)
from tests.edge_support import CURRENT_TOKEN, PREVIOUS_TOKEN


def test_a_key_is_the_tokens_sha256_in_base64url_and_never_the_token():
    key = entry_key(CURRENT_TOKEN)
    digest = hashlib.sha256(CURRENT_TOKEN.encode()).digest()
    assert base64.urlsafe_b64decode(key + "=") == digest
    assert len(key) == 43 and CURRENT_TOKEN not in key


def test_every_accepted_token_is_one_entry_holding_what_the_decision_needs():
    partner = EdgeClient("partner-a", ("p" * 20 + "0123456789abcdef",), 1900000000, ("ex-img/a/*",))
    entries = store_entries((CURRENT_TOKEN, PREVIOUS_TOKEN), (partner,))
    assert list(entries) == [
        entry_key(CURRENT_TOKEN),
        entry_key(PREVIOUS_TOKEN),
        entry_key(partner.tokens[0]),
    ]
    assert json.loads(entries[entry_key(CURRENT_TOKEN)]) == {"c": "default", "e": None, "p": None}
    assert json.loads(entries[entry_key(partner.tokens[0])]) == {
        "c": "partner-a",
        "e": 1900000000,
        "p": ["ex-img/a/*"],
    }
    for value in entries.values():
        assert CURRENT_TOKEN not in value and PREVIOUS_TOKEN not in value


def test_10000_clients_with_a_previous_token_an_expiry_and_a_scope_fit_in_one_store():
    clients = [
        EdgeClient(
            f"client-{n:05d}",
            (f"{n:08d}-current-0123456789abcdef", f"{n:08d}-previous-0123456789abcdef"),
            4102444800,
            (f"ex-img/client-{n:05d}/*",),
        )
        for n in range(10_000)
    ]
    entries = store_entries((CURRENT_TOKEN,), clients)
    assert len(entries) == 20_001
    assert store_bytes(entries) < MAX_STORE_BYTES
    assert max(len(value) for value in entries.values()) < MAX_VALUE_BYTES
