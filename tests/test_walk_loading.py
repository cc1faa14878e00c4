"""Never an answer computed before the data arrived (issue 18): `2` then `F` typed at once, while the jobs are
still loading, says the summary is loading and fills in when they arrive (it said "0 failed/held · 0 causes"
and stayed so); a cause opened from `:failures` before the Jobs view has its rows lists its jobs when they arrive;
`:failures` typed while a dump is parsed fills in once it is listed; a store the summary cannot read is one line,
not a crash (issue 17 item 9)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_hostile_store import CORRUPT, damaged_store
from test_jobbrief import varied, write

import opgtui.sources.dumps as dumps
from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.store import open_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def status_line(app: OpgApp) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#failures-status", Static).render())


async def summarised(app: OpgApp, pilot: Any) -> str:
    """The summary's status line once it has counted (at most 5 s)."""
    for _ in range(50):
        await pilot.pause(0.1)
        summary = type(app.screen).__name__ == "FailureSummaryScreen" and app.screen.query("#failures-status")
        if summary and "failed/held" in status_line(app):  # pushed, and composed (not only pushed)
            break
    return status_line(app)


def assert_counted(line: str) -> None:
    found = re.search(r"([\d,]+) failed/held .* (\d+) causes", line)
    assert found and int(found[1].replace(",", "")) > 100 and int(found[2]) >= 5, line


@pytest.fixture
def held_back(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The jobs view's load waits for this event before it builds its rows."""
    import opgtui.screens.jobs as jobs_screen

    release = threading.Event()
    monkeypatch.setattr(jobs_screen, "build_rows", held_until(release, jobs_screen.build_rows))
    return release


def held_until(release: threading.Event, call: Callable[..., Any]) -> Callable[..., Any]:
    """``call``, made to wait for ``release`` first (at most 20 s)."""

    def wait_then_call(*args: Any, **kwargs: Any) -> Any:
        release.wait(20)
        return call(*args, **kwargs)

    return wait_then_call


async def test_F_typed_while_the_jobs_load_says_loading_then_fills_in(
    demo: tuple[Config, Any], held_back: threading.Event
) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "F")
        await pilot.pause(0.5)
        assert type(app.screen).__name__ == "FailureSummaryScreen"
        line = status_line(app)
        assert "loading" in line and "0 failed" not in line and "0 causes" not in line, line
        held_back.set()
        assert_counted(await summarised(app, pilot))


async def test_colon_failures_reads_every_job_whatever_the_jobs_view_has_loaded(
    demo: tuple[Config, Any], held_back: threading.Event
) -> None:
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", *"failures", "enter")
        line = await summarised(app, pilot)
        assert re.search(r"\b183 failed/held in all jobs", line), line
        held_back.set()


async def test_2_and_F_arriving_in_one_read_as_the_app_starts(demo: tuple[Config, Any]) -> None:
    """Typed before the dashboard was up (over SSH, while the demo builds): both keys arrive before the jobs
    view has started to load; the summary said '0 failed/held · 0 causes' and stayed so."""
    from textual import events

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(events.Key("2", "2"))
        app.post_message(events.Key("F", "F"))
        assert_counted(await summarised(app, pilot))


async def test_a_damaged_store_is_one_line_in_the_failure_summary(tmp_path: Path) -> None:
    from opgtui.screens.failures import FailureSummaryScreen

    db = damaged_store(tmp_path / "s.db")
    app = OpgApp(Config(store=db), open_store(db), refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(FailureSummaryScreen())
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, FailureSummaryScreen)
        assert status_line(app).strip().startswith(f"{db}: {CORRUPT}"[:60])


def jobs_status(app: OpgApp) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#jobs-status", Static).render())


async def until(pilot: Any, ok: Any, seconds: float = 10.0) -> bool:
    """Wait (at most ``seconds``) for ``ok()``; its last answer."""
    for _ in range(int(seconds / 0.05)):
        if ok():
            return True
        await pilot.pause(0.05)
    return bool(ok())


async def test_a_cause_opened_from_colon_failures_while_the_jobs_load_lists_its_jobs_when_they_arrive(
    demo: tuple[Config, Any], held_back: threading.Event
) -> None:
    """`:failures` reads every job itself; Enter on a cause before the Jobs view had its rows drilled into an empty
    group and stayed so: '729 jobs · showing 0 · group: CODE · FHiCL…' after the load."""
    from opgtui.screens.failures import FailureSummaryScreen
    from opgtui.screens.jobs import JobsScreen
    from opgtui.widgets.job_table import JobTable

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon", *"failures", "enter")
        assert_counted(await summarised(app, pilot))
        summary = app.screen
        assert isinstance(summary, FailureSummaryScreen) and await until(pilot, lambda: summary.weighed)
        cause = summary.current
        assert cause is not None and cause.count > 1
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, JobsScreen) and screen.loaded_at is None  # its rows are still being built
        line = jobs_status(app)
        assert "reading" in line and f"group: {cause.name[:20]}" in line and "showing 0" not in line, line
        held_back.set()
        assert await until(pilot, lambda: screen.loaded_at is not None and not screen.preparing)
        line = jobs_status(app)
        assert f"showing {cause.count:,} " in line and f"group: {cause.name[:20]}" in line, line
        table = screen.query_one(JobTable)
        assert sorted(screen.rows[i].job_id for i in table.indices) == sorted(cause.job_ids)


async def test_colon_failures_typed_while_a_dump_is_parsed_fills_in_when_it_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said 'loading the dump' until the next refresh tick (60 s), or forever without a refresh loop."""
    path = write(varied(300), tmp_path / "q.json", "lines")
    failing = sum(1 for j in dumps.load_files([path]).jobs if j.failed or j.status == 5)
    release = threading.Event()
    monkeypatch.setattr(dumps, "load_files", held_until(release, dumps.load_files))
    cfg = Config(store=tmp_path / "scratch.db")
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False, dump=[str(path)])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"failures", "enter")
        assert await until(
            pilot, lambda: "loading the dump" in (status_line(app) if app.screen.query("#failures-status") else "")
        )
        release.set()
        line = await summarised(app, pilot)
        assert f"{failing:,} failed/held in all jobs" in line, line
    store.close()
