"""The Jobs view as a shifter feels it (issue 18): dumps made from the REAL recorded ads (bench/felt_dumps.py,
ids varied), opened in the real app with its background threads running.

Rows (median of repeated runs, min / median / max in the JSON and the target text; each with its target and
MISSED when missed; the load average and the CPU time of each run beside them in the JSON):
- process start -> "showing N" on the terminal: ``opgtui jobs --from DUMP --open`` in a pseudo-terminal
  (full ``condor_q -json`` ads at 100k; projected ads at 1M). At 1M the process is then kept until its
  background work has ended (its children gone, its own CPU idle; at most ``SETTLE`` s) and the peak memory of
  its whole process tree is reported (the main process alone beside it);
- dump -> listed table inside a running app (``App.run_test``): from the app's start to the table listing N,
  beside msgspec's projected decode of the same dump in the same run (the issue's anchor; no target);
- filter keystroke -> answer ON THE SCREEN, at moments from 0 to 8 s after the table appears and once more after
  the background work has ended (the texts process, ``put_made``, the ``jobs-warm`` thread, the copy into the
  scratch store and ``dump.imported``; when each ended is in the JSON and the target text). At each moment three
  fresh queries: a broad key (matches most rows: a screenful found on the UI thread), a selective word pasted
  (a host, ~0.05% of rows: the whole list searched in the background) and a key that matches no row (the whole
  list searched, nothing to show). The clock runs from the key posted to the end of the first frame that draws
  the table holding that query's answer (all its matches, or a screenful of them) and renders it to terminal
  bytes (run_test's headless driver does not render them: the bench does, as a terminal's driver would, and
  drops them); the row is the worst key of all moments;
- group all 1M jobs by hold reason, and the filter function alone over 1M (after the background work).

    python bench/bench_felt.py [--quick] [--tree DIR]      # --tree: measure another checkout (before/after)
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import pty
import re
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from felt_dumps import write  # noqa: E402

MOMENTS = (0.0, 0.3, 1.0, 2.0, 4.0, 8.0)  # seconds after the table appears; then one after the background work
KEYS = "e1o2m3s"  # broad one-key queries, one per moment (each matches 80-100% of rows; none narrows another)
SELECTIVE = ("e1999.", "e1998.", "e1997.", "e1996.", "e1995.", "e1994.", "e1993.")  # pasted hosts, ~0.04% each
NOTHING = "qz()[]="  # typed keys that match no row (each a fresh query: none narrows the last complete result)
KEY_WAIT = 120.0  # seconds a key's answer is waited for
SETTLE = 180.0  # seconds the background work may take after the table appears before the last moment anyway
CACHE = Path(tempfile.gettempdir()) / "opgtui-bench-felt"


def dump(n: int, projected: bool) -> Path:
    """A dump of ``n`` ads (made once per machine, in a temp dir)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{'proj' if projected else 'full'}_{n}.json"
    if not path.exists():
        write(n, path.with_suffix(".tmp"), projected=projected)
        path.with_suffix(".tmp").rename(path)
    return path


def installed_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a process run as an installed opgtui runs: its bytecode compiled (pip does it at install),
    here into a cache of the benchmarks' own (PYTHONDONTWRITEBYTECODE would compile every module each run)."""
    env = dict(env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "opgtui-bench-pycache")
    return env


def row(name: str, values: list[float], unit: str, limit: float | None, target: str, **extra: Any) -> dict[str, Any]:
    """A result row: the median of ``values`` as its value; min / median / max in the JSON and the target."""
    ok = [v for v in values if v == v]
    value = statistics.median(ok) if ok else float("nan")
    spread = f"min {min(ok):.3g} / median {value:.3g} / max {max(ok):.3g} {unit} of {len(ok)} runs" if ok else "no run"
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "limit": limit,
        "target": f"{target} ({spread})",
        "min": round(min(ok), 3) if ok else None,
        "median": round(value, 3),
        "max": round(max(ok), 3) if ok else None,
        "runs": len(values),
        **extra,
    }


# ---------------------------------------------------------------- whole process, in a pty


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (/proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(x) for x in fh.read().split()]
        except OSError:
            pass
    return out


def _status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB (empty when it is gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    return out


def _cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds of a process: its own (user + system), and of its children it has waited for."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan"), float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def _what(pid: int) -> str:
    """Which of opgtui's background processes ``pid`` is (from its command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read()
    except OSError:
        return "gone"
    return "texts" if b"_texts_main" in cmd else "copy" if b"_copy_main" in cmd else "other"


def process_run(path: Path, n: int, tree: Path | None, timeout: float = 120.0, settle: float = 0.0) -> dict[str, Any]:
    """Spawn ``opgtui jobs --from PATH --open`` in a pseudo-terminal: seconds to "showing N" on it; with
    ``settle``, then keep it until its background work has ended (no child process for 0.5 s and its own CPU
    under 10% of a core over the last second, at least 1 s after "showing"; at most ``settle`` s) while
    sampling the memory of its process tree every 50 ms. Memory: ``tree_mb`` the peak of the sum of the
    tree's VmRSS over the samples (at least the main process's own VmHWM), ``bound_mb`` the main process's
    VmHWM plus each child's last sampled VmHWM (an upper bound: their peaks need not coincide), ``main_mb``
    the main process's VmHWM at the end, ``at_showing_mb`` its VmHWM at "showing"."""
    home = Path(tempfile.mkdtemp(prefix="felt-home-"))
    atexit.register(shutil.rmtree, home, True)  # left behind by no run
    env = {
        **os.environ,
        "HOME": str(home),
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".data"),
    }
    env.pop("NO_COLOR", None)
    env = installed_env(env)
    boot = f"import sys; sys.path.insert(0, {str(tree)!r}); " if tree is not None else ""
    argv = [sys.executable, "-c", boot + "from opgtui.cli import main; main()", "jobs", "--from", str(path), "--open"]
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    os.set_blocking(master, False)
    marker = f"showing {n:,}".encode()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True
    )
    os.close(slave)
    seen = b""
    out: dict[str, Any] = {"took": float("nan"), "load": [round(load, 2)], "ended": None}
    showing: float | None = None
    tree_kb = sampled = 0.0
    children: dict[int, dict[str, Any]] = {}  # pid -> what, first and last seen (perf_counter), VmHWM kB
    cpu: list[tuple[float, float]] = []  # (time, main's own CPU s)
    quiet_since: float | None = None  # no child process since
    try:
        while proc.poll() is None:
            now = time.perf_counter()
            if showing is None and now - started > timeout:
                break
            if showing is not None and (not settle or now - showing > settle):
                break
            ready, _, _ = select.select([master], [], [], 0.02)
            if ready:  # read what it draws (always: a full pty would block it)
                try:
                    chunk = os.read(master, 1 << 20)
                except OSError:
                    break
                if showing is None:
                    seen = (seen + chunk)[-200_000:]
                    if marker in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen):
                        showing = time.perf_counter()
                        out["took"] = showing - started
                        out["at_showing_mb"] = _status_kb(proc.pid).get("VmHWM", 0) / 1024
            if settle and now - sampled >= 0.05:
                sampled = now
                pids = _tree(proc.pid)
                tree_kb = max(tree_kb, sum(_status_kb(p).get("VmRSS", 0) for p in pids))
                for p in pids[1:]:
                    c = children.setdefault(p, {"what": _what(p), "first": now, "hwm": 0})
                    c["last"], c["hwm"] = now, max(c["hwm"], _status_kb(p).get("VmHWM", 0))
                cpu = [(t, c) for t, c in cpu if now - t < 2.0] + [(now, _cpu_s(proc.pid)[0])]
                quiet_since = None if len(pids) > 1 else quiet_since or now
                if showing is not None and children and quiet_since and now - quiet_since > 0.5:
                    back = [c for t, c in cpu if now - t >= 1.0]
                    if now - showing > 1.0 and back and cpu[-1][1] - back[-1] < 0.1:
                        out["ended"] = round(now - showing, 2)
                        break
        hwm = _status_kb(proc.pid).get("VmHWM", 0)
        own, waited = _cpu_s(proc.pid)
        out["cpu_s"] = {"main": round(own, 2), "children": round(waited, 2)}
        if settle:
            out["main_mb"] = round(hwm / 1024, 1)
            out["tree_mb"] = round(max(tree_kb, hwm) / 1024, 1)
            out["bound_mb"] = round((hwm + sum(c["hwm"] for c in children.values())) / 1024, 1)
            at = showing or started  # children's times: seconds after "showing" (negative: before it)
            out["children"] = [
                {"what": c["what"], "first": round(c["first"] - at, 2), "last": round(c["last"] - at, 2)}
                | {"hwm_mb": round(c["hwm"] / 1024, 1)}
                for c in children.values()
            ]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    out["load"].append(round(os.getloadavg()[0], 2))
    return out


# ---------------------------------------------------------------- the real app, under the Pilot


@dataclass
class _Clock:
    """One key's clock: it stops at the end of the first frame that draws the table holding the answer."""

    lines: int  # job lines the table shows: a screenful of matches is an answer
    query: str = ""
    before: Any = None  # the table's indices when the key was posted
    t0: float = 0.0
    set_at: float | None = None  # the answer set in the table (where the clock stopped before)
    shown_at: float | None = None  # the end of the frame that drew it
    drawn: tuple[Any, str, bool] | None = None  # (indices, query, searching) the table's lines were last drawn for
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def answers(self, indices: Any, query: str, searching: bool) -> bool:
        """The table shows this key's answer: every match (the search ended) or a screenful of them."""
        return (
            bool(self.query)
            and indices is not self.before
            and query == self.query
            and (not searching or len(indices) >= self.lines)
        )


def _watch_frames(app: Any, screen: Any, table: Any, clock: _Clock) -> None:
    """Stop ``clock`` when the table's answer is on the screen: the table records what its lines were drawn for
    (the compositor draws them in the frame after a change), and each frame, once drawn, is rendered to terminal
    bytes as a terminal's driver would (the headless driver skips that), then checked."""
    from textual._compositor import CompositorUpdate

    set_rows, render_lines, display = table.set_rows, table.render_lines, app._display

    def rows_set(*a: Any, **k: Any) -> None:
        set_rows(*a, **k)
        if clock.set_at is None and clock.answers(table.indices, screen.query_text, screen.filtering):
            clock.set_at = time.perf_counter()

    def lines_drawn(*a: Any, **k: Any) -> Any:
        clock.drawn = (table.indices, screen.query_text, screen.filtering)
        return render_lines(*a, **k)

    def frame(on: Any, renderable: Any) -> None:
        display(on, renderable)
        if isinstance(renderable, CompositorUpdate) and app.is_headless and not app._batch_count:
            renderable.render_segments(app.console)  # what the driver would write (not written: headless)
        if clock.shown_at is None and clock.drawn is not None and clock.answers(*clock.drawn):
            clock.shown_at = time.perf_counter()
            clock.done.set()

    table.set_rows, table.render_lines, app._display = rows_set, lines_drawn, frame


def _watch_background(ends: dict[str, float]) -> None:
    """Record (``perf_counter``) when the Jobs view's background work ends: the filter texts' process
    (``texts_in_process``), the last ``put_made`` and the one that completed the texts, the ``jobs-warm``
    thread (``_warm``), the copy into the scratch store (``copy_in_process``); and when the dump's job lines
    came (``RowList.expect_lines``) and the built texts were joined (``RowList.join_haystacks``)."""
    import opgtui.ops.dumpview as dumpview
    import opgtui.screens.jobs as jobs
    from opgtui.domain.joblist import RowList

    texts, warm, copy, put = jobs.texts_in_process, jobs._warm, dumpview.copy_in_process, RowList.put_made

    def texts_watched(*a: Any, **k: Any) -> Any:
        ends["texts process started"] = time.perf_counter()
        try:
            yield from texts(*a, **k)
        finally:
            ends["texts process ended"] = time.perf_counter()

    def warm_watched(*a: Any, **k: Any) -> None:
        try:
            warm(*a, **k)
        finally:
            ends["jobs-warm thread ended"] = time.perf_counter()

    def copy_watched(*a: Any, **k: Any) -> int:
        ends["copy process started"] = time.perf_counter()
        try:
            return copy(*a, **k)
        finally:
            ends["copy process ended"] = time.perf_counter()

    def put_watched(self: Any, *a: Any, **k: Any) -> bool:
        ok = put(self, *a, **k)
        ends["last put_made"] = time.perf_counter()
        if ok and self._built == len(self):
            ends.setdefault("texts all in (put_made)", time.perf_counter())
        return ok

    import opgtui.sources.dumps as dumps

    to_come = getattr(dumps, "_lines_to_come", None)  # None: a tree before the job lines (--tree)

    def lines_watched(*a: Any, **k: Any) -> Any:
        future = to_come(*a, **k)  # type: ignore[misc]
        future.add_done_callback(
            lambda f: ends.setdefault("job lines in" if f.result() is not None else "no job lines", time.perf_counter())
        )
        return future

    join = getattr(RowList, "join_haystacks", None)  # None: a tree before the joined texts

    def join_watched(self: Any, *a: Any, **k: Any) -> None:
        join(self, *a, **k)  # type: ignore[misc]
        if self._hay_blocks is not None:
            ends.setdefault("texts joined", time.perf_counter())

    jobs.texts_in_process, jobs._warm, dumpview.copy_in_process = texts_watched, warm_watched, copy_watched
    RowList.put_made = put_watched  # type: ignore[method-assign]
    if to_come is not None:
        dumps._lines_to_come = lines_watched  # the job lines the dump's workers make after its heads
    if join is not None:
        RowList.join_haystacks = join_watched  # type: ignore[method-assign]


def _background_ended(app: Any, ends: dict[str, float]) -> bool:
    if app.dump is not None and app.dump.imported:
        ends.setdefault("dump.imported", time.perf_counter())
    return "jobs-warm thread ended" in ends and (app.dump is None or "dump.imported" in ends)


async def _watch_imported(app: Any, ends: dict[str, float]) -> None:
    """Record when ``dump.imported`` turns true (polled every 20 ms)."""
    while not _background_ended(app, ends):
        await asyncio.sleep(0.02)


async def in_app(path: Path, n: int) -> dict[str, Any]:
    """Dump -> listed table, then at each of MOMENTS after the table appears, and once after the background
    work ended (at most SETTLE s), three fresh queries (broad key, selective word pasted, a key matching none),
    each timed to its answer on the screen."""
    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.store import open_store
    from opgtui.widgets.job_table import JobTable

    ends: dict[str, float] = {}
    _watch_background(ends)
    scratch = Path(tempfile.mkdtemp(prefix="felt-app-"))
    atexit.register(shutil.rmtree, scratch, True)  # the scratch store (~650 MB at 100k) left behind by no run
    cfg = Config(store=scratch / "dump.db")
    store = open_store(cfg.store)
    started = time.perf_counter()  # the app is made and started at once: what it does when made counts
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    out: dict[str, Any] = {"keys": []}
    async with app.run_test(size=(120, 40)):
        screen = None
        while time.perf_counter() - started < 300:
            await asyncio.sleep(0.005)
            screen = app.screen
            if getattr(screen, "loaded_at", None) is not None and len(getattr(screen, "rows", ())) == n:
                break
        out["listed"] = time.perf_counter() - started
        appeared = time.perf_counter()
        table = screen.query_one(JobTable)
        box = screen.query_one("#filter")
        clock = _Clock(lines=max(1, table.size.height - 1))
        _watch_frames(app, screen, table, clock)
        watch = asyncio.create_task(_watch_imported(app, ends))
        _key(app, "slash", "/")
        while not box.has_focus:
            await asyncio.sleep(0.002)
        plan = list(zip((*MOMENTS, None), KEYS, SELECTIVE, NOTHING, strict=True))
        for moment, broad, word, nothing in plan:
            if moment is None:  # the last moment: once the background work has ended
                while not _background_ended(app, ends) and time.perf_counter() - appeared < SETTLE:
                    await asyncio.sleep(0.05)
                out["settled"] = _background_ended(app, ends)
            while moment is not None and time.perf_counter() - appeared < moment:
                await asyncio.sleep(0.01)
            for kind, query in (("broad", broad), ("selective", word), ("none", nothing)):
                clock.query, clock.before, clock.set_at, clock.shown_at = query, table.indices, None, None
                clock.done.clear()
                clock.t0 = time.perf_counter()
                if kind == "selective":
                    _paste(app, query)
                else:
                    _key(app, _key_name(query), query)
                with suppress(TimeoutError):  # not answered: its time is NaN (the row: infinitely slow)
                    await asyncio.wait_for(clock.done.wait(), KEY_WAIT)
                end = clock.shown_at if clock.shown_at is not None else float("nan")
                out["keys"].append(
                    {
                        "moment": moment if moment is not None else "after",
                        "kind": kind,
                        "query": query,
                        "at": round(clock.t0 - appeared, 3),
                        "ms": round((end - clock.t0) * 1000, 1),
                        "set_ms": round(((clock.set_at or float("nan")) - clock.t0) * 1000, 1),
                        "shown": len(table.indices),
                    }
                )
                box.value = ""
                while screen.query_text or getattr(screen, "filtering", False):
                    await asyncio.sleep(0.005)
                await asyncio.sleep(0.05)
        watch.cancel()
    store.close()
    out["ends"] = {k: round(v - appeared, 2) for k, v in sorted(ends.items(), key=lambda kv: kv[1])}
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_s"] = {"app": round(me.ru_utime + me.ru_stime, 2), "children": round(kids.ru_utime + kids.ru_stime, 2)}
    return out


def _key_name(char: str) -> str:
    from textual.keys import _character_to_key

    return _character_to_key(char)


def _key(app: Any, key: str, char: str | None) -> None:
    """A key as the terminal sends it: posted, not awaited (the Pilot's press waits for an idle process, which
    never comes while background work runs, so it would time itself out rather than the app)."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


def _paste(app: Any, text: str) -> None:
    """A paste as the terminal sends it (bracketed: one event), posted as :func:`_key` posts a key."""
    from textual import events

    event = events.Paste(text)
    event.set_sender(app)
    app._driver.send_message(event)


# ---------------------------------------------------------------- functions at 1M, the anchor


def functions(path: Path, runs: int = 3) -> dict[str, list[float]]:
    """Group every job by hold reason and filter every job (one word), after the background work (warm)."""
    from opgtui.domain.joblist import build_rows, filter_rows, group_rows, warm
    from opgtui.sources.dumps import load_files

    rows = build_rows(load_files([path], keep_ads=False).jobs, now=time.time())
    warm(rows)
    pool = list(range(len(rows)))
    out: dict[str, list[float]] = {"group": [], "filter": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        group_rows(rows, pool, "hold reason")
        out["group"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        filter_rows(rows, "memory", pool)
        out["filter"].append(time.perf_counter() - t0)
    return out


def decode_anchor(path: Path) -> float:
    """The issue's anchor for dump -> listed: msgspec's projected decode of the dump (read from the file into a
    list of structs holding only the attributes a Job is made from, the rest skipped), in seconds."""
    import msgspec

    from opgtui.sources.jobrecord import ATTRS

    ad = msgspec.defstruct("Ad", [(name, Any, None) for name in ATTRS])
    decoder = msgspec.json.Decoder(list[ad])  # type: ignore[valid-type]
    t0 = time.perf_counter()
    ads = decoder.decode(path.read_bytes())
    took = time.perf_counter() - t0
    assert len(ads) > 0
    return took


def _child(what: str, path: str, n: int) -> None:
    """Run one measurement in this (fresh) process and print its result as JSON."""
    if what == "app":
        print("RESULT " + json.dumps(asyncio.run(in_app(Path(path), n))))
    elif what == "anchor":
        print("RESULT " + json.dumps(decode_anchor(Path(path))))
    else:
        print("RESULT " + json.dumps(functions(Path(path))))


def child(what: str, path: Path, n: int, tree: Path | None) -> Any:
    env = installed_env({**os.environ, "NO_COLOR": "1"})
    argv = [sys.executable, __file__, "--child", what, str(path), str(n)] + (["--tree", str(tree)] if tree else [])
    load = os.getloadavg()[0]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1800, cwd=str(tree or HERE.parent))
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[7:])
            if isinstance(result, dict):
                result["load"] = [round(load, 2), round(os.getloadavg()[0], 2)]
            return result
    raise RuntimeError(f"{what} {path.name}: {proc.stderr.strip().splitlines()[-1:]}")


# ---------------------------------------------------------------- rows


def _ms(key: dict[str, Any]) -> float:
    """A key's time to its answer (ms; a key never answered counts as infinitely slow)."""
    return key["ms"] if key["ms"] == key["ms"] else float("inf")


def _worst_key(runs: list[dict[str, Any]]) -> list[float]:
    """Each run's worst key (ms)."""
    return [max(map(_ms, r["keys"])) for r in runs]


def key_row(size: str, runs: list[dict[str, Any]], limit: float) -> dict[str, Any]:
    """The keystroke row: the worst key of every run (all moments and kinds), with the worst per kind and
    per moment, the old clock (the answer set in the table) and when the background work ended."""
    by_kind = {
        kind: round(max(_ms(k) for r in runs for k in r["keys"] if k["kind"] == kind), 1)
        for kind in ("broad", "selective", "none")
    }
    by_moment: dict[str, float] = {}
    for r in runs:
        for k in r["keys"]:
            m = str(k["moment"])
            by_moment[m] = max(by_moment.get(m, 0.0), _ms(k))
    set_worst = max(_ms({"ms": k["set_ms"]}) for r in runs for k in r["keys"])
    ended = [r["ends"] for r in runs]

    def span(name: str) -> str:
        at = [e[name] for e in ended if name in e]
        return f"{min(at):.1f}-{max(at):.1f} s" if at else "never"

    settled = all(r.get("settled") for r in runs)
    text = (
        f"< {limit:g} ms (clock: key posted -> end of the frame that draws its answer); worst key: broad "
        f"{by_kind['broad']:.0f}, selective {by_kind['selective']:.0f}, none {by_kind['none']:.0f} ms; "
        f"answer set in the table (the old clock) worst {set_worst:.0f} ms; "
        f"after the table: texts process ended {span('texts process ended')}, all texts in (put_made) "
        f"{span('texts all in (put_made)')}, jobs-warm ended {span('jobs-warm thread ended')}, "
        f"dump.imported {span('dump.imported')}"
        + ("" if settled else f" (NOT all ended within {SETTLE:g} s in some run)")
    )
    return row(
        f"{size}: filter key -> answer on screen, worst key 0 s..background done",
        _worst_key(runs),
        "ms",
        limit,
        text,
        by_kind=by_kind,
        by_moment={m: round(v, 1) for m, v in by_moment.items()},
        ends=ended,
        keys=[r["keys"] for r in runs],
        load=[r["load"] for r in runs],
        cpu_s=[r["cpu_s"] for r in runs],
    )


def measured(path: Path, n: int, runs: int, tree: Path | None, settle: float = 0.0) -> tuple[list[Any], ...]:
    """``runs`` rounds of: the app under the Pilot, the process in a pty, the anchor (interleaved: each round
    under the same load)."""
    apps, procs, anchor = [], [], []
    for _ in range(runs):
        apps.append(child("app", path, n, tree))
        procs.append(process_run(path, n, tree, timeout=300, settle=settle))
        anchor.append(child("anchor", path, n, tree))
    return apps, procs, anchor


def size_rows(
    n: int, ads: str, size: str, measures: tuple[list[Any], ...], limits: tuple[float, float, float]
) -> list[dict[str, Any]]:
    """The rows of one dump: process start -> showing, dump -> listed with its anchor beside it, the key."""
    apps, procs, anchor = measures
    start, inside, key = limits
    listed = [a["listed"] for a in apps]
    ratio = statistics.median(listed) / statistics.median(anchor)
    name = f"{ads}: process start -> 'showing {n:,}' (pty)"
    return [
        row(name, [p["took"] for p in procs], "s", start, f"< {start:g} s", load=[p["load"] for p in procs]),
        row(
            f"{size}: dump -> listed table inside the app", listed, "s", inside, f"< {inside:g} s; {ratio:.1f}x anchor"
        ),
        row(f"{ads}: msgspec projected decode (anchor, same run)", anchor, "s", None, "anchor"),
        key_row(size.split()[0], apps, key),
    ]


def memory_row(procs: list[dict[str, Any]]) -> dict[str, Any]:
    """The peak memory of the 1M process tree, until its background work ended (the main process beside)."""
    ended = [p.get("ended") for p in procs]
    main = [p["main_mb"] for p in procs]
    return row(
        "1M projected ads: peak memory of the process tree, until its background work ended",
        [p["tree_mb"] for p in procs],
        "MB",
        2048,
        f"< 2 GB; main process alone {min(main):.0f}-{max(main):.0f} MB, upper bound (peaks summed) "
        f"{max(p['bound_mb'] for p in procs):.0f} MB; at 'showing' {max(p['at_showing_mb'] for p in procs):.0f} "
        f"MB; background ended {', '.join('not within ' + str(SETTLE) if e is None else f'{e} s' for e in ended)} "
        "after 'showing'",
        main_mb=main,
        bound_mb=[p["bound_mb"] for p in procs],
        at_showing_mb=[round(p["at_showing_mb"], 1) for p in procs],
        ended=ended,
        children=[p["children"] for p in procs],
        cpu_s=[p["cpu_s"] for p in procs],
        load=[p["load"] for p in procs],
    )


def run(quick: bool = False, tree: Path | None = None) -> list[dict[str, Any]]:
    full_100k = dump(100_000, projected=False)
    measures = measured(full_100k, 100_000, 2 if quick else 3, tree)
    rows = size_rows(100_000, "100k full ads", "100k full ads", measures, (1.5, 1.0, 50))
    if quick:
        return rows
    proj_1m = dump(1_000_000, projected=True)
    measures = measured(proj_1m, 1_000_000, 3, tree, settle=SETTLE)
    at_1m = size_rows(1_000_000, "1M projected ads", "1M", measures, (8.0, 8.0, 100))
    rows += [at_1m[0], memory_row(measures[1]), *at_1m[1:]]
    f = child("functions", proj_1m, 1_000_000, tree)
    rows.append(row("1M: group every job by hold reason", [v * 1000 for v in f["group"]], "ms", 200, "< 200 ms"))
    rows.append(row("1M: filter function, one word", [v * 1000 for v in f["filter"]], "ms", 100, "< 100 ms"))
    return rows


if __name__ == "__main__":
    if "--child" in sys.argv:
        if "--tree" in sys.argv:  # measure that checkout's opgtui, not the installed one
            sys.path.insert(0, sys.argv[sys.argv.index("--tree") + 1])
        i = sys.argv.index("--child")
        _child(sys.argv[i + 1], sys.argv[i + 2], int(sys.argv[i + 3]))
        raise SystemExit(0)
    tree = Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else None
    began, cpu0 = time.perf_counter(), os.times()
    print("load average at the start: {:.2f} {:.2f} {:.2f} ({} cores)".format(*os.getloadavg(), os.cpu_count()))
    results = run(quick="--quick" in sys.argv, tree=tree)
    for r in results:
        missed = "MISSED" if r["limit"] is not None and r["value"] > r["limit"] else ""
        print(f"{r['name']:82} {r['value']:10.3f} {r['unit']:3} target {r['target']} {missed}")
    cpu = os.times()
    used = cpu.children_user + cpu.children_system - cpu0.children_user - cpu0.children_system
    print(
        "load average at the end: {:.2f} {:.2f} {:.2f}; ".format(*os.getloadavg())
        + f"{time.perf_counter() - began:.0f} s wall, {used:.0f} s CPU of the measured processes"
    )
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(results, indent=1))
