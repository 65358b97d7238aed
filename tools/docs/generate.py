"""`make docs`: render what comes from the input spec and from the outputs' annotations.

``components/inputs.py`` holds each input's type, default, secret flag and description.
This writes them into Pulumi.yaml's ``config:`` block (the rest of the file is kept as it is),
docs/configuration.md's configuration table and docs/component.md's input tables (between the
markers), and the components' args types (components/args.py, from which Pulumi infers the
component schema); docs/component.md's outputs tables come from the components' output
annotations through that schema. tests/tools/docs/test_docs_source.py renders them in memory
and fails, with the diff, on any difference.

    python -m tools.docs.generate --write     # regenerate the files
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path

from components import CLIENT_FIELDS, CONFIG_INPUTS, EDGE_CHECK, PROTECTED_CONTENT, Input, inputs_of

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILE = ROOT / "Pulumi.yaml"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"
COMPONENT_DOC = ROOT / "docs" / "component.md"
ARGS_MODULE = ROOT / "components" / "args.py"
# Where a camelCase name gets an underscore: its Python attribute is snake_case.
_SNAKE = re.compile(r"(?<=[a-z0-9])([A-Z])")
# Width of a description line in Pulumi.yaml (after its 6-space indent).
WRAP = 90


class DocsError(Exception):
    """A target file lacks the place the generated text goes."""


def plain(description: str) -> str:
    """The description for the CLI (Pulumi.yaml): the same text without markdown backticks."""
    return description.replace("`", "")


def config_block(keys: Iterable[Input] = CONFIG_INPUTS) -> str:
    """Pulumi.yaml's ``config:`` block: type, items, default, secret, description per key.

    Pulumi's project schema (ConfigTypeDeclaration) takes exactly these fields; ``items`` is
    required for an array. A key is marked secret only when it has no default: a default in
    Pulumi.yaml is plaintext and cannot be encrypted, and the program checks the rest.
    """
    lines = ["config:"]
    for key in keys:
        lines.append(f"  {key.key}:")
        if key.type != "object":
            # Pulumi's project schema has no object type before pulumi/pulumi#20129; an
            # untyped declaration is accepted and the program validates the value.
            lines.append(f"    type: {key.type}")
        if key.items:
            lines += ["    items:", f"      type: {key.items}"]
        if key.default is not None and key.type != "object":
            # JSON is valid YAML and leaves no doubt about a type ("" vs empty, 10 vs "10").
            lines.append(f"    default: {json.dumps(key.default)}")
        if key.secret and key.default is None:
            lines.append("    secret: true")
        text = textwrap.fill(plain(key.doc), WRAP, break_on_hyphens=False, break_long_words=False)
        lines += ["    description: >-", textwrap.indent(text, "      ")]
    return "\n".join(lines) + "\n"


def project_file(current: str, keys: Iterable[Input] = CONFIG_INPUTS) -> str:
    """Pulumi.yaml with its config block regenerated; every line before ``config:`` kept."""
    head, marker, _ = current.partition("\nconfig:\n")
    if not marker:
        raise DocsError("Pulumi.yaml has no top-level 'config:' block; add 'config:' at its end")
    return head + "\n" + config_block(keys)


def _readme_type(key: Input) -> str:
    return f"list of {key.items}s" if key.type == "array" else key.type


def _readme_default(key: Input) -> str:
    if key.default is None:
        return "required"
    if isinstance(key.default, str) and key.default:
        return f"`{key.default}`"
    return f"`{json.dumps(key.default)}`"


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markers(table: str, component: str = "") -> tuple[str, str]:
    """The comments around a generated table ("config", "inputs", "outputs") in the docs."""
    source, edit = {
        "outputs": ("the component's output annotations", "edit their docstrings"),
    }.get(table, ("the input spec in components/inputs.py", "edit it there"))
    name = f"{table}-table{' ' if component else ''}{component}"
    return f"<!-- {name}: generated from {source} by `make docs`; {edit} -->", f"<!-- /{name} -->"


def config_table(keys: Iterable[Input] = CONFIG_INPUTS) -> str:
    return _table(
        ("key", "type", "default", "secret", "meaning"),
        (
            (f"`{k.key}`", _readme_type(k), _readme_default(k), "yes" if k.secret else "no", k.doc)
            for k in keys
        ),
    )


def inputs_table(component: str) -> str:
    """A component's inputs: schema name (camelCase), Python name, type, default, whether it
    is a pulumi.Input (may be an Output) or a plain value, and the doc."""
    return _table(
        ("input", "Python", "type", "default", "Input or plain", "meaning"),
        (
            (
                f"`{entry.key}`",
                f"`{entry.name}`",
                _readme_type(entry),
                _readme_default(entry),
                "Input, secret" if entry.secret else "plain" if entry.shapes_resources else "Input",
                entry.doc,
            )
            for entry in inputs_of(component)
        ),
    )


def component_schema(component: str = PROTECTED_CONTENT) -> dict:
    """A component's schema as Pulumi's component provider host infers it (one source for the
    outputs: their annotations and docstrings)."""
    from pulumi.provider.experimental.component import ComponentProvider

    from components import EdgeCheck, ProtectedContent

    provider = ComponentProvider([ProtectedContent, EdgeCheck], "protected-cdn", None, "0.0.0")
    return json.loads(provider.schema)["resources"][f"protected-cdn:index:{component}"]


def _schema_type(prop: dict) -> str:
    if prop.get("type") == "array":
        return f"list of {prop['items'].get('type', 'object')}s"
    return prop.get("type", "object")


def outputs_table(component: str = PROTECTED_CONTENT) -> str:
    properties = component_schema(component)["properties"]
    return _table(
        ("output", "Python", "type", "meaning"),
        (
            (
                f"`{n}`",
                "`" + _SNAKE.sub(r"_\1", n).lower() + "`",
                _schema_type(p),
                p.get("description", ""),
            )
            for n, p in properties.items()
        ),
    )


def _between(current: str, markers: tuple[str, str], body: str, name: str) -> str:
    begin, end = markers
    start = current.find(begin)
    stop = current.find(end)
    if start < 0 or stop < start:
        raise DocsError(f"{name} lacks the markers {begin!r} ... {end!r}")
    body_start = start + len(begin)
    return current[:body_start] + "\n" + body + current[stop:]


def configuration_doc(current: str, keys: Iterable[Input] = CONFIG_INPUTS) -> str:
    """docs/configuration.md with the text between the config-table markers regenerated."""
    return _between(current, markers("config"), config_table(keys), "docs/configuration.md")


def component_doc(current: str) -> str:
    """docs/component.md with each component's inputs and outputs tables regenerated."""
    for component in (PROTECTED_CONTENT, EDGE_CHECK):
        for table, render in (("inputs", inputs_table), ("outputs", outputs_table)):
            where = markers(table, component)
            current = _between(current, where, render(component), "docs/component.md")
    return current


# components/args.py: Pulumi's component provider host reads the args TypedDicts and their
# attribute docstrings from source (inspect.getsource), so they must exist as written code.
ARGS_HEADER = '''"""The components' args types, written by `make docs` from components/inputs.py.

Pulumi's component provider host reads these TypedDicts and their docstrings as the schema of
ProtectedContent and EdgeCheck for every language. No ``from __future__ import annotations``:
the host reads the annotations as real types.
"""

from typing import NotRequired, TypedDict

import pulumi
'''

# Each args class: its docstring and the spec entries that are its fields.
CLASSES = {
    "ClientArgs": (
        "One named client: its own token, optional expiry and path scope.",
        CLIENT_FIELDS,
    ),
    PROTECTED_CONTENT + "Args": (
        "Inputs of ProtectedContent; each mirrors the stack config key of the same name.",
        inputs_of(PROTECTED_CONTENT),
    ),
    EDGE_CHECK + "Args": (
        "Inputs of EdgeCheck: the token check on a distribution of your own.",
        inputs_of(EDGE_CHECK),
    ),
}


def _docstring(text: str) -> str:
    # One line each: the host passes a docstring's text through as the schema description.
    return '"""' + text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'


def render_args_module() -> str:
    lines = ARGS_HEADER.splitlines()
    for name, (doc, fields) in CLASSES.items():
        lines += ["", "", f"class {name}(TypedDict):", f"    {_docstring(doc)}", ""]
        for field in fields:
            shown = field.annotation if field.required else f"NotRequired[{field.annotation}]"
            lines += [f"    {field.name}: {shown}", f"    {_docstring(field.doc)}"]
    return "\n".join(lines) + "\n"


def targets() -> dict[Path, str]:
    """Each generated file and the text it must have."""
    return {
        PROJECT_FILE: project_file(PROJECT_FILE.read_text(encoding="utf-8")),
        CONFIGURATION_DOC: configuration_doc(CONFIGURATION_DOC.read_text(encoding="utf-8")),
        COMPONENT_DOC: component_doc(COMPONENT_DOC.read_text(encoding="utf-8")),
        ARGS_MODULE: render_args_module(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", required=True, help="regenerate them")
    parser.parse_args(argv)
    try:
        wanted = targets()
    except DocsError as error:
        print(f"docs: {error}", file=sys.stderr)
        return 2
    for path, text in wanted.items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
