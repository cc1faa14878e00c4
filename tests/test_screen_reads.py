"""Screens read the store one way (opgtui/screens/reads.read_store): off the UI thread, the newest read wins, and
a store that cannot be read is one line on the screen."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from opgtui.app import OpgApp
from opgtui.config import parse_config
from opgtui.core.model import Announcement
from opgtui.screens.reads import read_store
from opgtui.store import Store, StoreError, open_store


class Probe(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="out")

    def put(self, text: str) -> None:
        self.query_one("#out", Static).update(text)

    def shown(self) -> str:
        return str(self.query_one("#out", Static).render())


def probe_app(tmp_path: Path) -> OpgApp:
    cfg = parse_config("timezone: UTC\n", Path("c.yaml"))
    cfg.store = tmp_path / "s.db"
    store = open_store(cfg.store)
    store.post_announcement(Announcement("pools down", "warning", author="alice"), now=1.0)
    return OpgApp(cfg, store, refresh_loop=False)


async def test_a_newer_read_wins_over_a_slower_older_one(tmp_path: Path) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        release = threading.Event()

        def slow(store: Store) -> str:
            release.wait(5)
            return "old: " + store.announcements(now=2.0)[0].text

        read_store(probe, slow, probe.put, group="probe")
        read_store(probe, lambda store: "new: " + store.announcements(now=2.0)[0].text, probe.put, group="probe")
        await pilot.pause(0.2)
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert probe.shown() == "new: pools down"


async def test_a_store_that_cannot_be_read_is_one_line_and_the_app_stays_up(tmp_path: Path) -> None:
    app = probe_app(tmp_path)
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)

        def broken(_store: Store) -> str:
            raise StoreError(f"{tmp_path / 's.db'}: the store is locked by another process")

        read_store(probe, broken, probe.put, group="probe", failed=lambda line: probe.put("failed: " + line))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert probe.shown().startswith("failed: ") and "locked by another process" in probe.shown()
        assert "\n" not in probe.shown() and app.is_running
