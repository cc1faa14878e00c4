"""The Log view opened from a job's detail (review finding 7): Esc returns to that detail, not to the jobs list;
a log line wider than the view ends in a marker at the right edge instead of being cut silently."""

from __future__ import annotations

from typing import Any

from test_label_proposal import until
from test_status_view import screen_lines
from test_typeahead import jobs_view

from opgtui.app import OpgApp
from opgtui.screens.job import JobDetailScreen
from opgtui.widgets.log_view import CUT, LogView


async def test_esc_from_the_log_returns_to_the_detail_and_cut_lines_are_marked(demo: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await jobs_view(app, pilot)
        await pilot.press("f", "enter")
        await until(pilot, lambda: isinstance(app.screen, JobDetailScreen), "the job's detail")
        detail = app.screen
        assert isinstance(detail, JobDetailScreen)
        await pilot.press("l")
        await until(pilot, lambda: app.current_mode == "log" and app.screen.query(LogView), "the Log view")
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: view.lines, "the log's lines")
        wide = [i for i, line in enumerate(view.lines) if len(line) > view.body_width]
        assert wide, "the demo's log has no line wider than the view"
        await until(pilot, lambda: app.screen.query_one(LogView).lines, "drawn")
        text = "\n".join(screen_lines(app))
        for i in wide[:3]:
            row = next(line for line in text.splitlines() if f" {i + 1 + view._dropped} " in line[:12])
            assert row.rstrip().endswith(CUT), row
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is detail, f"the detail again (at {type(app.screen).__name__})")
        assert app.current_mode == "jobs"
