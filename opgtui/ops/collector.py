"""Poll every source once or on an interval and record what they say in the store.

The same code serves `opgtui collect` (headless, as a service) and the dashboard (when no collector runs).
Only one collector may write a store at a time: an exclusive lock file beside the store says who.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from opgtui.config import Config
from opgtui.team.lock import CollectorBusy  # another collector holds the store's lock (either engine)

if TYPE_CHECKING:
    import httpx

    from opgtui.store import Store


def lock_path(store_path: Path) -> Path:
    store_path = store_path.expanduser().resolve()  # a symlink or another spelling of the store: the same lock
    return store_path.with_name(store_path.name + ".collector.lock")


@contextmanager
def collector_lock(store_path: Path) -> Iterator[None]:
    """Hold the store's collector lock for the duration; CollectorBusy if someone else has it."""
    from opgtui.store.pg import is_postgres, redact

    if is_postgres(str(store_path)):  # a team store: a PostgreSQL advisory lock (opgtui.team.lock)
        from opgtui.team.lock import collector_lock as team_lock

        with team_lock(str(store_path), redact(str(store_path))):
            yield
        return
    path = lock_path(store_path)
    from opgtui.store import open_beside_store

    fd = open_beside_store(path, store_path)  # as private as the store (0600, or 0660 for its group)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise CollectorBusy(
                f"{store_path}: another collector (pid {holder}) is already writing this store"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def collector_running(store_path: Path) -> bool:
    """True when another process holds the collector lock of this store."""
    try:
        with collector_lock(store_path):
            return False
    except CollectorBusy:
        return True
    except OSError:
        return False


@dataclass(slots=True)
class CollectReport:
    """What one round of collection did, for the header and the log."""

    started: float
    finished: float = 0.0
    feeds_ok: int = 0
    jobs: int = 0
    problems: list[str] = field(default_factory=list)


async def collect_feeds(
    cfg: Config, store: Store, report: CollectReport, client: httpx.AsyncClient | None = None
) -> None:
    if not cfg.feeds:
        return
    from opgtui.sources.feeds.poll import poll_all

    results = await poll_all(cfg.feeds, client=client, service_for=cfg.service_for)

    def record() -> None:  # one trip to a thread for the whole round, not one per feed
        for r in results:
            rep = r.report
            store.record_feed(
                r.feed,
                r.kind,
                fetched=r.fetched,
                ok=r.ok,
                error=r.error,
                states=rep.states if rep else (),
                windows=rep.windows if rep else (),
                absent_state=rep.absent_state if rep else None,
            )

    await asyncio.to_thread(record)
    for r in results:
        if r.ok:
            report.feeds_ok += 1
        else:
            report.problems.append(f"feed {r.feed}: {r.error}")


async def collect_jobs(cfg: Config, store: Store, report: CollectReport) -> None:
    if not cfg.pools:
        return
    from opgtui.sources.condor import query_pool

    for pool in cfg.pools:
        since = {k.removeprefix("watermark:"): int(v) for k, v in store.kv_prefix("watermark:").items()}
        results = await query_pool(pool, since=since)
        for r in results:
            if not r.ok:
                report.problems.append(f"schedd {r.schedd}: {r.error}")
                continue
            report.jobs += await asyncio.to_thread(store.upsert_jobs, r.jobs, r.ads)
            if r.watermark is not None:
                await asyncio.to_thread(store.set_kv, f"watermark:{r.schedd}", str(r.watermark))


async def collect_once(cfg: Config, store: Store, client: httpx.AsyncClient | None = None) -> CollectReport:
    """Poll feeds and pools concurrently once; problems are reported, never raised."""
    report = CollectReport(started=time.time())
    outcomes = await asyncio.gather(
        collect_feeds(cfg, store, report, client), collect_jobs(cfg, store, report), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            report.problems.append(f"collector: {type(outcome).__name__}: {outcome}")
    if cfg.pools:  # the production record: logs of newly finished jobs, stats rollups, retention
        from opgtui.ops.record import upkeep

        report.problems += (await asyncio.to_thread(upkeep, cfg, store)).problems
    report.finished = time.time()
    store.set_kv("last_collect", str(report.finished))
    return report


async def run_collector(
    cfg: Config, store: Store, *, once: bool = False, echo: Callable[[str], None] = print
) -> CollectReport | None:
    """`opgtui collect`: hold the lock, poll, sleep the refresh interval, repeat (the next round starts only
    after the previous one finished, so rounds never overlap). With ``once``, the round's report."""
    if not cfg.feeds and not cfg.pools:
        echo("nothing to collect: the config has no feeds and no pools (see opgtui config example)")
    with collector_lock(store.path):
        while True:
            rep = await collect_once(cfg, store)
            echo(
                f"collected: {rep.feeds_ok}/{len(cfg.feeds)} feeds ok, {rep.jobs} jobs, "
                f"{rep.finished - rep.started:.1f}s"
            )
            for p in rep.problems:
                echo(f"  problem: {p}")
            if once:
                return rep
            await asyncio.sleep(cfg.refresh)
