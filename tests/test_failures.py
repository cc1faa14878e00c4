"""The failure summary (grouping, outages, ranges) and the dashboard's way from "N failures" to "retry these":
on the demo data, and for real through the worker and the Schedd double."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config, DebugProfile, ExperimentConfig
from opgtui.core.model import Finding, Job, JobStatus, Verdict, Window
from opgtui.domain.failures import UNDIAGNOSED, in_range, sites_text, summarise
from opgtui.store import open_store

TESTS = Path(__file__).parent
NOW = 1_800_000_000.0
SAM = Window("samweb", "outage", NOW - 3600, NOW - 1800, "am", ext_id="a")


def job(i: int, **kw: Any) -> Job:
    base: dict[str, Any] = {"status": JobStatus.COMPLETED, "exit_code": 1, "end_time": NOW - 60, "site": "FNAL"}
    return Job(f"s#{i}.0", "s", i, 0, **{**base, **kw})


def verdict(category: str, signature: str | None, windows: list[Window] = (), confidence: str = "probable") -> Verdict:  # type: ignore[assignment]
    return Verdict(
        category,
        {"service": "retry", "code": "debug"}.get(category, "look"),
        signature,
        signature or "",
        [Finding(signature or "x", category, 50, signature or "x", "line")],
        confidence,
        "",
        list(windows),
    )


def test_failures_group_by_verdict_and_signature_with_sites_and_outages() -> None:
    jobs = [job(i, site="FNAL" if i % 3 else "Purdue") for i in range(6)] + [
        job(10, status=JobStatus.HELD, hold_code=34, exit_code=None),
        job(11, status=JobStatus.RUNNING),
        job(12, exit_code=0),
    ]  # neither failed nor held: left out
    other = Window("samweb", "outage", NOW - 7200, NOW - 7000, "am", ext_id="b")
    verdicts = {
        f"s#{i}.0": verdict("service", "sam.fetch", [SAM] + ([other] if i == 1 else []), "confident") for i in range(4)
    }
    verdicts |= {"s#4.0": verdict("code", "fhicl.parse"), "s#5.0": verdict("code", "fhicl.parse")}
    groups = summarise(jobs, verdicts)
    assert [(g.category, g.signature, g.count) for g in groups] == [
        ("service", "sam.fetch", 4),
        ("code", "fhicl.parse", 2),
        (UNDIAGNOSED, None, 1),
    ]
    sam = groups[0]
    assert sam.retryable and sam.confident == 4 and sam.sites == Counter({"FNAL": 2, "Purdue": 2})
    assert [w.start for w in sam.windows] == [other.start, SAM.start]  # each outage once, earliest first
    assert groups[2].title == "held, code 34" and groups[2].held == 1
    assert sites_text(Counter({"a": 5, "b": 3, "c": 2, "d": 1})) == "a 5, b 3, c 2 +1 more"


def test_time_ranges_use_when_the_job_ended_or_was_held() -> None:
    jobs = [
        job(1, end_time=NOW - 3 * 3600),
        job(2, end_time=None, status=JobStatus.HELD, status_since=NOW - 600),
        job(3, end_time=None, status=JobStatus.HELD, status_since=None),
    ]
    assert [j.id for j in in_range(jobs, 6 * 3600, NOW)] == ["s#1.0", "s#2.0"]
    assert [j.id for j in in_range(jobs, 3600, NOW)] == ["s#2.0"]
    assert len(in_range(jobs, None, NOW)) == 3


# ---------------------------------------------------------------- the dashboard, on the demo


async def test_demo_from_failures_to_causes_to_retrying_the_service_ones(demo: tuple[Config, Any]) -> None:
    from textual.widgets import DataTable

    from opgtui.screens.confirm import ConfirmScreen
    from opgtui.screens.failures import FailureSummaryScreen

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("F")
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, FailureSummaryScreen)
        groups = screen.groups
        assert 3 <= len(groups) <= 15
        service = [g for g in groups if g.retryable]
        sam = [g for g in service if any(w.service == "samweb" for w in g.windows)]
        assert sam, [(g.category, g.signature) for g in groups]
        table = screen.query_one(DataTable)
        shown = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any(row.startswith("SERVICE") and "samweb " in row for row in shown)
        table.move_cursor(row=groups.index(sam[0]))
        await pilot.pause(0.1)
        detail = str(screen.query_one("#failure-detail").render())
        assert "samweb DOWN" in detail and f"{sam[0].count} jobs" in detail
        status = str(screen.query_one("#failures-status").render())
        n_service = sum(g.count for g in service)
        assert f"{n_service:,} service-caused" in status
        await pilot.press("S")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Retry {n_service:,} jobs?" in str(app.screen.message)
        await pilot.press("tab", "enter")  # Cancel has the focus; move to "Yes, do it"
        await pilot.pause(0.3)
        entry = store.action_log()[-1]
        assert entry["action"] == "retry" and len(entry["job_ids"]) == n_service
        assert entry["result"] == "demo data: nothing sent (the demo has no schedd)"
        # Enter on a cause: its jobs in the jobs view
        screen.query_one(DataTable).move_cursor(row=groups.index(sam[0]))
        await pilot.press("enter")
        await pilot.pause(0.3)
        jobs_screen = app.screen
        assert jobs_screen.__class__.__name__ == "JobsScreen"
        assert sorted(jobs_screen.rows[i].job_id for i in jobs_screen.visible_indices()) == sorted(sam[0].job_ids)
        await pilot.press("colon")
        await pilot.pause(0.1)
        await pilot.press(*"actions", "enter")
        await pilot.pause(0.3)
        row = [str(c) for c in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[2:] == ["retry", f"{n_service:,}", "demo data: nothing sent (the demo has no schedd)"]


# ---------------------------------------------------------------- the dashboard, for real (worker + double)


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Config, Any, Path]:
    from opgtui.sources.dumps import load_files
    from opgtui.sources.jobrecord import job_from_ad

    monkeypatch.setenv("OPGTUI_SCHEDD_FACTORY", "schedd_double:make")
    monkeypatch.setenv("OPGTUI_DOUBLE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    held = load_files([TESTS / "data" / "condor" / "chtc_held_docker_memory.long.ad"]).ads.popitem()[1]
    ads = [
        dict(
            held,
            ClusterId=100,
            ProcId=p,
            Owner="novapro",
            AccountingGroup="group_nova.prod.novapro",
            GlobalJobId=f"jobsub01#100.{p}#1",
            EnteredCurrentStatus=int(time.time()) - 60,
        )
        for p in range(3)
    ]
    (tmp_path / "jobsub01.json").write_text(json.dumps(ads))
    cfg = Config(
        store=tmp_path / "s.db",
        experiments=[
            ExperimentConfig("nova", debug_profile=DebugProfile(environment={"IFDH_DEBUG": "1"}, request_memory=32000))
        ],
    )
    store = open_store(cfg.store)
    jobs = [job_from_ad(a, schedd="jobsub01") for a in ads]
    store.upsert_jobs(jobs, {j.id: a for j, a in zip(jobs, ads, strict=True)})
    return cfg, store, tmp_path


async def test_retry_with_debug_of_a_group_from_the_jobs_view_and_the_lineage_in_the_detail(
    pool: tuple[Config, Any, Path],
) -> None:
    from opgtui.screens.job import JobDetailScreen

    cfg, store, d = pool
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("g")  # grouped by cause: the three held jobs are one group
        await pilot.pause(0.2)
        await pilot.press("D")
        await pilot.pause(0.2)
        message = str(app.screen.message)  # type: ignore[attr-defined]
        assert "Retry 3 jobs with debug settings?" in message and "IFDH_DEBUG=1" in message
        await pilot.press("tab", "enter")
        for _ in range(100):  # the retry runs in a worker: its intent is recorded first, its answer when it comes
            await pilot.pause(0.1)
            if len(done := store.retries()) == 3 and all(r["mode"] != "pending" for r in done):
                break
        queue = {a["ProcId"]: a for a in json.loads((d / "jobsub01.json").read_text())}
        assert {a["JobStatus"] for a in queue.values()} == {1}
        assert {a["RequestMemory"] for a in queue.values()} == {32000}
        app.push_screen(JobDetailScreen("jobsub01#100.1"))
        await pilot.pause(0.2)
        detail = str(app.screen.query_one("#detail").render())
        assert "retried released" in detail and "debug nova: Environment, RequestMemory" in detail


async def test_running_and_succeeded_jobs_are_left_out_of_a_retry(demo: tuple[Config, Any]) -> None:
    from opgtui.screens.confirm import ConfirmScreen

    cfg, store = demo
    logged = len(store.action_log())
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("r", "T")  # a running job under the cursor
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("nothing to retry: 1 running" in n.message for n in app._notifications)
        screen = app.screen
        ids = [screen.rows[i].job_id for i in screen.visible_indices()[:3]]  # type: ignore[attr-defined]
        held = next(r.job_id for r in screen.rows if r.status == JobStatus.HELD)  # type: ignore[attr-defined]
        from opgtui.screens.confirm import confirm_and_retry

        confirm_and_retry(app, [*ids, held])
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
        text = str(app.screen.message)
        assert "Retry 1 job?" in text and "1 held: released" in text and "Left out: 3 running" in text
    assert len(store.action_log()) == logged


def test_failed_means_one_thing_in_the_model_the_job_list_retries_and_the_store(tmp_path: Path) -> None:
    """A job that completed with a non-zero exit code or by a signal is failed (core.model.is_failed); held and
    removed jobs are not failed. The Jobs list, the retry rule and the store's failed-or-held query agree."""
    import ast

    from opgtui.core.model import is_failed
    from opgtui.domain.joblist import build_rows
    from opgtui.domain.retry import why_not_retryable
    from opgtui.learn.unknown import failed_jobs

    jobs = [
        job(i, status=JobStatus(status), exit_code=code, exit_signal=signal)
        for i, (status, code, signal) in enumerate(
            (s, c, g) for s in JobStatus for c in (None, 0, 1, 137) for g in (None, 9)
        )
    ]
    rows = build_rows(jobs, now=NOW)
    store = open_store(tmp_path / "opgtui.db")
    try:
        store.upsert_jobs(jobs)
        failed_or_held = {j.id for j in failed_jobs(store)}
    finally:
        store.close()
    for j, row in zip(jobs, rows, strict=True):
        failed = is_failed(j.status, j.exit_code, j.exit_signal)
        assert j.failed == row.failed == failed, j
        assert (why_not_retryable(j.status, j.exit_code, j.exit_signal) is None) == (
            failed or j.status in (JobStatus.HELD, JobStatus.REMOVED)
        ), j
        assert (j.id in failed_or_held) == (failed or j.status == JobStatus.HELD), j
    # spelled once in Python: the model, and the job list's fast paths over plain ints (measured: bench_joblist)
    package = Path(__file__).resolve().parent.parent / "opgtui"
    spelled = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.BoolOp) and _spells_failed(ast.unparse(node))
    )
    assert sorted(set(spelled)) == ["core/model.py", "domain/joblist.py"]
    # and in SQL only inside the store (Store.failed_jobs, the job_stats triggers of its schema)
    in_sql = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "exit_signal IS NOT NULL" in p.read_text(encoding="utf-8")
    )
    assert [p for p in in_sql if not p.startswith("store/")] == []


def _spells_failed(source: str) -> bool:
    """``bool(exit_code) or exit_signal is not None`` in any spelling (the failed test, not a mere 'has an exit')."""
    return "exit_signal is not None" in source and (
        ("bool(" in source and "exit_code)" in source) or "exit_code or" in source
    )
