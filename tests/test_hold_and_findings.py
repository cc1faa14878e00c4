"""Review finding 11 (a, b): H is not offered on a job that is held already, and a hold of held jobs says so in
one line instead of asking; the retry dialog of a cause with a population finding names the node it found."""

from __future__ import annotations

from typing import Any

from test_failures_early_keys import told
from test_label_proposal import summary_on, until
from test_typeahead import jobs_view

from opgtui.app import OpgApp
from opgtui.screens.confirm import ConfirmScreen
from opgtui.widgets.job_table import JobTable


async def test_h_is_not_offered_on_a_held_job(demo: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        jobs = await jobs_view(app, pilot)
        await pilot.press("h")  # the held jobs
        table = jobs.query_one(JobTable)
        await until(pilot, lambda: jobs.quick == "held" and table.cursor_row is not None, "the held jobs")
        assert table.cursor_row is not None and table.cursor_row.status == 5
        assert "H" not in jobs.active_bindings  # nor in the palette, which lists these
        await pilot.press("H")
        await pilot.pause()
        assert app.screen is jobs  # no "Hold 1 job?" dialog


async def test_hold_of_a_cause_all_held_says_so_and_asks_nothing(demo: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        summary = await summary_on(app, pilot, lambda g: g.count and g.held == g.count)
        n = summary.current.count  # type: ignore[union-attr]
        await pilot.press("H")
        await until(pilot, lambda: f"{n:,} already held: nothing to do" in told(app), "the one line")
        assert app.screen is summary


async def test_the_retry_dialog_names_the_node_the_population_found(demo: Any) -> None:
    app = OpgApp(*demo, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        summary = await summary_on(app, pilot, lambda g: g.signature == "cvmfs_catalog_failure")
        await until(pilot, lambda: summary.weighed, "the population's finding")
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the retry dialog")
        message = str(app.screen.message)  # type: ignore[attr-defined]
        assert "on host brown-a217" in message and "they may run there again" in message, message
