"""Pulumi policy pack entry point: `pulumi preview --policy-pack policy`."""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

# The pack runs from its own folder; the policies live in a module beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cdn_policies import POLICIES

PolicyPack(
    name="protected-cdn",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=POLICIES,
)
