"""Jobs view wiring: the `/` filter is a safe text box, a header click sorts, a filter over many rows runs in
a worker that background work gives way to, and causes are named as on every other screen."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from test_app import _store_with_failed_jobs
from test_joblist import NOW, jobs
from textual import events

from opgtui.app import OpgApp
from opgtui.core.foreground import foreground
from opgtui.core.model import Job, JobStatus
from opgtui.domain import joblist
from opgtui.domain.joblist import build_rows, group_rows, quick_filter, warm
from opgtui.widgets.job_table import JobTable

HOSTILE = "\x1b]52;c;cHduZWQ=\x07novapro\u202e\x1b[2J"


async def jobs_view(app: OpgApp, pilot: Any) -> Any:
    await pilot.press("2")
    for _ in range(50):
        await pilot.pause(0.1)
        if getattr(app.screen, "loaded_at", None) is not None:
            break
    return app.screen


async def test_a_pasted_escape_sequence_never_reaches_the_filter_box(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        await pilot.press("slash")
        box = screen.query_one("#filter")
        box.post_message(events.Paste(HOSTILE))
        await pilot.pause(0.2)
        assert box.value.isprintable() and "\x1b" not in box.value and "\u202e" not in box.value
        assert "novapro" in box.value
        assert screen.query_text == box.value  # what is filtered is what is shown


async def test_a_click_on_a_column_title_sorts_by_it_and_the_cursor_stays_on_its_job(tmp_path: Path) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await jobs_view(app, pilot)
        table = screen.query_one(JobTable)
        await pilot.press("down", "down", "down")
        job = table.cursor_row.job_id
        x = next(x for x in range(120) if table.column_at(x) == "id")
        await pilot.click(JobTable, offset=(x, 0))
        await pilot.pause(0.1)
        assert (screen.sort_key, screen.sort_reverse) == ("id", False) and table.sort_column == "id"
        ids = [table.rows[i].job.cluster for i in table.indices]
        assert ids == sorted(ids)
        assert table.cursor_row.job_id == job
        await pilot.click(JobTable, offset=(x, 0))
        await pilot.pause(0.1)
        assert screen.sort_reverse and [table.rows[i].job.cluster for i in table.indices] == ids[::-1]
        assert table.cursor_row.job_id == job


async def test_a_filter_over_many_rows_is_searched_by_a_worker(tmp_path: Path, monkeypatch: Any) -> None:
    from opgtui.screens import jobs as jobs_screen

    monkeypatch.setattr(jobs_screen, "AT_ONCE", 5)  # 31 jobs count as many
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        await pilot.press("slash", *"200")
        for _ in range(50):
            await pilot.pause(0.05)
            if not screen.filtering and screen.shown == 1:
                break
        assert screen.shown == 1 and not screen.filtering
        await pilot.press("backspace", "backspace", "backspace")
        for _ in range(50):
            await pilot.pause(0.05)
            if screen.shown == 31:
                break
        assert screen.shown == 31


async def test_a_search_stops_once_the_filter_is_cleared(tmp_path: Path, monkeypatch: Any) -> None:
    """A search over many rows superseded by the filter's clearing (backspace) stops at its next step: it would
    run on for seconds at 100k jobs, fighting the next keystroke's search for the interpreter."""
    from opgtui.screens import jobs as jobs_screen

    monkeypatch.setattr(jobs_screen, "AT_ONCE", 5)
    monkeypatch.setattr(jobs_screen, "FIRST_PART", 1)  # the thread searches the other 30 rows
    gate, taken = threading.Event(), []

    def steps(rows: Any, terms: Any, pool: Any, step: int = 2000) -> Any:
        for part in joblist.filter_steps(rows, terms, pool, step=1):  # one row a step: many steps
            gate.wait(10)
            taken.append(part)
            yield part

    monkeypatch.setattr(jobs_screen, "filter_steps", steps)
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        await pilot.press("slash", "1")
        assert screen.filtering
        await pilot.press("backspace")
        assert screen.shown == 31 and not screen.filtering
        searches = [t for t in threading.enumerate() if t.name == "jobs-filter"]
        gate.set()
        for thread in searches:
            thread.join(10)
        assert len(taken) <= 1  # the step it was in, not the 31 rows
        assert screen.shown == 31 and not screen.filtering
    store.close()


def held_search(monkeypatch: Any) -> threading.Event:
    """A list of 31 jobs made to count as big (5 rows searched at once, a first part of 10, a screenful of 3), its
    thread's search held until the returned event is set."""
    from opgtui.screens import jobs as jobs_screen

    monkeypatch.setattr(jobs_screen, "AT_ONCE", 5)
    monkeypatch.setattr(jobs_screen, "FIRST_PART", 10)
    monkeypatch.setattr(jobs_screen, "FIRST_SCREEN", 3)
    gate = threading.Event()

    def steps(rows: Any, terms: Any, pool: Any, step: int = 2000) -> Any:
        gate.wait(10)  # the thread's search is held
        yield from joblist.filter_steps(rows, terms, pool, step)

    monkeypatch.setattr(jobs_screen, "filter_steps", steps)
    return gate


async def test_a_keystroke_shows_its_first_screenful_before_a_thread_searches_the_rest(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The first rows of a big list are searched on the UI thread and shown at once when they fill a screen: the
    answer never waits for a thread to start, be scheduled and hand it back; the rest follows, in order."""
    gate = held_search(monkeypatch)
    cfg, store = _store_with_failed_jobs(tmp_path)
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await jobs_view(app, pilot)
        table = screen.query_one(JobTable)
        base = list(table.indices)
        await pilot.press("slash", *"novapro")
        assert screen.filtering and table.indices == base[:10]  # the first part's matches, the thread held
        assert "showing 10+" in str(screen.query_one("#jobs-status").render())
        gate.set()
        for _ in range(50):
            await pilot.pause(0.05)
            if not screen.filtering:
                break
        assert table.indices == joblist.filter_rows(screen.rows, "novapro", base) and len(table.indices) == 30
    store.close()


def test_background_filter_texts_give_way_to_a_keystroke() -> None:
    rows = build_rows(jobs(3 * joblist.WARM_STEP), now=NOW)
    with foreground():
        worker = threading.Thread(target=warm, args=(rows,))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and rows._built == joblist.WARM_STEP  # one step, then it waits
        assert joblist.filter_rows(rows, "novapro")  # the keystroke's filter does not wait for it
    worker.join(10)
    assert not worker.is_alive() and rows._built == len(rows)
    assert rows._haystacks == [r.haystack for r in rows]


def test_a_cause_is_named_as_on_every_screen() -> None:
    held = Job("s#1.0", "s", 1, 0, status=JobStatus.HELD, hold_code=34, hold_reason="memory")
    failed = Job("s#2.0", "s", 2, 0, status=JobStatus.COMPLETED, exit_code=65)
    diagnosed = Job("s#3.0", "s", 3, 0, status=JobStatus.COMPLETED, exit_code=65)
    running = Job("s#4.0", "s", 4, 0, status=JobStatus.RUNNING)
    rows = build_rows(
        [held, failed, diagnosed, running],
        {"s#3.0": "code"},
        now=NOW,
        signatures={"s#3.0": "fhicl_protection_violation"},
        titles={"fhicl_protection_violation": "FHiCL tried to modify a protected parameter"},
    )
    keys = {g.key for g in group_rows(rows, quick_filter(rows, "all"), "cause")}
    assert keys == {
        "UNDIAGNOSED · held, code 34",
        "UNDIAGNOSED · exit code 65",
        "CODE · FHiCL tried to modify a protected parameter",
        "(not failed)",
    }
