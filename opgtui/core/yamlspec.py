"""Typed YAML: a document read through the bounded loader (:mod:`opgtui.core.safeyaml`) and checked against
msgspec Structs, every problem one line naming the file, the line and the key::

    config.yaml:12: pools[0].timeout: expected a number, got 'soon'
    config.yaml:30: experiments[0].depend_on: unknown key (did you mean 'depends_on'?)

The Structs are the one declaration of a file's shape (the config, a request file, a signature of a pack): an
unknown key is refused with a guess at the key meant, a missing required key is named, a value of the wrong type
says what was expected, and an editor's JSON Schema comes from the same Structs (:func:`json_schema`).

YAML is looser than JSON, and the files are written by people, so before the Structs see the data a scalar is
taken for a one-item list of strings (``owners: novapro``), a number or date for a string where a string is
expected (``name: 2024``), a whole float for an int, and a number that is not finite or beyond 1e15 is refused.
A :class:`~pathlib.Path` in a Struct is a user's path: ``~`` is expanded.

API::

    Spec                                     # base Struct: unknown keys are errors
    read(text, spec, source, limits=None, noun="key") -> (value | None, root node | None)
    parse(text, source, limits=None) -> (plain data, root node)   # then convert(): read() in two steps
    convert(data, spec, root, source, noun="key", *, loose=True) -> value   # data from ``root`` (None: no lines)
    line_of(root, *keys) -> int | None                       # the line of the node at a key path
    did_you_mean(key, known) -> " (did you mean 'x'?)"       # closest(key, known) -> the name meant, or None
    json_schema(spec, *, loose=True) -> dict                 # JSON Schema (draft 2020-12) for editors
    SpecError(ValueError) .path .line .key .problem; str(e) == "path:line: key: problem"
"""

from __future__ import annotations

import datetime
import functools
import math
import os
import re
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgspec

if typing.TYPE_CHECKING:
    from yaml.nodes import Node

    from opgtui.core.safeyaml import Limits

T = TypeVar("T")
MAX_NUMBER = 1e15
"""The largest number a file may give (a bigger one is a typo or an attack, and overflows some consumers)."""


class Spec(msgspec.Struct, forbid_unknown_fields=True):
    """Base of a YAML file's Structs: a key the Struct does not declare is an error, never ignored."""


class SpecError(ValueError):
    """A file that does not fit its Spec; ``str()`` is one line ``path:line: key: problem`` (cleaned: the key and
    the problem can carry the file's own text)."""

    def __init__(self, path: str | Path, line: int | None, key: str, problem: str) -> None:
        from opgtui.core.textsafe import one_line

        self.path, self.line, self.key, self.problem = str(path), line, key, problem
        where = one_line(f"{self.path}:{line}" if line else self.path, 300)
        key, problem = one_line(key, 200), one_line(problem, 300)
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


def read(
    text: str, spec: type[T], source: str | Path, limits: Limits | None = None, noun: str = "key"
) -> tuple[T | None, Node | None]:
    """The document in ``text`` as a ``spec`` (None for an empty document) and its node tree (for the lines of
    checks made after this one); :class:`SpecError` naming the line otherwise. ``limits`` caps the document
    (:data:`opgtui.core.safeyaml.LIMITS` by default); ``noun`` names a key in messages ("unknown field")."""
    data, root = parse(text, source, limits)
    if root is None:
        return None, None
    return convert(data, spec, root, source, noun), root


def parse(text: str, source: str | Path, limits: Limits | None = None) -> tuple[Any, Node | None]:
    """The plain data of the document in ``text`` and its node tree (None, None when empty), unchecked."""
    from opgtui.core import safeyaml  # PyYAML costs ~15 ms to import: only when a file is read

    try:
        root = safeyaml.compose(text, source, limits or safeyaml.LIMITS)
        return safeyaml.construct(root, source), root
    except safeyaml.YamlError as exc:
        raise SpecError(source, exc.line, "", exc.problem) from None


def convert(
    data: Any, spec: type[T], root: Node | None, source: str | Path, noun: str = "key", *, loose: bool = True
) -> T:
    """``data`` (constructed from ``root``) as a ``spec``; :class:`SpecError` naming the line of the problem.
    ``loose`` False: the values as written, without YAML's loose scalars (a format that never took them)."""
    try:
        return msgspec.convert(_loosen(data, spec, ()) if loose else data, spec, dec_hook=_dec_hook)
    except _Bad as bad:
        raise _error(bad.path, bad.problem, root, source) from None
    except msgspec.ValidationError as exc:
        raise _explain(str(exc), spec, root, source, noun) from None


def line_of(root: Node | None, *keys: str | int) -> int | None:
    """The line of the node at a key path in the composed tree (the nearest found on the way)."""
    node = _node_at(root, keys)[0]
    return node.start_mark.line + 1 if node is not None else None


def closest(key: str, known: Sequence[str]) -> str | None:
    """The known name ``key`` most likely meant (a typo), or None."""
    import difflib  # only when a file has a problem: not on every start-up

    close = difflib.get_close_matches(key, list(known), n=1)
    return close[0] if close else None


def did_you_mean(key: str, known: Sequence[str]) -> str:
    """`` (did you mean 'depends_on'?)``, else `` (known: a, b, c)``: what an unknown name's message ends with."""
    close = closest(key, known)
    return f" (did you mean '{close}'?)" if close else f" (known: {', '.join(known)})"


def json_schema(spec: type, *, loose: bool = True) -> dict[str, Any]:
    """The JSON Schema of a file of ``spec`` (a path is a string), for editors' completion and checks; ``loose``
    as :func:`convert` takes it (a list of strings may be one string)."""
    schema: dict[str, Any] = msgspec.json.schema(spec, schema_hook=_schema_hook)
    schema = _loose_schema(schema) if loose else schema
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _loose_schema(node: Any) -> Any:
    """The schema of what the loader takes: a list of strings may be given as one string."""
    if isinstance(node, list):
        return [_loose_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _loose_schema(v) for k, v in node.items()}
    if out.get("type") == "array" and out.get("items") == {"type": "string"}:
        rest = {k: v for k, v in out.items() if k not in ("type", "items")}
        return {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}], **rest}
    return out


# ---------------------------------------------------------------- the YAML's looseness, before msgspec


class _Bad(Exception):
    def __init__(self, path: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.path, self.problem = path, problem


@functools.cache
def _options(tp: Any) -> tuple[Any, ...]:
    """The types a value may have under ``tp`` (a union's members without None, an Annotated's type)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _options(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        return tuple(o for a in typing.get_args(tp) if a is not type(None) for o in _options(a))
    return (tp,)


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


@functools.cache
def _struct_fields(tp: type) -> dict[str, Any]:
    """A Struct's fields by the key that names them, with their types (read from the annotations when they are
    types already: msgspec's ``fields`` evaluates them all again, a millisecond at every start-up)."""
    hints: dict[str, Any] = {}
    for klass in reversed(tp.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    names, keys = tp.__struct_fields__, tp.__struct_encode_fields__  # type: ignore[attr-defined]
    if any(isinstance(hints.get(n), str | None) for n in names):  # postponed annotations: let msgspec resolve them
        return {f.encode_name: f.type for f in msgspec.structs.fields(tp)}
    return {key: hints[name] for name, key in zip(names, keys, strict=True)}


class _Shape(msgspec.Struct, frozen=True):
    """What a value under one type may be, worked out once per type."""

    options: frozenset[Any]
    fields: dict[str, Any] | None  # a Struct's fields
    mapping: tuple[Any, Any] | None  # a dict's key and value types
    item: Any  # a list's item type (None: no list)
    numeric: bool
    text: bool  # a string is expected
    text_list: bool  # a list of strings is expected


@functools.cache
def _shape(tp: Any) -> _Shape:
    options = _options(tp)
    struct = next((o for o in options if _is_struct(o)), None)
    mapping = next((typing.get_args(o) or (Any, Any) for o in options if typing.get_origin(o) is dict), None)
    lists = [typing.get_args(o) or (Any,) for o in options if typing.get_origin(o) is list]
    return _Shape(
        frozenset(o for o in options if isinstance(o, type)),
        _struct_fields(struct) if struct is not None else None,
        mapping,
        lists[0][0] if lists else None,
        int in options or float in options,
        str in options,
        any(a == (str,) for a in lists),
    )


def _loosen(value: Any, tp: Any, path: tuple[str | int, ...]) -> Any:
    """``value`` with YAML's loose scalars made what ``tp`` expects (see the module's docstring)."""
    shape = _shape(tp)
    if isinstance(value, dict):
        if shape.fields is not None:
            fields = shape.fields
            return {k: _loosen(v, fields[k], (*path, k)) if k in fields else v for k, v in value.items()}
        if shape.mapping is not None:
            key_tp, value_tp = shape.mapping
            return {_loosen(k, key_tp, path): _loosen(v, value_tp, (*path, str(k))) for k, v in value.items()}
        return value
    if isinstance(value, list):
        if shape.item is not None:
            return [_loosen(v, shape.item, (*path, i)) for i, v in enumerate(value)]
        return value
    if shape.numeric and isinstance(value, float | int) and not isinstance(value, bool):
        if abs(value) > MAX_NUMBER or not math.isfinite(value):
            shown = str(value) if isinstance(value, float) else f"a number of {len(str(value)):,} digits"
            raise _Bad(path, f"expected a finite number of sensible size, got {shown[:40]}")
        if isinstance(value, float) and value.is_integer() and float not in shape.options:
            return int(value)
    if value is None or isinstance(value, bool) or type(value) in shape.options:
        return value
    text = _text(value)
    if text is not None and shape.text:
        return text  # name: 2024
    if text is not None and shape.text_list:
        return [text]  # owners: novapro
    return value


def _text(value: Any) -> str | None:
    """A scalar as the text a person meant (``2024`` for a name, a date as written), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | datetime.date):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    return None


def _dec_hook(tp: Any, obj: Any) -> Any:
    if tp is Path and isinstance(obj, str):
        return Path(os.path.expanduser(obj))
    raise NotImplementedError(f"no conversion to {tp}")


def _schema_hook(tp: Any) -> dict[str, Any]:
    if tp is Path:
        return {"type": "string"}
    raise NotImplementedError(f"no schema for {tp}")


# ---------------------------------------------------------------- msgspec's errors, as a person reads them

# Compiled when a file has a problem (re keeps them), not at every start-up (~1 M instructions each).
_AT = r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$"
_STEP = r"\.(\w+)|\[(\d+)\]|\[\.\.\.\]"


def _parse_path(text: str) -> tuple[str | int | None, ...]:
    """``.pools[0].env[...]`` -> ("pools", 0, "env", None): None is a mapping's value msgspec does not name."""
    return tuple(
        m.group(1) if m.group(1) is not None else int(m.group(2)) if m.group(2) is not None else None
        for m in re.finditer(_STEP, text)
    )


def _node_at(
    root: Node | None, keys: tuple[str | int | None, ...], want: Callable[[Node], bool] | None = None
) -> tuple[Node | None, tuple[str | int, ...]]:
    """The node at ``keys`` (or the deepest one found) and the key path to it. A None key is any value of the
    mapping (msgspec does not name a dict's keys): the first that leads to a node ``want`` accepts, else the first
    value that is not a scalar, else the mapping's first value."""
    if root is None:
        return None, ()
    return _walk(root, keys, (), want)


def _walk(
    node: Node, keys: tuple[str | int | None, ...], path: tuple[str | int, ...], want: Callable[[Node], bool] | None
) -> tuple[Node, tuple[str | int, ...]]:
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if not keys:
        return node, path
    key, rest = keys[0], keys[1:]
    nxt: Node | None = None
    if isinstance(node, MappingNode):
        if key is None:
            first = None
            for k, v in sorted(node.value, key=lambda pair: isinstance(pair[1], ScalarNode)):  # stable
                found = _walk(v, rest, (*path, str(k.value)), want)
                if want is None or want(found[0]):
                    return found
                first = first or found
            return first or (node, path)
        nxt = next((v for k, v in node.value if str(k.value) == str(key)), None)
    elif isinstance(node, SequenceNode) and isinstance(key, int) and key < len(node.value):
        nxt = node.value[key]
    if nxt is None:
        return node, path
    return _walk(nxt, rest, (*path, key), want)


def _key_text(path: tuple[str | int, ...]) -> str:
    """("pools", 0, "timeout") -> "pools[0].timeout"."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else f".{key}" if out else str(key)
    return out


def _type_at(spec: Any, path: tuple[str | int, ...]) -> Any:
    tp = spec
    for key in path:
        options = _options(tp)
        struct = next((o for o in options if _is_struct(o)), None)
        if struct is not None and isinstance(key, str):
            tp = _struct_fields(struct).get(key, Any)
            continue
        container = next((o for o in options if typing.get_origin(o) in (list, dict)), None)
        args = typing.get_args(container) if container is not None else ()
        tp = args[-1] if args else Any
    return tp


def _error(path: tuple[str | int | None, ...], problem: str, root: Node | None, source: str | Path) -> SpecError:
    node, found = _node_at(root, path)
    line = node.start_mark.line + 1 if node is not None else None
    return SpecError(source, line, _key_text(found if len(found) >= len(path) else (*found,)), problem)


def _explain(message: str, spec: type, root: Node | None, source: str | Path, noun: str) -> SpecError:
    from yaml.nodes import MappingNode

    m = re.match(_AT, message, re.S)
    assert m is not None  # the pattern matches any text
    what, steps = m.group("what"), _parse_path(m.group("path") or "")
    unknown = re.fullmatch(r"Object contains unknown field `(.*)`", what)
    missing = re.fullmatch(r"Object missing required field `(.*)`", what)
    named = (unknown or missing).group(1) if unknown or missing else None

    def has_key(node: Node) -> bool:  # which of a dict's values msgspec meant: the one with (or without) the key
        keys = {str(k.value) for k, _v in node.value} if isinstance(node, MappingNode) else set()
        return (named in keys) == (unknown is not None)

    node, found = _node_at(root, steps, has_key if named is not None else None)
    if root is None:  # data with no YAML behind it (a cache): msgspec's path is all there is
        found = tuple(k for k in steps if k is not None)
    line = node.start_mark.line + 1 if node is not None else None
    if unknown is not None:
        key = unknown.group(1)
        pairs = node.value if isinstance(node, MappingNode) else []
        key_node = next((k for k, _v in pairs if str(k.value) == key), None)
        struct = next((o for o in _options(_type_at(spec, found)) if _is_struct(o)), None)
        known = list(_struct_fields(struct)) if struct is not None else []
        where = key_node.start_mark.line + 1 if key_node is not None else line
        hint = did_you_mean(key, known) if known else ""
        return SpecError(source, where, _key_text((*found, key)), f"unknown {noun}{hint}")
    if missing is not None:
        return SpecError(source, line, _key_text((*found, missing.group(1))), f"required {noun} is missing")
    if (given := re.fullmatch(r"Expected `.*`, got `(\w+)`", what)) is not None:
        return SpecError(source, line, _key_text(found), _expected(_type_at(spec, found), node, given.group(1)))
    return SpecError(source, line, _key_text(found), what[:1].lower() + what[1:])


_NAMES = {str: "string", int: "whole number", bool: "boolean"}
_GIVEN = {"str": "string", "int": "whole number", "float": "number", "bool": "boolean", "null": "null"}


def _expected(tp: Any, node: Node | None, given: str) -> str:
    """What a value of ``tp`` should have been, and what ``node`` (msgspec's ``given`` type without one) gave."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    options = _options(tp)
    if isinstance(node, SequenceNode | MappingNode) or (node is None and given in ("array", "object")):
        got = "list" if isinstance(node, SequenceNode) or given == "array" else "mapping"
        if any(typing.get_origin(o) is list for o in options):
            items = typing.get_args(next(o for o in options if typing.get_origin(o) is list))
            return "expected a list of strings" if items == (str,) else f"expected a list, got a {got}"
        if any(typing.get_origin(o) is dict or _is_struct(o) for o in options):
            return f"expected a mapping, got a {got}"
        name = next((_NAMES.get(o, o.__name__) for o in options if isinstance(o, type)), "value")
        return f"expected a {name}, got a {got}"
    shown = repr(node.value[:40]) if isinstance(node, ScalarNode) else f"a {_GIVEN.get(given, given)}"
    if any(typing.get_origin(o) is list for o in options):
        return "expected a list"
    if any(typing.get_origin(o) is dict or _is_struct(o) for o in options):
        return "expected a mapping"
    if bool in options:
        return f"expected true or false, got {shown}"
    if float in options:
        return f"expected a number, got {shown}"
    if int in options:
        return f"expected a whole number, got {shown}"
    return "expected a string" if str in options else f"unexpected value {shown}"
