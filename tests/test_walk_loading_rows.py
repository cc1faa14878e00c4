"""Never an answer computed before the data arrived (issue 18), in the Jobs view's own derived state: a search
that has found part of its rows keeps every mark (the jobs it has not reached yet lost theirs), and while a thread
computes what a key asked for (a sort, a quick filter, a group) the status gives no count of the list it replaces
and an action waits for it; `:failures` typed while the demo builds opens once its jobs are in, and a cause opened
there lists its jobs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_app import _store_with_failed_jobs
from test_demo_first_paint import held_demo
from test_jobs_wiring import held_search
from test_walk_loading import jobs_status, until

from opgtui.app import OpgApp
from opgtui.domain import joblist
from opgtui.screens import jobs as jobs_screen
from opgtui.widgets.job_table import JobTable


async def jobs_view(app: OpgApp, pilot: Any) -> Any:
    await pilot.press("2")
    assert await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
    return app.screen


async def test_a_marked_job_the_search_has_not_reached_keeps_its_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filter over a big list shows its first screenful at once; the table unmarked every job not in it, so a
    marked job further down the list, which the filter matches, was unmarked for good ('1 marked' gone)."""
    gate = held_search(monkeypatch)  # 31 jobs count as many
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        table = screen.query_one(JobTable)
        await pilot.press("end", "up", "space")  # the last novapro job (the running one, ownerless, is last)
        marked = table.rows[table.indices[-2]].job_id
        assert table.marked == {marked} and "1 marked" in jobs_status(app)
        await pilot.press("slash", *"novapro")
        assert screen.filtering and marked not in {table.rows[i].job_id for i in table.indices}
        assert "showing 10+" in jobs_status(app) and "1 marked" in jobs_status(app), jobs_status(app)
        gate.set()
        assert await until(pilot, lambda: not screen.filtering)
        line = jobs_status(app)
        assert "showing 30 " in line and "1 marked" in line, line
        assert table.marked == {marked}
    store.close()


async def test_no_count_of_the_old_list_while_a_thread_lists_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`r` (running) on a big list: the sort runs in a thread; the status said 'showing 31 · running' (the count of
    every job) until it answered, then 'showing 1'."""
    monkeypatch.setattr(jobs_screen, "AT_ONCE", 5)
    gate = threading.Event()
    sorted_base = jobs_screen._sorted_base

    def held(*args: Any) -> Any:
        if threading.current_thread().name == "jobs-prepare":
            gate.wait(10)
        return sorted_base(*args)

    monkeypatch.setattr(jobs_screen, "_sorted_base", held)
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        await pilot.press("r")
        line = jobs_status(app)
        assert screen.preparing and "running" in line and "sorting by age…" in line, line
        assert "showing 31" not in line and "showing …" in line, line
        gate.set()
        assert await until(pilot, lambda: not screen.preparing)
        assert "showing 1 · running" in jobs_status(app), jobs_status(app)
    store.close()


async def test_colon_failures_while_the_demo_builds_opens_then_a_cause_lists_its_jobs(tmp_path: Path) -> None:
    from opgtui.screens.failures import FailureSummaryScreen
    from opgtui.screens.jobs import JobsScreen

    app, store, release = held_demo(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"failures", "enter")
        assert type(app.screen).__name__ == "StatusScreen"  # waits for the jobs: never '0 failed/held'
        assert any("loading its jobs" in str(n.message) for n in app._notifications)
        release.set()

        def counted() -> bool:
            return isinstance(app.screen, FailureSummaryScreen) and "failed/held" in str(
                app.screen.query_one("#failures-status").render()
            )

        assert await until(pilot, counted)
        assert "183 failed/held in all jobs" in str(app.screen.query_one("#failures-status").render())
        summary = app.screen
        assert isinstance(summary, FailureSummaryScreen) and await until(pilot, lambda: summary.weighed)
        cause = summary.current
        assert cause is not None
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, JobsScreen)
        assert await until(pilot, lambda: screen.loaded_at is not None and not screen.preparing)
        assert f"showing {cause.count:,} " in jobs_status(app), jobs_status(app)
    store.close()


async def test_an_action_waits_for_the_grouping_it_would_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`g` to exit code on a big list, then `X` before the thread grouped it: the table still showed the hold-reason
    groups, and the dialog asked to remove 'group (exit code) (not held)', a hold-reason group by another name."""
    import opgtui.screens.confirm as confirm

    monkeypatch.setattr(jobs_screen, "AT_ONCE", 5)
    gate = threading.Event()
    keys_of = joblist.RowList.group_keys_of

    def held(self: Any, by: str, *args: Any) -> Any:
        if by == "exit code" and threading.current_thread().name == "jobs-prepare":
            gate.wait(10)
        return keys_of(self, by, *args)

    monkeypatch.setattr(joblist.RowList, "group_keys_of", held)
    asked: list[tuple[str, int, str | None]] = []
    monkeypatch.setattr(
        confirm, "confirm_and_act", lambda _app, action, ids, scope=None: asked.append((action, len(ids), scope))
    )
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        await pilot.press("g", "g")  # cause, then hold reason
        assert await until(pilot, lambda: not screen.preparing and "grouped by hold reason" in jobs_status(app))
        await pilot.press("g", "X")  # exit code, grouped by a thread (held)
        assert screen.preparing == "grouping by exit code" and not asked, asked
        assert any("press X again once the list is shown" in str(n.message) for n in app._notifications)
        gate.set()
        assert await until(pilot, lambda: not screen.preparing)
        await pilot.press("X")
        assert asked == [("remove", 30, "group (exit code) exit 1")], asked
    store.close()
