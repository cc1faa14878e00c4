"""`:announce` at 80x24: the message gets the width the other columns leave, Enter edits the highlighted one."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_jobs_background import _until as until
from test_screen_writes import readonly_connections
from test_status_view import screen_lines
from textual.widgets import Input

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Announcement
from opgtui.screens.announce import AnnouncementForm, AnnouncementsScreen
from opgtui.store import open_store

LONG = "Keep-up reco: SAM was down 43 min this morning; SAM fetch failures are expected, retry them after 10:00"


def announce_app(tmp_path: Path) -> OpgApp:
    store = open_store(tmp_path / "s.db")
    now = time.time()
    store.post_announcement(Announcement("dCache pool upgrade tonight", "info", "dcache-admins"), now - 3600)
    store.post_announcement(Announcement(LONG, "warning", "shifter-nova", until=now + 8 * 3600), now - 600)
    return OpgApp(Config(store=tmp_path / "s.db"), store, refresh_loop=False)


async def test_message_column_gets_the_rest_of_the_width(tmp_path: Path) -> None:
    app = announce_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()  # the list is read off the UI thread
        await pilot.pause()
        assert isinstance(app.screen, AnnouncementsScreen)
        lines = screen_lines(app)
        row = next(line for line in lines if "Keep-up reco" in line)
        shown = row[row.index("Keep-up reco") :].rstrip()
        assert len(shown) >= 40 and LONG.startswith(shown.rstrip("…"))
        assert "shifter-nova"[:8] in row and len(row.rstrip()) <= 80


async def test_enter_edits_the_highlighted_announcement(tmp_path: Path) -> None:
    app = announce_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()  # the list is read off the UI thread
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnouncementsScreen)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AnnouncementForm)
        assert app.screen.existing is not None and app.screen.existing.text == screen.items[1].text
        await pilot.press("ctrl+a", "ctrl+k", *"pool upgrade postponed", "enter")
        await until(pilot, lambda: app.screen is screen)  # saved off the UI thread, then the form closes
        assert {a.text for a in app.store.announcements()} == {LONG, "pool upgrade postponed"}


async def test_a_store_that_refuses_the_write_is_one_line_and_the_dashboard_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only file, a lock or a team store gone away: expiring or posting says why in one line, off the UI
    thread; the form stays up with what was typed, and saves it once the store can be written again."""
    app = announce_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"announce", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AnnouncementsScreen)
        readonly = readonly_connections(monkeypatch)  # every write now fails as on a read-only file
        await pilot.press("x")
        read_only = "the store is read-only (check the file's and its directory's permissions)"
        await until(pilot, lambda: any(str(n.message).endswith(read_only) for n in app._notifications))
        assert len(app.store.announcements()) == 2  # nothing expired
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AnnouncementForm)
        await pilot.press(*"pool drained", "enter")
        await until(pilot, lambda: "the store is read-only" in "".join(screen_lines(app)))
        assert app.screen is form  # kept open: the text is not lost
        assert form.query_one("#text", Input).value == "pool drained"
        assert app.is_running and len(app.store.announcements()) == 2
        readonly[0] = False  # the store can be written again: Enter saves what was typed
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        await app.workers.wait_for_complete()
        assert [a.text for a in app.store.announcements()].count("pool drained") == 1
