"""Scratch directories (the demo's, a dump's store) that do not outlive the process that made them.

A scratch directory holds an ``.owner`` file with its process id. It is removed when the ``with`` block ends,
normally, on an exception, on SIGTERM or SIGHUP (and the terminal is put back as it was: main screen, no mouse
reports, cooked mode). A SIGKILL cannot be caught: the next scratch directory made removes the ones whose
owner is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

OWNER = ".owner"
PREFIXES = ("opgtui-demo-", "opgtui-dump-")
# Leave the alternate screen; mouse tracking, bracketed paste and focus reports off; cursor shown.
TERMINAL_RESET = b"\x1b[?1049l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l\x1b[?1004l\x1b[?25h"


class TerminalGuard:
    """The terminal's settings when the dashboard was about to start, to put back if the process is ended
    by a signal while the dashboard has it in raw mode and on the alternate screen."""

    def __init__(self) -> None:
        self.fd: int | None = None
        self.saved: Any = None
        try:
            import termios

            fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else -1
            if fd >= 0 and os.isatty(fd):
                self.fd, self.saved = fd, termios.tcgetattr(fd)
        except (OSError, ValueError, ImportError):
            self.fd = None

    def restore(self) -> None:
        if self.fd is None:
            return
        try:
            import termios

            os.write(self.fd, TERMINAL_RESET)
            termios.tcsetattr(self.fd, termios.TCSANOW, self.saved)
        except (OSError, ValueError):
            pass


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
            if d.stat().st_uid != os.geteuid():  # made by this user (files are the effective uid's)
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
    terminal = TerminalGuard()

    def ended(signum: int, frame: FrameType | None) -> None:
        shutil.rmtree(path, ignore_errors=True)
        terminal.restore()
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
