"""A stack file's YAML decoded as the Pulumi CLI decodes it (go-yaml v3, a YAML 1.2 reader).

The CLI unmarshals each config value into a string first and hands the program that text as
written: unquoted ``no``, ``yes``, ``1:30``, ``0x1A`` or ``2024-01-01`` stay those strings
(pulumi/pulumi sdk/go/common/resource/config/value.go, ``unmarshalValue``). A list or object
is decoded into Go values and passed as JSON, with YAML 1.2 types (``yes`` is text, ``0x1A``
is 26). Keys are compared by their text, so ``1`` and ``'1'`` are the same key twice
(gopkg.in/yaml.v3 decode.go, ``mapping``). An explicit tag that does not fit its value
(``!!int abc``) makes the CLI refuse the file (yaml.v3 resolve.go, ``resolve``).

PyYAML only parses and composes here (its YAML 1.1 types are never used); this module turns
the nodes into values. No error message quotes a value: it may be a token.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from components import clip

# A stack file is small; more nodes than this is a YAML alias bomb, not settings.
MAX_NODES = 100_000
# Lists and objects nested deeper than this are no setting (and would exhaust the stack).
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_PLAIN = "!plain"  # an untagged plain scalar: its type comes from its text
_STR, _MAP, _SEQ, _MERGE = (_TAG + t for t in ("str", "map", "seq", "merge"))
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_TYPE_NAMES = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
    "timestamp": "a date",
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLS = {
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
# Go's strconv.ParseInt(s, 0, 64) syntax (a leading 0 is octal), after yaml.v3 drops "_".
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# The timestamp layouts yaml.v3 tries (resolve.go, allowedTimestampFormats), loosely.
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]{1,9})?( ?(Z|[+-][0-9]{2}:[0-9]{2}))?)?"
)


class CliYamlError(Exception):
    """What the CLI refuses (or the offline tools cannot take); ``line`` is 1-based."""

    def __init__(self, problem: str, line: int, fix: str = "", key: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.fix = fix
        self.key = key  # the config key it is under, when known


class _Composer(yaml.SafeLoader):
    """PyYAML's parser and composer; plain scalars keep an own tag to be resolved later.

    Nesting is bounded while composing, so a hostile file ends in one line, not a
    RecursionError.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[Any] = []

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return super().resolve(kind, value, implicit)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._path.append(index.value if isinstance(index, yaml.ScalarNode) else None)
        try:
            if len(self._path) > MAX_DEPTH + 2:  # + the document and its config: mapping
                raise _too_deep(self.peek_event().start_mark.line + 1, self._config_key())
            return super().compose_node(parent, index)
        finally:
            self._path.pop()

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # Refused while scanning too: PyYAML's scanner slows quadratically on deep [[[….
        if self.flow_level >= MAX_DEPTH:
            raise _too_deep(self.get_mark().line + 1, self._config_key())
        super().fetch_flow_collection_start(token_class)

    def _config_key(self) -> str:
        return self._path[2] or "" if len(self._path) > 2 and self._path[1] == "config" else ""


def _too_deep(line: int, key: str = "") -> CliYamlError:
    return CliYamlError(
        f"nests lists or objects more than {MAX_DEPTH} levels deep",
        line,
        "a setting is never that deep; write the value out flat",
        key,
    )


def compose(text: str) -> yaml.Node | None:
    """The document's node tree (anchors shared, not expanded); yaml.YAMLError if unreadable."""
    return yaml.compose(text, _Composer)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _unknown_tag(node: yaml.Node, fix: str) -> CliYamlError:
    return CliYamlError(
        f"has the YAML tag {clip(_short(node.tag))}, which no setting takes", _line(node), fix
    )


def _go_int(text: str) -> int | None:
    """``text`` as Go's ParseInt (int64), else ParseUint (uint64), else None."""
    match = _GO_INT.fullmatch(text)
    if not match or len(text) > 70:  # longer is out of range (and Python's digit limit)
        return None
    # Python reads 0x, 0o and 0b as Go does; a plain leading 0 is octal only in Go.
    digits = match[2]
    number = int(text, 8 if digits[:1] == "0" and digits[1:2].isdigit() else 0)
    if -(2**63) <= number < 2**63 or (not match[1] and number < 2**64):
        return number
    return None


def _resolve_plain(text: str, tag: str = "") -> tuple[str, Any]:
    """(type, value) of a scalar's text, as yaml.v3's ``resolve`` finds them."""
    if text in _NULLS:
        return "null", None
    if text in _BOOLS:
        return "bool", _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return "float", _SPECIAL_FLOATS[text]
    if text[0] in "+-.0123456789":
        if tag in ("", "timestamp") and _TIMESTAMP.fullmatch(text):
            return "timestamp", text
        plain = text.replace("_", "") if text[0] != "." else text
        number = _go_int(plain)
        if number is not None:
            return "int", number
        # Go's ParseFloat fails past float64's range; Python's float() gives inf.
        if _YAML_FLOAT.fullmatch(plain) and not math.isinf(float(plain)):
            return "float", float(plain)
    return "str", text


def scalar(node: yaml.ScalarNode) -> tuple[str, Any]:
    """(type, value) of a scalar: ``str`` for quoted text, else its text's type or its tag's.

    An explicit tag the value does not fit is refused, as the CLI refuses it. Tags outside
    YAML's core types (``!!binary``, ``!!map x``, ``!custom``) are refused too: the CLI
    would pass on other text than what is written.
    """
    if node.tag == _STR:
        return "str", node.value
    if node.tag == _PLAIN:
        return _resolve_plain(node.value)
    if node.tag not in _SCALAR_TAGS:
        raise _unknown_tag(
            node,
            "remove the tag and write the value as plain text, a number, true/false, a list "
            "or an object",
        )
    wanted = _short(node.tag)
    kind, value = _resolve_plain(node.value, wanted[2:])
    if kind == "int" and wanted == "!!float":
        kind, value = "float", float(value)
    if kind != wanted[2:]:
        what = _TYPE_NAMES[wanted[2:]]
        raise CliYamlError(
            f"is tagged {wanted} but its value is not {what} (the Pulumi CLI refuses the file)",
            _line(node),
            f"remove the tag {wanted}, or write {what} after it",
        )
    return kind, value


def config_text(node: yaml.ScalarNode) -> str:
    """The string the CLI passes for a scalar config value: the text written (null: "")."""
    kind, _value = scalar(node)
    return "" if kind == "null" else node.value


class Decoder:
    """Turns composed nodes into Go-like values (dict, list, str, int, float, bool, None),
    counting every node visited, so an alias bomb stops at MAX_NODES."""

    def __init__(self) -> None:
        self.budget = MAX_NODES

    def mapping(self, node: yaml.MappingNode) -> dict[str, yaml.Node]:
        """A mapping's keys (as the CLI's strings) to their value nodes, merges applied."""
        self._spend(node, len(node.value))  # merges (<<) can repeat a mapping, as aliases do
        seen: dict[str, int] = {}
        result: dict[str, yaml.Node] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise CliYamlError("has a list or object as a key", _line(key_node))
            if key_node.value in seen:  # by its text, whatever its type
                raise DuplicateKey(key_node.value, seen[key_node.value], _line(key_node))
            seen[key_node.value] = _line(key_node)
            if (key_node.tag == _PLAIN and key_node.value == "<<") or key_node.tag == _MERGE:
                merges.extend(value_node.value if value_node.tag == _SEQ else [value_node])
                continue
            try:
                name = key_text(key_node)
            except CliYamlError as error:
                raise CliYamlError(f"a key {error.problem}", error.line, error.fix) from None
            result[name] = value_node
        for merged in merges:  # keys written here win, then earlier merges
            if not isinstance(merged, yaml.MappingNode):
                raise CliYamlError("merges (<<) something that is not an object", _line(merged))
            for key, value_node in self.mapping(merged).items():
                result.setdefault(key, value_node)
        return result

    def _spend(self, node: yaml.Node, count: int = 1) -> None:
        self.budget -= count
        if self.budget < 0:
            raise CliYamlError(
                f"has more than {MAX_NODES} values (a YAML alias bomb?)",
                _line(node),
                "write the values out",
            )

    def value(self, node: yaml.Node, depth: int = 0) -> Any:
        self._spend(node)
        if depth > MAX_DEPTH:
            raise _too_deep(_line(node))
        if isinstance(node, yaml.ScalarNode):
            return scalar(node)[1]
        if node.tag not in (_MAP, _SEQ):
            raise _unknown_tag(node, "remove the tag")
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, depth + 1) for item in node.value]
        return {key: self.value(item, depth + 1) for key, item in self.mapping(node).items()}


class DuplicateKey(CliYamlError):
    def __init__(self, key: str, first: int, again: int) -> None:
        super().__init__(f"{clip(key)} is defined twice (lines {first} and {again})", again)
        self.key = key


def key_text(node: yaml.ScalarNode) -> str:
    """A key as the CLI's string: the text of a string key, Go's %v of a typed one."""
    kind, value = scalar(node)
    if kind in ("str", "timestamp"):
        return node.value
    if kind == "bool":
        return "true" if value else "false"
    return "<nil>" if kind == "null" else str(_go_numbers(value))


def to_json(value: Any, line: int) -> str:
    """A decoded list or object as the CLI passes it: Go's json.Marshal (keys sorted)."""
    try:
        return json.dumps(
            _go_numbers(value), sort_keys=True, separators=(",", ":"), allow_nan=False
        )
    except ValueError:
        raise CliYamlError(
            "holds .nan or .inf, which the Pulumi CLI cannot pass on", line, "write a number"
        ) from None


def _go_numbers(value: Any) -> Any:
    """Numbers as Go prints them: a whole float below 1e21 without its ".0"."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e21 else value
    if isinstance(value, dict):
        return {key: _go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_numbers(item) for item in value]
    return value
