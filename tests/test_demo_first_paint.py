"""`opgtui demo` paints its Status view before the jobs are built, and no other view answers before they are in."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.demo.build import build_demo_board
from opgtui.screens.jobs import JobsScreen
from opgtui.screens.status import StatusScreen
from opgtui.store import Store


def held_demo(tmp_path: Path) -> tuple[OpgApp, Store, threading.Event]:
    """The demo app on its board alone, the rest of its build (jobs, verdicts, record) held until the returned
    event is set."""
    cfg, store, rest = build_demo_board(tmp_path / "demo")
    release = threading.Event()

    def slow_rest(into: object) -> None:
        release.wait(30)
        rest(into)  # type: ignore[arg-type]

    return OpgApp(cfg, store, demo=True, demo_rest=slow_rest), store, release


async def test_the_board_shows_at_once_and_the_jobs_view_waits_for_the_jobs(tmp_path: Path) -> None:
    app, store, release = held_demo(tmp_path)
    assert store.count_jobs() == 0  # the jobs are not built before the dashboard starts
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the board is read off the UI thread
        await pilot.pause()
        lines = "\n".join(screen_lines(app))
        assert isinstance(app.screen, StatusScreen) and "samweb" in lines and "loading its jobs" in lines
        await pilot.press("2")  # the Jobs view would say 0 failed: it waits for the jobs instead
        await pilot.pause()
        assert isinstance(app.screen, StatusScreen)
        assert any("loading its jobs" in str(n.message) for n in app._notifications)
        release.set()
        for _ in range(100):
            await pilot.pause(0.1)
            if isinstance(app.screen, JobsScreen):
                break
        assert isinstance(app.screen, JobsScreen)  # opened once they were in
        assert store.count_jobs() > 500
        await pilot.press("1")
        await pilot.pause()
        assert "demo built" in "\n".join(screen_lines(app))
    store.close()


QUIT_WHILE_LOADING = """
import sys, time
from pathlib import Path
from opgtui.app import OpgApp
from opgtui.demo.build import build_demo_board

cfg, store, rest = build_demo_board(Path(sys.argv[1]))


def slow_rest(into):
    time.sleep(60)  # a build that would outlast the shifter's patience


OpgApp.on_ready = lambda self: self.set_timer(0.3, self.exit)  # q, as soon as the board is up
OpgApp(cfg, store, demo=True, demo_rest=slow_rest).run(headless=True)
print("quit")
"""


def test_quitting_while_the_demo_loads_does_not_wait_for_the_build(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", QUIT_WHILE_LOADING, str(tmp_path / "demo")], capture_output=True, text=True, timeout=50
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("quit"), done.stderr[-500:]
    assert time.monotonic() - started < 30  # the 60 s build is not waited for
