"""A fast reading of the one YAML shape OSG Topology's downtime files have: a list of flat records, each a
``- Key: value`` line, more ``  Key: value`` lines and lists of values (``  Services:`` then ``  - CE`` lines),
with comments and blank lines between them. A value is plain (it may go on over more indented lines), single
quoted on one line, or a literal block (``|`` / ``|-``).

:func:`records` gives what :func:`opgtui.core.safeyaml.load` gives for such a document (the same dicts, keys in
order, the same strings and integers) at a fifth of the cost or less (the general loader builds a node per value
in Python: ~15 ms for a 37 KB file), or None for anything else: double quotes, a quoted value over lines, flow
collections, anchors, aliases, tags, folded blocks, a comment after a value, a value the resolver reads as
anything but a string or a plain decimal integer (dates, floats, booleans, nulls, octal), a key given twice,
tabs, non-ASCII text, a document over the limits. The caller then reads it with the general loader, which also
says what is wrong with a broken one.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from opgtui.core.safeyaml import Limits

_CONTROL = re.compile(r"[^\n\x20-\x7e]")  # tabs, CR, control and non-ASCII characters: the general loader
_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(?: +(.*))?")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")  # a plain value never starts with one here
_INT = "tag:yaml.org,2002:int"


class _NotSimple(Exception):
    """The document is not of the simple shape: the general loader reads it."""


@cache
def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    from yaml.resolver import Resolver  # the loader's own table: a plain value is typed as it types it

    return Resolver.yaml_implicit_resolvers  # type: ignore[no-any-return]


def _plain(text: str, limits: Limits) -> str | int:
    """A complete plain value as the safe loader makes it (a string or a decimal integer), else _NotSimple."""
    if len(text) > limits.max_scalar:
        raise _NotSimple
    table = _resolvers()
    for tag, pattern in (*table.get(text[0], ()), *table.get(None, ())):
        if pattern.match(text):
            if tag == _INT and _DECIMAL.fullmatch(text):
                return int(text)
            raise _NotSimple
    return text


def _quoted(text: str, limits: Limits) -> str:
    """A single-quoted value on one line (``''`` is a quote), else _NotSimple."""
    m = _SINGLE.fullmatch(text)
    if m is None or len(text) > limits.max_scalar:
        raise _NotSimple
    return m.group(1).replace("''", "'")


def _piece(text: str) -> str:
    """One line's part of a plain value, checked: nothing that would end it or make it something else."""
    if text[0] in _INDICATORS or ": " in text or " #" in text or text.endswith(":"):
        raise _NotSimple
    return text


def records(text: str, limits: Limits) -> list[dict[str, Any]] | None:
    """The records of a document of the simple shape (see the module), else None."""
    if len(text) > limits.max_bytes or _CONTROL.search(text):
        return None
    try:
        return _Reader(limits).read(text.split("\n"))
    except _NotSimple:
        return None


class _Reader:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.out: list[dict[str, Any]] = []
        self.record: dict[str, Any] | None = None
        self.key: str | None = None  # the key whose value is being read
        self.parts: list[str] = []  # the lines of its plain value
        self.items: list[Any] | None = None  # or its list
        self.literal: str | None = None  # or its literal block, read
        self.item_indent = -1
        self.ended = False  # a comment or blank line since the value's last line: it cannot go on
        self.nodes = 0

    def close(self) -> None:
        """The value being read, into its record."""
        key, record = self.key, self.record
        if key is None:
            return
        assert record is not None
        if self.items is not None:
            if not self.items:
                raise _NotSimple  # an empty value: null, or something this reading does not know
            record[key] = self.items
        elif self.literal is not None:
            record[key] = self.literal
        elif self.parts:
            record[key] = _plain(" ".join(self.parts), self.limits)
        else:
            raise _NotSimple
        self.nodes += 2 + len(self.items or ())
        if self.nodes > self.limits.max_nodes:
            raise _NotSimple
        self.key, self.parts, self.items, self.literal = None, [], None, None

    def open_key(self, line: str) -> bool:
        """A ``Key: value`` line (the value's first line); True when a literal block follows."""
        m = _KEY.fullmatch(line)
        if m is None:
            raise _NotSimple
        name = _plain(m.group(1), self.limits)
        assert self.record is not None
        if not isinstance(name, str) or name in self.record:
            raise _NotSimple  # a key typed as something else, or given twice
        value = (m.group(2) or "").rstrip(" ")
        self.key, self.item_indent, self.ended = name, -1, False
        self.parts, self.items, self.literal = [], None, None
        if value in ("|", "|-"):
            return True
        if value.startswith("'"):
            self.literal = _quoted(value, self.limits)
        elif value:
            self.parts = [_piece(value)]
        else:
            self.items = []
        return False

    def read(self, lines: list[str]) -> list[dict[str, Any]] | None:
        at, count = 0, len(lines)
        while at < count:
            line = lines[at]
            at += 1
            body = line.lstrip(" ")
            if not body.strip(" "):
                self.ended = True
                continue
            indent = len(line) - len(body)
            body = body.rstrip(" ")
            if body[0] == "#":
                self.ended = True
                continue
            literal = False
            if indent == 0:
                if not body.startswith("- ") or body[2] == " ":
                    raise _NotSimple
                self.close()
                self.record = {}
                self.out.append(self.record)
                literal = self.open_key(body[2:])
            elif self.record is None:
                raise _NotSimple
            elif (
                self.items is not None
                and body.startswith("- ")
                and (self.item_indent < 0 or indent == self.item_indent)
            ):
                if indent < 2 or body[2] == " ":
                    raise _NotSimple
                self.item_indent, self.ended = indent, False
                item = body[2:]
                self.items.append(_quoted(item, self.limits) if item[0] == "'" else _plain(_piece(item), self.limits))
            elif indent == 2:
                self.close()
                literal = self.open_key(body)
            elif indent > 2 and not self.ended and self.items is None and self.parts:  # the value goes on
                self.parts.append(_piece(body))
            else:
                raise _NotSimple
            if literal:
                self.literal, at = _block(lines, at, self.limits)
        self.close()
        return self.out or None


def _block(lines: list[str], at: int, limits: Limits) -> tuple[str, int]:
    """The literal block value starting at ``lines[at]`` after a ``|`` (its last line break kept) or ``|-``
    (none) header, which ``lines[at - 1]`` ends with; and the number of the line after it."""
    keep_last = lines[at - 1].rstrip(" ").endswith("|")
    content: list[str] = []
    indent = 0
    count = len(lines)
    while at < count:
        line = lines[at]
        if not line:
            if not content:
                raise _NotSimple  # blank lines before the first: the parser's own indentation rules
            content.append("")
            at += 1
            continue
        spaces = len(line) - len(line.lstrip(" "))
        if spaces == len(line):
            raise _NotSimple  # a line of spaces: part of the value or not, the parser decides
        if not content:
            if spaces < 3:
                raise _NotSimple  # an empty block
            indent = spaces
        if spaces < indent:
            break
        content.append(line[indent:])
        at += 1
    if not content:
        raise _NotSimple
    trailing = 0
    while not content[-1]:
        content.pop()
        trailing += 1
    # clip: the line break after the last line, which the text has unless that line ends it
    newline = keep_last and (trailing > 0 or at < count)
    text = "\n".join(content) + ("\n" if newline else "")
    if len(text) > limits.max_scalar:
        raise _NotSimple
    return text, at
