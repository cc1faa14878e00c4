"""Log tails: the last 50 lines of a 2 GB job log (quick: 200 MB) vs GNU `tail -n 50`, and over HTTP with Range
requests (bytes on the wire for 50 lines, and what a server ignoring Range costs). The log is made once under
bench/out/ (git-ignored).

    python bench/bench_tail.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opgtui.sources.logs import LogError, tail, tail_file
from opgtui.widgets.highlight import highlight_line

OUT = Path(__file__).resolve().parent / "out"
LINES = (
    b"%%MSG-i Reco:  RecoModule:reco@ 25-Nov-2026 03:22:41 CST  run: 51234 subRun: 12 event: %09d\n"
    b"Begin processing the %09dth record. run: 51234 subRun: 12 event: %09d at 25-Nov-2026 03:22:41 CST\n"
)


def make_log(size: int) -> Path:
    """A realistic art log of at least ``size`` bytes, made once and kept under bench/out/."""
    path = OUT / f"job_{size >> 20}MB.out"
    if path.exists() and path.stat().st_size >= size:
        return path
    OUT.mkdir(exist_ok=True)
    block = b"".join(LINES % (i, i, i) for i in range(20_000))
    tmp = path.with_suffix(".part")
    with tmp.open("wb") as fh:
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)
    tmp.replace(path)
    return path


class FileServer:
    """Serves one file on 127.0.0.1, honouring Range (suffix and absolute) unless told not to."""

    def __init__(self, path: Path, honour_range: bool = True) -> None:
        self.path, self.honour_range, self.sent = path, honour_range, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                size = outer.path.stat().st_size
                m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
                first, last, status = 0, size - 1, 200
                if m and outer.honour_range:
                    status = 206
                    if m[1]:
                        first, last = int(m[1]), min(int(m[2] or size - 1), size - 1)
                    else:
                        first = max(size - int(m[2]), 0)
                self.send_response(status)
                if status == 206:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                self.send_header("Content-Length", str(last - first + 1))
                self.end_headers()
                with outer.path.open("rb") as fh:
                    fh.seek(first)
                    left = last - first + 1
                    try:
                        while left > 0:
                            chunk = fh.read(min(left, 1 << 20))
                            # counted before it is written: the client may have it (and the bench read the
                            # count) before this thread runs again
                            outer.sent += len(chunk)
                            self.wfile.write(chunk)
                            left -= len(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/job.out"

    def __enter__(self) -> FileServer:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def median_ms(fn: Callable[[], object], repeats: int = 15) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def _timed_tails(url: str, n: int, repeats: int) -> float:
    """Median ms of ``repeats`` tails through one open client (the app keeps one), requests only."""
    import httpx

    samples = []
    async with httpx.AsyncClient() as client:
        for _ in range(repeats):
            started = time.perf_counter()
            await tail(url, n, client=client)
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(quick: bool = False) -> list[dict]:
    size = (200 if quick else 2048) << 20
    log = make_log(size)
    actual = log.stat().st_size
    label = f"{actual / 2**30:.1f} GB" if actual >= 2**30 else f"{actual >> 20} MB"
    rows = [
        {
            "name": f"tail_file last 50 lines of a {label} log",
            "value": median_ms(lambda: tail_file(log, 50)),
            "unit": "ms",
            "target": "< 5 (GNU tail ~1)",
        },
    ]
    if shutil.which("tail"):
        gnu = median_ms(lambda: subprocess.run(["tail", "-n", "50", str(log)], capture_output=True, check=True))
        rows.append(
            {
                "name": "GNU tail -n 50, same file (process start included)",
                "value": gnu,
                "unit": "ms",
                "target": "reference",
            }
        )
    rows.append(
        {
            "name": "tail_file last 1000 lines",
            "value": median_ms(lambda: tail_file(log, 1000)),
            "unit": "ms",
            "target": "< 10",
        }
    )
    rows.append(
        {
            "name": "tail_file all lines (bounded: last 64 MiB)",
            "value": median_ms(lambda: tail_file(log, 0), repeats=3),
            "unit": "ms",
            "target": "< 1000",
        }
    )

    with FileServer(log) as srv:
        t = asyncio.run(tail(srv.url, 50))
        shown = sum(len(x) + 1 for x in t.lines)
        rows += [
            {
                "name": f"HTTP Range tail of the {label} log: bytes received for 50 lines",
                "value": srv.sent,
                "unit": "B",
                "target": "<= 16384",
            },
            {
                "name": "HTTP Range tail: bytes received / bytes shown",
                "value": round(srv.sent / shown, 2),
                "unit": "x",
                "target": "< 5",
            },
            {
                "name": "HTTP Range tail: time with a shared client",
                "value": asyncio.run(_timed_tails(srv.url, 50, 9)),
                "unit": "ms",
                "target": "< 20",
            },
        ]
        srv.sent = 0
        t = asyncio.run(tail(srv.url, 5000))
        rows.append(
            {
                "name": "HTTP Range tail, 5000 lines: bytes received / bytes shown",
                "value": round(srv.sent / sum(len(x) + 1 for x in t.lines), 2),
                "unit": "x",
                "target": "< 2",
            }
        )
    with FileServer(log, honour_range=False) as srv:
        started = time.perf_counter()
        try:
            asyncio.run(tail(srv.url, 50))
            refused = "read it all"
        except LogError:
            refused = "refused"
        rows.append(
            {
                "name": f"server ignoring Range ({refused}): time to answer",
                "value": (time.perf_counter() - started) * 1000,
                "unit": "ms",
                "target": "< 100 ms (nothing downloaded)" if refused == "refused" else "MISSED: the whole log was read",
            }
        )

    sample = [(LINES % (i, i, i)).decode().splitlines()[i % 2] for i in range(2000)]
    timed = []
    for run in range(5):
        pad = " " * (run + 1)  # a text not seen before in every run: nothing cached
        c0, started = time.thread_time(), time.perf_counter()
        for line in sample:
            highlight_line(line + pad)
        timed.append(
            ((time.perf_counter() - started) / len(sample) * 1e6, (time.thread_time() - c0) / len(sample) * 1e6)
        )
    timed.sort()
    per_line, cpu = timed[len(timed) // 2]
    rows.append(
        {
            "name": "highlight_line (pygments lexer), per line: median of 5 x 2,000 lines",
            "value": per_line,
            "unit": "us",
            "target": f"< 200 (min {timed[0][0]:.0f}, CPU {cpu:.0f} us, load {os.getloadavg()[0]:.1f})",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv[1:]):
        print(f"{row['name']:70} {row['value']:>12.3f} {row['unit']:6} {row['target']}")
