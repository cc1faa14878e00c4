"""Review finding (jobs.py, proposed): a diagnosis's progress starts a full read of the store per batch, and a
superseded read's thread runs on, so the reads pile up."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from test_app import _store_with_failed_jobs
from test_jobs_background import _until as until

from opgtui.app import OpgApp
from opgtui.ops import logtarget
from opgtui.store import Store


async def test_a_diagnosis_never_runs_more_than_one_read_of_the_list_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    jobs = Store.job_briefs  # the list's read
    running, most, lock = [0], [0], threading.Lock()

    def slow_jobs(self: Store, *args: Any) -> Any:  # a big store: each read of the list takes a while
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.3)
            return jobs(self, *args)
        finally:
            with lock:
                running[0] -= 1

    def fast_diagnosis(_cfg: Any, _store: Any, found: Any, *, progress: Any = None, **_kw: Any) -> int:
        for done in range(1, 9):  # 8 batches land faster than the list is read
            time.sleep(0.05)
            if progress:
                progress(done, 8)
        return len(found)

    app = OpgApp(cfg, store, refresh_loop=False)  # type: ignore[arg-type]
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        monkeypatch.setattr(Store, "job_briefs", slow_jobs)
        monkeypatch.setattr(logtarget, "diagnose_jobs", fast_diagnosis)
        await pilot.press("d")
        await until(pilot, lambda: any("diagnosed" in str(n.message) for n in app._notifications))
        await until(pilot, lambda: running[0] == 0)
        assert most[0] <= 2, f"{most[0]} reads of the whole list at once"
