"""Where the suite's stack cases live, and where what is recorded of them is kept.

The top-level Pulumi.<stack>.yaml files are the user's (the offline tools read them by
default); the test suite's stack cases are fixtures in tests/stacks/, and the accepted plans
(tests/snapshots/) and URNs (tests/identities/) are those of the fixture cases. A user who
edits, adds or deletes their own stacks changes none of them.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK_CASES_DIR = ROOT / "tests" / "stacks"
SNAPSHOT_DIR = ROOT / "tests" / "snapshots"
IDENTITY_DIR = ROOT / "tests" / "identities"


def shown(path: Path) -> str:
    """``path`` relative to the project when it is inside it, else as given."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
