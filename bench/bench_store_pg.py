"""The store on both engines: SQLite (a file) and PostgreSQL (a server), on the same SYNTHETIC record.

For each engine: a store of N finished jobs built through the store's own triggers (bench_stats.synth_rows), the
day rollups from scratch, every aggregation of ``opgtui stats`` over a year and over 7 days (target < 200 ms each on
SQLite, PostgreSQL within 2x), and ingesting 100,000 history ads into that store (Store.upsert_jobs with the ads, the
triggers, then the rollup refresh), beside a bare executemany of the same rows into tables without triggers.

PostgreSQL: the server ``OPGTUI_BENCH_PG_DSN`` (else ``OPGTUI_TEST_PG_DSN``) names, in a schema ``opgtui_bench``
dropped and made again; say how the server is set up when quoting numbers (fsync on, shared_buffers, disk).

    python bench/bench_store_pg.py [--quick] [--engine sqlite|postgresql]   # --quick: 100,000 jobs, 20,000 ads
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_stats import _history_ads, _ms, build, ingest  # noqa: E402
from synth_ads import ANCHOR  # noqa: E402

from opgtui.domain import stats  # noqa: E402
from opgtui.store import JOB_COLUMNS, open_store  # noqa: E402

DAY = 86400
SCHEMA = "opgtui_bench"


def _pg_target() -> str | None:
    dsn = os.environ.get("OPGTUI_BENCH_PG_DSN") or os.environ.get("OPGTUI_TEST_PG_DSN")
    if not dsn:
        return None
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.execute(f"CREATE SCHEMA {SCHEMA}")
    return psycopg.conninfo.make_conninfo(dsn, options=f"-c search_path={SCHEMA}")


def run_engine(engine: str, where: str, n: int, n_ingest: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(name: str, value: float, unit: str, target: str = "") -> None:
        rows.append({"engine": engine, "name": name, "value": value, "unit": unit, "target": target})
        print(f"{engine:10} {name:68} {value:10.3f} {unit:3} {target}", flush=True)

    row(f"build {n:,} jobs (insert + triggers)", build(where, n), "s")
    store = open_store(where)
    t0 = time.perf_counter()
    days = stats.refresh(store)
    row(f"rollups of {days} days from scratch", time.perf_counter() - t0, "s")
    if engine == "postgresql":
        store.conn.execute("ANALYZE")
    now = ANCHOR
    year, week = now - 365 * DAY, now - 7 * DAY + 3 * 3600  # a week starting mid-day: its edges read job_stats
    for by in stats.BY:
        for label, since in (("365 d", year), ("7 d", week)):
            out, ms = _ms(lambda b=by, s=since: stats.aggregate(store, b, s, now + 1))
            row(f"stats by {by} over {label} ({len(out)} rows)", ms, "ms", "< 200 ms")
    batch = store.conn.execute("SELECT batch_name FROM job_stats LIMIT 1").fetchone()[0]
    _, ms = _ms(lambda: stats.aggregate(store, "site", year, batch=batch))
    row("stats by site over 365 d, one batch (no rollup)", ms, "ms", "< 200 ms")
    _, ms = _ms(lambda: stats.series(store, "verdict", year))
    row("failures by verdict per day over 365 d", ms, "ms", "< 200 ms")
    _, ms = _ms(lambda: stats.totals(store, year))
    row("totals over 365 d", ms, "ms", "< 200 ms")

    from opgtui.sources.jobrecord import job_from_ad

    ads = _history_ads(n_ingest)
    jobs = [job_from_ad(ad, source="history") for ad in ads]
    t1 = time.perf_counter()
    t2, t3, days = ingest(store, jobs, ads)
    row(f"ingest {n_ingest:,} history ads into {n:,}: upsert with ads + triggers", t2 - t1, "s")
    row(f"ingest {n_ingest:,} history ads: rollup refresh ({days} days)", t3 - t2, "s")
    row(f"ingest {n_ingest:,} history ads: total", t3 - t1, "s")
    ids = [j.id for j in jobs]
    _, ms = _ms(lambda: store.jobs_by_id(ids))
    row(f"read back the {len(ids):,} ingested jobs (what a dashboard loads)", ms, "ms")
    row(f"bare executemany of the same {n_ingest:,} rows (no triggers)", _bare(store, jobs, ads), "s")
    store.close()
    return rows


def _bare(store: Any, jobs: list[Any], ads: list[dict[str, Any]]) -> float:
    """The same rows into trigger-free copies of jobs and job_ads: the floor an ingest cannot beat."""
    import orjson

    with store.transaction() as c:
        for table in ("bare_jobs", "bare_ads"):
            c.execute(f"DROP TABLE IF EXISTS {table}")
        c.execute("CREATE TABLE bare_jobs AS SELECT * FROM jobs WHERE 1 = 0")
        c.execute("CREATE TABLE bare_ads (job_id TEXT PRIMARY KEY, ad TEXT NOT NULL)")
    cols = ", ".join(JOB_COLUMNS)
    getters = [getattr(type(jobs[0]), name).__get__ for name in JOB_COLUMNS]
    t0 = time.perf_counter()
    for lo in range(0, len(jobs), 10_000):
        part = jobs[lo:lo + 10_000]
        with store.transaction() as c:
            c.executemany(f"INSERT INTO bare_jobs ({cols}) VALUES ({', '.join('?' * len(JOB_COLUMNS))})",
                          [tuple(g(j) for g in getters) for j in part])
            c.executemany("INSERT INTO bare_ads(job_id, ad) VALUES (?, ?)",
                          [(j.id, orjson.dumps(ad).decode()) for j, ad in zip(part, ads[lo:lo + 10_000], strict=True)])
    return time.perf_counter() - t0


def main() -> None:
    quick = "--quick" in sys.argv
    only = sys.argv[sys.argv.index("--engine") + 1] if "--engine" in sys.argv else None
    n, n_ingest = (100_000, 20_000) if quick else (1_000_000, 100_000)
    with tempfile.TemporaryDirectory(prefix="opgtui-bench-") as tmp:
        if only in (None, "sqlite"):
            run_engine("sqlite", str(Path(tmp) / "store.db"), n, n_ingest)
        if only in (None, "postgresql"):
            dsn = _pg_target()
            if dsn is None:
                print("postgresql: skipped (set OPGTUI_BENCH_PG_DSN or OPGTUI_TEST_PG_DSN)")
            else:
                run_engine("postgresql", dsn, n, n_ingest)


if __name__ == "__main__":
    main()
