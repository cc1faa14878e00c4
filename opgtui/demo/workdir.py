"""Scratch directories (the demo's, a dump's store) that do not outlive the process that made them.

A scratch directory holds an ``.owner`` file with its process id. It is removed when the ``with`` block ends,
normally, on an exception, on SIGTERM or SIGHUP. A SIGKILL cannot be caught: the next scratch directory made
removes the ones whose owner is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

OWNER = ".owner"
PREFIXES = ("opgtui-demo-", "opgtui-dump-")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(directory: Path) -> int | None:
    try:
        return int((directory / OWNER).read_text().strip())
    except (OSError, ValueError):
        return None


def sweep(parent: Path | None = None) -> list[Path]:
    """Remove this user's scratch directories whose owner process is gone; return them."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for d in entries:
        if not d.name.startswith(PREFIXES) or d.is_symlink() or not d.is_dir():
            continue
        try:
            if d.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        pid = _owner(d)
        if pid is not None and not _alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


@contextmanager
def scratch_dir(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A new directory under ``parent`` (default: the system's temporary directory), removed afterwards, also
    when the process is ended by SIGTERM or SIGHUP."""
    sweep(parent)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    (path / OWNER).write_text(f"{os.getpid()}\n")
    previous: dict[int, Any] = {}

    def ended(signum: int, frame: FrameType | None) -> None:
        shutil.rmtree(path, ignore_errors=True)
        handler = previous.get(signum)
        if callable(handler):
            handler(signum, frame)
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(sig) != signal.SIG_IGN:  # nohup: the process goes on, so does the directory
                previous[sig] = signal.signal(sig, ended)
        except ValueError:  # not the main thread: rely on the sweep
            break
    try:
        yield path
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(path, ignore_errors=True)
