"""The header's freshness and the announcements block are read in a worker, never on the UI thread: until the read
answers the header says it is reading (not 'no data collected yet'), a store that cannot be read leaves the
dashboard up, and an answer overtaken by a newer read is dropped."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Announcement
from opgtui.ops import viewdata
from opgtui.ops.viewdata import ChromeRead
from opgtui.store import StoreError, open_store
from opgtui.widgets.header import HeaderBar

NOW = 1_700_000_000.0


def header(app: OpgApp) -> str:
    return str(app.screen.query_one(HeaderBar).render())


def bar(app: OpgApp) -> str:
    from opgtui.widgets.header import AnnouncementBar

    w = app.screen.query_one(AnnouncementBar)
    return str(w.render()) if w.display else ""


@pytest.fixture
def app(tmp_path: Path) -> OpgApp:
    store = open_store(tmp_path / "s.db")
    store.post_announcement(Announcement("pool drained at noon", "warning", "ana"), now=NOW)
    return OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)


async def settle(app: OpgApp, pilot: object) -> None:
    while any(not w.is_finished for w in app.workers):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def test_the_header_says_reading_until_the_read_answers_and_reads_off_the_ui_thread(
    app: OpgApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, threads = threading.Event(), []
    real = viewdata.read_chrome

    def slow(*args: object) -> ChromeRead:
        threads.append(threading.current_thread())
        gate.wait(10)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(viewdata, "read_chrome", slow)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        assert "reading the store" in header(app) and "no data collected yet" not in header(app)
        assert "pool drained" not in bar(app)
        gate.set()
        await settle(app, pilot)
        assert "no data collected yet" in header(app) and "pool drained at noon" in bar(app)
        assert threads and all(t is not threading.main_thread() for t in threads)


async def test_a_store_that_cannot_be_read_keeps_the_header_and_the_dashboard(
    app: OpgApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        assert "pool drained at noon" in bar(app)

        def refuse(*_args: object) -> ChromeRead:
            raise StoreError("s.db: database disk image is malformed")

        monkeypatch.setattr(viewdata, "read_chrome", refuse)
        await pilot.press("2")
        await settle(app, pilot)
        assert app.is_running and "no data collected yet" in header(app)  # what was read stays
        assert "pool drained at noon" in bar(app)


async def test_an_answer_overtaken_by_a_newer_read_is_dropped(app: OpgApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read answers last with an old announcement: the header keeps the newer read's."""
    first, answers = threading.Event(), iter(["old", "new"])

    def ordered(store: object, now: float, maintenance: object) -> ChromeRead:
        which = next(answers)
        if which == "old":
            first.wait(10)
        return ChromeRead(None, [Announcement(f"{which} message", id=1)])

    async with app.run_test(size=(100, 24)) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(viewdata, "read_chrome", ordered)
        app.read_chrome()
        await pilot.pause()
        app.read_chrome()
        for _ in range(50):
            await pilot.pause(0.02)
            if "new message" in bar(app):
                break
        first.set()
        await settle(app, pilot)
        assert "new message" in bar(app) and "old message" not in bar(app)
