"""components/args.py, rendered from the input spec (components/inputs.py).

Pulumi's component provider host reads the args TypedDicts and their attribute docstrings
from source (inspect.getsource), so they must exist as written code; this renders that code
from the spec, and ``make docs`` writes it.
"""

from __future__ import annotations

from components import CLIENT_FIELDS, EDGE_CHECK, PROTECTED_CONTENT, inputs_of

HEADER = '''"""The components' args types, written by `make docs` from components/inputs.py.

Pulumi's component provider host reads these TypedDicts and their docstrings as the schema of
ProtectedContent and EdgeCheck for every language. No ``from __future__ import annotations``:
the host reads the annotations as real types.
"""

from typing import NotRequired, TypedDict

import pulumi
'''

CLASS_DOCS = {
    "ClientArgs": "One named client: its own token, optional expiry and path scope.",
    PROTECTED_CONTENT + "Args": (
        "Inputs of ProtectedContent; each mirrors the stack config key of the same name."
    ),
    EDGE_CHECK + "Args": "Inputs of EdgeCheck: the token check on a distribution of your own.",
}


def _docstring(text: str) -> str:
    # One line each: the host passes a docstring's text through as the schema description.
    return '"""' + text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'


def _class(name: str, fields: list[tuple[str, str, bool, str]]) -> list[str]:
    lines = ["", "", f"class {name}(TypedDict):", f"    {_docstring(CLASS_DOCS[name])}", ""]
    for field_name, annotation, required, doc in fields:
        shown = annotation if required else f"NotRequired[{annotation}]"
        lines += [f"    {field_name}: {shown}", f"    {_docstring(doc)}"]
    return lines


def render_args_module() -> str:
    lines = HEADER.splitlines()
    lines += _class(
        "ClientArgs",
        [(f.name, f.annotation, f.required, f.doc) for f in CLIENT_FIELDS],
    )
    for component in (PROTECTED_CONTENT, EDGE_CHECK):
        lines += _class(
            component + "Args",
            [(e.name, e.annotation, e.required, e.doc) for e in inputs_of(component)],
        )
    return "\n".join(lines) + "\n"
