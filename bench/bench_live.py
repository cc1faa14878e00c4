"""Live refresh on a team store: how long from a writer's commit until a dashboard's Listener hears of it, and what
the notify triggers cost the collector's writes.

Against the PostgreSQL server ``OPGTUI_BENCH_PG_DSN`` (else ``OPGTUI_TEST_PG_DSN``), in a new database dropped
afterwards. Three listeners; a writer posts N announcements one transaction each, spaced 50 ms apart, and the
delay commit -> callback is measured in each listener (median, p95, max). Then 20,000 jobs are written through
Store.upsert_jobs in chunks of 1,000 with and without the live triggers.

    python bench/bench_live.py [--n 100] [--batch 0.25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from typing import Any

import psycopg
from psycopg import sql

from opgtui.core.model import Announcement, Job
from opgtui.store import open_store
from opgtui.team.live import Listener, apply_live


def _database(dsn: str) -> tuple[str, str]:
    name = f"opgbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, psycopg.conninfo.make_conninfo(dsn, dbname=name)


def latency(dsn: str, n: int, batch: float) -> list[float]:
    sent: dict[int, float] = {}
    delays: list[float] = []
    lock = threading.Lock()

    def heard(_tables: set[str]) -> None:
        now = time.perf_counter()
        with lock:
            if sent:
                delays.append(now - max(sent.values()))

    listeners = [Listener(dsn, heard, batch=batch).start() for _ in range(3)]
    for li in listeners:
        li.listening.wait(5)
    store = open_store(dsn)
    for i in range(n):
        store.post_announcement(Announcement(f"bench {i}", "info", "bench"))
        with lock:
            sent[i] = time.perf_counter()
        time.sleep(0.05 + batch)  # one notification per listener window
    time.sleep(batch + 0.1)
    store.close()
    for li in listeners:
        li.stop()
    return delays


def write_cost(dsn: str, live: bool) -> float:
    store = open_store(dsn)
    if live:
        apply_live(store.conn.raw)
    jobs = [Job(id=f"s#{i}.0", cluster=i, proc=0, schedd="s", status=2) for i in range(20_000)]
    start = time.perf_counter()
    for k in range(0, len(jobs), 1000):
        store.upsert_jobs(jobs[k : k + 1000])
    took = time.perf_counter() - start
    store.close()
    return took


def run(quick: bool = False, n: int = 100, batch: float = 0.25) -> list[dict[str, Any]]:
    """The rows; without a PostgreSQL DSN, one row saying the bench was not run (it needs a server)."""
    dsn = os.environ.get("OPGTUI_BENCH_PG_DSN") or os.environ.get("OPGTUI_TEST_PG_DSN")
    if not dsn:
        return [
            {
                "name": "not run: set OPGTUI_BENCH_PG_DSN (or OPGTUI_TEST_PG_DSN) to a PostgreSQL superuser's DSN",
                "value": float("nan"),
                "unit": "",
                "target": "reference",
            }
        ]
    rows: list[dict[str, Any]] = []
    made = []
    try:
        for live in (True, False):
            name, db = _database(dsn)
            made.append(name)
            open_store(db).close()
            if live:
                with psycopg.connect(db, autocommit=True) as conn:
                    apply_live(conn)
                d = sorted(latency(db, 20 if quick else n, batch))
                what = f"commit -> listener callback ({len(d)} over 3 listeners, batch {batch}s)"
                rows.append(
                    {"name": f"{what}: median", "value": statistics.median(d) * 1000, "unit": "ms", "target": ""}
                )
                rows.append(
                    {"name": f"{what}: p95", "value": d[int(len(d) * 0.95) - 1] * 1000, "unit": "ms", "target": ""}
                )
            rows.append(
                {
                    "name": f"20,000 jobs in chunks of 1,000, live triggers {'on' if live else 'off'}",
                    "value": write_cost(db, live),
                    "unit": "s",
                    "target": "",
                }
            )
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            for name in made:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--batch", type=float, default=0.25)
    args = ap.parse_args()
    if not (os.environ.get("OPGTUI_BENCH_PG_DSN") or os.environ.get("OPGTUI_TEST_PG_DSN")):
        raise SystemExit("set OPGTUI_BENCH_PG_DSN (or OPGTUI_TEST_PG_DSN) to a PostgreSQL superuser's DSN")
    for row in run(n=args.n, batch=args.batch):
        print(f"{row['name']}: {row['value']:.2f} {row['unit']}")


if __name__ == "__main__":
    main()
