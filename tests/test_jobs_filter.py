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
