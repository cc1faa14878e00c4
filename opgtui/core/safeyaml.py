"""The one bounded YAML loader: every YAML opgtui reads (config, signature packs, request imports, feed files)
goes through it.

It accepts only the safe YAML types (no ``!!python/...`` tags) and refuses, with one line naming the file and
line, a document that is too big, nests too deep, uses too many aliases or expands (through aliases) into too
many nodes (a "billion laughs" alias bomb), has a recursive alias, holds a scalar larger than a cap, or gives a
key twice in one mapping (YAML would keep the last one silently). The event stream comes from libyaml when it is
built (pure-Python otherwise) and the node tree is composed here without recursion, so a hostile document costs
time linear in its size.

API (stable; other modules rely on it)::

    load(text, source="<yaml>", limits=LIMITS) -> Any           # plain Python data (None for an empty document)
    load_file(path, limits=LIMITS) -> Any                       # the same, read from a file (size checked first)
    read_text(path, limits=LIMITS) -> str                       # a file's text, size-capped, for compose()
    compose(text, source="<yaml>", limits=LIMITS) -> Node|None  # the checked node tree, for line numbers
    construct(node) -> Any                                      # Python data of a node from compose()
    YamlError(ValueError)  .source .line (1-based or None) .problem; str(e) == "source:line: problem"
    Limits(max_bytes, max_depth, max_aliases, max_nodes, max_scalar); LIMITS is the default

Only the first document of a stream is read; a second one is an error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable

    from yaml.error import Mark
    from yaml.nodes import MappingNode, Node

    Fail = Callable[[Mark | None, str], "YamlError"]


@cache
def _loader() -> type:
    """libyaml's loader when it is built, else PyYAML's own. PyYAML costs ~15 ms to import: it is imported when a
    document is first composed, not with this module (reading a file's text, or a cached config, needs none)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[no-any-return]


class Limits(msgspec.Struct, frozen=True):  # a Struct: made ~10x faster than a dataclass at every start-up
    """Caps on one YAML document. The defaults fit configs, packs and request files many times over."""

    max_bytes: int = 4 << 20  # characters of text (bytes of a file)
    max_depth: int = 64  # nested collections, counting what aliases bring in
    max_aliases: int = 1000  # alias references (*name)
    max_nodes: int = 500_000  # nodes once every alias is expanded
    max_scalar: int = 256 << 10  # characters in one scalar (a key or a value)


LIMITS = Limits()


class YamlError(ValueError):
    """A YAML document that cannot be read, as one line: ``source:line: problem``."""

    def __init__(self, source: str | Path, line: int | None, problem: str) -> None:
        from opgtui.core.textsafe import one_line

        self.source, self.line, self.problem = str(source), line, one_line(problem, 300)
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{one_line(where, 300)}: {self.problem}")


def _line(mark: Mark | None) -> int | None:
    return mark.line + 1 if mark is not None else None


def compose(text: str, source: str | Path = "<yaml>", limits: Limits = LIMITS) -> Node | None:
    """The node tree of the (single) document in ``text``, checked against ``limits``; None when empty."""
    if len(text) > limits.max_bytes:
        raise YamlError(source, None, f"larger than {_size(limits.max_bytes)}, not read")
    import yaml

    loader = _loader()(text)
    try:
        return _compose(loader, source, limits)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(source, _line(mark), f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:  # e.g. a reader error (a control character in the text)
        raise YamlError(source, None, f"not valid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()


def construct(node: Node | None, source: str | Path = "<yaml>") -> Any:
    """Python data (dict, list, str, int, float, bool, None, date, ...) of a node made by :func:`compose`."""
    if node is None:
        return None
    import yaml

    loader = _loader()("")
    try:
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context).split())
        raise YamlError(source, _line(mark), problem) from None
    except (ValueError, TypeError, OverflowError) as exc:  # an impossible date, a 5,000-digit integer
        raise YamlError(source, _line(node.start_mark), f"bad value: {exc}") from None
    finally:
        loader.dispose()


def load(text: str, source: str | Path = "<yaml>", limits: Limits = LIMITS) -> Any:
    """Python data of the single document in ``text`` (None when empty); :class:`YamlError` otherwise."""
    return construct(compose(text, source, limits), source)


def load_file(path: str | Path, limits: Limits = LIMITS) -> Any:
    """:func:`load` of a UTF-8 file; the size is checked before reading. Unreadable files are a YamlError."""
    return load(read_text(path, limits), path, limits)


def read_text(path: str | Path, limits: Limits = LIMITS) -> str:
    """The UTF-8 text of a YAML file, reading at most ``limits.max_bytes`` (a bigger file is a YamlError)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise YamlError(p, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limits.max_bytes:
        raise YamlError(p, None, f"larger than {_size(limits.max_bytes)}, not read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(p, None, f"not UTF-8 text (byte {exc.start})") from None
    return text


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}"
    for t in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "seq",
        "map",
        "timestamp",
        "binary",
        "set",
        "omap",
        "pairs",
        "merge",
        "value",
    )
)


def _compose(loader: Any, source: str | Path, limits: Limits) -> Node | None:
    """Build the node tree from the event stream, iteratively, enforcing ``limits`` as it goes."""

    from yaml.events import (
        AliasEvent,
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
        StreamStartEvent,
    )
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    def fail(mark: Mark | None, problem: str) -> YamlError:
        return YamlError(source, _line(mark), problem)

    loader.get_event()  # StreamStart
    if loader.check_event(StreamEndEvent):
        loader.get_event()
        return None
    loader.get_event()  # DocumentStart
    anchors: dict[str, Node] = {}
    weight: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded height)
    stack: list[tuple[Node, list[Any]]] = []  # open collections and their children so far
    open_ids: set[int] = set()
    aliases = 0
    root: Node | None = None
    while True:
        event = loader.get_event()
        node: Node | None = None
        if isinstance(event, AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise fail(event.start_mark, f"more than {limits.max_aliases} aliases")
            if event.anchor not in anchors:
                raise fail(event.start_mark, f"unknown alias *{event.anchor}")
            node = anchors[event.anchor]
            if id(node) in open_ids:
                raise fail(event.start_mark, f"recursive alias *{event.anchor}")
        elif isinstance(event, ScalarEvent):
            if len(event.value) > limits.max_scalar:
                raise fail(
                    event.start_mark, f"a value of {len(event.value):,} characters (at most {limits.max_scalar:,})"
                )
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(ScalarNode, event.value, event.implicit)
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            weight[id(node)] = (1, 0)
        elif isinstance(event, (SequenceStartEvent, MappingStartEvent)):
            if len(stack) >= limits.max_depth:
                raise fail(event.start_mark, f"nested deeper than {limits.max_depth} levels")
            is_seq = isinstance(event, SequenceStartEvent)
            tag = event.tag
            if tag is None or tag == "!":
                tag = loader.resolve(SequenceNode if is_seq else MappingNode, None, event.implicit)
            kind = SequenceNode if is_seq else MappingNode
            coll = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
            _check_tag(coll, fail)
            if event.anchor is not None:
                anchors[event.anchor] = coll
            stack.append((coll, []))
            open_ids.add(id(coll))
            continue
        elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
            coll, children = stack.pop()
            open_ids.discard(id(coll))
            coll.end_mark = event.end_mark
            if isinstance(coll, MappingNode):
                coll.value = list(zip(children[::2], children[1::2], strict=True))
                _check_unique_keys(coll, fail)
            else:
                coll.value = children
            size, height = 1, 0
            for child in children:
                s, h = weight[id(child)]
                size, height = size + s, max(height, h)
            if size > limits.max_nodes:
                raise fail(coll.start_mark, f"expands to more than {limits.max_nodes:,} nodes (an alias bomb?)")
            if height + 1 + len(stack) > limits.max_depth:
                raise fail(coll.start_mark, f"nested deeper than {limits.max_depth} levels (through aliases)")
            weight[id(coll)] = (size, height + 1)
            node = coll
        elif isinstance(event, DocumentEndEvent):
            break
        else:  # pragma: no cover - the parser emits nothing else inside a document
            raise fail(event.start_mark, f"unexpected {type(event).__name__}")
        if isinstance(event, ScalarEvent):
            _check_tag(node, fail)
            if event.anchor is not None:
                anchors[event.anchor] = node
        if stack:
            stack[-1][1].append(node)
        else:
            root = node
    if not loader.check_event(StreamEndEvent):
        nxt = loader.peek_event()
        if not isinstance(nxt, DocumentStartEvent | StreamStartEvent):
            raise fail(nxt.start_mark, "unexpected content after the document")
        raise fail(nxt.start_mark, "more than one YAML document (--- ...): give one")
    if root is not None and weight[id(root)][0] > limits.max_nodes:
        raise fail(root.start_mark, f"expands to more than {limits.max_nodes:,} nodes (an alias bomb?)")
    return root


def _check_unique_keys(mapping: MappingNode, fail: Fail) -> None:
    """A key given twice in one mapping is an error (YAML would keep the last one silently)."""
    from yaml.nodes import ScalarNode

    seen: dict[tuple[str, str], Mark] = {}
    for key, _value in mapping.value:
        if not isinstance(key, ScalarNode):
            continue
        first = seen.setdefault((key.tag, key.value), key.start_mark)
        if first is not key.start_mark:
            raise fail(key.start_mark, f"{key.value[:60]}: given twice (first at line {_line(first)})")


def _check_tag(node: Node, fail: Fail) -> None:
    if node.tag not in _STANDARD_TAGS:
        raise fail(node.start_mark, f"tag {node.tag!r} is not allowed (plain YAML values only)")
