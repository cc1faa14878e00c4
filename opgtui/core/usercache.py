"""Files opgtui keeps between start-ups in the user's cache directory (``$XDG_CACHE_HOME/opgtui``, else
``~/.cache/opgtui``).

A cached file stands for what it was made from, so it is trusted only when it is a regular file of the user's
own that nobody else can write, in a directory of the user's own that nobody else can write; anything else reads
as no cache. Writes go to a fresh private temp file (0600, never through a link) renamed over the old one, in a
directory made 0700; a cache that cannot be written is skipped, never an error.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

APP_DIR = "opgtui"


def cache_dir() -> Path | None:
    """The directory opgtui's caches live in, or None when no home or cache directory is known (a relative
    ``$XDG_CACHE_HOME`` is ignored, as the XDG spec says)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / APP_DIR


def _private(st: os.stat_result) -> bool:
    """Whether ``st`` is the effective user's and writable by nobody else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read_private(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of the cache file ``path``, or None when it is missing, unreadable, larger than ``max_bytes``, a
    link or not a regular file, or when it or its directory is someone else's or writable by someone else."""
    try:
        if not _private(path.parent.stat()):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)  # a FIFO must not block a start-up
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or not _private(st) or st.st_size > max_bytes:
                return None
            data = fh.read(max_bytes + 1)  # it may have grown since fstat
            return data if len(data) <= max_bytes else None
        except OSError:
            return None


def write_private(path: Path, payload: bytes) -> bool:
    """Replace the cache file ``path`` with ``payload``; False (nothing written) when the directory cannot be made
    or written, or is someone else's or writable by someone else."""
    import tempfile  # only when writing: a warm start-up does not import it

    directory = path.parent
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(directory.stat()):
            return False
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)  # O_EXCL, 0600
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    return True
