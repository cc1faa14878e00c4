"""Store: migrations, transactions, history that outlives feeds, clear errors for unusable files."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest
import store_engines

from opgtui.core.model import Announcement, Job, JobStatus, ProductionRequest, ServiceState, Window
from opgtui.store import MIGRATIONS, SCHEMA_VERSION, StoreError, open_store

store_target = store_engines.store_target  # both engines
NOW = 1_800_000_000.0


def test_new_store_is_migrated_to_the_latest_schema(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = set(store.table_names())
    assert {
        "jobs",
        "job_events",
        "service_states",
        "windows",
        "announcements",
        "requests",
        "request_audit",
        "verdicts",
    } <= tables


def test_old_store_is_migrated_and_keeps_its_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import opgtui.store as st

    path = tmp_path / "s.db"
    s1 = open_store(path)
    s1.upsert_jobs([Job("a#1.0", "a", 1, 0, owner="novapro")])
    s1.close()
    step = "ALTER TABLE jobs ADD COLUMN opg_test_extra TEXT; UPDATE jobs SET opg_test_extra = 'migrated'"
    monkeypatch.setattr(st, "MIGRATIONS", [*MIGRATIONS, step])
    monkeypatch.setattr(st, "SCHEMA_VERSION", len(MIGRATIONS) + 1)
    s2 = st.open_store(path)
    assert s2.schema_version() == len(MIGRATIONS) + 1
    assert s2.conn.execute("SELECT owner, opg_test_extra FROM jobs").fetchone() == ("novapro", "migrated")


def test_store_from_a_newer_opgtui_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer opgtui"):
        open_store(path)


def test_corrupt_store_gives_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite" * 512)
    with pytest.raises(StoreError) as err:
        open_store(path)
    expected = "the store is corrupt or not an opgtui store (move it aside and opgtui starts a new one)"
    assert str(err.value) == f"{path}: {expected}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_directory(tmp_path: Path) -> None:
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    with pytest.raises(StoreError):
        open_store(d / "s.db")


def test_unwritable_path_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as err:
        open_store(blocker / "sub" / "s.db")
    assert str(blocker) in str(err.value) and "\n" not in str(err.value)


def test_locked_store_names_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = open_store(path, timeout=0.2)
        with pytest.raises(StoreError, match="locked by another process"):
            store.upsert_jobs([Job("a#1.0", "a", 1, 0)])
    finally:
        holder.execute("ROLLBACK")


def test_failed_transaction_writes_nothing(store_target: str) -> None:
    store = open_store(store_target)
    with pytest.raises(RuntimeError), store.transaction() as c:
        c.execute("INSERT INTO kv(key, value) VALUES ('a', 'b')")
        raise RuntimeError("boom")
    assert store.get_kv("a") is None


def test_outage_history_outlives_a_feed_that_forgets(store_target: str) -> None:
    store = open_store(store_target)
    t0 = 1_800_000_000.0
    store.record_feed(
        "am",
        "alertmanager",
        fetched=t0,
        ok=True,
        states=[ServiceState("samweb", "down", t0 - 600, "am", "SAMWebDown")],
        windows=[Window("samweb", "outage", t0 - 600, None, "am", ext_id="fp1")],
    )
    # The feed answers but no longer lists the alert: Alertmanager forgot it once resolved.
    store.record_feed(
        "am", "alertmanager", fetched=t0 + 2580, ok=True, states=[ServiceState("samweb", "up", None, "am")], windows=[]
    )
    (w,) = store.windows("samweb")
    assert (w.start, w.end) == (t0 - 600, t0 + 2580)
    assert [s.state for s in store.transitions("samweb")] == ["down", "up"]
    # A failed poll does not close or change anything.
    store.record_feed("am", "alertmanager", fetched=t0 + 3000, ok=False, error="HTTP 500")
    assert store.current_states()[0].state == "up"
    assert store.feed_status()["am"]["error"] == "HTTP 500"
    assert store.feed_status()["am"]["last_ok"] == t0 + 2580


def test_service_an_alert_feed_stops_listing_becomes_absent_state(store_target: str) -> None:
    store = open_store(store_target)
    store.record_feed(
        "am",
        "alertmanager",
        fetched=100.0,
        ok=True,
        states=[ServiceState("cvmfs", "down", 90.0, "am")],
        absent_state="up",
    )
    store.record_feed("am", "alertmanager", fetched=200.0, ok=True, states=[], absent_state="up")
    assert [(s.state, s.since) for s in store.transitions("cvmfs")] == [("down", 90.0), ("up", 200.0)]
    store.record_feed("prom", "prometheus", fetched=100.0, ok=True, states=[ServiceState("x", "up", None, "prom")])
    store.record_feed("prom", "prometheus", fetched=200.0, ok=True, states=[])
    assert [s.state for s in store.transitions("x")] == ["up"]  # absence tells nothing without absent_state


def test_same_state_twice_is_one_transition(store_target: str) -> None:
    store = open_store(store_target)
    for t in (100.0, 200.0, 300.0):
        store.record_feed("p", "prometheus", fetched=t, ok=True, states=[ServiceState("dcache", "up", None, "p")])
    (only,) = store.transitions("dcache")
    assert only.since == 100.0


def test_audit_trail_cannot_be_edited(store_target: str) -> None:
    store = open_store(store_target)
    req = store.save_request(ProductionRequest("nova", "MC", "alice"), "alice", "create")
    with pytest.raises(store_engines.integrity_errors(), match="cannot be edited"):
        store.conn.execute("UPDATE request_audit SET who = 'mallory'")
    assert store.request_audit(req.id or 0)[0]["who"] == "alice"


def test_stale_request_edit_is_refused(store_target: str) -> None:
    store = open_store(store_target)
    req = store.save_request(ProductionRequest("nova", "MC", "alice"), "alice", "create")
    other = store.requests()[0]
    req.title = "MC v2"
    store.save_request(req, "alice", "edit")
    other.title = "MC v3"
    with pytest.raises(StoreError, match="changed since you opened it"):
        store.save_request(other, "bob", "edit")
    assert store.requests()[0].title == "MC v2"


def _post_many(path: str, who: str, n: int) -> None:
    store = open_store(path, timeout=30)
    for i in range(n):
        store.post_announcement(Announcement(f"{who} {i}", author=who))


def test_concurrent_writers_lose_nothing(store_target: str) -> None:
    path = store_target
    open_store(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_post_many, args=(path, f"p{k}", 40)) for k in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert len(open_store(path).announcements(include_expired=True)) == 120


def test_announcements_expire(store_target: str) -> None:
    store = open_store(store_target)
    now = NOW  # every call is given the time: nothing here reads the clock
    a = store.post_announcement(Announcement("dCache downtime tonight", "warning", "bob", until=now + 60), now)
    store.post_announcement(Announcement("old", until=now - 1, start=now - 100), now)
    assert [x.text for x in store.announcements(now)] == ["dCache downtime tonight"]
    store.expire_announcement(a, now, who="bob")
    assert store.announcements(now + 1) == []
    with pytest.raises(ValueError, match="ends before it starts"):
        store.post_announcement(Announcement("x", start=now, until=now - 5), now)


def test_jobs_round_trip_with_raw_ad(store_target: str) -> None:
    store = open_store(store_target)
    job = Job("s#5.1", "s", 5, 1, owner="x", hold_code=34, cpu_user=10.0, wall=20.0)
    store.upsert_jobs([job], {"s#5.1": {"Owner": "x", "HoldReasonCode": 34}})
    assert store.job("s#5.1") == job
    assert store.job_ad("s#5.1") == {"Owner": "x", "HoldReasonCode": 34}
    assert store.count_jobs() == 1


def test_the_jobs_views_brief_records_hold_what_the_whole_records_hold(store_target: str) -> None:
    """A listing's read of the stored jobs (Store.job_briefs: half the columns, for the Jobs view): on real
    recorded jobs (a completed DUNE job, a CHTC DAG node's exit-8 runs, a held CHTC job) each brief record holds
    its stored record's values, and shows, sorts and filters the same (status label, efficiency, failed, id)."""
    from dataclasses import fields

    from opgtui.core.model import JobBrief
    from opgtui.sources.dumps import load_files

    data = Path(__file__).parent / "data" / "condor"
    names = (
        "fifebatch_completed_2017.long",
        "deepdive_dag_node_return8.process.log",
        "chtc_held_docker_memory.long.ad",
    )
    jobs = [j for name in names for j in load_files([data / name]).jobs]
    store = open_store(store_target)
    store.upsert_jobs(jobs)
    whole = {j.id: j for j in store.jobs()}
    briefs = store.job_briefs()
    assert sorted(b.id for b in briefs) == sorted(whole) and len(whole) == 14
    for brief in briefs:
        job = whole[brief.id]
        assert isinstance(brief, JobBrief)
        assert {f.name: getattr(brief, f.name) for f in fields(brief)} == {
            f.name: getattr(job, f.name) for f in fields(brief)
        }
        shown = ("status_label", "efficiency", "failed", "display_id", "cpu_total")
        assert [getattr(brief, a) for a in shown] == [getattr(job, a) for a in shown]
    assert {b.status for b in briefs} == {int(JobStatus.COMPLETED), int(JobStatus.HELD)}
    store.close()


def test_a_bulk_ingest_keeps_the_same_record_as_one_job_at_a_time(tmp_path: Path) -> None:
    """SQLite writes the record of a big ingest set-based (the per-row trigger off for that transaction): the
    production record (outcome, times, slot times, a verdict given before, ad-less jobs keeping theirs) and the
    days marked for the rollups are those the trigger writes, and the trigger is back for the next writer."""
    from opgtui.core.model import Verdict
    from opgtui.store import BULK_ROWS

    def finished(i: int) -> Job:
        return Job(
            f"s#{i}.0",
            "s",
            i,
            0,
            status=4 if i % 5 else 3,
            exit_code=i % 3,
            end_time=1.7e9 + 977 * i,
            start_time=1.7e9 + 977 * i - 600,
            wall=600.0,
            cpu_user=300.0,
            request_cpus=1 + i % 4,
            site="X",
        )

    jobs = [finished(i) for i in range(BULK_ROWS + 100)] + [Job("s#r.0", "s", 9, 0, status=2)]
    ads = {j.id: {"CumulativeSlotTime": 700.0 + j.cluster, "CommittedSlotTime": 600.0} for j in jobs[::2]}
    records = []
    for name, batch in (("bulk", len(jobs)), ("one", 1)):
        store = open_store(tmp_path / f"{name}.db")
        store.save_verdicts({"s#3.0": Verdict("service", "retry", "x")}, 1.7e9)
        trigger = store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'job_stats_from_jobs'").fetchone()
        for lo in range(0, len(jobs), batch):
            part = jobs[lo : lo + batch]
            store.upsert_jobs(part, {j.id: ads[j.id] for j in part if j.id in ads})
        store.upsert_jobs(jobs[:BULK_ROWS], {})  # again, without ads: the slot times stay
        records.append(
            (
                store.conn.execute("SELECT * FROM job_stats ORDER BY job_id").fetchall(),
                store.conn.execute("SELECT day FROM stats_dirty ORDER BY day").fetchall(),
            )
        )
        assert (
            store.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'job_stats_from_jobs'").fetchone() == trigger
        )
        store.close()
    assert records[0] == records[1]
    rows = {r[0]: r for r in records[0][0]}
    assert len(rows) == BULK_ROWS + 100 and "s#r.0" not in rows
    assert rows["s#3.0"][9] == "service" and rows["s#2.0"][15] == 702.0
