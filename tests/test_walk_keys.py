"""j/k move down/up in every view, as they do in the job table and the log (k9s, less, vim)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


async def moves(pilot: Any, table: DataTable[Any]) -> tuple[int, int]:
    """Where the cursor is after j j and after k."""
    table.focus()
    await pilot.press("j", "j")
    await pilot.pause()
    down = table.cursor_row
    await pilot.press("k")
    await pilot.pause()
    return down, table.cursor_row


async def test_j_and_k_in_the_status_board_failures_requests_actions_and_history(demo: tuple[Config, Any]) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause(0.3)
        assert await moves(pilot, app.screen.query_one("#board", DataTable)) == (2, 1)
        await pilot.press("enter")  # the history of the service under the cursor
        await pilot.pause(0.3)
        assert app.screen.__class__.__name__ == "ServiceHistoryScreen"
        await pilot.press("escape", "2")
        await pilot.pause(0.5)
        await pilot.press("F")
        await pilot.pause(0.5)
        assert await moves(pilot, app.screen.query_one("#failures", DataTable)) == (2, 1)
        await pilot.press("escape", "4")
        await pilot.pause(0.3)
        assert await moves(pilot, app.screen.query_one("#requests", DataTable)) == (2, 1)
        store.log_action("hold", ["a#1.0"], "x")
        store.log_action("hold", ["a#2.0"], "x")
        store.log_action("hold", ["a#3.0"], "x")
        await pilot.press("colon", *"actions", "enter")
        await pilot.pause(0.3)
        assert await moves(pilot, app.screen.query_one("#action-log", DataTable)) == (2, 1)


async def test_j_and_k_scroll_the_help_and_the_timeline(demo: tuple[Config, Any]) -> None:
    from opgtui.widgets.timeline import OutageTimeline

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        timeline = app.screen.query_one(OutageTimeline)
        timeline.styles.max_height = 6  # as with more services than fit: its rows scroll
        await pilot.pause()
        timeline.focus()
        await pilot.press("j", "j")
        await pilot.pause()
        assert timeline.scroll_offset.y == 2
        await pilot.press("k")
        await pilot.pause()
        assert timeline.scroll_offset.y == 1
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        from opgtui.widgets.vim import Scroll

        scroll = app.screen.query_one(Scroll)
        assert scroll.max_scroll_y >= 2
        await pilot.press("j", "j", "k")
        await pilot.pause()
        assert scroll.scroll_offset.y == 1


async def test_esc_goes_back_one_level_not_through_every_view(tmp_path: Any) -> None:
    from opgtui.store import open_store

    app = OpgApp(Config(store=tmp_path / "s.db"), open_store(tmp_path / "s.db"), refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "3", "5")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "log"  # back to where you came from
        await pilot.press("escape")
        await pilot.pause()
        assert app.current_mode == "log"  # and no further back through Jobs and Status
