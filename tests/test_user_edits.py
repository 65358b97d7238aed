"""A user edits, deletes and adds their own stacks: the suite stays green and covers them.

The top-level Pulumi.<stack>.yaml files are the user's; the suite's stack cases, snapshots and
identities live under tests/. This makes the edits a user makes (README tells them to) in a
temporary folder holding a copy of the top-level stack files, then runs the snapshot writer
(which must read none of them and rewrite no recorded identity) and the checks of
tests/test_user_stacks.py on that folder, in process: no copy of the project, no subprocess.
"""

from __future__ import annotations

import base64
import functools
import re
import shutil

import pytest

from tests.passphrase_support import encrypt, key_from_salt_state, new_salt_state
from tests.support import snapshots
from tests.support.locations import IDENTITY_DIR, STACK_CASES_DIR
from tests.test_user_stacks import check_user_stack, user_stacks
from tools.plan import plan
from tools.stack_files.reader import ROOT, available_stacks, read_stack_file

# The user's own passphrase and token: a stack they made with `pulumi stack init qa` and
# `pulumi config set --secret authToken "$(openssl rand -hex 32)"`.
OWN_PASSPHRASE = "the-users-own-passphrase"
OWN_TOKEN = "7d1e9a3c5b2f4086a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b0d2f4"
OWN_SALT = b"own-salt"


@functools.cache
def _own_salt_state() -> tuple[str, bytes]:
    """Their encryptionsalt and key (one PBKDF2 run of a million rounds: derived once)."""
    state, key = new_salt_state(OWN_PASSPHRASE, OWN_SALT)
    assert key_from_salt_state(OWN_PASSPHRASE, state) == key  # as Pulumi checks a passphrase
    return state, key


def _set(text: str, key: str, value: str) -> str:
    line = re.compile(rf"^(  protected-cdn:{key}:).*$", re.MULTILINE)
    assert line.search(text), key
    return line.sub(rf"\1 {value}", text)


def _drop(text: str, *keys: str) -> str:
    for key in keys:
        text = re.sub(rf"^  protected-cdn:{key}:.*\n", "", text, flags=re.MULTILINE)
        assert f"protected-cdn:{key}:" not in text, key
    return text


def _protect_everything(text: str) -> str:
    text = re.sub(r"^  protected-cdn:protectedPaths:\n(    - .*\n)+", "", text, flags=re.MULTILINE)
    return text + '  protected-cdn:protectedPaths:\n    - "*"\n'


def _edit(folder, stack: str, change) -> None:
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(change(path.read_text()))


EDITS = {
    "engine": lambda folder: _edit(
        folder, "dev", lambda t: t + "  protected-cdn:edgeRuntime: cloudfront-function\n"
    ),
    "own-domain": lambda folder: _edit(
        folder,
        "dev",
        lambda t: _set(_set(t, "domainName", "static.acme.io"), "hostedZoneName", "acme.io"),
    ),
    "no-domain": lambda folder: _edit(
        folder, "prod", lambda t: _drop(t, "domainName", "hostedZoneName")
    ),
    "everything": lambda folder: _edit(folder, "dev", _protect_everything),
    "deleted": lambda folder: [path.unlink() for path in folder.glob("Pulumi.*.yaml")],
}


def _add_own_encrypted_stack(folder) -> None:
    state, key = _own_salt_state()
    (folder / "Pulumi.qa.yaml").write_text(
        f"encryptionsalt: {state}\n"
        "config:\n"
        "  aws:region: ap-southeast-2\n"
        "  protected-cdn:authToken:\n"
        f"    secure: {encrypt(key, OWN_TOKEN)}\n"
        "  protected-cdn:edgeRuntime: cloudfront-function\n"
        "  protected-cdn:protectedPaths:\n"
        "    - reports/*\n"
        "  protected-cdn:protectContent: false\n"
    )


@pytest.fixture
def user_folder(tmp_path):
    """A copy of the user's stack files, as a user's checkout holds them."""
    folder = tmp_path / "project"
    folder.mkdir()
    for path in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(path, folder / path.name)
    assert available_stacks(folder), "the project ships example stacks"
    return folder


@pytest.mark.parametrize("edit", [*EDITS, "all"])
def test_each_user_edit_and_an_own_encrypted_stack_are_checked_and_pass(user_folder, edit):
    for name in EDITS if edit == "all" else [edit]:
        EDITS[name](user_folder)
    _add_own_encrypted_stack(user_folder)
    stacks = user_stacks(user_folder)
    assert "qa" in stacks  # the new stack is covered, not skipped
    assert ("prod" in stacks) == (edit not in ("deleted", "all"))
    for stack in stacks:
        check_user_stack(stack, user_folder)
    qa = read_stack_file("qa", user_folder)
    own_salt = base64.b64encode(OWN_SALT).decode()
    assert qa.encryption_salt.startswith(f"v1:{own_salt}:")  # their salt, not one of ours
    assert OWN_TOKEN not in (user_folder / "Pulumi.qa.yaml").read_text()


def test_the_snapshot_writer_reads_only_the_stack_cases_and_keeps_recorded_identities(
    tmp_path, monkeypatch
):
    # Whatever the user did to their own stacks: the writer never opens them.
    folders = []
    real_read = plan.read_stack_file

    def recording_read(stack, root=ROOT):
        folders.append(root)
        return real_read(stack, root)

    monkeypatch.setattr(plan, "read_stack_file", recording_read)
    identities = tmp_path / "identities"
    shutil.copytree(IDENTITY_DIR, identities)
    before = {path.name: path.read_bytes() for path in identities.iterdir()}
    written = snapshots.write_snapshots(
        snapshot_dir=tmp_path / "snapshots", identity_dir=identities
    )
    cases = available_stacks(STACK_CASES_DIR)
    assert sorted(path.stem for path in written) == sorted(cases)
    assert set(folders) == {STACK_CASES_DIR}
    assert {path.name: path.read_bytes() for path in identities.iterdir()} == before
