"""The Jobs view reads the store through screens/reads.read_store: no count before its read has answered, a store
that cannot be read is one line in the status (the dashboard stays up), and the log key reads no store."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from test_app import _store_with_failed_jobs
from test_jobs_background import _until as until

from opgtui.app import OpgApp
from opgtui.store import Store, StoreError


def jobs_app(tmp_path: Path) -> tuple[OpgApp, Any]:
    cfg, store = _store_with_failed_jobs(tmp_path)
    return OpgApp(cfg, store, refresh_loop=False), store  # type: ignore[arg-type]


def hold_store_reads(monkeypatch: Any) -> tuple[threading.Event, threading.Event]:
    """Make every read of the job list wait: (release it, set once a read is waiting)."""
    release, reading = threading.Event(), threading.Event()
    jobs = Store.job_briefs  # the list's read

    def slow_jobs(self: Store, *args: Any) -> Any:
        reading.set()
        release.wait(10)
        return jobs(self, *args)

    monkeypatch.setattr(Store, "job_briefs", slow_jobs)
    return release, reading


async def listed(app: OpgApp, pilot: Any) -> None:
    """The Jobs view, once its read has arrived."""
    await pilot.press("2")
    await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)


def status(app: OpgApp) -> str:
    return str(app.screen.query_one("#jobs-status").render())


async def test_the_jobs_view_shows_no_count_before_its_read_has_arrived(tmp_path: Path, monkeypatch: Any) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    release, reading = hold_store_reads(monkeypatch)
    app = OpgApp(cfg, store, refresh_loop=False)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await until(pilot, reading.is_set)
        await pilot.press("down", "f")  # a key that redraws the status before the rows arrive
        await pilot.pause(0.1)
        assert "reading the store" in status(app) and "jobs" not in status(app) and "showing" not in status(app)
        assert app.screen.loaded_at is None
        release.set()
        await until(pilot, lambda: app.screen.loaded_at is not None)
        assert "31 jobs" in status(app) and "reading" not in status(app)


async def test_a_store_that_cannot_be_read_is_one_line_in_the_jobs_status(tmp_path: Path, monkeypatch: Any) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    broken = [True]
    summaries = Store.verdict_summaries

    def damaged(self: Store) -> Any:
        if broken[0]:
            raise StoreError(f"{cfg.store}: database disk image is malformed\n(run opgtui store check)")
        return summaries(self)

    monkeypatch.setattr(Store, "verdict_summaries", damaged)
    app = OpgApp(cfg, store, refresh_loop=False)  # type: ignore[arg-type]
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: "store not read" in status(app))
        shown = status(app)
        assert "malformed" in shown and "\n" not in shown.strip() and "0 jobs" not in shown
        assert app.is_running
        broken[0] = False  # repaired: ctrl+r reads again and the count arrives
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "31 jobs" in status(app))
        assert "not read" not in status(app)
        broken[0] = True  # broken again: the rows stay, the status says they were not read again
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "not read again" in status(app))
        assert "31 jobs" in status(app) and len(app.screen.rows) == 31


async def test_the_log_key_opens_the_log_without_reading_the_store_on_the_ui_thread(
    tmp_path: Path, monkeypatch: Any
) -> None:
    app, _store = jobs_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await listed(app, pilot)
        ui = threading.current_thread()
        read_on_ui: list[str] = []
        job = Store.job

        def watched(self: Store, job_id: str) -> Any:
            if threading.current_thread() is ui:
                read_on_ui.append(job_id)
            return job(self, job_id)

        monkeypatch.setattr(Store, "job", watched)
        await pilot.press("l")
        await until(pilot, lambda: app.current_mode == "log" and "Retry count exceeded" in _log_text(app))
        assert read_on_ui == []


def _log_text(app: OpgApp) -> str:
    from opgtui.widgets.log_view import LogView

    return "\n".join(app.screen.query_one(LogView).lines) if app.screen.query(LogView) else ""


async def test_diagnosing_on_a_store_that_cannot_be_written_is_one_line_and_d_twice_runs_once(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from test_screen_writes import readonly_connections

    app, store = jobs_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await listed(app, pilot)
        readonly = readonly_connections(monkeypatch)
        await pilot.press("f", "d")
        await until(pilot, lambda: any(str(n.message).startswith("not diagnosed: ") for n in app._notifications))
        note = next(str(n.message) for n in app._notifications if str(n.message).startswith("not diagnosed: "))
        assert "the store is read-only" in note and "\n" not in note and app.is_running
        assert store.verdicts() == {} and not app.screen.query_one("#diagnose-progress").display
        readonly[0] = False
        release, started = threading.Event(), threading.Event()
        import opgtui.ops.logtarget as logtarget

        real = logtarget.diagnose_jobs

        def held(*args: Any, **kwargs: Any) -> Any:
            started.set()
            release.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(logtarget, "diagnose_jobs", held)
        await pilot.press("d")
        await until(pilot, started.is_set)
        await pilot.press("d")  # while the first runs: said, not started again
        await until(pilot, lambda: any("a diagnosis is under way" in str(n.message) for n in app._notifications))
        release.set()
        await until(pilot, lambda: any(str(n.message) == "diagnosed 30 jobs" for n in app._notifications))
        assert len(store.verdicts()) == 30
        assert sum(str(n.message).startswith("diagnosed ") for n in app._notifications) == 1


async def test_d_before_the_rows_arrive_never_says_there_are_no_failures(tmp_path: Path, monkeypatch: Any) -> None:
    """d pressed while the view's read is still out: no claim about failures the view has not read yet."""
    cfg, store = _store_with_failed_jobs(tmp_path)
    release, reading = hold_store_reads(monkeypatch)
    app = OpgApp(cfg, store, refresh_loop=False)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await until(pilot, reading.is_set)
        try:
            await pilot.press("d")  # the store has failed jobs; the view has not read them yet
            await pilot.pause(0.1)
            said = [str(n.message) for n in app._notifications]
            assert not any("no failed or held jobs" in m for m in said), said
        finally:
            release.set()
        await until(pilot, lambda: app.screen.loaded_at is not None)
