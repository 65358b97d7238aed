"""Resources a refactor must never replace keep their URNs (or reach them through an alias).

tests/identities/<stack>.json holds the accepted URNs (`make identities` writes them).
"""

from __future__ import annotations

import dataclasses
import shutil

import pulumi
import pytest

from tests.program_support import plan_case, stack_cases
from tests.support import identities as identities_module
from tests.support.identities import (
    KEPT_TYPES,
    EngineUrns,
    Identity,
    accepted_identities,
    changed_identities,
    identities,
    identity_path,
    make_urn,
    read_identities,
    write_identities,
)
from tests.support.locations import IDENTITY_DIR
from tools.plan.program_run import run_under_mocks

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
BUCKET = "aws:s3/bucket:Bucket"


@pytest.mark.parametrize("stack", stack_cases())
def test_kept_resources_keep_their_urns(stack):
    # check(stack) on the case's cached run; check itself: tests/support/test_recorder_cli.py.
    assert identity_path(stack).exists(), f"no recorded identities for stack {stack!r}"
    problems = changed_identities(plan_case(stack), stack, read_identities(stack))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("stack", stack_cases())
def test_every_kind_of_kept_resource_the_stack_declares_is_recorded(stack):
    recorded = read_identities(stack)
    declared = {identity.type for identity in identities(plan_case(stack), stack)}
    assert declared <= {identity.type for identity in recorded} <= set(KEPT_TYPES)
    assert len({identity.urn for identity in recorded}) == len(recorded)


def _without_domain(run):
    """The run of a stack whose config drops the domain: no certificate, no DNS records."""
    gone = {"aws:acm/certificate:Certificate", "aws:route53/record:Record"}
    return dataclasses.replace(
        run, registrations=[r for r in run.registrations if r.type not in gone]
    )


def test_resources_removed_by_config_are_no_change():
    run = plan_case("dev")
    recorded = identities(run, "dev")
    assert {"aws:acm/certificate:Certificate", "aws:route53/record:Record"} <= {
        i.type for i in recorded
    }
    assert changed_identities(_without_domain(run), "dev", recorded) == []


def test_a_removed_record_next_to_recorded_ones_of_its_type_is_no_change():
    run = plan_case("dev")
    recorded = identities(run, "dev")
    [aaaa] = [r for r in run.registrations if r.name.endswith("dns-aaaa")]
    fewer = dataclasses.replace(run, registrations=[r for r in run.registrations if r != aaaa])
    assert changed_identities(fewer, "dev", recorded) == []


def test_a_rename_is_still_caught_when_other_types_were_removed_by_config():
    run = _without_domain(plan_case("dev"))
    recorded = identities(plan_case("dev"), "dev")
    for index, registration in enumerate(run.registrations):
        if registration.type == DISTRIBUTION:
            run.registrations[index] = dataclasses.replace(registration, name="site-cloudfront")
    [problem] = changed_identities(run, "dev", recorded)
    assert problem.startswith(f"URN changed for {DISTRIBUTION} 'site-cdn-distribution' (was ")


def test_renaming_the_distribution_is_caught_with_the_fix():
    run = plan_case("dev")
    recorded = identities(run, "dev")
    for registration in run.registrations:
        if registration.type == DISTRIBUTION:
            index = run.registrations.index(registration)
            run.registrations[index] = dataclasses.replace(registration, name="site-cloudfront")
    [problem] = changed_identities(run, "dev", recorded)
    assert problem.startswith(f"URN changed for {DISTRIBUTION} 'site-cdn-distribution' (was ")
    assert "add an alias (pulumi.Alias) in the component, or accept with make identities" in problem
    assert "site-cloudfront" in problem  # the URN declared now, to put in the alias


def test_accepting_the_program_as_it_is_rewrites_no_recorded_file(tmp_path, monkeypatch):
    # `make identities` on a clean clone: the recorded URNs that aliases reach are kept.
    # Each case's plan run is the cached one (the same call: placeholders, tests/stacks).
    monkeypatch.setattr(
        identities_module, "plan_run", lambda stack, token, config_dir: plan_case(stack)
    )
    shutil.copytree(IDENTITY_DIR, tmp_path, dirs_exist_ok=True)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    write_identities(identity_dir=tmp_path)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_accepting_a_rename_records_its_new_urn_and_keeps_the_others():
    run = plan_case("dev")
    recorded = read_identities("dev")
    renamed = [
        dataclasses.replace(i, urn=i.urn.replace("site-cdn-distribution", "site-old-name"))
        if i.type == DISTRIBUTION
        else i
        for i in recorded
    ]
    accepted = accepted_identities(run, "dev", renamed)
    (distribution,) = [i for i in accepted if i.type == DISTRIBUTION]
    assert distribution.urn.endswith("::site-cdn-distribution") and distribution not in renamed
    assert sorted(set(accepted) - {distribution}, key=str) == sorted(
        set(recorded) - {distribution}, key=str
    )


def test_engine_urns_qualify_a_type_by_every_parent_but_not_the_stack():
    top = make_urn("dev", "p", "x:index:Outer", "site", None)
    assert top == "urn:pulumi:dev::p::x:index:Outer::site"
    inner = make_urn("dev", "p", "x:index:Inner", "site-inner", top)
    leaf = make_urn("dev", "p", BUCKET, "site-inner-bucket", inner)
    assert leaf == f"urn:pulumi:dev::p::x:index:Outer$x:index:Inner${BUCKET}::site-inner-bucket"


# --- aliases, declared through the real SDK and seen by the mock monitor -----------------


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, type_: str = "test:index:Box", opts=None) -> None:
        super().__init__(type_, name, None, opts)
        self.register_outputs({})


def _bucket(name: str, parent: pulumi.Resource | None, aliases=None) -> None:
    pulumi.CustomResource(BUCKET, name, {}, pulumi.ResourceOptions(parent=parent, aliases=aliases))


def _run(body):
    return run_under_mocks(body, "dev")


def _before():
    box = Box("site")
    _bucket("site-bucket", box)
    _bucket("loose", None)


def test_without_aliases_a_rename_a_move_and_a_parent_rename_all_change_urns():
    recorded = identities(_run(_before), "dev")

    def after():
        box = Box("web")  # the parent renamed: its children's URNs change with it
        _bucket("web-bucket", box)
        _bucket("loose-renamed", None)

    problems = changed_identities(_run(after), "dev", recorded)
    assert len(problems) == 2, problems


def test_aliases_that_resolve_to_the_recorded_urns_are_accepted():
    recorded = identities(_run(_before), "dev")

    def after():
        # Parent renamed with an alias: the child named after it follows (inherited alias).
        box = Box("web", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="site")]))
        _bucket("web-bucket", box)
        # A top-level resource moved into a component and renamed: noParent alias.
        _bucket("box-loose", box, aliases=[pulumi.Alias(name="loose", parent=None)])

    run = _run(after)
    assert any(r.aliases for r in run.registrations), "the monitor records the aliases"
    assert changed_identities(run, "dev", recorded) == []


def test_an_alias_naming_another_parent_or_type_is_resolved_in_the_engine_form():
    recorded = identities(_run(_before), "dev")
    old_box_urn = make_urn("dev", "protected-cdn", "test:index:Box", "site", None)

    def after():
        old_box = Box("site")
        other = Box("content", type_="test:index:Content")
        # Moved under another component: the alias names the old parent as a resource
        # (the SDK sends its mock URN) and, for the second bucket, as an engine URN string.
        _bucket("site-bucket", other, aliases=[pulumi.Alias(parent=old_box)])
        _bucket("site-bucket-2", other, aliases=[pulumi.Alias(parent=old_box_urn)])
        # A changed type (e.g. a provider's renamed resource) with an alias to the old type.
        pulumi.CustomResource(
            "aws:s3/bucketV2:BucketV2",
            "loose",
            {},
            pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=BUCKET)]),
        )

    recorded.append(
        Identity(
            BUCKET,
            "site-bucket-2",
            f"{old_box_urn[: old_box_urn.rfind('::')]}${BUCKET}::site-bucket-2",
        )
    )
    assert changed_identities(_run(after), "dev", recorded) == []


def test_an_alias_to_a_different_old_name_does_not_hide_a_change():
    recorded = identities(_run(_before), "dev")

    def after():
        box = Box("site")
        _bucket("site-bucket-2", box, aliases=[pulumi.Alias(name="something-else")])
        _bucket("loose", None)

    [problem] = changed_identities(_run(after), "dev", recorded)
    assert "'site-bucket'" in problem


def test_engine_urns_of_the_program_carry_the_whole_component_chain():
    run = plan_case("dev")
    urns = EngineUrns(run, "dev")
    [distribution] = run.of_type(DISTRIBUTION)
    assert urns.urn(distribution.urn) == (
        "urn:pulumi:dev::protected-cdn::protected-cdn:index:ProtectedContent"
        f"$protected-cdn:index:Distribution${DISTRIBUTION}::{distribution.name}"
    )
