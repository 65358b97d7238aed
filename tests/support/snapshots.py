"""`make snapshots`: accept the offline plans of the suite's stack cases as tests/snapshots/.

A snapshot is the JSON plan (tools/plan/plan.py) of one stack case of tests/stacks/, with
placeholder tokens: every resource with its masked inputs, the outputs and the policy
results. tests/tools/plan/test_plan_and_policies.py fails when a plan differs from its
snapshot, with the diff. Writing the snapshots also records the identities (URNs) of a case
that has none yet; it never rewrites recorded ones (that stays a deliberate `make identities`).

The user's own stacks (the top-level Pulumi.<stack>.yaml) are not snapshotted: editing them
changes no recorded file.

    python -m tests.support.snapshots --write    # accept the current plans
    python -m tests.support.snapshots --check    # exit 1 and print the diff of each changed plan
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

from tests.support.identities import write_identities
from tests.support.locations import IDENTITY_DIR, SNAPSHOT_DIR, STACK_CASES_DIR, shown
from tests.support.recorder_cli import recorder_main
from tools.plan.plan import PlanRun, plan_document, plan_run
from tools.plan.policy_run import run_policies
from tools.stack_files.reader import available_stacks


def snapshot_text(
    stack: str, config_dir: Path = STACK_CASES_DIR, run: PlanRun | None = None
) -> str:
    """The snapshot of a stack case; of ``run`` when given (its plan run with placeholders)."""
    run = run or plan_run(stack, token=None, config_dir=config_dir)
    document = plan_document(run, stack, run_policies(run))
    # Without the clients' days left, a recorded plan does not age.
    for row in document["clients"]:
        del row["daysLeft"]
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def snapshot_diff(
    stack: str,
    config_dir: Path = STACK_CASES_DIR,
    snapshot_dir: Path = SNAPSHOT_DIR,
    run: PlanRun | None = None,
) -> str:
    """Empty when the stack's plan (``run`` when given) equals its snapshot, else a diff."""
    path = snapshot_dir / f"{stack}.json"
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    actual = snapshot_text(stack, config_dir, run)
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{shown(path)} (accepted)",
            tofile=f"{stack} plan now",
        )
    )


def write_snapshots(
    config_dir: Path = STACK_CASES_DIR,
    snapshot_dir: Path = SNAPSHOT_DIR,
    identity_dir: Path = IDENTITY_DIR,
) -> list[Path]:
    """Accept every stack case's plan, and record the identities of cases that have none yet."""
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stack in available_stacks(config_dir):
        path = snapshot_dir / f"{stack}.json"
        text = snapshot_text(stack, config_dir)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written + write_identities(
        missing_only=True, config_dir=config_dir, identity_dir=identity_dir
    )


def main(argv: list[str] | None = None) -> int:
    return recorder_main(
        argv,
        "make snapshots",
        __doc__.split("\n\n")[0],
        {"snapshot-dir": SNAPSHOT_DIR, "identity-dir": IDENTITY_DIR},
        write=lambda args: write_snapshots(args.stack_dir, args.snapshot_dir, args.identity_dir),
        changes=lambda args: [
            diff
            for stack in available_stacks(args.stack_dir)
            if (diff := snapshot_diff(stack, args.stack_dir, args.snapshot_dir))
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
