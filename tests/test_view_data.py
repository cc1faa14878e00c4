"""The App's data is a typed object of its own (opgtui/ops/viewdata.ViewData): records from the store a worker hands
in (the dump's for jobs not copied in yet), the header's freshness from the last read; and walking the views
(the Jobs list, a job's detail, its id copied, its log) never touches the store on the UI thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_app import _store_with_failed_jobs
from test_jobs_background import _until as until

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Announcement, Job
from opgtui.ops.viewdata import ChromeRead, ViewData
from opgtui.store import Store, open_store
from opgtui.widgets.job_table import JobTable

NOW = 1_800_000_000.0


class FakeDump:
    """The dump session as ViewData reads it: records and ads by id, for jobs not yet in the store."""

    label, result = "dump q.json", object()

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = DumpJobs({j.id: j for j in jobs})

    def ad(self, job_id: str) -> dict[str, Any] | None:
        return {"ClusterId": 9} if job_id in self.jobs else None


class DumpJobs(dict[str, Job]):
    def many(self, ids: list[str]) -> list[Job]:
        return [self[i] for i in ids if i in self]


def test_records_come_from_the_store_handed_in_then_from_the_dump(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    store.upsert_jobs([Job("s#1.0", "s", 1, 0)], {"s#1.0": {"ClusterId": 1}})
    data = ViewData(Config(), FakeDump([Job("s#9.0", "s", 9, 0)]))  # type: ignore[arg-type]
    assert [j.id for j in data.jobs_by_id(store, ["s#1.0", "s#9.0", "s#7.0"])] == ["s#1.0", "s#9.0"]
    assert data.job(store, "s#9.0") is not None and data.job(store, "s#7.0") is None
    assert data.job_ad(store, "s#1.0") == {"ClusterId": 1} and data.job_ad(store, "s#9.0") == {"ClusterId": 9}
    assert data.dump_job("s#9.0") is not None and ViewData(Config()).dump_job("s#9.0") is None
    assert data.where() == "dump q.json"
    store.close()


def test_the_header_never_guesses_before_the_store_has_answered() -> None:
    data = ViewData(Config())
    assert data.freshness(NOW) == "reading the store ..." and data.announcements() == []
    data.chrome_failed = "s.db: locked"
    assert data.freshness(NOW) == "store not read"
    data.chrome = ChromeRead(NOW - 120, [Announcement("pools drained", "info", "ana")])
    assert data.freshness(NOW) == "data 2m ago" and [a.text for a in data.announcements()] == ["pools drained"]
    assert ViewData(Config(), demo=True).freshness(NOW, loading=True) == "demo: loading its jobs"


async def test_walking_a_job_to_its_detail_id_and_log_never_reads_the_store_on_the_ui_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, store = _store_with_failed_jobs(tmp_path)
    ui, on_ui = threading.current_thread(), []

    def watch(name: str) -> None:
        real = getattr(Store, name)

        def watched(self: Store, *args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is ui:
                on_ui.append(name)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Store, name, watched)

    for name in ("job", "jobs", "jobs_by_id", "job_ad", "verdicts_for", "verdict_summaries", "windows", "retries"):
        watch(name)
    app = OpgApp(cfg, store, refresh_loop=False)  # type: ignore[arg-type]
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: getattr(app.screen, "loaded_at", None) is not None)
        shown = app.screen.query_one(JobTable).cursor_row.job.display_id  # type: ignore[union-attr]
        await pilot.press("enter")
        await until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        await pilot.press("c")
        await until(pilot, lambda: bool(copied))
        assert copied == [shown]  # the id as the table shows it, from the detail's own read
        await pilot.press("l")
        await until(pilot, lambda: app.current_mode == "log" and app.log_target is not None)
        view = app.screen.query_one("LogView")
        await until(pilot, lambda: any("Retry count exceeded" in line for line in view.lines))  # type: ignore[attr-defined]
    assert on_ui == []
