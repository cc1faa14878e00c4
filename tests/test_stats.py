"""The production record: metrics from real recorded ads, triggers that keep it current from every ingest path,
rollups that answer exactly what a brute-force count over the jobs answers, periods, time zones, retention."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import classad2
import pytest

from opgtui.core.model import Finding, Job, Verdict
from opgtui.domain import stats
from opgtui.ops.record import try_refresh_stats
from opgtui.sources.dumps import load_files
from opgtui.store import MIGRATIONS, _split_sql, open_store

DATA = Path(__file__).parent / "data" / "condor"
CHTC = DATA / "chtc_held_docker_memory.long.ad"
FIFE = DATA / "fifebatch_completed_2017.long"
DAY = 86400


def real_ad(path: Path) -> dict[str, Any]:
    """The recorded ad's literal values, read by classad2 itself (independently of our loader)."""
    ad = classad2.parseOne(path.read_text())
    return {k: ad.eval(k) for k in ad if isinstance(ad.eval(k), (int, float, str))}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = open_store(tmp_path / "s.db")
    yield s
    s.close()


def verdict(category: str) -> Verdict:
    return Verdict(category, "retry", "x", evidence=[Finding("x", category, "retry", "t")])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- metrics on real ads


def test_removed_held_job_from_the_real_chtc_ad_is_all_wasted_and_all_badput(store: Any) -> None:
    """The CHTC job (4 cores, held for docker memory, never committed) removed after its hold."""
    loaded = load_files([CHTC])
    job = dataclasses.replace(loaded.jobs[0], status=3)  # the shifter removed it
    store.upsert_jobs([job], loaded.ads)
    stats.refresh(store)
    ref = real_ad(CHTC)
    total = stats.totals(store, ref["EnteredCurrentStatus"] - DAY)
    assert (total.jobs, total.removed, total.ok, total.success_rate) == (1, 1, 0, 0.0)
    assert total.core_sec == pytest.approx(ref["CumulativeSlotTime"])  # the slot's core-seconds, not wall alone
    assert total.wasted == pytest.approx(ref["CumulativeSlotTime"])
    assert total.badput == pytest.approx(ref["CumulativeSlotTime"] - ref["CommittedSlotTime"])
    assert total.goodput == 0
    cpu = ref["RemoteUserCpu"] + ref["RemoteSysCpu"]
    assert total.efficiency == pytest.approx(cpu / (ref["RemoteWallClockTime"] * ref["RequestCpus"]))


def test_held_job_is_not_in_the_record_until_it_finishes(store: Any) -> None:
    loaded = load_files([CHTC])
    store.upsert_jobs(loaded.jobs, loaded.ads)  # status 5, held
    stats.refresh(store)
    assert stats.totals(store, 0).jobs == 0


def test_trimmed_history_ads_count_as_finished_and_unknowns_stay_unknown(store: Any) -> None:
    """The real 2017 fifebatch ads carry no JobStatus and no wall time: they finished (CompletionDate, exit 0),
    succeeded, and their efficiency is unknown rather than invented."""
    loaded = load_files([FIFE])
    store.upsert_jobs(loaded.jobs, loaded.ads)
    stats.refresh(store)
    rows = stats.aggregate(store, "site", 0)
    assert [(r.key, r.tally.jobs, r.tally.ok) for r in rows] == [("FNAL_GPGrid", 2, 2)]
    assert rows[0].tally.efficiency is None and rows[0].tally.success_rate == 1.0


# ---------------------------------------------------------------------------- the triggers


def _job(i: int, **kw: Any) -> Job:
    base = dict(
        id=f"s#{i}.0",
        schedd="s",
        cluster=i,
        proc=0,
        status=4,
        exit_code=0,
        site="Wisconsin",
        end_time=1_795_000_000.0 + i,
        start_time=1_795_000_000.0 + i - 3600,
        wall=3600.0,
        cpu_user=1800.0,
        cpu_sys=0.0,
        request_cpus=1,
        experiment="nova",
        batch_name="b1",
    )
    base.update(kw)
    return Job(**base)  # type: ignore[arg-type]


def test_verdicts_saved_later_and_re_reads_keep_the_record_current(store: Any) -> None:
    store.upsert_jobs([_job(1, exit_code=1)], {"s#1.0": {"CumulativeSlotTime": 7200.0, "CommittedSlotTime": 3600.0}})
    store.save_verdicts({"s#1.0": verdict("service")})
    stats.refresh(store)
    assert [r.key for r in stats.aggregate(store, "verdict", 0)] == ["service"]
    # the collector reads the job again without its ad: the verdict and the slot times stay
    store.upsert_jobs([_job(1, exit_code=1, site="Purdue-Brown")])
    stats.refresh(store)
    t = stats.aggregate(store, "site", 0)
    assert [(r.key, r.tally.badput) for r in t] == [("Purdue-Brown", 3600.0)]
    assert [r.key for r in stats.aggregate(store, "verdict", 0)] == ["service"]


def test_running_then_completed_then_pruned(store: Any) -> None:
    store.upsert_jobs([_job(2, status=2, end_time=None, exit_code=None)])
    stats.refresh(store)
    assert stats.totals(store, 0).jobs == 0
    store.upsert_jobs([_job(2)])
    stats.refresh(store)
    assert stats.totals(store, 0).ok == 1
    stats.prune(store, keep_days=1, keep_ads_days=1, now=1_795_000_002.0 + 2 * DAY)
    stats.refresh(store)
    assert stats.totals(store, 0).jobs == 0 and store.job("s#2.0") is None
    assert store.conn.execute("SELECT count(*) FROM stats_rollup WHERE jobs > 0").fetchone()[0] == 0


def test_re_reading_a_finished_job_keeps_its_phases_and_data_quality_result(store: Any) -> None:
    """sqlite-utils turns recursive triggers on: INSERT OR REPLACE must not wipe what hangs off the job."""
    ad = {
        "ChirpOpgPhases": "start,reco,100.0,1.0;end,reco,700.0,500.0,0",
        "CumulativeSlotTime": 3600.0,
        "CommittedSlotTime": 3600.0,
    }
    store.upsert_jobs([_job(5)], {"s#5.0": ad})
    with store.transaction() as c:
        c.execute("INSERT INTO dq_results(job_id, ok, checked) VALUES ('s#5.0', 0, 0)")
    stats.refresh(store)
    for _ in range(2):  # the collector reads history again, with and without the ad
        store.upsert_jobs([_job(5)], {"s#5.0": ad})
        store.upsert_jobs([_job(5)])
        stats.refresh(store)
    assert [(r.key, r.tally.jobs) for r in stats.aggregate(store, "stage", 0)] == [("reco", 1)]
    t = stats.totals(store, 0)
    assert (t.ok, t.dq_bad, t.core_sec) == (1, 1, 3600.0)


def test_an_old_store_is_migrated_and_its_finished_jobs_enter_the_record(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for step in MIGRATIONS[:3]:  # a store written by opgtui before the production record existed
        for statement in _split_sql(step.script("sqlite")):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    for j in (_job(3), _job(4, exit_code=2), _job(6, status=2, end_time=None)):
        row = dataclasses.astuple(j)
        conn.execute(f"INSERT INTO jobs VALUES ({', '.join('?' * len(row))})", row)
    conn.execute("INSERT INTO job_ads VALUES ('s#4.0', '{\"CumulativeSlotTime\": 9000.0}')")
    conn.close()
    migrated = open_store(path)
    stats.refresh(migrated)
    t = stats.totals(migrated, 0)
    assert (t.jobs, t.ok, t.failed) == (2, 1, 1)
    assert t.core_sec == 3600.0 + 9000.0


# ---------------------------------------------------------------------------- rollups answer like brute force


def _random_jobs(n: int, seed: int, start: float) -> tuple[list[Job], dict[str, dict[str, Any]]]:
    rng = random.Random(seed)
    jobs, ads = [], {}
    for i in range(n):
        end = start + rng.random() * 20 * DAY
        wall = rng.uniform(60, 30000)
        status = rng.choice((4, 4, 4, 4, 3))
        code = rng.choice((0, 0, 0, 1, 137)) if status == 4 else None
        cores = rng.choice((1, 1, 4))
        job = _job(
            i,
            status=status,
            exit_code=code,
            end_time=end,
            start_time=end - wall,
            wall=wall,
            request_cpus=cores,
            cpu_user=wall * cores * rng.random() if rng.random() < 0.9 else None,
            cpu_sys=None,
            site=rng.choice(("A", "B", "C", None)),
            experiment=rng.choice(("nova", "dune")),
            cpu_model=rng.choice(("Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz", "AMD EPYC 7763")),
            num_starts=rng.choice((1, 1, 2)),
            batch_name=rng.choice(("b1", "b2")),
        )
        jobs.append(job)
        if rng.random() < 0.7:
            ads[job.id] = {"CumulativeSlotTime": wall * cores * rng.uniform(1, 1.5), "CommittedSlotTime": wall * cores}
    return jobs, ads


def _brute(jobs: list[Job], ads: dict[str, dict[str, Any]], lo: float, hi: float, key: Any) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for j in jobs:
        end = j.end_time if j.end_time is not None else j.status_since
        if end is None or not lo <= end < hi:
            continue
        ad = ads.get(j.id, {})
        cores = j.request_cpus or 1
        core = ad.get("CumulativeSlotTime") or (j.wall or 0) * cores
        bad = max(ad["CumulativeSlotTime"] - ad["CommittedSlotTime"], 0) if "CumulativeSlotTime" in ad else 0.0
        ok = j.status == 4 and j.exit_code == 0
        wasted = j.status == 3 or (j.status == 4 and j.exit_code != 0)
        acc = out.setdefault(key(j), [0, 0, 0.0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += ok
        acc[2] += core
        acc[3] += core if wasted else 0.0
        acc[4] += bad
        acc[5] += (core - bad) if ok else 0.0
    return out


@pytest.mark.parametrize(
    "by,key",
    [("site", lambda j: j.site or "?"), ("experiment", lambda j: j.experiment), ("batch", lambda j: j.batch_name)],
)
def test_rollups_plus_edges_equal_a_brute_force_count(store: Any, by: str, key: Any) -> None:
    start = 1_790_000_000.0
    jobs, ads = _random_jobs(1500, 3, start)
    store.upsert_jobs(jobs, ads)
    stats.refresh(store)
    rng = random.Random(9)
    for _ in range(6):
        lo = start + rng.random() * 10 * DAY  # mid-day edges, several whole days between
        hi = lo + rng.random() * 12 * DAY
        for until in (hi, None):
            got = {r.key: r.tally for r in stats.aggregate(store, by, lo, until)}
            want = _brute(jobs, ads, lo, until if until is not None else float("inf"), key)
            assert set(got) == set(want)
            for k, w in want.items():
                t = got[k]
                assert (t.jobs, t.ok) == (w[0], w[1])
                assert (t.core_sec, t.wasted, t.badput, t.goodput) == pytest.approx(tuple(w[2:]), rel=1e-9)


def test_a_new_finished_job_moves_only_its_day(store: Any) -> None:
    jobs, ads = _random_jobs(300, 5, 1_790_000_000.0)
    store.upsert_jobs(jobs, ads)
    assert stats.refresh(store) > 5
    assert stats.refresh(store) == 0  # nothing dirty: nothing recomputed
    store.upsert_jobs([_job(10_000, end_time=1_790_000_000.0 + 3 * DAY + 5)])
    assert stats.refresh(store) == 1


def test_period_within_one_day_and_a_batch_filter(store: Any) -> None:
    base = 1_790_006_400.0  # 02:00 UTC
    store.upsert_jobs(
        [
            _job(1, end_time=base),
            _job(2, end_time=base + 3600, batch_name="b2"),
            _job(3, end_time=base + 7200, exit_code=1),
        ]
    )
    stats.refresh(store)
    assert stats.totals(store, base + 1, base + 7201).jobs == 2
    assert stats.totals(store, base - 10, base + 7200).jobs == 2  # until is exclusive
    assert stats.totals(store, 0, batch="b2").jobs == 1


# ---------------------------------------------------------------------------- dimensions


def test_hour_of_day_is_local_and_follows_daylight_saving(store: Any) -> None:
    winter = 1_795_012_200.0  # 2026-11-18 14:30 UTC = 08:30 CST
    summer = 1_783_866_600.0  # 2026-07-12 14:30 UTC = 09:30 CDT
    store.upsert_jobs(
        [_job(1, start_time=winter, end_time=winter + 600), _job(2, start_time=summer, end_time=summer + 600)]
    )
    stats.refresh(store)
    chicago = [r.key for r in stats.aggregate(store, "hour", 0, tz=ZoneInfo("America/Chicago"))]
    assert chicago == ["08", "09"]
    assert [r.key for r in stats.aggregate(store, "hour", 0, tz=ZoneInfo("UTC"))] == ["14"]


def test_cpu_models_are_grouped_by_a_clean_label() -> None:
    assert stats.cpu_label("Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz") == "Intel Xeon E5-2650 v2"
    assert stats.cpu_label("AMD EPYC 7763 64-Core Processor") == "AMD EPYC 7763"
    assert stats.cpu_label("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz") == "Intel Xeon Gold 6248"


def test_unknown_grouping_is_refused(store: Any) -> None:
    with pytest.raises(ValueError, match="unknown grouping"):
        stats.aggregate(store, "color", 0)


# ---------------------------------------------------------------------------- retention


def test_prune_removes_old_finished_jobs_everywhere_and_keeps_recent_ones(store: Any) -> None:
    now = 1_795_600_000.0
    old, mid, new = _job(1, end_time=now - 500 * DAY), _job(2, end_time=now - 40 * DAY), _job(3, end_time=now - DAY)
    running = _job(4, status=2, end_time=None, exit_code=None)
    store.upsert_jobs([old, mid, new, running], {j.id: {"Owner": "x"} for j in (old, mid, new, running)})
    store.save_verdicts({old.id: verdict("code")})
    with store.transaction() as c:
        c.execute("INSERT INTO dq_results(job_id, ok, checked) VALUES (?, 1, 0)", (old.id,))
    rep = stats.prune(store, keep_days=400, keep_ads_days=30, now=now)
    assert (rep.jobs, rep.ads) == (1, 1)
    assert store.job(old.id) is None and store.verdicts_for([old.id]) == {}
    assert store.job_ad(mid.id) is None and store.job(mid.id) is not None  # record kept, its raw ad gone
    assert store.job_ad(new.id) is not None and store.job(running.id) is not None
    assert store.conn.execute("SELECT count(*) FROM dq_results").fetchone()[0] == 0
    stats.refresh(store)
    assert stats.totals(store, 0).jobs == 2
    assert not stats.prune_due(store, now + 3600) and stats.prune_due(store, now + 2 * DAY)


def test_a_locked_store_answers_from_the_last_refresh_and_says_so(tmp_path: Path) -> None:
    s = open_store(tmp_path / "s.db", timeout=0.1)
    s.upsert_jobs([_job(1)])
    stats.refresh(s)
    s.upsert_jobs([_job(2)])  # marks its day dirty
    holder = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a collector mid-write
    try:
        problem = try_refresh_stats(s)
        assert problem is not None and problem.startswith("stats not refreshed:") and "locked" in problem
        assert stats.totals(s, 0).jobs == 1  # the last refresh's answer, not an error
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert try_refresh_stats(s) is None and stats.totals(s, 0).jobs == 2
