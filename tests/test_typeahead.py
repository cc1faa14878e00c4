"""Keys typed in one burst right after a key that opens a text box reach that box (review finding 4): `/` then
`site:purdue` (a paste, a fast typist over SSH) filters the Jobs view; none of the letters runs a Jobs key and
`:` opens no command line. The same for `:` then a command. Keys are posted in one go, as a terminal delivers a
burst, so that none is handled before the next has arrived."""

from __future__ import annotations

from typing import Any

from test_label_proposal import until
from textual import events
from textual.widgets import Input

from opgtui.app import OpgApp
from opgtui.screens.jobs import JobsScreen

NAMES = {":": "colon", "/": "slash", " ": "space", "!": "exclamation_mark", "\r": "enter", "\t": "tab"}


def burst(app: OpgApp, text: str) -> None:
    """Post every key of ``text`` to the app before any of them is handled."""
    for char in text:
        app.post_message(events.Key(NAMES.get(char, char), char))


async def jobs_view(app: OpgApp, pilot: Any) -> JobsScreen:
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen.loaded_at is not None, "the jobs")
    assert isinstance(app.screen, JobsScreen)
    await until(pilot, lambda: not isinstance(app.focused, Input), "the table focused")
    return app.screen


async def test_a_filter_typed_in_one_burst_after_slash_reaches_the_filter(demo: Any) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        jobs = await jobs_view(app, pilot)
        box = jobs.query_one("#filter", Input)
        burst(app, "/site:purdue !exit")
        await until(pilot, lambda: box.value == "site:purdue !exit", f"the whole filter typed (has {box.value!r})")
        assert app.screen is jobs and jobs.quick == "all" and jobs.grouping is None  # no Jobs key ran
        assert app.focused is box and jobs.query_text == "site:purdue !exit"
        burst(app, "/x\r")  # '/' in the box is a character; Enter keeps the filter
        await until(pilot, lambda: app.focused is not box, "Enter to leave the box")
        assert box.value == "site:purdue !exit/x" and app.screen is jobs


async def test_a_command_typed_in_one_burst_after_colon_runs(demo: Any) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        jobs = await jobs_view(app, pilot)
        burst(app, ":stats\r")
        await until(pilot, lambda: app.current_mode == "stats", "the Stats view")
        assert jobs.quick == "all"  # 's', 't', 'a' reached the prompt, not the Jobs view
        await pilot.press("2")
        await until(pilot, lambda: app.screen is jobs, "the Jobs view again")
        burst(app, ":fa\t\r")  # Tab completes, Enter runs
        await until(pilot, lambda: type(app.screen).__name__ == "FailureSummaryScreen", "the failure summary")
