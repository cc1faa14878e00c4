"""Live refresh on a team store: a collector's write, a new announcement or an approval NOTIFYs the store's
channel, and every dashboard LISTENing re-reads within a second instead of waiting for its next poll."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg", reason="the team store's tests need psycopg: pip install '.[postgres]'")

from test_status_view import screen_lines  # noqa: E402

from opgtui.app import OpgApp  # noqa: E402
from opgtui.config import Config  # noqa: E402
from opgtui.core.model import Announcement, Job, ProductionRequest  # noqa: E402
from opgtui.store import open_store  # noqa: E402
from opgtui.team.live import Listener, apply_live  # noqa: E402


@pytest.fixture(scope="module")
def live_store(pg_database: str) -> str:
    """A migrated store whose tables notify (as `opgtui store init` sets it up)."""
    open_store(pg_database).close()
    with psycopg.connect(pg_database, autocommit=True) as admin:
        apply_live(admin)
    return pg_database


class Heard:
    """What one listener was told, with an event per table."""

    def __init__(self) -> None:
        self.tables: list[set[str]] = []
        self.lock = threading.Lock()

    def __call__(self, tables: set[str]) -> None:
        with self.lock:
            self.tables.append(tables)

    def wait(self, table: str, timeout: float = 1.0) -> float | None:
        """Seconds until ``table`` was heard, or None."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            with self.lock:
                if any(table in t for t in self.tables):
                    return time.monotonic() - start
            time.sleep(0.01)
        return None


@pytest.fixture
def two_dashboards(live_store: str) -> Iterator[tuple[Heard, Heard]]:
    heard = (Heard(), Heard())
    listeners = [Listener(live_store, h, batch=0.1).start() for h in heard]
    for listener in listeners:
        assert listener.listening.wait(5), listener.error
    yield heard
    for listener in listeners:
        listener.stop()


def test_a_collectors_write_an_announcement_and_an_approval_reach_both_dashboards(
    live_store: str, two_dashboards: tuple[Heard, Heard]
) -> None:
    writer = open_store(live_store)
    try:
        writer.upsert_jobs([Job(id="sched#1.0", cluster=1, proc=0, schedd="sched", status=5)])
        for heard in two_dashboards:
            assert heard.wait("jobs") is not None
        writer.post_announcement(Announcement("dCache pools restarting", "warning", "ops"))
        for heard in two_dashboards:
            assert heard.wait("announcements") is not None
        req = writer.save_request(ProductionRequest("nova", "keepup", "ops", "submitted"), "ops", "create")
        req.status = "approved"
        writer.save_request(req, "ops", "approve")
        for heard in two_dashboards:
            assert heard.wait("request_audit") is not None and heard.wait("requests") is not None
    finally:
        writer.close()


def test_a_write_that_rolls_back_wakes_nobody(live_store: str, two_dashboards: tuple[Heard, Heard]) -> None:
    with psycopg.connect(live_store) as conn:
        conn.execute("INSERT INTO kv(key, value) VALUES ('x', 'y')")
        conn.rollback()
    assert two_dashboards[0].wait("kv", timeout=0.5) is None


async def test_the_other_dashboard_shows_a_new_announcement_within_a_second(live_store: str) -> None:
    store = open_store(live_store)
    app = OpgApp(Config(store=Path(live_store), timezone="UTC", refresh=3600), store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await asyncio.to_thread(app.listener.listening.wait, 5)
        assert not any("Keep-up reco paused" in line for line in screen_lines(app))
        other = await asyncio.to_thread(open_store, live_store)  # another shifter, on another node
        other.post_announcement(Announcement("Keep-up reco paused until 14:00", "warning", "bob"))
        other.close()
        start = time.monotonic()
        while not any("Keep-up reco paused" in line for line in screen_lines(app)):
            assert time.monotonic() - start < 1.0, "the dashboard did not re-read within a second"
            await pilot.pause(0.02)
    store.close()


async def test_a_dashboard_on_a_team_store_leaves_collecting_to_the_collector(live_store: str, monkeypatch) -> None:
    import opgtui.ops.collector
    from opgtui.config import PoolConfig

    rounds: list[object] = []

    async def collect_once(cfg: object, store: object) -> None:
        rounds.append(store)

    monkeypatch.setattr(opgtui.ops.collector, "collect_once", collect_once)
    store = open_store(live_store)
    cfg = Config(store=Path(live_store), timezone="UTC", refresh=0.05, pools=[PoolConfig(name="fnal")])
    app = OpgApp(cfg, store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)  # several refresh rounds
    store.close()
    assert rounds == []  # a shifter's dashboard has no right to write jobs: it never tried
