"""Jobs view at 80x24: the `/` filter line shows above the footer while filtering."""

from __future__ import annotations

from pathlib import Path

from test_app import _store_with_failed_jobs
from test_status_view import screen_lines

from opgtui.app import OpgApp


async def test_filter_line_and_its_placeholder_show_above_the_footer(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        assert not any("filter: words" in line for line in screen_lines(app))
        await pilot.press("slash")
        await pilot.pause()
        lines = screen_lines(app)
        assert "filter: words, !word, site:x" in lines[-2]  # the placeholder, just above the footer
        assert "Filter" in lines[-1]  # the footer still shows
        await pilot.press(*"200")
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[-2].strip() == "200"
        assert "showing 1 " in "\n".join(lines[:6])
        await pilot.press("escape")
        await pilot.pause()
        assert not any(line.strip() == "200" for line in screen_lines(app))


async def test_the_filter_applies_as_the_box_value_changes(tmp_path: Path) -> None:
    """FilterInput: the view filters in the step that changes the box's value (no message, and no frame, between
    a key and its answer: issue 18), and the Changed message after it does not filter again."""
    from opgtui.screens.jobs import FilterInput, JobsScreen
    from opgtui.widgets.job_table import JobTable

    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        box = screen.query_one("#filter", FilterInput)
        table = screen.query_one(JobTable)
        shown = table.indices
        box.value = "200"
        assert screen.query_text == "200" and table.indices is not shown  # at once
        applied = screen._generation
        await pilot.pause()
        assert screen._generation == applied  # its Changed message found the filter applied
        assert "showing 1 " in "\n".join(screen_lines(app)[:6])
        box.value = ""
        assert screen.query_text == ""
