"""`make local ENGINE=cloudfront-function` reads the clients from the function's KeyValueStore,
built from the stack's checked settings: revoking a client in the config denies it at the
local edge while the function code stays byte-for-byte the same."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from edge_handler.client_store import entry_key
from tests.client_support import OPEN_TOKEN, SCOPED_PREVIOUS_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.support.locations import STACK_CASES_DIR
from tests.tools.local_edge.test_local_edge import request
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions

ENV = {
    "CLIENT_TOKEN_PARTNER_A": SCOPED_TOKEN,
    "CLIENT_PREVIOUS_TOKEN_PARTNER_A": SCOPED_PREVIOUS_TOKEN,
    "CLIENT_TOKEN_MIRROR": OPEN_TOKEN,
}
LOGO = "/ex-img/partner-a/logo.svg"


def stack_dir_with(tmp_path: Path, edit) -> Path:
    """A copy of the partners stack file, its config changed by ``edit``."""
    config = yaml.safe_load((STACK_CASES_DIR / "Pulumi.partners.yaml").read_text())
    edit(config["config"])
    folder = tmp_path / "stacks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.partners.yaml").write_text(yaml.safe_dump(config))
    return folder


def serve(stack_dir: Path, statuses: dict) -> tuple[str, dict, dict]:
    options = LocalEdgeOptions(
        stack="partners",
        stack_dir=stack_dir,
        port=0,
        token=CURRENT_TOKEN,
        client_env=ENV,
        engine="cloudfront-function",
    )
    with LocalEdge(options, log=lambda line: None) as edge:
        serve_in_background(edge)
        answers = {
            name: request(edge, LOGO, headers={"Authorization": f"Bearer {token}"})[0]
            for name, token in statuses.items()
        }
        return edge._engine.code, dict(edge._engine.entries), answers


TOKENS = {"partner-a": SCOPED_TOKEN, "partner-a-previous": SCOPED_PREVIOUS_TOKEN}
TOKENS |= {"mirror": OPEN_TOKEN, "default": CURRENT_TOKEN}


def test_revoking_a_client_in_the_config_denies_it_with_the_same_function_code(tmp_path):
    before = stack_dir_with(tmp_path / "before", lambda config: None)
    code, entries, answers = serve(before, TOKENS)
    assert answers == {"partner-a": 200, "partner-a-previous": 200, "mirror": 200, "default": 200}
    # The store the local edge reads is the one the settings declare.
    assert entry_key(SCOPED_TOKEN) in entries
    assert json.loads(entries[entry_key(SCOPED_TOKEN)])["c"] == "partner-a"

    def revoke(config):
        del config["protected-cdn:clients"]["partner-a"]

    after = stack_dir_with(tmp_path / "after", revoke)
    revoked_code, revoked_entries, answers = serve(after, TOKENS)
    assert answers == {"partner-a": 401, "partner-a-previous": 401, "mirror": 200, "default": 200}
    assert revoked_code.encode() == code.encode()  # only the store changed
    # The store lost the client's two entries and kept the others (archive-co's token is
    # generated afresh by each start, so its key is left out).
    for token in (SCOPED_TOKEN, SCOPED_PREVIOUS_TOKEN):
        assert entry_key(token) in entries and entry_key(token) not in revoked_entries
    for token in (OPEN_TOKEN, CURRENT_TOKEN):
        assert entries[entry_key(token)] == revoked_entries[entry_key(token)]


def test_the_store_holds_one_entry_per_accepted_token_and_the_banner_counts_them(tmp_path):
    folder = stack_dir_with(tmp_path, lambda config: None)
    options = LocalEdgeOptions(
        stack="partners",
        stack_dir=folder,
        port=0,
        token=CURRENT_TOKEN,
        client_env=ENV,
        engine="cloudfront-function",
    )
    with LocalEdge(options, log=lambda line: None) as edge:
        # The stack's tokens, its clients' from the environment, and the one generated for
        # the client the environment gives none: each is a key, nothing else is.
        settings = edge.settings
        tokens = {*settings.accepted_tokens, *(t for c in settings.clients for t in c.tokens)}
        assert {CURRENT_TOKEN, *ENV.values()} < tokens
        assert set(edge._engine.entries) == {entry_key(token) for token in tokens}
        assert f"its KeyValueStore: {len(tokens)} entries, " in edge.banner()
