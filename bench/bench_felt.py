"""The Jobs view as a shifter feels it (issue 18): dumps made from the REAL recorded ads (bench/felt_dumps.py,
ids varied), opened in the real app with its background threads running.

Rows (min / median of repeated runs; each with its target and MISSED when missed):
- process start -> "showing N" on the terminal: ``opgtui jobs --from DUMP --open`` in a pseudo-terminal
  (full ``condor_q -json`` ads at 100k; projected ads at 1M, with the process's peak memory);
- dump -> listed table inside a running app (``App.run_test``): from the app's start to the table listing N;
- filter keystroke -> answer, at moments from 0 to 8 s after the table appears (warm() and the copy into the
  scratch store running): the worst of the moments; "answer" = the table shows that query's matches;
- group all 1M jobs by hold reason, and the filter function alone over 1M (after the background work).

    python bench/bench_felt.py [--quick] [--tree DIR]      # --tree: measure another checkout (before/after)
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from felt_dumps import write  # noqa: E402

MOMENTS = (0.0, 0.3, 1.0, 2.0, 4.0, 8.0)  # seconds after the table appears
KEYS = "e1o2m3"  # one fresh one-character query per moment (no narrowing of the previous result)
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


def row(name: str, values: list[float], unit: str, limit: float, target: str) -> dict[str, Any]:
    worst = max(values) if values else float("nan")
    value = statistics.median(values) if values else float("nan")
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "limit": limit,
        "target": target,
        "min": round(min(values), 3) if values else None,
        "max": round(worst, 3),
        "runs": len(values),
    }


# ---------------------------------------------------------------- whole process, in a pty


def process_to_showing(path: Path, n: int, tree: Path | None, timeout: float = 120.0) -> tuple[float, float]:
    """Seconds from spawning ``opgtui jobs --from PATH --open`` to "showing N" on its terminal, and its peak
    memory (MB) then."""
    home = Path(tempfile.mkdtemp(prefix="felt-home-"))
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
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True, start_new_session=True
    )
    os.close(slave)
    seen = b""
    took = peak = float("nan")
    try:
        while time.perf_counter() - started < timeout and proc.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.02)
            if ready:
                try:
                    seen = (seen + os.read(master, 1 << 20))[-200_000:]
                except OSError:
                    break
                if marker in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", seen):
                    took = time.perf_counter() - started
                    peak = _peak_mb(proc.pid)
                    break
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return took, peak


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- the real app, under the Pilot


async def in_app(path: Path, n: int) -> dict[str, Any]:
    """Dump -> listed table, then a fresh one-key filter at each of MOMENTS after the table appears."""
    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.store import open_store
    from opgtui.widgets.job_table import JobTable

    scratch = Path(tempfile.mkdtemp(prefix="felt-app-"))
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
        _key(app, "slash", "/")
        while not screen.query_one("#filter").has_focus:
            await asyncio.sleep(0.002)
        for moment, key in zip(MOMENTS, KEYS, strict=True):
            while time.perf_counter() - appeared < moment:
                await asyncio.sleep(0.01)
            before = table.indices
            t0 = time.perf_counter()
            _key(app, key, key)
            while time.perf_counter() - t0 < 120:
                if screen.query_text == key and table.indices is not before:
                    break
                await asyncio.sleep(0.002)
            out["keys"].append(time.perf_counter() - t0)
            _key(app, "backspace", None)
            while screen.query_text or getattr(screen, "filtering", False):
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)
    store.close()
    return out


def _key(app: Any, key: str, char: str | None) -> None:
    """A key as the terminal sends it: posted, not awaited (the Pilot's press waits for an idle process, which
    never comes while background work runs, so it would time itself out rather than the app)."""
    from textual import events

    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


# ---------------------------------------------------------------- functions at 1M


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


def _child(what: str, path: str, n: int) -> None:
    """Run one measurement in this (fresh) process and print its result as JSON."""
    import json

    if what == "app":
        print("RESULT " + json.dumps(asyncio.run(in_app(Path(path), n))))
    else:
        print("RESULT " + json.dumps(functions(Path(path))))


def child(what: str, path: Path, n: int, tree: Path | None) -> dict[str, Any]:
    import json

    env = installed_env({**os.environ, "NO_COLOR": "1"})
    argv = [sys.executable, __file__, "--child", what, str(path), str(n)] + (["--tree", str(tree)] if tree else [])
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, cwd=str(tree or HERE.parent))
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{what} {path.name}: {proc.stderr.strip().splitlines()[-1:]}")


def run(quick: bool = False, tree: Path | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    full_100k = dump(100_000, projected=False)
    runs = 2 if quick else 3
    listed, keys, proc = [], [], []
    for _ in range(runs):
        r = child("app", full_100k, 100_000, tree)
        listed.append(r["listed"])
        keys.append(max(r["keys"]))
        proc.append(process_to_showing(full_100k, 100_000, tree)[0])
    rows.append(row("100k full ads: process start -> 'showing 100,000' (pty)", proc, "s", 1.5, "< 1.5 s"))
    rows.append(row("100k full ads: dump -> listed table inside the app", listed, "s", 1.0, "< 1 s"))
    rows.append(
        row(
            "100k: filter key -> answer, worst moment 0-8 s after the table",
            [k * 1000 for k in keys],
            "ms",
            50,
            "< 50 ms",
        )
    )
    if quick:
        return rows
    proj_1m = dump(1_000_000, projected=True)
    listed, keys, proc, peak = [], [], [], []
    for _ in range(2):
        r = child("app", proj_1m, 1_000_000, tree)
        listed.append(r["listed"])
        keys.append(max(r["keys"]))
        took, mb = process_to_showing(proj_1m, 1_000_000, tree, timeout=300)
        proc.append(took)
        peak.append(mb)
    rows.append(row("1M projected ads: process start -> 'showing 1,000,000' (pty)", proc, "s", 8.0, "< 8 s"))
    rows.append(row("1M projected ads: peak memory at 'showing 1,000,000'", peak, "MB", 2048, "< 2 GB"))
    rows.append(row("1M: dump -> listed table inside the app", listed, "s", 8.0, "< 8 s"))
    rows.append(
        row(
            "1M: filter key -> answer, worst moment 0-8 s after the table",
            [k * 1000 for k in keys],
            "ms",
            100,
            "< 100 ms",
        )
    )
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
    print("load average at the start: {:.2f} {:.2f} {:.2f} ({} cores)".format(*os.getloadavg(), os.cpu_count()))
    for r in run(quick="--quick" in sys.argv, tree=tree):
        missed = "MISSED" if r["value"] > r["limit"] else ""
        print(
            f"{r['name']:70} {r['value']:10.3f} {r['unit']:3} (min {r['min']}, max {r['max']}, "
            f"{r['runs']} runs) target {r['target']} {missed}"
        )
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
