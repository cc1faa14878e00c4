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

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opgtui.core.model import CATEGORIES

ROLES = ("wrapper", "crash", "consequence")
DEFAULT_ACTIONS = {"service": "retry", "code": "debug", "unknown": "look at the log"}
RESOURCE_ACTIONS = ("resubmit with more memory", "resubmit with more disk", "resubmit with more time")
MAX_TABLE_BYTES = 1 << 20
_TABLE_KEYS = {
    "table",
    "title",
    "source",
    "defaults",
    "fallback",
    "errno_subcodes",
    "codes",
    "subcodes",
    "mentions",
    "names",
}
_ENTRY_KEYS = {"code", "subcode", "name", "meaning", "category", "action", "service", "priority", "role"}


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


# ------------------------------------------------------------------------------------------- loading


def _entry(raw: Any, table: str, defaults: dict[str, Any], *, pair: bool) -> tuple[Code | None, int, str]:
    """(entry, subcode or 0, problem)."""
    if not isinstance(raw, dict):
        return None, 0, "an entry is a mapping"
    unknown = sorted(set(map(str, raw)) - _ENTRY_KEYS)
    if unknown:
        return None, 0, f"unknown keys {', '.join(unknown)}"
    merged = {**defaults, **raw}
    code = merged.get("code")
    sub = merged.get("subcode", 0) if pair else 0
    if not _is_int(code) or not _is_int(sub):
        return None, 0, "code (and subcode) must be integers"
    category = merged.get("category", "unknown")
    if category not in CATEGORIES:
        return None, 0, f"category {category!r} is not one of {', '.join(CATEGORIES)}"
    action = merged.get("action") or DEFAULT_ACTIONS.get(category)
    if category == "resource" and action not in RESOURCE_ACTIONS:
        return None, 0, f"a resource entry names its action: one of {', '.join(RESOURCE_ACTIONS)}"
    priority = merged.get("priority", 0)
    if not _is_int(priority) or not -1000 <= priority <= 1000:
        return None, 0, "priority must be an integer in -1000..1000"
    role = merged.get("role")
    if role is not None and role not in ROLES:
        return None, 0, f"role must be one of {', '.join(ROLES)}"
    service = merged.get("service")
    name, meaning = merged.get("name") or "", merged.get("meaning") or ""
    if not all(isinstance(v, str) for v in (name, meaning, action)) or (
        service is not None and not isinstance(service, str)
    ):
        return None, 0, "name, meaning, action and service must be strings"
    return Code(code, name, meaning, category, action, priority, service, role, table), sub, ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _veto(raw: Any) -> tuple[Any, str]:
    """A mention's ``exclude`` compiled (None when absent), or the problem with it."""
    from opgtui.core.patterns import compile_pattern

    if raw is None or raw == "":
        return None, ""
    if not isinstance(raw, str):
        return None, "must be a string (an RE2 pattern)"
    regex, problem = compile_pattern(raw)
    return regex, problem if regex is None else ""


def _mentions(raw: Any, table: str, *, by_name: bool, problems: list[str]) -> list[Mention]:
    from opgtui.core.patterns import compile_pattern

    out: list[Mention] = []
    group = "name" if by_name else "code"
    for n, item in enumerate(raw or [], 1):
        where = f"{'names' if by_name else 'mentions'} #{n}"
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("pattern"), str)
            or not isinstance(item.get("example"), str)
        ):
            problems.append(f"{where}: needs a pattern and an example (strings)")
            continue
        regex, problem = compile_pattern(item["pattern"])
        if regex is None:
            problems.append(f"{where}: {problem}")
            continue
        groups = regex.groupindex
        if group not in groups and not (not by_name and "subcode" in groups):
            problems.append(f"{where}: the pattern needs a (?P<{group}>...) group")
            continue
        veto, problem = _veto(item.get("exclude"))
        if problem:
            problems.append(f"{where}: exclude: {problem}")
            continue
        examples = tuple(e for e in item.get("examples") or () if isinstance(e, str))
        bad = [e for e in (item["example"], *examples) if regex.search(e.encode("utf-8", "replace")) is None]
        if bad:
            problems.append(f"{where}: its example does not match the pattern: {bad[0][:120]!r}")
            continue
        vetoed = [e for e in (item["example"], *examples) if veto and veto.search(e.encode("utf-8", "replace"))]
        if vetoed:
            problems.append(f"{where}: its exclude pattern vetoes its own example: {vetoed[0][:120]!r}")
            continue
        out.append(Mention(table, item["pattern"], item["example"], examples, by_name, item.get("exclude") or ""))
    return out


def load_table(path: Path, errors: list[str]) -> CodeTable | None:
    """One table file; its problems are appended to ``errors`` (a bad entry is skipped, a bad file dropped)."""
    from opgtui.diagnosis.signatures import read_yaml

    data, problem = read_yaml(path, MAX_TABLE_BYTES)
    if problem:
        errors.append(problem)
        return None
    if not isinstance(data, dict) or not isinstance(data.get("table"), str) or not isinstance(data.get("codes"), list):
        errors.append(f"{path}: a code table is a mapping with 'table' (a name) and a 'codes' list")
        return None
    unknown = sorted(set(map(str, data)) - _TABLE_KEYS)
    if unknown:
        errors.append(f"{path}: unknown keys {', '.join(unknown)}")
    name = data["table"]
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        errors.append(f"{path}: defaults must be a mapping")
        defaults = {}
    fallback = data.get("fallback") or []
    errno_subcodes = data.get("errno_subcodes") or []
    table = CodeTable(
        name,
        str(data.get("title") or name),
        str(data.get("source") or ""),
        errno_subcodes=frozenset(c for c in errno_subcodes if _is_int(c)),
        fallback=tuple(str(t) for t in fallback) if isinstance(fallback, list) else (),
        path=str(path),
    )
    if not table.source:
        errors.append(f"{path}: names no primary source ('source:')")
    for key, pair in (("codes", False), ("subcodes", True)):
        for n, raw in enumerate(data.get(key) or [], 1):
            entry, sub, problem = _entry(raw, name, defaults, pair=pair)
            if entry is None:
                errors.append(f"{path}: {key} #{n}: {problem}")
            elif pair:
                table.subcodes[(entry.code, sub)] = entry
            else:
                table.codes[entry.code] = entry
                if entry.name:
                    table.names.setdefault(entry.name.lower(), entry)
    problems: list[str] = []
    table.mentions = _mentions(data.get("mentions"), name, by_name=False, problems=problems) + _mentions(
        data.get("names"), name, by_name=True, problems=problems
    )
    errors.extend(f"{path}: {p}" for p in problems)
    return table


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
