"""Log tails: the last 50 lines of a 2 GB job log (quick: 200 MB) vs GNU `tail -n 50`, and over HTTP with
Range requests (bytes on the wire for 50 lines). The log is made once under bench/out/ (git-ignored)."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opgtui.sources.logs import tail, tail_file

OUT = Path(__file__).resolve().parent / "out"
LINE = (b"%%MSG-i Reco:  RecoModule:reco@ 25-Nov-2026 03:22:41 CST  run: 51234 subRun: 12 event: %09d\n"
        b"Begin processing the %09dth record. run: 51234 subRun: 12 event: %09d at 25-Nov-2026 03:22:41 CST\n")


def make_log(size: int) -> Path:
    path = OUT / f"job_{size >> 20}MB.out"
    if path.exists() and path.stat().st_size >= size:
        return path
    OUT.mkdir(exist_ok=True)
    block = b"".join(LINE % (i, i, i) for i in range(20_000))
    with path.open("wb") as fh:
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)
    return path


class _Range(BaseHTTPRequestHandler):
    path_on_disk: Path
    sent = 0

    def do_GET(self) -> None:
        size = self.path_on_disk.stat().st_size
        n = int(self.headers["Range"].split("=-")[1])
        with self.path_on_disk.open("rb") as fh:
            fh.seek(max(size - n, 0))
            data = fh.read()
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {size - len(data)}-{size - 1}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        type(self).sent += len(data)

    def log_message(self, *args: object) -> None:
        pass


def median_ms(fn, repeats: int = 15) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def run(quick: bool = False) -> list[dict]:
    size = (200 if quick else 2048) << 20
    log = make_log(size)
    ours = median_ms(lambda: tail_file(log, 50))
    gnu = median_ms(lambda: subprocess.run(["tail", "-n", "50", str(log)], capture_output=True, check=True))
    _Range.path_on_disk, _Range.sent = log, 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Range)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        t = asyncio.run(tail(f"http://127.0.0.1:{httpd.server_address[1]}/job.out", 50))
    finally:
        httpd.shutdown()
    shown = sum(len(x) + 1 for x in t.lines)
    label = f"{log.stat().st_size / 2**30:.1f} GB" if not quick else f"{log.stat().st_size >> 20} MB"
    return [
        {"name": f"tail_file last 50 lines of a {label} log", "value": ours, "unit": "ms", "target": "a few ms"},
        {"name": "GNU tail -n 50 same file (process included)", "value": gnu, "unit": "ms", "target": "reference"},
        {"name": "HTTP Range tail: bytes transferred / bytes shown", "value": _Range.sent / shown, "unit": "x",
         "target": "small multiple"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
