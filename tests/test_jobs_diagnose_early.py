"""Review finding (jobs.py, proposed): d before the Jobs view's rows have arrived."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from test_app import _store_with_failed_jobs
from test_jobs_background import _until as until

from opgtui.app import OpgApp
from opgtui.store import Store


async def test_d_before_the_rows_arrive_never_says_there_are_no_failures(tmp_path: Path, monkeypatch: Any) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    release, reading = threading.Event(), threading.Event()
    jobs = Store.jobs

    def slow_jobs(self: Store, *args: Any) -> Any:
        reading.set()
        release.wait(10)
        return jobs(self, *args)

    monkeypatch.setattr(Store, "jobs", slow_jobs)
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
