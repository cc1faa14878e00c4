"""Where and how the caches of checked packs live: the one home of their file layout, keying and I/O.

Two JSON files (never pickle) sit side by side in the user's cache dir (``$XDG_CACHE_HOME/opgtui``, else
``~/.cache/opgtui``, made 0700): ``packs.json``, each pack file's parsed data (``packcache.py``: a file whose
stamp is unchanged is not parsed again, so a changed plugin pack costs only its own parse), and ``packset.json``,
the validated result of a whole load (``packsnap.py``: nothing checked again while every stamp is unchanged).
Both are keyed on the same file stamp and read and written through ``core/usercache`` (a private temp file renamed
over the cache; a file or directory someone else owns or can write reads as no cache).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from opgtui.core.usercache import cache_dir, read_private, write_private

PARSED = "packs.json"
"""Per-file parsed pack and code-table data (``packcache.py``)."""
SNAPSHOT = "packset.json"
"""The validated pack set of one load (``packsnap.py``)."""


def stamp(path: str) -> list[Any]:
    """``[path, size, mtime_ns, ctime_ns, inode, device]``, or ``[path, None]`` for a file that cannot be stat'ed:
    what tells a file's edits apart (same size, new mtime or ctime; a file replaced: new inode)."""
    try:
        st = os.stat(path)
    except OSError:
        return [path, None]
    return [path, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def path(name: str) -> Path | None:
    """Where the cache file ``name`` lives, or None when no home or cache dir is known."""
    base = cache_dir()
    return base / name if base is not None else None


def read(name: str, max_bytes: int) -> Any:
    """The JSON in cache file ``name``, or None (missing, larger than ``max_bytes``, unreadable, corrupt, or not
    private)."""
    where = path(name)
    raw = read_private(where, max_bytes) if where is not None else None
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except (ValueError, RecursionError):
        return None


def write(name: str, payload: bytes) -> bool:
    """Write ``payload`` to cache file ``name`` atomically; False when there is nowhere writable."""
    where = path(name)
    return where is not None and write_private(where, payload)
