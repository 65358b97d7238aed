"""`make identities`: the URNs of the resources a refactor must never replace, per stack.

Pulumi keys a resource's state by its URN (stack, project, the chain of parent types, the
resource's own type and name). Renaming a resource, changing its type or moving it under
another component changes the URN, and ``pulumi up`` then deletes the old resource and
creates a new one: a new bucket (empty), a new distribution (new domain name), a new
certificate. Unless the resource declares ``aliases`` that resolve to its old URN.

tests/identities/<stack>.json records, for each stack case of tests/stacks/, the URNs of the
content buckets, their policies, the edge function, the distribution, the certificate and the
DNS records as the engine would key them. tests/support/test_stable_identities.py runs the
program under mocks and fails when one of them is neither declared any more nor reachable
through an alias while the program declares an unrecorded resource of its type (a rename); one
whose type is gone altogether was removed by config (e.g. no custom domain: no certificate, no
DNS records) and passes. `make snapshots` writes the file of a new stack case; it never
rewrites an existing one.

Accepting keeps each recorded URN the program still reaches (under it or through an alias):
that is the URN deployed stacks hold. Only a resource reached by no recorded URN is recorded
under its URN now, so accepting an unchanged program rewrites nothing.

    python -m tests.support.identities --write  # accept the current URNs after a deliberate change
    python -m tests.support.identities --check  # exit 1 and name each identity that changed
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from components.checks import PROJECT
from tests.support.locations import IDENTITY_DIR, STACK_CASES_DIR
from tests.support.recorder_cli import recorder_main
from tools.plan.plan import plan_run
from tools.plan.program_run import ProgramRun, Registration
from tools.stack_files.reader import available_stacks

ACCEPT = "make identities (python -m tests.support.identities --write)"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
# Replacing one of these loses data or changes what viewers reach: content, the token check,
# the public name, its certificate and records, and who may read the buckets.
KEPT_TYPES = (
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:lambda/function:Function",
    "aws:cloudfront/function:Function",
    "aws:cloudfront/distribution:Distribution",
    "aws:acm/certificate:Certificate",
    "aws:route53/record:Record",
)


@dataclass(frozen=True)
class Identity:
    type: str
    name: str
    urn: str

    def label(self) -> str:
        return f"{self.type} {self.name!r}"


def make_urn(stack: str, project: str, type_: str, name: str, parent: str | None) -> str:
    """The URN the engine gives a resource: a child's type is qualified by its parent's."""
    if parent:
        return f"{parent[: parent.rfind('::')]}${type_}::{name}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def alias_record(alias: Any) -> dict[str, Any]:
    """One recorded ``pulumirpc.Alias`` as plain data: its URN, or the fields its spec sets."""
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    record = {
        field_name: getattr(spec, field_name)
        for field_name in ("name", "type", "stack", "project", "parentUrn")
        if getattr(spec, field_name)
    }
    if spec.noParent:
        record["noParent"] = True
    return record


class EngineUrns:
    """Engine URNs and alias URNs of a mock run's resources.

    The mock monitor's URNs qualify a type by its direct parent only and keep the root
    stack's type; the engine qualifies it by the whole chain of component types, without
    the root stack. Alias resolution follows the SDK's ``all_aliases``: a resource's own
    aliases, plus each of its parent's aliases applied to it (a child named after its parent
    follows the parent's old name).
    """

    def __init__(self, run: ProgramRun, stack: str, project: str = PROJECT) -> None:
        self.stack = stack
        self.project = project
        self.by_mock_urn = {r.urn: r for r in run.registrations}
        self.urn = cache(self._urn)
        self.aliases = cache(self._aliases)

    def parent_of(self, registration: Registration) -> Registration | None:
        return self.by_mock_urn.get(registration.parent)

    def _urn(self, mock_urn: str) -> str:
        registration = self.by_mock_urn[mock_urn]
        parent = self.parent_of(registration)
        parent_urn = self.urn(parent.urn) if parent else None
        return make_urn(self.stack, self.project, registration.type, registration.name, parent_urn)

    def _engine_parent(self, urn: str) -> str | None:
        """An alias's parent URN as the engine sees it (the SDK sends the mock's form)."""
        if urn in self.by_mock_urn:
            return self.urn(urn)
        parts = urn.split("::")
        if len(parts) == 4 and parts[2].split("$")[-1] == ROOT_STACK_TYPE:
            return None  # the root stack: the resource was at the top level
        return urn

    def _aliases(self, mock_urn: str) -> frozenset[str]:
        registration = self.by_mock_urn[mock_urn]
        parent = self.parent_of(registration)
        default_parent = self.urn(parent.urn) if parent else None
        own: list[str] = []
        for alias in map(alias_record, registration.aliases):
            if "urn" in alias:
                own.append(alias["urn"])
                continue
            if alias.get("noParent"):
                alias_parent = None
            elif alias.get("parentUrn"):
                alias_parent = self._engine_parent(alias["parentUrn"])
            else:
                alias_parent = default_parent
            own.append(
                make_urn(
                    alias.get("stack") or self.stack,
                    alias.get("project") or self.project,
                    alias.get("type") or registration.type,
                    alias.get("name") or registration.name,
                    alias_parent,
                )
            )
        found = set(own)
        if parent:
            for parent_alias in self.aliases(parent.urn):
                found.add(
                    self._inherited(registration.name, registration.type, parent, parent_alias)
                )
                for alias_urn in own:
                    alias_type = alias_urn.split("::")[2].split("$")[-1]
                    alias_name = alias_urn.split("::")[-1]
                    found.add(self._inherited(alias_name, alias_type, parent, parent_alias))
        return frozenset(found)

    @staticmethod
    def _inherited(name: str, type_: str, parent: Registration, parent_alias: str) -> str:
        if name.startswith(parent.name):
            name = parent_alias[parent_alias.rfind("::") + 2 :] + name[len(parent.name) :]
        return f"{parent_alias[: parent_alias.rfind('::')]}${type_}::{name}"


def identities(run: ProgramRun, stack: str) -> list[Identity]:
    """The kept resources of a run with their engine URNs, sorted by URN."""
    urns = EngineUrns(run, stack)
    kept = [
        Identity(r.type, r.name, urns.urn(r.urn)) for r in run.registrations if r.type in KEPT_TYPES
    ]
    return sorted(kept, key=lambda identity: identity.urn)


def accepted_identities(run: ProgramRun, stack: str, recorded: list[Identity]) -> list[Identity]:
    """The identities to record for a run: each kept resource under the recorded URN it still
    reaches (its URN or one of its aliases), else under its URN now; sorted by URN."""
    urns = EngineUrns(run, stack)
    kept = []
    for registration in run.registrations:
        if registration.type not in KEPT_TYPES:
            continue
        now = urns.urn(registration.urn)
        reached = {now} | urns.aliases(registration.urn)
        still = [i for i in recorded if i.urn in reached and i.type == registration.type]
        kept.append(still[0] if still else Identity(registration.type, registration.name, now))
    return sorted(set(kept), key=lambda identity: identity.urn)


def identity_path(stack: str, identity_dir: Path = IDENTITY_DIR) -> Path:
    return identity_dir / f"{stack}.json"


def identity_text(kept: list[Identity]) -> str:
    entries = [{"type": i.type, "name": i.name, "urn": i.urn} for i in kept]
    return json.dumps(entries, indent=2) + "\n"


def read_identities(stack: str, identity_dir: Path = IDENTITY_DIR) -> list[Identity]:
    path = identity_path(stack, identity_dir)
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return [Identity(e["type"], e["name"], e["urn"]) for e in entries]


def changed_identities(run: ProgramRun, stack: str, recorded: list[Identity]) -> list[str]:
    """One message per recorded identity the run renamed: it is reached neither under its URN
    nor through an alias, while the run declares a resource of its type that is not recorded.

    A recorded identity whose type the run no longer declares at all (e.g. the certificate and
    DNS records once the stack drops its domain), or whose type's resources are all recorded
    ones, was removed by config, not renamed: that is no problem.
    """
    urns = EngineUrns(run, stack)
    reached: set[str] = set()
    now: dict[str, list[str]] = {}
    for registration in run.registrations:
        urn = urns.urn(registration.urn)
        reached.add(urn)
        reached |= urns.aliases(registration.urn)
        now.setdefault(registration.type, []).append(urn)
    problems = []
    for identity in recorded:
        if identity.urn in reached:
            continue
        candidates = sorted(set(now.get(identity.type, [])) - {i.urn for i in recorded})
        if not candidates:
            continue  # removed by config: nothing of its type took its place
        problems.append(
            f"URN changed for {identity.label()} (was {identity.urn}; "
            f"declared now: {', '.join(candidates)}): "
            f"add an alias (pulumi.Alias) in the component, or accept with {ACCEPT}"
        )
    return problems


def check(
    stack: str, config_dir: Path = STACK_CASES_DIR, identity_dir: Path = IDENTITY_DIR
) -> list[str]:
    """Problems of stack case ``stack``: a missing identity file, or each identity that changed."""
    if not identity_path(stack, identity_dir).exists():
        return [f"no recorded identities for stack {stack!r}: accept them with {ACCEPT}"]
    run = plan_run(stack, token=None, config_dir=config_dir)
    return changed_identities(run, stack, read_identities(stack, identity_dir))


def write_identities(
    missing_only: bool = False,
    config_dir: Path = STACK_CASES_DIR,
    identity_dir: Path = IDENTITY_DIR,
) -> list[Path]:
    """Write each stack case's identities; with ``missing_only`` only for cases without a file
    (a new case), so that changing a recorded URN stays a deliberate `make identities`."""
    identity_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for stack in available_stacks(config_dir):
        path = identity_path(stack, identity_dir)
        if missing_only and path.exists():
            continue
        run = plan_run(stack, token=None, config_dir=config_dir)
        recorded = read_identities(stack, identity_dir) if path.exists() else []
        text = identity_text(accepted_identities(run, stack, recorded))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    return recorder_main(
        argv,
        "make identities",
        __doc__.split("\n\n")[0],
        {"identity-dir": IDENTITY_DIR},
        write=lambda args: write_identities(
            config_dir=args.stack_dir, identity_dir=args.identity_dir
        ),
        changes=lambda args: [
            problem
            for stack in available_stacks(args.stack_dir)
            for problem in check(stack, args.stack_dir, args.identity_dir)
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
