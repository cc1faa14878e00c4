"""Times no calendar holds never take a view down: every time formatter shows '?' for them, and the dashboard
starts, lists jobs and draws its stats over a stored CompletionDate of 1e13, a CPU time of inf and a maintenance
window ending 9999-12-31T23:59:59Z seen from east of UTC (the year 10000 there).

"now" and the zone are injected: time.time is patched, TZ is set and time.tzset() called (and undone after)."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_hostile_population import FAILED_ID, _build

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.core.model import Window
from opgtui.core.timefmt import ago, clock, span, utc_minute, zone
from opgtui.domain.stats import aggregate, refresh, series
from opgtui.store import open_store

NOW = 1_486_500_000.0  # a few days after the recorded ads ended (2017-02)
END_OF_9999 = 253402300799.0  # 9999-12-31T23:59:59Z: the latest end a feed may give (sources/feeds/base.LATEST)
INF, NAN = float("inf"), float("nan")


@pytest.fixture
def zurich(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A shifter at CERN: the local zone is east of UTC, where the end of 9999 is in the year 10000."""
    monkeypatch.setenv("TZ", "Europe/Zurich")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "ts",
    [END_OF_9999, 1e13, -1e13, INF, -INF, NAN, 10**400],
    ids=["9999", "1e13", "-1e13", "inf", "-inf", "nan", "10**400"],
)
def test_a_time_no_calendar_holds_is_shown_as_a_question_mark(zurich: None, ts: float) -> None:
    assert clock(ts) == "?" and clock(ts, with_date=True) == "?"
    assert clock(ts, zone("Asia/Tokyo")) == "?"
    assert utc_minute(1e13) == "?" and utc_minute(NAN, zone=False) == "?"


def test_a_duration_that_is_no_number_is_shown_as_a_question_mark() -> None:
    assert span(INF) == "?" and span(NAN, coarse=True) == "?" and span(-INF) == "?"
    assert ago(NAN, NOW) == "? ago" and ago(-INF, NOW) == "? ago"
    assert span(3700) == "1h01" and span(None) == "" and clock(None) == ""  # the showable as before


def test_a_showable_time_reads_as_before(zurich: None) -> None:
    assert clock(NOW) == "21:40" and clock(NOW, with_date=True) == "02-07 21:40"
    assert clock(END_OF_9999, zone("UTC"), with_date=True) == "12-31 23:59"
    assert utc_minute(END_OF_9999) == "9999-12-31 23:59 UTC"


def _store_holding_unshowable_times(root: Path) -> Config:
    """The hostile store, whose job 0 holds a start and CompletionDate of 1e13 and a RemoteUserCpu of inf as a store
    written before ingestion bounded them would (or one copied from such a store)."""
    cfg, _ = _build(root)
    store = open_store(cfg.store)
    try:
        job = store.job(FAILED_ID.format(0))
        assert job is not None
        store.upsert_jobs([dataclasses.replace(job, start_time=1e13, end_time=1e13, cpu_user=INF)])
        bad = store.job(FAILED_ID.format(0))
        assert bad is not None and bad.end_time == 1e13 and math.isinf(bad.cpu_user or 0.0)
    finally:
        store.close()
    return cfg


def test_stats_by_day_and_hour_name_a_day_no_calendar_holds_as_a_question_mark(tmp_path: Path, zurich: None) -> None:
    """The job that started and ended at 1e13 is counted on a day and at an hour with no date: '?'; the others as
    before."""
    cfg = _store_holding_unshowable_times(tmp_path)
    with open_store(cfg.store) as store:
        refresh(store)
        days = {r.key: r.tally.jobs for r in aggregate(store, "day", since=0.0)}
        hours = {r.key: r.tally.jobs for r in aggregate(store, "hour", since=0.0)}
        per_day = series(store, "all", since=0.0)
    assert days["?"] == 1 and sum(days.values()) == 60 and all(k == "?" or k.startswith("2017-") for k in days)
    assert hours["?"] == 1 and sum(hours.values()) == 60, hours
    assert per_day[""]["?"].jobs == 1


async def _settle(app: OpgApp, pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def _screen_text(app: OpgApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_the_dashboard_starts_at_cern_with_maintenance_to_the_end_of_9999(
    tmp_path: Path, zurich: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed announced maintenance ending 9999-12-31T23:59:59Z: the announcement's 'until' is '?', the
    dashboard starts (it crashed at startup for a shifter east of UTC)."""
    monkeypatch.setattr(time, "time", lambda: NOW)
    cfg = _store_holding_unshowable_times(tmp_path)
    store = open_store(cfg.store)
    store.add_window(Window("cvmfs", "maintenance", NOW - 3600, END_OF_9999, "statuspage", ext_id="forever"))
    store.add_window(Window("dcache", "maintenance", NOW + 3600, END_OF_9999, "statuspage", ext_id="soon"))
    app = OpgApp(cfg, store, refresh_loop=False)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await _settle(app, pilot)
            said = [a.text for a in app.data.chrome.announcements] if app.data.chrome else []
            assert app.is_running
    finally:
        store.close()
    assert "cvmfs under maintenance now until ?" in said
    assert any(a.startswith("dcache maintenance 02-07 22:40-? (in 1h00)") for a in said), said


async def _view(root: Path, *keys: str) -> tuple[str, str]:
    """The screen's class and text after pressing ``keys`` on the dashboard over the store of unshowable times
    (each key's reads waited for); a crash is raised here."""
    cfg = _store_holding_unshowable_times(root)
    store = open_store(cfg.store)
    app = OpgApp(cfg, store, refresh_loop=False)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            for key in keys:
                await pilot.press(key)
                await _settle(app, pilot)
            assert app.is_running
            return type(app.screen).__name__, _screen_text(app)
    finally:
        store.close()


async def test_the_jobs_view_lists_a_job_whose_cpu_time_is_infinite(
    tmp_path: Path, zurich: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)
    """The job's CPU/Wall cell is '?/?' (one job with RemoteUserCpu inf crashed the view)."""
    name, text = await _view(tmp_path, "2", "slash", *"14158503.0@", "enter")
    row = next(line for line in text.splitlines() if "14158503.0@fifebatch1" in line)
    assert name == "JobsScreen" and " ?/? " in row and "exit 1" in row


async def test_the_stats_view_draws_a_completion_date_of_1e13(
    tmp_path: Path, zurich: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)
    """Every period and grouping draws (a CompletionDate of 1e13 crashed the view)."""
    name, text = await _view(tmp_path, "5", *"ppppbbbbbbbb")
    assert name == "StatsScreen" and "by " in text
