"""A cache of parsed pack and code-table YAML, so a process does not compose ~30 YAML files on every start.

One JSON file, ``packstore.PARSED`` (where, how it is keyed, read and written: ``packstore.py``), maps each pack
file's path to its stamp and parsed data, under the opgtui version. An entry is used only while the file's stamp
is unchanged; a file that fails to parse is never cached (its one-line error comes back every time), and neither
is data JSON cannot give back exactly (non-string keys, dates). Validation (``compile_signature``, the code
tables' checks) runs on the cached data as on fresh data. A corrupt, unreadable or foreign cache is ignored and
rebuilt; an unwritable directory disables writing. ``packsnap.py`` keeps the validated result of a whole load
beside it: this cache serves the loads the snapshot cannot (a plugin pack or an extra directory changed).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import orjson

from opgtui import __version__
from opgtui.diagnosis import packstore

SCHEMA = 2
FILE_NAME = packstore.PARSED
_MAX_CACHE_BYTES = 32 << 20


class _State:
    """The cache file as read at the start of a load, and whether a load added to it."""

    def __init__(self, path: Path | None, entries: dict[str, Any]) -> None:
        self.path = path
        self.entries = entries
        self.dirty = False


_STATE: _State | None = None


def cache_file() -> Path | None:
    """Where the cache lives, or None when no home or cache dir is known."""
    return packstore.path(FILE_NAME)


def _read() -> dict[str, Any]:
    """The entries of a cache file of this version, or {} (missing, unreadable, corrupt, another version, or not
    private: someone else's or writable by someone else, ``core/usercache``)."""
    data = packstore.read(FILE_NAME, _MAX_CACHE_BYTES)
    if not isinstance(data, dict) or data.get("version") != __version__ or data.get("schema") != SCHEMA:
        return {}
    entries = data.get("entries")
    return entries if isinstance(entries, dict) else {}


def begin() -> None:
    """Read the cache file afresh (a load of the packs starts)."""
    global _STATE
    path = cache_file()
    _STATE = _State(path, _read() if path is not None else {})


def _state() -> _State:
    if _STATE is None:
        begin()
    assert _STATE is not None
    return _STATE


def _stamp(path: Path) -> list[Any] | None:
    """``packstore.stamp`` of the resolved path, or None when the file cannot be stat'ed."""
    stamp = packstore.stamp(str(path.resolve()))
    return stamp if len(stamp) > 2 else None


def _current(path: Path) -> dict[str, Any] | None:
    """The cache entry of ``path`` if the file still has the stamp it was cached at."""
    stamp = _stamp(path)
    entry = _state().entries.get(stamp[0]) if stamp is not None else None
    if isinstance(entry, dict) and stamp is not None and entry.get("stamp") == stamp[1:]:
        return entry
    return None


def lookup(path: Path) -> tuple[bool, Any]:
    """(True, data) when the cache holds ``path`` at its current size and mtime, else (False, None)."""
    entry = _current(path)
    return (True, entry["data"]) if entry is not None and "data" in entry else (False, None)


def clean(path: Path) -> bool:
    """Whether the cache holds ``path`` unchanged and every signature in it passed validation (examples too)."""
    entry = _current(path)
    return entry is not None and entry.get("clean") is True


def mark_clean(path: Path) -> None:
    """Note that every signature of the cached ``path`` passed validation (written by :func:`flush`)."""
    entry = _current(path)
    if entry is not None and entry.get("clean") is not True:
        entry["clean"] = True
        _state().dirty = True


def _exact(value: Any, depth: int = 0) -> bool:
    """Whether JSON gives ``value`` back exactly (str-keyed dicts, lists, str, int, finite float, bool, None)."""
    if depth > 100:
        return False
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return -(1 << 63) <= value < 1 << 64  # what orjson writes
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_exact(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _exact(v, depth + 1) for k, v in value.items())
    return False


def store(path: Path, data: Any) -> None:
    """Remember the parsed data of ``path`` (written by :func:`flush`) when JSON can give it back exactly."""
    stamp = _stamp(path)
    if stamp is None or not _exact(data):
        return
    state = _state()
    copy = orjson.loads(orjson.dumps(data))  # the caller's data stays the caller's
    state.entries[stamp[0]] = {"stamp": stamp[1:], "data": copy}
    state.dirty = True


def flush() -> None:
    """Write the cache if this load added to it: atomically, silently skipped if the directory is not writable."""
    state = _STATE
    if state is None or not state.dirty or state.path is None:
        return
    state.dirty = False
    live = {k: v for k, v in state.entries.items() if os.path.exists(k)}
    try:
        payload = orjson.dumps({"schema": SCHEMA, "version": __version__, "entries": live})
    except (ValueError, TypeError, RecursionError):
        return
    packstore.write(FILE_NAME, payload)
