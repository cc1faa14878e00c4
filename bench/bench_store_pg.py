"""The store on both engines: SQLite (a file) and PostgreSQL (a server), on the same SYNTHETIC record.

For each engine: a store of N finished jobs built through the store's own triggers (bench_stats.synth_rows; SQLite's
is bench_stats' cached store when it has one), the day rollups from scratch, every aggregation of ``opgtui stats``
over a year and over 7 days (target < 200 ms each on SQLite, PostgreSQL within 2x), `opgtui` on that store to its
first screen (a process in a pseudo-terminal), ingesting 100,000 history ads into it (Store.upsert_jobs with the ads,
the triggers, then the rollup refresh) beside a bare executemany of the same rows into tables without triggers, and
the Jobs view on a store of 100,000 jobs: listed from the store, then a one-key filter 0.3, 1 and 2 s after.

PostgreSQL: the server ``OPGTUI_BENCH_PG_DSN`` (else ``OPGTUI_TEST_PG_DSN``) names, in a schema ``opgtui_bench``
dropped and made again; say how the server is set up when quoting numbers (fsync on, shared_buffers, disk).

    python bench/bench_store_pg.py [--quick] [--engine sqlite|postgresql]   # --quick: 100,000 jobs, 20,000 ads
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_stats import (  # noqa: E402
    VERSION,
    _history_ads,
    _ms,
    bare_floor,
    build,
    floor_rows,
    ingest,
    same_schema_floor,
)
from synth_ads import ANCHOR  # noqa: E402

from opgtui.domain import stats  # noqa: E402
from opgtui.store import open_store  # noqa: E402

DAY = 86400
SCHEMA = "opgtui_bench"


def _pg_target(schema: str = SCHEMA) -> str | None:
    dsn = os.environ.get("OPGTUI_BENCH_PG_DSN") or os.environ.get("OPGTUI_TEST_PG_DSN")
    if not dsn:
        return None
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.execute(f"CREATE SCHEMA {schema}")
    return psycopg.conninfo.make_conninfo(dsn, options=f"-c search_path={schema}")


def _build(engine: str, where: str, n: int) -> tuple[float, str]:
    """The synthetic store at ``where``: seconds, and what they measured (SQLite: bench_stats' cached copy)."""
    cached = HERE / "out" / f"stats_{n}_v{VERSION}.db"
    if engine == "sqlite" and cached.exists():
        t0 = time.perf_counter()
        shutil.copy(cached, where)
        return time.perf_counter() - t0, f"copy of {n:,} jobs (bench_stats' cached store)"
    return build(where, n), f"build {n:,} jobs (insert + triggers)"


def run_engine(engine: str, where: str, n: int, n_ingest: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(name: str, value: float, unit: str, target: str = "") -> None:
        rows.append({"engine": engine, "name": name, "value": value, "unit": unit, "target": target})
        print(f"{engine:10} {name:68} {value:10.3f} {unit:3} {target}", flush=True)

    secs, what = _build(engine, where, n)
    row(what, secs, "s")
    store = open_store(where)
    t0 = time.perf_counter()
    days = stats.refresh(store)
    if days:
        row(f"rollups of {days} days from scratch", time.perf_counter() - t0, "s")
        cached = HERE / "out" / f"stats_{n}_v{VERSION}.db"
        if engine == "sqlite" and not cached.exists():  # the next run (and bench_stats) starts from this one
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cached.parent.mkdir(exist_ok=True)
            shutil.copy(where, cached.with_suffix(".tmp"))
            cached.with_suffix(".tmp").rename(cached)
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
    times = first_screen(where)
    load = os.getloadavg()[0]
    row(
        f"opgtui on this store to its first screen: the board's service row (pty, median of {len(times)})",
        statistics.median(times),
        "s",
        f"< 0.5 s (min {min(times):.3f} s, load {load:.1f})",
    )

    from opgtui.sources.jobrecord import job_from_ad

    ads = _history_ads(n_ingest)
    jobs = [job_from_ad(ad, source="history") for ad in ads]
    done = ingest(store, jobs, ads)
    row(
        f"ingest {n_ingest:,} history ads into {n:,}: upsert with ads + triggers",
        done.upsert,
        "s",
        f"({done.note(done.upsert_cpu)})",
    )
    row(
        f"ingest {n_ingest:,} history ads: rollup refresh ({done.days} days)",
        done.refresh,
        "s",
        f"({done.note(done.refresh_cpu)})",
    )
    row(f"ingest {n_ingest:,} history ads: total", done.total, "s")
    ids = [j.id for j in jobs]
    _, ms = _ms(lambda: store.jobs_by_id(ids))
    row(f"read back the {len(ids):,} ingested jobs (what a dashboard loads)", ms, "ms")
    floor, note = bare_floor(store, jobs, ads)
    row(f"bare executemany of the same {n_ingest:,} rows (no triggers)", floor, "s", f"the floor ({note})")
    # issue 18: an ingest into the big store within 2x of the bare floor: the same rows by bare executemany into
    # trigger-free copies of the store's tables (same keys and indexes, the same rows held); the floor into empty
    # tables with no key or index (stricter than any store can be) beside it for reference
    same = same_schema_floor(store, jobs, ads)
    for r in floor_rows(done, floor, f"ingest {n_ingest:,} into {n:,}", same):
        row(r["name"], r["value"], r["unit"], r["target"])
    store.close()
    return rows


def run_jobs_view(engine: str, where: str, n: int) -> list[dict[str, Any]]:
    """The Jobs view on a store of ``n`` jobs (engine-bound: the listing reads the store)."""
    build(where, n)
    asyncio.run(jobs_view(where, n))  # once to import and warm what both engines share
    listed, keys, cpu = asyncio.run(jobs_view(where, n))
    load = os.getloadavg()[0]
    rows = [
        {
            "engine": engine,
            "name": f"Jobs view on {n:,} stored jobs: switch to the listed table",
            "value": listed,
            "unit": "s",
            "target": f"< 1 s (CPU {cpu:.2f} s, load {load:.1f})",
        },
        {
            "engine": engine,
            "name": "a one-key filter, worst of 0.3 / 1 / 2 s after the table appears "
            f"({' / '.join(f'{1000 * k:.0f}' for k in keys)} ms)",
            "value": 1000 * max(keys),
            "unit": "ms",
            "target": "< 50 ms",
        },
    ]
    for r in rows:
        print(f"{engine:10} {r['name']:68} {r['value']:10.3f} {r['unit']:3} {r['target']}", flush=True)
    return rows


def first_screen(where: str, runs: int = 3) -> list[float]:
    """Seconds from `opgtui` starting (a process in a pseudo-terminal) to the status board showing what it read
    from the store ``where`` (a file or a PostgreSQL connection string): its one configured service's row."""
    from bench_startup import first_frame

    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = Path(sys.executable).with_name("opgtui")
    exe = [str(script)] if script.exists() else [sys.executable, "-m", "opgtui.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        # a connection string has quotes of its own; the service's name is painted only when the board's read of
        # the store is shown (the column headers, "Since" among them, are painted at mount, before any read)
        config.write_text(f"store: {json.dumps(where)}\nservices:\n  - name: samweb\n    critical: true\n")
        return [first_frame([*exe, "--config", str(config)], env, b"samweb") for _ in range(runs)]


async def jobs_view(where: str, n: int) -> tuple[float, list[float], float]:
    """The Jobs view on a store of ``n`` jobs: seconds from switching to it to the listed table, a fresh one-key
    filter's answer at 0.3, 1 and 2 s after the table appears, and the CPU seconds of this process (every thread:
    the read runs in a worker) from the switch to the listed table."""
    import asyncio

    from bench_felt import _key

    from opgtui.app import OpgApp
    from opgtui.config import Config
    from opgtui.widgets.job_table import JobTable

    app = OpgApp(Config(store=where, timezone="UTC", refresh=3600), open_store(where), refresh_loop=False)
    keys = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        started, cpu = time.perf_counter(), time.process_time()
        app.switch_mode("jobs")
        while time.perf_counter() - started < 300:
            await asyncio.sleep(0.005)
            screen = app.screen
            if getattr(screen, "loaded_at", None) is not None and len(getattr(screen, "rows", ())) == n:
                break
        listed, cpu = time.perf_counter() - started, time.process_time() - cpu
        appeared = time.perf_counter()
        table = screen.query_one(JobTable)
        _key(app, "slash", "/")
        while not screen.query_one("#filter").has_focus:
            await asyncio.sleep(0.002)
        for moment, key in ((0.3, "a"), (1.0, "b"), (2.0, "c")):
            while time.perf_counter() - appeared < moment:
                await asyncio.sleep(0.01)
            before = table.indices
            t0 = time.perf_counter()
            _key(app, key, key)
            while time.perf_counter() - t0 < 60 and not (screen.query_text == key and table.indices is not before):
                await asyncio.sleep(0.002)
            keys.append(time.perf_counter() - t0)
            _key(app, "backspace", None)
            while screen.query_text or getattr(screen, "filtering", False):
                await asyncio.sleep(0.005)
    app.store.close()
    for thread in threading.enumerate():  # the filter texts' warming outlives the app: not into the next run
        if thread.name == "jobs-warm":
            thread.join(120)
    return listed, keys, cpu


def run(quick: bool = False, only: str | None = None, view_only: bool = False) -> list[dict[str, Any]]:
    """Every row on each engine (``only``: one of them), then PostgreSQL's time over SQLite's per row (<= 2)."""
    n, n_ingest = (100_000, 20_000) if quick else (1_000_000, 100_000)
    n_view = 20_000 if quick else 100_000
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="opgtui-bench-") as tmp:
        if only in (None, "sqlite"):
            if not view_only:
                rows += run_engine("sqlite", str(Path(tmp) / "store.db"), n, n_ingest)
            rows += run_jobs_view("sqlite", str(Path(tmp) / "jobs.db"), n_view)
        if only in (None, "postgresql"):
            if not os.environ.get("OPGTUI_BENCH_PG_DSN") and not os.environ.get("OPGTUI_TEST_PG_DSN"):
                print("postgresql: skipped (set OPGTUI_BENCH_PG_DSN or OPGTUI_TEST_PG_DSN)")
            else:
                if not view_only:
                    rows += run_engine("postgresql", str(_pg_target()), n, n_ingest)
                rows += run_jobs_view("postgresql", str(_pg_target(SCHEMA + "_jobs")), n_view)
    sqlite = {r["name"]: r for r in rows if r["engine"] == "sqlite"}
    ratios = [
        {
            "engine": "pg/sqlite",
            "name": f"PostgreSQL / SQLite: {r['name']}",
            "unit": "x",
            "value": r["value"] / sqlite[r["name"]]["value"],
            "target": "<= 2",
        }
        for r in rows
        if r["engine"] == "postgresql"
        and r["name"] in sqlite
        and sqlite[r["name"]]["value"]
        and not r["name"].startswith(("build", "copy", "rollups", "bare", "a one-key"))
    ]
    for r in ratios:
        print(f"{r['engine']:10} {r['name'][:68]:68} {r['value']:10.2f} {r['unit']:3} {r['target']}", flush=True)
    return [{**r, "name": f"{r['engine']}: {r['name']}"} for r in rows] + ratios


def main() -> None:
    only = sys.argv[sys.argv.index("--engine") + 1] if "--engine" in sys.argv else None
    run("--quick" in sys.argv, only, "--view-only" in sys.argv)


if __name__ == "__main__":
    main()
