"""The keystroke comes first: background work (filter texts, the copy of a dump into the scratch store) runs
in small steps and waits between them while the shifter's own work (a filter) runs, so the two never share
the GIL for long."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_idle = threading.Event()
_idle.set()


@contextmanager
def foreground() -> Iterator[None]:
    """Mark the shifter's own work as running: :func:`yield_to_foreground` waits until it is done."""
    global _active
    with _lock:
        _active += 1
        _idle.clear()
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if not _active:
                _idle.set()


def yield_to_foreground(limit: float = 5.0) -> None:
    """Called by background work between steps: wait (at most ``limit`` seconds) while foreground work runs."""
    if not _idle.is_set():
        _idle.wait(limit)
