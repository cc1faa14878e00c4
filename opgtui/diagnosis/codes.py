"""Numeric knowledge as data: code tables (hold codes, errno, signals, CMSSW, WMAgent, PanDA, art, XRootD).

A table is YAML under ``classifiers/codes/`` (or a ``codes/`` folder of a configured classifier directory), its
header naming its primary source::

    table: cmssw                  # the name rules and packs refer to (``numbers: cmssw`` in a pack)
    title: CMSSW exit code        # how a finding names the number
    source: cms-sw/cmssw FWCore/Utilities/interface/EDMException.h
    defaults: {category: unknown, priority: 20}
    fallback: [other_table]       # looked up when a code is not here
    errno_subcodes: [12, 13]      # hold tables: these codes' subcodes are a unix errno
    codes: [{code, name, meaning, category, action, service, priority, role}]
    subcodes: [{code, subcode, meaning, ...}]
    mentions: [{pattern, example, examples, exclude}]   # RE2; (?P<code>\\d+) and/or (?P<subcode>...) name the
                                  # number; exclude (RE2) vetoes the mention on a line it also matches
    names: [{pattern, example}]                # RE2; (?P<name>...) names a code by its name (a category)

``role`` says how the reader weighs an entry: ``wrapper`` (an exception that wraps the real cause), ``crash``
(a symptom an earlier I/O failure explains), ``consequence`` (something an earlier error causes, such as a
missing output). Problems are reported one line each and the entry or file is skipped; nothing raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import msgspec

from opgtui.core.model import CATEGORIES
from opgtui.core.yamlspec import Spec, SpecError, convert, did_you_mean, line_of

ROLES = ("wrapper", "crash", "consequence")
DEFAULT_ACTIONS = {"service": "retry", "code": "debug", "unknown": "look at the log"}
RESOURCE_ACTIONS = ("resubmit with more memory", "resubmit with more disk", "resubmit with more time")
MAX_TABLE_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Code:
    """What one number (or name) means and what to do about it."""

    code: int
    name: str
    meaning: str
    category: str
    action: str
    priority: int
    service: str | None = None
    role: str | None = None
    table: str = ""


@dataclass(frozen=True, slots=True)
class Mention:
    """A pattern that finds a code (or a name) of ``table`` in a log line."""

    table: str
    pattern: str
    example: str
    examples: tuple[str, ...] = ()
    by_name: bool = False
    exclude: str = ""


@dataclass(slots=True)
class CodeTable:
    """One table: codes, (code, subcode) pairs, names, and where the log mentions them."""

    name: str
    title: str
    source: str
    codes: dict[int, Code] = field(default_factory=dict)
    subcodes: dict[tuple[int, int], Code] = field(default_factory=dict)
    names: dict[str, Code] = field(default_factory=dict)
    errno_subcodes: frozenset[int] = frozenset()
    fallback: tuple[str, ...] = ()
    mentions: list[Mention] = field(default_factory=list)
    path: str = ""


class CodeTables:
    """All loaded tables by name, and the problems found while loading them."""

    def __init__(self, tables: Iterable[CodeTable] = (), errors: Iterable[str] = ()) -> None:
        self.tables: dict[str, CodeTable] = {}
        self.errors: list[str] = list(errors)
        for t in tables:
            if t.name in self.tables:
                self.errors.append(f"{t.path}: table {t.name!r} already loaded from {self.tables[t.name].path}")
            else:
                self.tables[t.name] = t

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    def get(self, table: str, code: int, *, _seen: frozenset[str] = frozenset()) -> Code | None:
        """The entry for ``code`` in ``table`` or, failing that, in its fallback tables."""
        t = self.tables.get(table)
        if t is None or table in _seen:
            return None
        hit = t.codes.get(code)
        if hit is not None:
            return hit
        for other in t.fallback:
            hit = self.get(other, code, _seen=_seen | {table})
            if hit is not None:
                return hit
        return None

    def subcode(self, table: str, code: int, subcode: int) -> Code | None:
        t = self.tables.get(table)
        return t.subcodes.get((code, subcode)) if t is not None else None

    def named(self, table: str, name: str) -> Code | None:
        t = self.tables.get(table)
        return t.names.get(name.lower()) if t is not None else None

    def title(self, table: str) -> str:
        t = self.tables.get(table)
        return t.title if t is not None else table

    def mentions(self) -> list[Mention]:
        return [m for t in self.tables.values() for m in t.mentions]


# ------------------------------------------------------------------------------------------- the file's shape


# a category and a role are strings the loader checks with its own message; the JSON Schema lists their values
Category = Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(CATEGORIES)})]
Role = Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(ROLES)})]


class EntrySpec(Spec, kw_only=True):
    """One entry of ``codes:`` or ``subcodes:`` (the table's ``defaults`` filled in first)."""

    code: int
    subcode: int = 0
    name: str | None = None
    meaning: str | None = None
    category: Category = "unknown"
    action: str | None = None
    service: str | None = None
    priority: int = 0
    role: Role | None = None


class MentionSpec(Spec, kw_only=True):
    """One entry of ``mentions:`` or ``names:``: an RE2 pattern and the log lines it must match."""

    pattern: str
    example: str
    examples: list[str] | None = None
    exclude: str | None = None


class TableHeader(Spec, kw_only=True):
    """A table file's keys but its lists of entries (each entry is checked on its own: a bad one is skipped)."""

    table: str
    title: str | None = None
    source: str | None = None
    defaults: dict[str, Any] | None = None
    fallback: list[str] | None = None
    errno_subcodes: list[int] | None = None


class TableSpec(TableHeader, kw_only=True):
    """A whole table file, for editors' JSON Schema (``opgtui config schema codes``)."""

    codes: list[EntrySpec]
    subcodes: list[EntrySpec] | None = None
    mentions: list[MentionSpec] | None = None
    names: list[MentionSpec] | None = None


_LISTS = ("codes", "subcodes", "mentions", "names")
_TABLE_KEYS = (*TableHeader.__struct_fields__, *_LISTS)


class _Where:
    """``path:line`` of a key path in a table file; the file is composed again only when a problem needs a line
    (its data may come from the parsed-pack cache, with no lines)."""

    def __init__(self, path: Path) -> None:
        self.path, self._root, self._read = path, None, False

    def __call__(self, *keys: str | int) -> str:
        if not self._read:
            from opgtui.core import safeyaml

            self._read = True
            try:
                text = safeyaml.read_text(self.path, safeyaml.Limits(max_bytes=MAX_TABLE_BYTES))
                self._root = safeyaml.compose(text, self.path)
            except safeyaml.YamlError:
                pass
        line = line_of(self._root, *keys)
        return f"{self.path}:{line}" if line else str(self.path)


def _key(*keys: str | int) -> str:
    """("codes", 2, "role") -> "codes[2].role"."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")


def _at(where: _Where, raw: Any, item: tuple[str, int], key: str, problem: str) -> str:
    """One line for a problem with ``key`` of the entry at ``item`` (on the key's line when the entry has it)."""
    label = f"{_key(*item)}.{key}" if key else _key(*item)
    line = where(*item, key) if isinstance(raw, dict) and key in raw else where(*item)
    return f"{line}: {label}: {problem}"


def _problem(where: _Where, keys: tuple[str | int, ...], exc: SpecError) -> str:
    """One line for a Struct's complaint about the item at ``keys``."""
    sub = tuple(int(k) if k.isdigit() else k for k in re.findall(r"\w+", exc.key))
    return f"{where(*keys, *sub)}: {_key(*keys, *sub)}: {exc.problem}"


# ------------------------------------------------------------------------------------------- loading


def _entry(raw: Any, table: str, defaults: dict[str, Any], *, pair: bool) -> tuple[Code | None, int, str, str]:
    """(entry, subcode or 0, the key at fault, problem)."""
    if not isinstance(raw, dict):
        return None, 0, "", "an entry is a mapping"
    try:
        spec = convert({**defaults, **raw}, EntrySpec, None, table, loose=False)
    except SpecError as exc:
        return None, 0, exc.key, exc.problem
    category = spec.category
    if category not in CATEGORIES:
        return None, 0, "category", f"category {category!r} is not one of {', '.join(CATEGORIES)}"
    action = spec.action or DEFAULT_ACTIONS.get(category)
    if category == "resource" and action not in RESOURCE_ACTIONS:
        return None, 0, "action", f"a resource entry names its action: one of {', '.join(RESOURCE_ACTIONS)}"
    if action is None:
        return None, 0, "action", f"an entry of category {category} names its action"
    if not -1000 <= spec.priority <= 1000:
        return None, 0, "priority", "priority must be an integer in -1000..1000"
    if spec.role is not None and spec.role not in ROLES:
        return None, 0, "role", f"role must be one of {', '.join(ROLES)}"
    code = Code(
        spec.code, spec.name or "", spec.meaning or "", category, action, spec.priority, spec.service, spec.role, table
    )
    return code, spec.subcode if pair else 0, "", ""


def _mention(raw: Any, table: str, *, by_name: bool) -> tuple[Mention | None, str, str]:
    """(mention, the key at fault, problem): its patterns compile on RE2, name their group and match (and do not
    veto) its examples."""
    from opgtui.core.patterns import compile_pattern

    if not isinstance(raw, dict):
        return None, "", "needs a pattern and an example (strings)"
    try:
        spec = convert(raw, MentionSpec, None, table, loose=False)
    except SpecError as exc:
        return None, exc.key, exc.problem
    regex, problem = compile_pattern(spec.pattern)
    if regex is None:
        return None, "pattern", problem
    group = "name" if by_name else "code"
    if group not in regex.groupindex and not (not by_name and "subcode" in regex.groupindex):
        return None, "pattern", f"the pattern needs a (?P<{group}>...) group"
    veto = None
    if spec.exclude:
        veto, problem = compile_pattern(spec.exclude)
        if veto is None:
            return None, "exclude", problem
    examples = tuple(spec.examples or ())
    lines = [(e, e.encode("utf-8", "replace")) for e in (spec.example, *examples)]
    bad = [e for e, line in lines if regex.search(line) is None]
    if bad:
        return None, "example", f"its example does not match the pattern: {bad[0][:120]!r}"
    vetoed = [e for e, line in lines if veto is not None and veto.search(line) is not None]
    if vetoed:
        return None, "exclude", f"its exclude pattern vetoes its own example: {vetoed[0][:120]!r}"
    return Mention(table, spec.pattern, spec.example, examples, by_name, spec.exclude or ""), "", ""


def load_table(path: Path, errors: list[str]) -> CodeTable | None:
    """One table file; its problems are appended to ``errors``, one line each naming the file, the line and the
    key (a bad entry is skipped, a file whose header does not fit dropped)."""
    from opgtui.diagnosis.signatures import read_yaml

    data, problem = read_yaml(path, MAX_TABLE_BYTES)
    if problem:
        errors.append(problem)
        return None
    where = _Where(path)
    if not isinstance(data, dict) or not isinstance(data.get("table"), str) or not isinstance(data.get("codes"), list):
        errors.append(f"{where()}: a code table is a mapping with 'table' (a name) and a 'codes' list")
        return None
    for key in sorted(k for k in map(str, data) if k not in _TABLE_KEYS):
        errors.append(f"{where(key)}: {key}: unknown key{did_you_mean(key, _TABLE_KEYS)}")
    header = {k: v for k, v in data.items() if k in TableHeader.__struct_fields__}
    try:
        head = convert(header, TableHeader, None, path)
    except SpecError as exc:
        errors.append(_problem(where, (), exc))
        return None
    name = head.table
    table = CodeTable(
        name,
        head.title or name,
        head.source or "",
        errno_subcodes=frozenset(head.errno_subcodes or ()),
        fallback=tuple(head.fallback or ()),
        path=str(path),
    )
    if not table.source:
        errors.append(f"{where('source')}: source: names no primary source ('source:')")
    defaults = head.defaults or {}
    for key, pair in (("codes", False), ("subcodes", True)):
        for n, raw in enumerate(_items(data, key, where, errors)):
            entry, sub, at, problem = _entry(raw, name, defaults, pair=pair)
            if entry is None:
                errors.append(_at(where, raw, (key, n), at, problem))
            elif pair:
                table.subcodes[(entry.code, sub)] = entry
            else:
                table.codes[entry.code] = entry
                if entry.name:
                    table.names.setdefault(entry.name.lower(), entry)
    for key, by_name in (("mentions", False), ("names", True)):
        for n, raw in enumerate(_items(data, key, where, errors)):
            mention, at, problem = _mention(raw, name, by_name=by_name)
            if mention is None:
                errors.append(_at(where, raw, (key, n), at, problem))
            else:
                table.mentions.append(mention)
    return table


def _items(data: dict[str, Any], key: str, where: _Where, errors: list[str]) -> list[Any]:
    """The entries of a list key (none when absent; a value that is not a list is one problem)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(f"{where(key)}: {key}: expected a list")
        return []
    return value


def load_tables(dirs: Iterable[Path]) -> CodeTables:
    """Every ``*.yaml`` table in ``dirs`` (missing directories are skipped silently: ``codes/`` is optional)."""
    errors: list[str] = []
    tables: list[CodeTable] = []
    for d in dirs:
        if not d.is_dir():
            continue
        for path in sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
            t = load_table(path, errors)
            if t is not None:
                tables.append(t)
    return CodeTables(tables, errors)


_BUNDLED: CodeTables | None = None


def bundled_tables() -> CodeTables:
    """The tables shipped in ``classifiers/codes`` (loaded once per process)."""
    global _BUNDLED
    if _BUNDLED is None:
        from classifiers import PACK_DIR

        _BUNDLED = load_tables([PACK_DIR / "codes"])
    return _BUNDLED
