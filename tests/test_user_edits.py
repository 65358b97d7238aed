"""A user's own domain and an extra stack, then `make snapshots`: the suite stays green.

README tells users to change domainName/hostedZoneName, to drop them for CloudFront's own
domain, and to add stacks. This copies the project, makes those edits there, runs the snapshot
writer (which also records a new stack's identities) and then the suite's stack-dependent tests
on the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The tests that read stack files (everything else does not depend on them).
STACK_TESTS = [
    "tests/test_program.py",
    "tests/components/test_settings.py",
    "tests/tools/stack_files/test_stack_files.py",
    "tests/tools/plan/test_plan_and_policies.py",
    "tests/tools/plan/test_stable_identities.py",
]


def _tracked_files() -> list[str]:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    result = subprocess.run(
        [git, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False, timeout=60
    )
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return [name for name in result.stdout.decode().split("\0") if name]


def _set(text: str, key: str, value: str) -> str:
    line = re.compile(rf"^(  protected-cdn:{key}:).*$", re.MULTILINE)
    assert line.search(text), key
    return line.sub(rf"\1 {value}", text)


def test_own_domain_and_a_new_stack_then_snapshots_keep_the_suite_green(tmp_path):
    copy = tmp_path / "project"
    for name in _tracked_files():
        source = ROOT / name
        if source.is_file():  # a file deleted in the work tree is still listed
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    dev = copy / "Pulumi.dev.yaml"
    text = _set(dev.read_text(), "domainName", "static.acme-widgets.io")
    dev.write_text(_set(text, "hostedZoneName", "acme-widgets.io"))
    # No custom domain on staging: its recorded certificate and DNS records go away by config.
    staging = copy / "Pulumi.staging.yaml"
    staging.write_text(
        re.sub(
            r"^  protected-cdn:(domainName|hostedZoneName):.*\n",
            "",
            staging.read_text(),
            flags=re.MULTILINE,
        )
    )
    assert "domainName" not in staging.read_text()
    identities_before = {p.name: p.read_text() for p in (copy / "tests" / "identities").iterdir()}
    (copy / "Pulumi.qa.yaml").write_text(
        "config:\n"
        "  aws:region: ap-southeast-2\n"
        "  protected-cdn:priceClass: PriceClass_200\n"
        "  protected-cdn:protectedPaths:\n"
        "    - reports/*\n"
        "    - ex-img/*\n"
        "  protected-cdn:protectContent: false\n"
    )
    env = {**os.environ, "AUTH_TOKEN": "", "PREVIOUS_AUTH_TOKENS": ""}
    snapshots = subprocess.run(
        [sys.executable, "-m", "tools.plan.plan", "--write-snapshots"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert snapshots.returncode == 0, snapshots.stderr
    assert (copy / "tests" / "snapshots" / "qa.json").is_file()
    assert (copy / "tests" / "identities" / "qa.json").is_file()
    for name, text in identities_before.items():  # recorded URNs are never rewritten here
        assert (copy / "tests" / "identities" / name).read_text() == text, name
    suite = subprocess.run(
        [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", *STACK_TESTS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert suite.returncode == 0, suite.stdout[-4000:] + suite.stderr[-2000:]
    # The new stack was covered, not skipped.
    assert (
        "PASSED tests/tools/plan/test_plan_and_policies.py::"
        "test_plan_matches_the_accepted_snapshot[qa]" in suite.stdout
    )
    assert re.search(r"PASSED tests/test_program\.py::\w+\[qa\]", suite.stdout)
    for stack in ("qa", "staging", "dev"):
        assert (
            "PASSED tests/tools/plan/test_stable_identities.py::test_kept_resources_keep_their_urns"
            f"[{stack}]" in suite.stdout
        )
