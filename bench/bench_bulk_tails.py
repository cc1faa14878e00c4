"""Bulk diagnosis's reads: N job logs (1,000 and 20,000) tailed over HTTP from a local server, as the Jobs
view's ``d`` reads them (the last 200 lines, at most 256 KiB of each).

- before: one tail after another, each with a new client (``asyncio.run`` and a new ``httpx.AsyncClient`` of
  httpx's defaults per log: what bulk diagnosis did until issue 15);
- per-job path: ``ops.logtarget.read_tail`` one after another (a new client each, its TLS trust loaded once);
- one client, one at a time: one kept-alive connection, one read in flight (the client's cost alone);
- read_tails: ``sources.logs.read_tails`` (what ``ops.logtarget.diagnose_jobs`` uses), 16 reads in flight
  (``log_concurrency``'s default), each reader with one client of one kept-alive connection for all its logs;
- one client of 16 connections: the same with one httpx client shared by the 16 (its pool costs about twice the
  CPU per request, which is why read_tails does not do this by default).

The server runs in its own process (an asyncio HTTP/1.1 server with keep-alive and Range, realistic art logs of
30-60 KB, 2 requests per tail), so the bench's process pays only for its own work.

    python bench/bench_bulk_tails.py [--quick] [--before-20k]
    python bench/bench_bulk_tails.py --serve PORTFILE LATENCY_MS   (the server; the bench starts it)

Rows: 1,000 and 20,000 tails from a server answering at once (the clients' own cost), and 1,000 from one
answering after 20 ms (a remote door: what the bound on reads in flight buys). ``before`` at 20,000 takes
~30 min on a loaded 2-core machine, so it runs only with ``--before-20k``; ``--quick``: 1,000 at once only.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINES = 200
BOUNDED = "read_tails: 16 in flight, a kept-alive connection each"
CAP = 256 * 1024
LINE = b"%%MSG-i Reco:  RecoModule:reco@ 25-Nov-2026 03:22:41 CST  run: 51234 subRun: %d event: %09d\n"


def bodies() -> list[bytes]:
    """64 logs of 30-60 KB; log i of the server is body i % 64."""
    return [
        b"".join(LINE % (k, e) for e in range(300 + 5 * k)) + b"ifdh: copy failed for job %d\n" % k for k in range(64)
    ]


# ---------------------------------------------------------------- the server (its own process)


async def serve(portfile: Path, latency: float) -> None:
    logs = bodies()
    number = re.compile(rb"/(\d+)\.out")
    ranged = re.compile(rb"range:\s*bytes=(\d*)-(\d*)", re.IGNORECASE)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                m = number.search(head.split(b"\r\n", 1)[0])
                if latency:
                    await asyncio.sleep(latency)
                if m is None:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    continue
                body = logs[int(m[1]) % len(logs)]
                size, r = len(body), ranged.search(head)
                if r is None:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (size, body))
                    continue
                if r[1]:
                    first, last = int(r[1]), min(int(r[2] or size - 1), size - 1)
                else:
                    first, last = max(size - int(r[2]), 0), size - 1
                part = body[first : last + 1]
                writer.write(
                    b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %d-%d/%d\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (first, last, size, len(part), part)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    portfile.write_text(str(server.sockets[0].getsockname()[1]))
    async with server:
        await server.serve_forever()


class Server:
    """The log server as a child process."""

    def __init__(self, latency_ms: float = 0.0) -> None:
        self.latency_ms = latency_ms

    def __enter__(self) -> Server:
        self._dir = tempfile.TemporaryDirectory()
        portfile = Path(self._dir.name) / "port"
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(portfile), str(self.latency_ms)])
        deadline = time.monotonic() + 10
        while not portfile.exists() or not portfile.read_text():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the log server did not start")
            time.sleep(0.02)
        self.base = f"http://127.0.0.1:{int(portfile.read_text())}/pnfs/nova/logs"
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._dir.cleanup()


# ---------------------------------------------------------------- the three ways


def urls(base: str, n: int) -> list[str]:
    return [f"{base}/{i}.out" for i in range(n)]


def before(sources: list[str]) -> tuple[float, int]:
    """One after another, a new client each, as bulk diagnosis did until issue 15: ``asyncio.run`` of a tail
    with a new ``httpx.AsyncClient`` of httpx's defaults (its TLS trust loaded again each time)."""
    import httpx

    from opgtui.sources.logs import tail_url

    async def one(source: str) -> int:
        async with httpx.AsyncClient(follow_redirects=True, timeout=10.0) as client:
            return len((await tail_url(client, source, LINES, max_bytes=CAP)).lines)

    t0, got = time.perf_counter(), 0
    for source in sources:
        got += asyncio.run(one(source))
    return time.perf_counter() - t0, got


def per_job(sources: list[str]) -> tuple[float, int]:
    """One after another through today's per-job path (``logtarget.read_tail``: a new client each, the TLS
    trust loaded once per process)."""
    from opgtui.ops.logtarget import read_tail

    t0, got = time.perf_counter(), 0
    for source in sources:
        got += len(read_tail(source, LINES, CAP)[0])
    return time.perf_counter() - t0, got


def shared(sources: list[str], concurrency: int, *, one_client: bool = False) -> tuple[float, int]:
    """``read_tails`` with ``concurrency`` reads in flight (seconds, lines read): its readers' clients, one
    kept-alive connection each, or ``one_client`` with as many connections, shared by all."""
    import httpx

    from opgtui.sources.logs import TailRequest, default_tls, read_tails

    async def go() -> int:
        got = 0
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        client = httpx.AsyncClient(verify=default_tls(), limits=limits) if one_client else None
        requests = [TailRequest(s, LINES, CAP) for s in sources]
        async for read in read_tails(requests, concurrency=concurrency, client=client):
            if read.error:
                raise RuntimeError(read.error)
            got += len(read.lines)
        if client is not None:
            await client.aclose()
        return got

    t0 = time.perf_counter()
    got = asyncio.run(go())
    return time.perf_counter() - t0, got


def run(quick: bool = False, before_20k: bool = False) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    plan = [(1000, 0.0)] if quick else [(1000, 0.0), (20_000, 0.0), (1000, 20.0)]
    rows: list[dict] = []
    for n, latency in plan:
        with Server(latency) as srv:
            shared(urls(srv.base, 50), 16)  # warm up the server and the imports
            sources = urls(srv.base, n)
            where = f"{n:,} HTTP tails" + (f", server answers after {latency:g} ms" if latency else "")
            took: dict[str, float] = {}
            ways = {
                BOUNDED: lambda s=sources: shared(s, 16),
                "one client of 16 connections, 16 in flight": lambda s=sources: shared(s, 16, one_client=True),
                "one client, one at a time": lambda s=sources: shared(s, 1),
            }
            if n <= 1000 or before_20k:
                ways = {
                    "before: one after another, a new client each": lambda s=sources: before(s),
                    "per-job path: one after another, TLS trust loaded once": lambda s=sources: per_job(s),
                    **ways,
                }
            for label, fn in ways.items():
                seconds, got = fn()
                assert got == n * LINES, (label, got)
                took[label] = seconds
                rows.append(
                    {"name": f"{where}: {label}", "value": round(seconds, 2), "unit": "s", "target": "reference"}
                )
            first = next(iter(took))
            if first.startswith("before"):
                rows.append(
                    {
                        "name": f"{where}: {BOUNDED}, speed-up over before",
                        "value": round(took[first] / took[BOUNDED], 1),
                        "unit": "x",
                        "target": ">= 3 x",
                    }
                )
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(Path(sys.argv[2]), float(sys.argv[3]) / 1000))
        sys.exit(0)
    for row in run(quick="--quick" in sys.argv, before_20k="--before-20k" in sys.argv):
        print(f"{row['name']:<90} {row['value']:>8} {row['unit']:<2} {row['target']}", flush=True)
