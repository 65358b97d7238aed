"""Generated files have one source each: Pulumi.yaml's config block, docs/configuration.md,
docs/component.md's input tables and components/args.py come from the input spec
(components/inputs.py), docs/component.md's outputs table from ProtectedContent's annotations."""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import typing
from pathlib import Path

import pytest
import yaml

import components
from components.inputs import CONFIG_INPUTS
from tools.docs import generate as docs


def _diff(path: Path, expected: str) -> str:
    """Empty when ``path`` holds ``expected``, else a unified diff (file -> generated)."""
    name = path.relative_to(docs.ROOT).as_posix()
    return "".join(
        difflib.unified_diff(
            path.read_text(encoding="utf-8").splitlines(keepends=True),
            expected.splitlines(keepends=True),
            fromfile=f"{name} (committed)",
            tofile=f"{name} (from the input spec)",
        )
    )


@pytest.mark.parametrize("path", sorted(docs.targets()), ids=lambda p: p.name)
def test_every_generated_file_equals_what_its_source_renders(path):
    expected = docs.targets()[path]
    changes = _diff(path, expected)
    assert not changes, (
        f"{path.name} differs from the input spec (components/inputs.py). "
        f"Edit the text there, then run: make docs\n{changes}"
    )


def test_project_file_stays_a_pulumi_project_with_every_key_declared():
    project = yaml.safe_load(docs.PROJECT_FILE.read_text(encoding="utf-8"))
    assert project["name"] == "protected-cdn"
    assert project["description"]
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }
    declared = project["config"]
    assert list(declared) == [key.key for key in CONFIG_INPUTS]
    for key in CONFIG_INPUTS:
        entry = declared[key.key]
        # Pulumi's ConfigTypeDeclaration: only these fields; items required for an array.
        assert set(entry) <= {"type", "items", "description", "secret", "default"}, key.key
        assert entry.get("type", "object") in {"string", "integer", "boolean", "array", "object"}
        assert ("type" in entry) == (key.type != "object"), key.key
        assert ("items" in entry) == (key.type == "array"), key.key
        assert entry["description"] == docs.plain(key.doc), key.key
        # An untyped (object) key declares no default: the program applies it.
        assert entry.get("default") == (None if key.type == "object" else key.default), key.key


def test_descriptions_are_full_sentences_without_table_breaking_characters():
    for key in CONFIG_INPUTS:
        assert key.doc.endswith("."), key.key
        assert len(key.doc) >= 40, key.key
        assert "\n" not in key.doc and "|" not in key.doc, key.key
        assert key.doc.count("`") % 2 == 0, key.key


def test_a_changed_description_shows_up_as_a_diff_in_both_files():
    changed = tuple(
        dataclasses.replace(key, doc=key.doc + " Changed.") if key.key == "webAclId" else key
        for key in CONFIG_INPUTS
    )
    project = docs.PROJECT_FILE.read_text(encoding="utf-8")
    page = docs.CONFIGURATION_DOC.read_text(encoding="utf-8")
    assert "Changed." in docs.project_file(project, changed)
    assert docs.project_file(project, changed) != project
    assert "Changed." in docs.configuration_doc(page, changed)
    assert docs.configuration_doc(page, changed) != page


def test_write_mode_rewrites_only_the_stale_files_and_names_them(monkeypatch, capsys, tmp_path):
    (tmp_path / "docs").mkdir()
    stale = tmp_path / "docs" / "configuration.md"
    stale.write_text(
        docs.CONFIGURATION_DOC.read_text(encoding="utf-8").replace("| `webAclId` |", "| x |")
    )
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    monkeypatch.setattr(docs, "CONFIGURATION_DOC", stale)
    component = tmp_path / "docs" / "component.md"
    component.write_text(
        docs.COMPONENT_DOC.read_text(encoding="utf-8").replace("| `bucketName` |", "| y |")
    )
    monkeypatch.setattr(docs, "COMPONENT_DOC", component)
    project = tmp_path / "Pulumi.yaml"
    project.write_text(docs.PROJECT_FILE.read_text(encoding="utf-8"))
    monkeypatch.setattr(docs, "PROJECT_FILE", project)
    args_module = tmp_path / "args.py"
    args_module.write_text(docs.ARGS_MODULE.read_text(encoding="utf-8"))
    monkeypatch.setattr(docs, "ARGS_MODULE", args_module)
    assert docs.main(["--write"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "wrote docs/configuration.md",
        "wrote docs/component.md",
    ]
    assert all(_diff(path, text) == "" for path, text in docs.targets().items())
    assert docs.main(["--write"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("render", [docs.configuration_doc, docs.component_doc])
def test_a_page_without_the_markers_is_refused_in_one_line(render):
    with pytest.raises(docs.DocsError, match=r"docs/.*markers"):
        render("# no table here\n")


def test_the_stack_exports_exactly_the_component_outputs_the_docs_describe():
    from tests.program_support import run_stack

    properties = docs.component_schema()["properties"]
    assert sorted(run_stack("dev").outputs) == sorted(properties)
    assert all(prop.get("description") for prop in properties.values())
    table = docs.outputs_table()
    for name in properties:
        assert f"| `{name}` |" in table


@pytest.mark.parametrize("component", ["ProtectedContent", "EdgeCheck"])
def test_component_md_lists_every_output_of_each_component_with_its_python_name(component):
    cls = getattr(components, component)
    attributes = [
        name
        for name, annotation in inspect.get_annotations(cls).items()
        if typing.get_origin(annotation) is not None
    ]
    page = docs.COMPONENT_DOC.read_text(encoding="utf-8")
    table = page[
        page.index(docs.markers("outputs", component)[0]) : page.index(
            docs.markers("outputs", component)[1]
        )
    ]
    rows = [line.split(" | ")[:2] for line in table.splitlines() if line.startswith("| `")]
    listed = [python.strip("` ") for _output, python in rows]
    assert listed == attributes
