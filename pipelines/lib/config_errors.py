"""Configuration errors in words a person can act on: file, line, key, what was expected.

Pydantic's own messages name a location as a tuple and the input as Python; these functions turn
each into `kam.yml line 12: ingest.max_bad_rows_share: unknown key; did you mean
'max_bad_row_share'?`. Line numbers come from the YAML node tree, so they point at the key the
user wrote, not at a normalised copy.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


class ConfigError(ValueError):
    """The configuration file says something that cannot work; the message says where."""


class DuplicateKeyError(yaml.YAMLError):
    """A key written twice in one mapping: YAML would silently keep the last one."""

    def __init__(self, key: str, line: int, first_line: int) -> None:
        super().__init__(f"{key!r} is written twice (first on line {first_line})")
        self.key, self.line, self.first_line = key, line, first_line


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys (a second `storage_version:` under
    `publish:` would otherwise override the first without a word)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(str(key), line, seen[key])
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def yaml_error_message(path: Path, error: yaml.YAMLError) -> str:
    """Malformed YAML as one line with its position."""
    if isinstance(error, DuplicateKeyError):
        return f"{path} line {error.line}: {error}; keep one"
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"{path}{where}: not valid YAML: {problem}"


def line_of(text: str, where: tuple) -> int | None:
    """The 1-based line of the key at `where` in the YAML `text` (the deepest one that exists)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in where:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def dotted(where: tuple) -> str:
    return ".".join(str(part) for part in where) or "(top level)"


def located(path: Path, text: str, where: tuple, message: str) -> str:
    line = line_of(text, where)
    at = f" line {line}" if line else ""
    return f"{path}{at}: {dotted(where)}: {message}"


def describe_validation_error(path: Path, text: str, error: ValidationError) -> str:
    """Every problem pydantic found, one line each, with a "did you mean" for unknown keys."""
    from pipelines.lib.config_schema import KamConfig

    lines = []
    for problem in error.errors():
        where = tuple(problem["loc"])
        kind = problem["type"]
        if kind == "extra_forbidden":
            parent, key = where[:-1], str(where[-1])
            known = _known_keys(KamConfig, parent)
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            listing = f"; known keys here: {', '.join(known)}" if known else ""
            message = f"unknown key{hint}{listing}"
        else:
            message = _plain(problem)
        lines.append(located(path, text, where, message))
    return "\n".join(lines)


_EXPECTED = {
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected a mapping (key: value)",
    "tuple_type": "expected a list",
    "list_type": "expected a list",
    "missing": "missing; this key is required here",
}


def _plain(problem: dict[str, Any]) -> str:
    """What was expected and what was given, in plain words."""
    kind = problem["type"]
    context = problem.get("ctx") or {}
    given = problem.get("input")
    shown = f", got {given!r}" if not isinstance(given, (dict, list, tuple)) else ""
    if kind in _EXPECTED:
        message = _EXPECTED[kind]
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
                "less_than": "<"}[kind]  # fmt: skip
        bound = next(iter(context.values()), "?")
        message = f"expected a value {sign} {bound}"
    elif kind == "literal_error":
        message = f"expected one of {context.get('expected', '?')}"
    elif kind == "string_pattern_mismatch":
        message = f"expected text matching {context.get('pattern', '?')}"
    elif kind == "too_short":
        message = "expected at least one entry"
    elif kind == "value_error":
        message, shown = str(context.get("error", problem["msg"])), ""
    else:
        message = problem["msg"]
    return message + shown


def _known_keys(model: type[BaseModel], parent: tuple) -> list[str]:
    """The keys the schema allows at `parent`, walking nested models, dict values and lists."""
    current: Any = model
    for part in parent:
        current = _unwrap(current)
        if _is_model(current):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) in (tuple, list):
            current = typing.get_args(current)[0]
        else:
            return []
    current = _unwrap(current)
    return list(current.model_fields) if _is_model(current) else []


def _unwrap(annotation: Any) -> Any:
    """`Model | None` -> Model; `Annotated[X, ...]` -> X."""
    for _ in range(4):
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                break
            annotation = options[0]
        else:
            break
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
