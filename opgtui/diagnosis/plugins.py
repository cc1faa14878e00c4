"""Python classifier plugins run with a time budget, in a worker process that can be killed.

A plugin's ``findings(lines)`` is untrusted code: a catastrophic regex in Python's ``re`` holds the GIL, so a
thread cannot protect the dashboard from it. Each plugin runs in its own worker process (started on first use,
reused for every log); when a call overruns its budget the worker is killed, the plugin's findings for that log
are dropped with one line saying so, and the next log starts a fresh worker. A plugin that overruns
``MAX_OVERRUNS`` times is dropped for good. A plugin that cannot be sent to a process (a lambda, a closure) runs
in a thread with the same budget: its result is dropped when late, though a hang inside C code still costs CPU.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from opgtui.core.model import Finding

Finder = Callable[[list[str]], list[Finding]]
MAX_OVERRUNS = 3
START_BUDGET = 20.0
"""Seconds a fresh worker may take to start (import the plugin), before its first call's budget starts."""


def _serve(conn: Any, finder: Finder) -> None:  # pragma: no cover - runs in the worker process
    while True:
        try:
            lines = conn.recv()
        except (EOFError, OSError):
            return
        if lines is None:  # are you there?
            conn.send(("ready", None))
            continue
        try:
            conn.send(("ok", list(finder(lines))))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _stop(proc: Any) -> None:
    if proc.is_alive():
        proc.kill()
        proc.join(5)


class PluginRunner:
    """One plugin, called with a time budget; ``call`` never raises and never waits longer than the budget."""

    def __init__(self, name: str, finder: Finder) -> None:
        self.name = name
        self.finder = finder
        self.overruns = 0
        self._proc: Any = None
        self._conn: Any = None
        self._threaded = False
        self._busy: threading.Thread | None = None
        self._lock = threading.Lock()  # one call at a time on the worker's pipe (views diagnose from threads)

    @property
    def dropped(self) -> bool:
        return self.overruns >= MAX_OVERRUNS

    def call(self, lines: Sequence[str], budget: float) -> tuple[list[Any] | None, str]:
        """(findings, "") or (None, one line saying why there are none for this log)."""
        with self._lock:
            return self._call(lines, budget)

    def _call(self, lines: Sequence[str], budget: float) -> tuple[list[Any] | None, str]:
        if self.dropped:
            return None, f"plugin {self.name!r}: dropped after {self.overruns} overruns of its time budget"
        if not self._threaded and self._proc is None:
            problem = self._start()
            if problem:
                return None, problem
        if self._threaded:
            return self._call_thread(list(lines), budget)
        return self._call_process(list(lines), budget)

    def _start(self) -> str:
        """Start the worker and wait until it answers; "" or why it could not start."""
        import multiprocessing  # only when a plugin runs in a process: `opgtui status` starts without it

        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(child, self.finder), daemon=True, name=f"opgtui-plugin-{self.name}")
        try:
            proc.start()
        except Exception:  # not picklable (a lambda, a closure): a thread instead
            parent.close()
            child.close()
            self._threaded = True
            return ""
        child.close()
        self._proc, self._conn = proc, parent
        weakref.finalize(self, _stop, proc)  # a PackSet dropped without close() does not leave its workers
        try:
            parent.send(None)
            ready = parent.poll(START_BUDGET) and parent.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.close()
            self.overruns += 1
            return f"plugin {self.name!r}: its worker did not start within {START_BUDGET:g} s"
        return ""

    def _call_process(self, lines: list[str], budget: float) -> tuple[list[Any] | None, str]:
        try:
            self._conn.send(lines)
            ready = self._conn.poll(budget)
            answer = self._conn.recv() if ready else None
        except (EOFError, OSError) as exc:
            self.close()
            return None, f"plugin {self.name!r}: its worker died ({type(exc).__name__})"
        if answer is None:
            self.close()
            self.overruns += 1
            return None, f"plugin {self.name!r}: findings() took longer than {budget:g} s on this log; dropped for it"
        status, value = answer
        if status != "ok":
            return None, f"plugin {self.name!r}: findings() raised {value}"
        return value, ""

    def _call_thread(self, lines: list[str], budget: float) -> tuple[list[Any] | None, str]:
        if self._busy is not None and self._busy.is_alive():
            return None, f"plugin {self.name!r}: still running on an earlier log; skipped for this one"
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["ok"] = list(self.finder(lines))
            except Exception as exc:
                box["error"] = f"{type(exc).__name__}: {exc}"

        t = threading.Thread(target=run, daemon=True, name=f"opgtui-plugin-{self.name}")
        t.start()
        t.join(budget)
        if t.is_alive():
            self._busy = t
            self.overruns += 1
            return None, f"plugin {self.name!r}: findings() took longer than {budget:g} s on this log; dropped for it"
        if "error" in box:
            return None, f"plugin {self.name!r}: findings() raised {box['error']}"
        return box.get("ok", []), ""

    def close(self) -> None:
        """Stop the worker process (if any)."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is not None:
            _stop(proc)
