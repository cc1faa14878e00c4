"""Status view at 80x24: its keys work whatever has focus, the timeline shows its time axis and legend."""

from __future__ import annotations

import time
from pathlib import Path

from test_app import visible_text

from opgtui.app import OpgApp
from opgtui.config import parse_config
from opgtui.core.model import ServiceState, Window
from opgtui.screens.help import HelpScreen
from opgtui.screens.service import ServiceHistoryScreen
from opgtui.store import open_store
from opgtui.widgets.timeline import OutageTimeline

SERVICES = ("samweb", "dcache", "cvmfs", "xrootd", "tokens", "jobsub", "fts", "gpgrid-ce")


def screen_lines(app: OpgApp) -> list[str]:
    """The screen as the terminal shows it, line by line."""
    update = app.screen._compositor.render_update(full=True)
    return ["".join(strip.text for strip in line) for line in update.strips]  # type: ignore[union-attr]


def board_app(tmp_path: Path) -> OpgApp:
    """Eight services (more than the timeline has rows for at 80x24), an outage of dcache 5 h ago."""
    services = "".join(f"  - {{name: {s}}}\n" for s in SERVICES)
    cfg = parse_config(f"timezone: UTC\nservices:\n{services}", Path("c.yaml"))
    cfg.store = tmp_path / "s.db"
    store = open_store(cfg.store)
    now = time.time()
    store.record_feed(
        "am",
        "alertmanager",
        fetched=now - 20 * 3600,
        ok=True,
        states=[ServiceState(s, "up", now - 20 * 3600, "am") for s in SERVICES],
    )
    store.record_feed(
        "am",
        "alertmanager",
        fetched=now - 60,
        ok=True,
        states=[ServiceState("dcache", "down", now - 5 * 3600, "am", "no read pools")],
        windows=[Window("dcache", "outage", now - 5 * 3600, now - 4 * 3600, "am", description="pools")],
    )
    return OpgApp(cfg, store, refresh_loop=False)


async def test_enter_on_the_board_opens_the_history_of_the_row_under_the_cursor(tmp_path: Path) -> None:
    app = board_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        await pilot.press("down", "enter")  # default focus: the board
        await pilot.pause()
        assert isinstance(app.screen, ServiceHistoryScreen)
        assert app.screen.service == "dcache"
        await app.workers.wait_for_complete()  # the history is read off the UI thread
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "uptime over 7 days: 99.40%  (1 window)" in shown and " outage " in shown  # 1 h down of 168
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("tab", "enter")  # focus elsewhere: still the board's cursor row
        await pilot.pause()
        assert isinstance(app.screen, ServiceHistoryScreen) and app.screen.service == "dcache"


async def test_timeline_keys_work_without_focusing_the_timeline(tmp_path: Path) -> None:
    app = board_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        timeline = app.screen.query_one(OutageTimeline)
        assert not timeline.has_focus
        start = timeline.bounds()[0]
        await pilot.press("z")
        await pilot.pause()
        assert timeline.span == 6 * 3600  # 24 h -> 6 h
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert timeline.offset_s > 0
        await pilot.press("greater_than_sign", "less_than_sign", "full_stop")
        await pilot.pause()
        assert timeline.offset_s == 0
        assert timeline.bounds()[0] > start  # the 6 h span starts later than the 24 h one


async def test_help_lists_the_status_keys_and_every_view(tmp_path: Path) -> None:
    app = board_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = visible_text(app)
        for line in ("Enter  History", "z  Zoom", "< / ,  Earlier", ">  Later", ".  Back to now"):
            assert line in text
        assert "1 Status · 2 Jobs · 3 Log · 4 Requests · 5 Stats" in text


async def test_time_axis_and_legend_show_without_scrolling_at_80x24(tmp_path: Path) -> None:
    app = board_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        timeline = app.screen.query_one(OutageTimeline)
        assert len(timeline.services) == 8 and timeline.scroll_offset.y == 0
        lines = screen_lines(app)
        top = timeline.region.y
        bottom = lines[timeline.region.bottom - 1]
        start = timeline.bounds()[0]
        from opgtui.core.timefmt import clock

        assert bottom.strip().startswith(clock(start, app.tz, with_date=True)[:5])  # the axis: dated ticks
        assert "down" in lines[top] and "maintenance" in lines[top]  # the legend, in the top border
        assert "dcache" in "\n".join(lines[top : timeline.region.bottom])
        timeline.scroll_end(animate=False)  # the service rows scroll, the axis stays
        await pilot.pause()
        lines = screen_lines(app)
        assert "gpgrid-ce" in "\n".join(lines[top : timeline.region.bottom])
        assert lines[timeline.region.bottom - 1] == bottom


async def test_the_board_reads_the_store_once_when_it_first_shows_and_again_when_it_comes_back(
    tmp_path: Path, monkeypatch
) -> None:
    from opgtui.screens.status import StatusScreen

    reads: list[int] = []
    reload = StatusScreen.reload
    monkeypatch.setattr(StatusScreen, "reload", lambda self: (reads.append(1), reload(self))[1])
    app = board_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        assert len(reads) == 1  # Textual resumes a new mode's screen twice: one read of the store
        assert "dcache" in "\n".join(screen_lines(app))
        await pilot.press("question_mark")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert len(reads) == 2  # back from the help: fresh data


def test_a_change_reported_after_the_last_screen_closed_is_no_crash(tmp_path: Path) -> None:
    """The team store's listener (or the demo's build) may report while the dashboard is closing."""
    app = board_app(tmp_path)
    app.reload_views()  # no screen on the stack: nothing to reload, no ScreenStackError
