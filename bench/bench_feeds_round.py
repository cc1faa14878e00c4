"""The collector round with many feeds: 1, 20 and 200 feeds answering after 200 ms each.

The feed server runs in its own process (an asyncio server: 200 ms per request, recorded payloads of four
kinds), so the collector's process pays only for its own work. The timed code is the real round,
``collector.collect_once`` into a real store, with a new client each round as ``opgtui collect`` makes one.
The anchor, measured in the same run against the same server, is raw asyncio sockets: one connection and
one HTTP/1.1 GET per URL, all at once, the body read whole (the floor for one round trip).

    python bench/bench_feeds_round.py [--quick]
    python bench/bench_feeds_round.py --serve PORTFILE   (the server; the bench starts it)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "feeds"
DELAY = 0.2
# kind, the paths one feed of it requests (an Alertmanager feed asks for alerts and silences)
KINDS = [
    ("prometheus", ["/api/v1/query"]),
    ("statuspage", ["/api/v2/summary.json"]),
    ("gocdb", ["/gocdb"]),
    ("alertmanager", ["/api/v2/alerts", "/api/v2/silences"]),
]


def routes() -> dict[str, bytes]:
    """Path suffix -> body; the server serves any ``/f<i><suffix>``."""
    return {
        "/api/v1/query": (DATA / "prom242_query_up.json").read_bytes(),
        "/api/v2/summary.json": (DATA / "statuspage_htx_summary.json").read_bytes(),
        "/gocdb": (DATA / "gocdb_get_downtime_example.xml").read_bytes(),
        "/api/v2/alerts": (DATA / "am025_alerts.json").read_bytes(),
        "/api/v2/silences": (DATA / "am025_silences.json").read_bytes(),
    }


# ---------------------------------------------------------------- the server (its own process)


async def serve(portfile: Path) -> None:
    bodies = routes()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode().split("?", 1)[0]
                suffix = "/" + path.split("/", 2)[2] if path.count("/") >= 2 else path
                body = bodies.get(suffix)
                await asyncio.sleep(DELAY)
                status = b"200 OK" if body is not None else b"404 Not Found"
                body = body if body is not None else b"not found\n"
                ctype = b"text/xml" if suffix == "/gocdb" else b"application/json"
                writer.write(
                    b"HTTP/1.1 "
                    + status
                    + b"\r\nContent-Type: "
                    + ctype
                    + b"\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    portfile.write_text(str(port))
    async with server:
        await server.serve_forever()


class Server:
    """The feed server as a child process."""

    def __enter__(self) -> Server:
        self._dir = tempfile.TemporaryDirectory()
        portfile = Path(self._dir.name) / "port"
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(portfile)])
        deadline = time.monotonic() + 10
        while not portfile.exists() or not portfile.read_text():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the feed server did not start")
            time.sleep(0.02)
        self.port = int(portfile.read_text())
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._dir.cleanup()


# ---------------------------------------------------------------- the anchor and the real round


def feeds_for(n: int, port: int) -> list:
    from opgtui.config import FeedConfig

    out = []
    for i in range(n):
        kind, _ = KINDS[i % len(KINDS)]
        base = f"http://127.0.0.1:{port}/f{i}"
        out.append(FeedConfig(f"f{i}", kind, base + ("/gocdb" if kind == "gocdb" else ""), timeout=30))
    return out


def request_paths(n: int) -> list[str]:
    return [f"/f{i}{path}" for i in range(n) for path in KINDS[i % len(KINDS)][1]]


async def raw_round(port: int, paths: list[str]) -> float:
    """Every request at once over its own plain asyncio connection; seconds until the last body is read."""

    async def one(path: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        await reader.readexactly(length)
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one(p) for p in paths))
    return time.perf_counter() - t0


def collect_round(cfg: object, store: object) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, feeds ok) of one real collector round."""
    from opgtui.ops.collector import collect_once

    t0, c0 = time.perf_counter(), time.process_time()
    rep = asyncio.run(collect_once(cfg, store))  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if rep.problems:
        raise RuntimeError(f"{len(rep.problems)} problems, e.g. {rep.problems[0]}")
    return wall, cpu, rep.feeds_ok


def run(quick: bool = False) -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from opgtui.config import Config
    from opgtui.store import open_store

    repeats = 3 if quick else 5
    rows = []
    with Server() as srv, tempfile.TemporaryDirectory() as tmp:
        for n in (1, 20, 200):
            paths = request_paths(n)
            raw = [asyncio.run(raw_round(srv.port, paths)) for _ in range(repeats)]
            cfg = Config(feeds=feeds_for(n, srv.port), store=Path(tmp) / f"s{n}.db")
            store = open_store(cfg.store)
            try:
                collect_round(cfg, store)  # the first round creates the feeds' rows
                times, cpus = [], []
                for _ in range(repeats):
                    wall, cpu, ok = collect_round(cfg, store)
                    assert ok == n, f"{ok}/{n} feeds ok"
                    times.append(wall)
                    cpus.append(cpu)
            finally:
                store.close()
            target = 2 * statistics.median(raw)
            med = statistics.median(times)
            rows.append(
                {
                    "name": f"collect round, {n} feeds ({len(paths)} GETs) at 200 ms: min/median",
                    "value": round(med, 3),
                    "unit": "s",
                    "min": round(min(times), 3),
                    "target": f"< {target:.3f} s (2x raw asyncio sockets {statistics.median(raw):.3f} s, "
                    f"min {min(times):.3f} s, CPU {statistics.median(cpus):.3f} s, load {os.getloadavg()[0]:.1f})"
                    + (" MISSED" if med > target else ""),
                    "headline": n == 200,
                }
            )
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        asyncio.run(serve(Path(sys.argv[2])))
    else:
        for row in run(quick="--quick" in sys.argv):
            print(row)
