"""A snapshot of the loaded pack set: the signatures and code tables as they came out of validation, so a small
verb (``opgtui diagnose --log``) does not read, check and compile ~50 YAML files on every start.

One JSON file, ``packstore.SNAPSHOT`` (where, how it is keyed, read and written: ``packstore.py``; a file or
directory someone else owns or can write reads as no snapshot). It holds the
validated signatures (patterns compiled on first use), the code tables and the load's problems, under a key: the
opgtui version, and the size, mtime, ctime, inode and device of every pack and code-table file, of the directories
holding them and of the loader's own modules. A different key, an unreadable, corrupt or foreign file: the packs
are loaded in full (and checked) as before, and the snapshot is written again. A file changed within the last
seconds (its stamps might not yet tell the next edit apart) or during the load is never snapshotted.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import orjson

from opgtui import __version__
from opgtui.core.model import Signature
from opgtui.diagnosis import packstore
from opgtui.diagnosis.codes import Code, CodeTable, CodeTables, Mention
from opgtui.diagnosis.needles import Needle, needles

SCHEMA = 2
FILE_NAME = packstore.SNAPSHOT
MAX_BYTES = 16 << 20
SETTLE_NS = 2_000_000_000
"""A file changed this recently is not snapshotted: a second edit within a clock tick could keep its stamps."""
_LOADER_MODULES = (
    "diagnosis/signatures.py",
    "diagnosis/codes.py",
    "diagnosis/packcache.py",
    "diagnosis/packsnap.py",
    "diagnosis/packstore.py",
    "diagnosis/needles.py",
    "core/patterns.py",
    "core/yamlspec.py",
    "core/safeyaml.py",
    "core/model.py",
)
"""opgtui's modules whose code decides what a load gives: an edit to any of them (or a new re2) is a new key."""
_OPGTUI = Path(__file__).resolve().parent.parent


_stamp = packstore.stamp


def _dir_stamps(directory: Path) -> list[list[Any]]:
    """The directory's stamp and those of its ``*.yaml`` / ``*.yml`` entries (a missing directory: its absence)."""
    out = [_stamp(str(directory))]
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return out
    out.extend(_stamp(os.path.join(directory, n)) for n in names if n.endswith((".yaml", ".yml")))
    return out


def key(sources: Sequence[Path]) -> list[Any]:
    """What a load of ``sources`` depends on: their files' stamps, the loader's modules', the version."""
    stamps: list[Any] = [__version__, SCHEMA]
    stamps.extend(_stamp(str(_OPGTUI / name)) for name in _LOADER_MODULES)
    stamps.append(_stamp(getattr(sys.modules.get("re2"), "__file__", None) or "re2"))
    for source in sources:
        stamps.append(_stamp(str(source)))
        if source.is_dir():
            stamps.extend(_dir_stamps(source))
            stamps.extend(_dir_stamps(source / "codes"))
    return stamps


def _settled(stamps: list[Any], now_ns: int) -> bool:
    """Whether no stamped file changed within ``SETTLE_NS`` of ``now_ns``."""
    return all(len(s) < 6 or now_ns - max(s[2], s[3]) > SETTLE_NS for s in stamps if isinstance(s, list))


# ------------------------------------------------------------------------------------------- encoding


Snapshot = tuple[list[Any], list[str], CodeTables, list[list[Needle] | None]]
"""Compiled signatures, the load's problems, the code tables, and each signature's needles (``needles.py``)."""
_SIGNATURE_FIELDS = len(fields(Signature))


def _values(obj: Any) -> list[Any]:
    return [getattr(obj, f.name) for f in fields(obj)]


def _encode_signature(c: Any) -> list[Any] | None:
    """One compiled signature as a JSON list; None when its compiled pattern is not its pattern's text."""
    sig = c.signature
    exclude = c.exclude.pattern if c.exclude is not None else None
    if getattr(c.regex, "pattern", None) != sig.pattern:
        return None
    row = [*_values(sig), c.example, list(c.benign), list(c.requires), c.numbers, c.source, c.role, exclude, c.record]
    return [*row, needles(sig.pattern)]


def _decode_signature(row: list[Any]) -> Any:
    from opgtui.diagnosis.signatures import CompiledSignature, LazyPattern

    sig = Signature(*row[:_SIGNATURE_FIELDS])
    example, benign, requires, numbers, source, role, exclude, record, _words = row[_SIGNATURE_FIELDS:]
    veto = LazyPattern(exclude) if exclude is not None else None
    return CompiledSignature(
        sig, LazyPattern(sig.pattern), example, tuple(benign), tuple(requires), numbers, source, role, veto, record
    )


def _encode_table(t: CodeTable) -> dict[str, Any]:
    return {
        "name": t.name,
        "title": t.title,
        "source": t.source,
        "codes": [[k, _values(v)] for k, v in t.codes.items()],
        "subcodes": [[list(k), _values(v)] for k, v in t.subcodes.items()],
        "names": [[k, v.code if t.codes.get(v.code) == v else _values(v)] for k, v in t.names.items()],
        "errno_subcodes": sorted(t.errno_subcodes),
        "fallback": list(t.fallback),
        "mentions": [[*_values(m)] for m in t.mentions],
        "path": t.path,
    }


def _decode_mention(values: list[Any]) -> Mention:
    m = Mention(*values)
    return replace(m, examples=tuple(m.examples))


def _decode_table(d: dict[str, Any]) -> CodeTable:
    codes = {k: Code(*v) for k, v in d["codes"]}
    return CodeTable(
        name=d["name"],
        title=d["title"],
        source=d["source"],
        codes=codes,
        subcodes={(k[0], k[1]): Code(*v) for k, v in d["subcodes"]},
        names={k: Code(*v) if isinstance(v, list) else codes[v] for k, v in d["names"]},  # a code's name: its entry
        errno_subcodes=frozenset(d["errno_subcodes"]),
        fallback=tuple(d["fallback"]),
        mentions=[_decode_mention(m) for m in d["mentions"]],
        path=d["path"],
    )


def _shape(compiled: Sequence[Any], errors: Sequence[str], tables: CodeTables) -> list[Any]:
    """What a snapshot must give back exactly (compared before one is written)."""
    sigs = [
        (c.signature, c.example, c.benign, c.requires, c.numbers, c.source, c.role, c.record, c.regex.pattern, veto)
        for c in compiled
        for veto in [c.exclude.pattern if c.exclude is not None else None]
    ]
    return [sigs, list(errors), tables.tables, tables.errors]


def _decode(data: Any, stamps: list[Any]) -> Snapshot | None:
    if not isinstance(data, dict) or data.get("key") != stamps:
        return None
    rows = data["signatures"]
    compiled = [_decode_signature(row) for row in rows]
    words = [_decode_needles(row[-1]) for row in rows]
    tables = CodeTables([_decode_table(t) for t in data["tables"]], data["table_errors"])
    return compiled, list(data["errors"]), tables, words


def _decode_needles(value: Any) -> list[Needle] | None:
    if value is None:
        return None
    out = [(str(word), bool(ci)) for word, ci in value]
    return out if out and all(out) else None


# ------------------------------------------------------------------------------------------- read and write


def load(stamps: list[Any]) -> Snapshot | None:
    """(compiled signatures, problems, code tables, each signature's needles) of the snapshot made under
    ``stamps``, or None (no snapshot, another key, or one that is not ours, unreadable or damaged)."""
    data = packstore.read(FILE_NAME, MAX_BYTES)
    if data is None:
        return None
    try:
        return _decode(data, stamps)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None


def save(
    stamps: list[Any], sources: Sequence[Path], compiled: Sequence[Any], errors: Sequence[str], tables: CodeTables
) -> bool:
    """Write the snapshot of a full load made under ``stamps``; False (nothing written) when a file changed
    during the load or too recently, when the load has something JSON cannot give back exactly, or when the
    cache cannot be written."""
    if packstore.path(FILE_NAME) is None or key(sources) != stamps or not _settled(stamps, time.time_ns()):
        return False
    rows = [_encode_signature(c) for c in compiled]
    if any(r is None for r in rows):
        return False
    data = {
        "key": stamps,
        "signatures": rows,
        "errors": list(errors),
        "tables": [_encode_table(t) for t in tables.tables.values()],
        "table_errors": list(tables.errors),
    }
    try:
        payload = orjson.dumps(data)
        back = _decode(orjson.loads(payload), stamps)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError):
        return False
    if back is None or _shape(*back[:3]) != _shape(compiled, errors, tables):
        return False
    return packstore.write(FILE_NAME, payload)
