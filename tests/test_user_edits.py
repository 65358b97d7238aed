"""A team edits, renames, deletes and adds its own stacks and examples: the checks that read
them cover whatever is there and pass, and nothing else in the suite reads them.

The top-level Pulumi.<stack>.yaml files and examples/ are the team's; the suite's stack cases,
snapshots and identities live under tests/. This makes the edits a team makes (README tells
them to) in a temporary folder, starting from the example stacks as shipped (never from the
team's own files, whatever they hold), then runs the checks of tests/test_user_stacks.py and
tests/examples/ on it, and the snapshot writer (which must read none of them and rewrite no
recorded identity), in process: no copy of the project, no subprocess.
"""

from __future__ import annotations

import base64
import functools
import shutil

import pytest
import yaml

from tests.edge_support import CURRENT_TOKEN
from tests.examples.test_examples import EXAMPLES_DIR, check_example, example_dirs
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


# The example stacks as shipped: the top-level Pulumi.dev.yaml and Pulumi.prod.yaml carry the
# settings of these stack cases. The user's own files are never read here.
SHIPPED = ("dev", "prod")
DOMAIN_KEYS = ("protected-cdn:domainName", "protected-cdn:hostedZoneName")


def _each_stack(change):
    """An edit of the config of every stack file the folder holds, whatever it already says."""

    def edit(folder):
        for path in sorted(folder.glob("Pulumi.*.yaml")):
            document = yaml.safe_load(path.read_text()) or {}
            change(document.setdefault("config", {}))
            path.write_text(yaml.safe_dump(document, sort_keys=False))

    return edit


def _rename(old: str, new: str):
    def edit(folder):
        if (folder / f"Pulumi.{old}.yaml").exists():
            (folder / f"Pulumi.{old}.yaml").rename(folder / f"Pulumi.{new}.yaml")

    return edit


EDITS = {
    # README's suggested edit: switch the engine.
    "engine": _each_stack(lambda c: c.update({"protected-cdn:edgeRuntime": "cloudfront-function"})),
    "own-domain": _each_stack(
        lambda c: c.update(dict(zip(DOMAIN_KEYS, ("static.acme.io", "acme.io"), strict=True)))
    ),
    "no-domain": _each_stack(lambda c: [c.pop(key, None) for key in DOMAIN_KEYS]),
    "everything": _each_stack(lambda c: c.update({"protected-cdn:protectedPaths": ["*"]})),
    "renamed": _rename("dev", "staging"),
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
    """A team's checkout: the example stacks as shipped."""
    folder = tmp_path / "project"
    folder.mkdir()
    for stack in SHIPPED:
        shutil.copy(STACK_CASES_DIR / f"Pulumi.{stack}.yaml", folder / f"Pulumi.{stack}.yaml")
    return folder


@pytest.mark.parametrize("edit", [*EDITS, "all"])
def test_each_user_edit_beside_an_own_encrypted_stack_is_checked_and_passes(user_folder, edit):
    names = list(EDITS) if edit == "all" else [edit]
    for name in names:
        EDITS[name](user_folder)
    _add_own_encrypted_stack(user_folder)
    stacks = user_stacks(user_folder)
    expected = {"qa"} if "deleted" in names else {"qa", "prod"}
    if "deleted" not in names:
        expected.add("staging" if "renamed" in names else "dev")
    assert set(stacks) == expected  # every stack covered, none skipped
    # qa is the same file after every edit: checked once, in the test below.
    for stack in sorted(set(stacks) - {"qa"}):
        check_user_stack(stack, user_folder)
        settings = read_stack_file(stack, user_folder).settings(CURRENT_TOKEN)
        if "engine" in names:
            assert settings.edge_runtime == "cloudfront-function", stack
        if "no-domain" in names:
            assert not settings.domain_name, stack


def test_an_own_encrypted_stack_beside_the_examples_is_checked_and_passes(user_folder):
    _add_own_encrypted_stack(user_folder)
    check_user_stack("qa", user_folder)
    settings = read_stack_file("qa", user_folder).settings(CURRENT_TOKEN)
    assert settings.edge_runtime == "cloudfront-function" and not settings.domain_name
    qa = read_stack_file("qa", user_folder)
    own_salt = base64.b64encode(OWN_SALT).decode()
    assert qa.encryption_salt.startswith(f"v1:{own_salt}:")  # their salt, not one of ours
    assert OWN_TOKEN not in (user_folder / "Pulumi.qa.yaml").read_text()


EXAMPLE_EDITS = {
    "edited": lambda folder: (folder / "__main__.py").write_text(
        (folder / "__main__.py").read_text().replace("private/*", "members/*")
    ),
    "renamed": lambda folder: folder.rename(folder.with_name(f"{folder.name}-ours")),
    "deleted": shutil.rmtree,
}


@pytest.mark.parametrize("edit", EXAMPLE_EDITS)
def test_edited_renamed_and_deleted_examples_are_checked_and_pass(tmp_path, edit):
    # The examples there are now (the team's to change; none when they deleted examples/).
    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES_DIR, examples) if EXAMPLES_DIR.is_dir() else examples.mkdir()
    shipped = example_dirs(examples)
    for folder in shipped:
        EXAMPLE_EDITS[edit](folder)
    left = example_dirs(examples)
    assert len(left) == (0 if edit == "deleted" else len(shipped))
    for folder in left:
        check_example(folder)


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
