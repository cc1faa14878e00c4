"""Read job event logs with ``htcondor2.JobEventLog`` in a process of its own.

The binding is C++ and a damaged log (a NUL byte) can crash it: in a worker, that costs the worker, not the
dashboard with its terminal in alternate-screen mode. The worker reads the files one after the other and
prints one JSON line per file as soon as it is read, so a crash on one file loses only that file:

    python -m opgtui.sources.eventlog_worker FILE...

Each line: ``{"path": P, "events": [[cluster, proc, time, type name, attrs], ...], "jobless": N,
"error": "one line" | null}``; ``attrs`` are in ``condor_q -json`` layout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import orjson

_EVENT_ID = frozenset({"MyType", "Cluster", "Proc", "Subproc", "EventTime", "EventTypeNumber"})
TIMEOUT = 120.0  # seconds for one worker; a log the binding cannot finish in that time is reported
WORKERS = 8


def _plain(v: Any) -> Any:
    """An event value in ``-json`` layout (nested ads as dicts, expressions as ``"/Expr(...)/"``)."""
    t = type(v)
    if t is str or t is int or t is float or t is bool or v is None:
        return v
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if hasattr(v, "printJson"):
        return orjson.loads(v.printJson())
    import classad2

    if isinstance(v, classad2.Value):
        return None if v == classad2.Value.Undefined else "/Expr(error)/"
    return f"/Expr({v})/"


def read_one(path: str) -> dict[str, Any]:
    """One file's events (in this process: the worker's side)."""
    import htcondor2

    events: list[list[Any]] = []
    jobless = 0
    error = None
    try:
        for e in htcondor2.JobEventLog(path).events(stop_after=0):
            if e.cluster < 0 or e.proc < 0:
                jobless += 1
                continue
            attrs = {k: _plain(v) for k, v in e.items() if k not in _EVENT_ID}
            events.append([e.cluster, e.proc, float(e.timestamp), e.type.name, attrs])
    except Exception as exc:  # the binding raises plain exceptions on malformed logs
        error = f"event log read stopped after {len(events) + jobless} events: {exc}"
    return {"path": path, "events": events, "jobless": jobless, "error": error}


def _worker_env() -> dict[str, str]:
    """This environment, with this copy of opgtui first on the worker's path (a checkout run in place too)."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": here + (os.pathsep + path if path else ""), "PYTHONFAULTHANDLER": ""}


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def read_logs(paths: Sequence[str], *, timeout: float | None = None) -> Iterator[dict[str, Any]]:
    """Each file's answer in order, read by worker processes: a file that crashes or hangs the reader gets an
    ``error`` (and no events) and the next worker goes on with the files after it. Never raises.
    ``timeout`` (default :data:`TIMEOUT`) bounds each worker. Many logs are shared among up to
    :data:`WORKERS` workers at once (the binding waits a second on a damaged record)."""
    timeout = TIMEOUT if timeout is None else timeout
    if len(paths) < 2 * WORKERS:
        yield from _read_serially(paths, timeout)
        return
    from concurrent.futures import ThreadPoolExecutor

    size = -(-len(paths) // WORKERS)
    groups = [paths[i : i + size] for i in range(0, len(paths), size)]
    with ThreadPoolExecutor(len(groups)) as pool:
        for answers in pool.map(lambda g: list(_read_serially(g, timeout)), groups):
            yield from answers


def _read_serially(paths: Sequence[str], timeout: float) -> Iterator[dict[str, Any]]:
    left = list(paths)
    while left:
        answered: list[dict[str, Any]] = []
        failure = None
        try:
            proc = subprocess.run(
                [sys.executable, "-m", __name__, *left],
                capture_output=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
                env=_worker_env(),
            )
            out, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            out, code = exc.stdout or b"", None
            failure = f"the event log reader did not finish within {timeout:g}s"
        except OSError as exc:
            out, code = b"", None
            failure = f"cannot start the event log reader: {exc.strerror or exc}"
        for line in out.splitlines():
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # something the binding printed itself
            if len(answered) < len(left) and isinstance(doc, dict) and doc.get("path") == left[len(answered)]:
                answered.append(doc)
        yield from answered
        left = left[len(answered) :]
        if not left:
            return
        if failure is None:
            failure = (
                f"the event log reader crashed ({_signal_name(code)}) on this file: it is damaged "
                "(a NUL byte, a cut record?)"
                if code is not None and code < 0
                else f"the event log reader failed (exit {code})"
            )
        yield {"path": left[0], "events": [], "jobless": 0, "error": failure}
        left = left[1:]


def main(argv: Sequence[str]) -> int:
    out = sys.stdout.buffer
    for path in argv:
        out.write(orjson.dumps(read_one(path)) + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
