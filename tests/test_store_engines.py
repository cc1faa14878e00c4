"""The store on both engines: every Store method gives the same answers on SQLite and PostgreSQL, migrations run
from empty and from an old store, ``opgtui store copy`` round-trips, and the engine's errors are one line."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest
import store_engines
from click.testing import CliRunner

from opgtui.core.model import Announcement, Finding, Job, JobEvent, ProductionRequest, ServiceState, Verdict, Window
from opgtui.domain import stats
from opgtui.domain.phases import Phase, as_rows, stored_phases
from opgtui.learn import library
from opgtui.ops.record import dq_flags
from opgtui.store import JOB_COLUMNS, MIGRATIONS, RequestConflict, StoreError, open_store
from opgtui.store.copy import KEYS
from opgtui.store.netfs import fs_type, network_fs
from opgtui.store.pg import redact

store_target = store_engines.store_target  # both engines

DAY = 86400.0
T0 = 1_800_000_000.0  # a fixed "now": nothing here reads the clock


def _finished(i: int, *, site: str = "FNAL", exit_code: int = 0, end: float = T0) -> Job:
    return Job(
        f"s#{i}.0",
        "s",
        i,
        0,
        owner="novapro",
        experiment="nova",
        batch_name=f"b{i % 2}",
        status=4,
        exit_code=exit_code,
        site=site,
        cpu_model="Intel(R) Xeon(R) CPU E5-2650 v2 @ 2.60GHz",
        start_time=end - 3600,
        end_time=end,
        cpu_user=1800.0,
        cpu_sys=200.0,
        wall=3600.0,
        request_cpus=2,
        num_starts=1 + i % 2,
        updated=end,
    )


def fill(store: Any) -> None:
    """A bit of everything the app and the CLI write."""
    jobs = [
        _finished(i, site="FNAL" if i % 3 else "CERN", exit_code=i % 4, end=T0 - DAY * (i % 3) - 100 * i)
        for i in range(1, 13)
    ]
    jobs.append(Job("s#99.0", "s", 99, 0, owner="novapro", status=5, hold_code=34, hold_reason="memory"))
    ads = {
        j.id: {
            "Owner": "novapro",
            "CumulativeSlotTime": 7200.0,
            "CommittedSlotTime": 3600.0,
            "ChirpOpgPhases": "start,reco,100.0,0.0;end,reco,400.0,250.0,0",
            "JobBatchName": j.batch_name,
        }
        for j in jobs[:6]
    }
    store.upsert_jobs(jobs, ads)
    store.upsert_jobs(jobs[:2], {jobs[0].id: ads[jobs[0].id]})  # re-read: nothing hanging off them is lost
    store.add_events(
        [
            JobEvent("s#1.0", T0 - 50, "held", "memory", {"code": 34}),
            JobEvent("s#1.0", T0 - 50, "held", "memory", {"code": 34}),
        ]
    )
    store.save_verdicts(
        {
            "s#1.0": Verdict(
                "resource",
                "resubmit with more memory",
                "oom",
                "Out of memory",
                [Finding("oom", "resource", "resubmit", "OOM", 3, "Killed")],
                "probable",
                "the kernel killed it",
                [Window("dcache", "outage", T0 - 500, T0, "am")],
            ),
            "s#2.0": Verdict("service", "retry", "xrootd", "XRootD"),
            "s#3.0": Verdict("unknown", "debug", None),
        },
        now=T0,
    )
    store.record_feed(
        "am",
        "alertmanager",
        fetched=T0 - 600,
        ok=True,
        states=[ServiceState("dcache", "down", T0 - 700, "am", "DCacheDown")],
        windows=[Window("dcache", "outage", T0 - 700, None, "am", ext_id="fp1")],
    )
    store.record_feed("am", "alertmanager", fetched=T0, ok=True, states=[], windows=[], absent_state="up")
    store.add_window(Window("enstore", "maintenance", T0 + 3600, T0 + 7200, "hand", "high", "tape"))
    store.set_kv("learn.seen", "1")
    store.set_kv("learn.more", "2")
    store.post_announcement(Announcement("dCache down tonight", "warning", "alice", until=T0 + 600), now=T0)
    req = store.save_request(
        ProductionRequest("nova", "MC 2026", "alice", priority=2, fields={"batches": ["b0"]}), "alice", "create", now=T0
    )
    req.title = "MC 2026 v2"
    store.save_request(req, "alice", "edit", {"title": "MC 2026 v2"}, now=T0 + 1)
    store.log_action("hold", ["s#1.0", "s#2.0"], "2 held", who="alice", now=T0)
    claimed = store.claim_retries(
        ["s#1.0", "s#2.0"], lambda jid, rows: "" if jid == "s#1.0" else "not failed", "retrying", who="alice", now=T0
    )
    store.finish_retries([(claimed["s#1.0"], "s#100.0", "memory", "", {"request_memory": 4096}, True, "submitted")])
    bob = store.claim_retries(["s#3.0"], lambda _jid, _rows: None, "retrying", who="bob", now=T0)
    store.finish_retries([(bob["s#3.0"], None, "plain", "", {}, False, "refused")])
    store.save_checks(
        [("s#4.0", as_rows([Phase("gen", T0 - 3000, T0 - 2000, 900.0, 0, "log")]))],
        [("s#4.0", 1, "[]", T0), ("s#5.0", 0, '["no output file"]', T0)],
    )
    stats.refresh(store)
    library.save_label(
        store,
        library.Learned(
            "learned.oom", "Killed", "resource", "resubmit", "OOM kill", template="Killed <*>", job_id="s#1.0"
        ),
        who="alice",
        now=T0,
    )
    library.set_enabled(store, "learned.oom", True, why="tested", tested={"right": 3}, who="alice", now=T0 + 1)
    store.save_learn_tails([("s#3.0", '["a", "b"]', "file", None, T0)])


def answers(store: Any) -> dict[str, Any]:
    """What the app and the CLI read back (the same on either engine)."""
    ann = store.announcements(T0)
    since = T0 - 10 * DAY
    return {
        "jobs": sorted(store.jobs(), key=lambda j: j.id),
        "briefs": sorted(store.job_briefs(), key=lambda j: j.id),
        "job": store.job("s#1.0"),
        "count": store.count_jobs(),
        "by_id": [j.id for j in store.jobs_by_id(["s#2.0", "s#1.0", "nope"])],
        "ad": store.job_ad("s#1.0"),
        "events": store.events("s#1.0"),
        "verdicts": store.verdicts(),
        "summaries": store.verdict_summaries(),
        "for": sorted(store.verdicts_for(["s#1.0", "s#3.0"])),
        "feeds": store.feed_status(),
        "states": store.current_states(),
        "transitions": store.transitions("dcache"),
        "windows": store.windows(),
        "window_range": store.windows("dcache", start=T0 - 100, end=T0 + 100),
        "kv": store.kv_prefix("learn."),
        "kv1": store.get_kv("learn.seen"),
        "announcements": [(a.text, a.level, a.author, a.until) for a in ann],
        "requests": [(r.title, r.version, r.fields) for r in store.requests()],
        "request": store.request(1).title,
        "audit": [(a["who"], a["action"], a["changes"]) for a in store.request_audit(1)],
        "request_jobs": sorted(j.id for j in store.request_jobs(["b0"])),
        "request_jobs_ad": sorted(j.id for j in store.request_jobs(["b1"], "JobBatchName")),
        "actions": store.action_log(),
        "retries": store.retries(),
        "retries_of": store.retries("s#100.0"),
        "phases": stored_phases(store, "s#4.0"),
        "chirped": stored_phases(store, "s#2.0"),
        "dq": dq_flags(store),
        "dq_some": dq_flags(store, []),
        **{f"by_{by}": [(r.key, r.tally) for r in stats.aggregate(store, by, since, T0 + 1)] for by in stats.BY},
        "series": stats.series(store, "verdict", since, T0 + 1),
        "totals": stats.totals(store, since, T0 - 1000),
        "batch": stats.totals(store, since, batch="b1"),
        "learned": [(s.id, s.enabled, s.version, s.tested) for s in library.all_learned(store)],
        "learned_audit": [(a["action"], a["who"]) for a in library.audit(store)],
        "learned_counts": library.verdict_counts(store),
        "tails": store.learn_tails(["s#3.0", "s#4.0"]),
        "unknown": store.verdict_job_ids(category="unknown"),
        "experiments": store.recorded_experiments(),
        "old": store.count_finished_before(T0 - DAY),
    }


def test_every_method_answers_the_same_on_both_engines(tmp_path: Path) -> None:
    results = {}
    for engine in store_engines.ENGINES:
        with store_engines.target(engine, tmp_path) as where:
            store = open_store(where)
            fill(store)
            results[engine] = answers(store)
            store.close()
    got, want = results["postgresql"], results["sqlite"]
    assert want["by_site"] and want["phases"] and want["chirped"] and want["request_jobs_ad"] and want["dq"]
    assert {k: v for k, v in got.items() if got[k] != want[k]} == {}


def test_the_store_is_whole_on_each_engine(store_target: str) -> None:
    store = open_store(store_target)
    fill(store)
    a = answers(store)
    assert a["count"] == 13 and a["by_id"] == ["s#1.0", "s#2.0"] and len(a["events"]) == 1
    assert a["ad"]["CumulativeSlotTime"] == 7200.0 and a["kv"] == {"learn.seen": "1", "learn.more": "2"}
    assert [(s.state, s.since) for s in a["transitions"]] == [("down", T0 - 700), ("up", T0)]
    assert a["window_range"][0].end == T0  # the feed forgot the alert: the store closed the outage
    assert a["requests"] == [("MC 2026 v2", 2, {"batches": ["b0"]})]
    assert a["retries_of"][0]["mode"] == "memory" and a["retries"][0]["ok"] is True
    assert a["phases"][0].name == "gen" and a["chirped"][0].name == "reco"
    assert a["dq"] == {"s#5.0": ["no output file"]} and a["dq_some"] == {}
    assert a["learned"] == [("learned.oom", True, 1, {"right": 3})]
    assert a["totals"].jobs == 9 and a["by_verdict"]  # jobs 3, 6 and 9 end after the period
    assert sum(t.jobs for _, t in a["by_day"]) == 12 and a["old"] > 0
    # A stale edit is refused, the audit trail cannot be changed, the rollups survive a prune
    stale = store.request(1)
    stale.version = 1
    with pytest.raises(RequestConflict):
        store.save_request(stale, "bob", "edit")
    with pytest.raises(store_engines.integrity_errors(), match="cannot be edited"):
        store.conn.execute("DELETE FROM learned_audit")
    report = stats.prune(store, keep_days=1.5, keep_ads_days=1.5, now=T0)
    assert report.jobs == 4 and store.count_jobs() == 9
    assert store.edit_announcement(1, text="moved", level="info", until=None, who="alice")
    assert store.expire_announcement(1, T0 + 5, who="alice") and store.announcements(T0 + 10) == []


def test_migrations_from_empty_and_from_an_old_store(store_target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store written before the production record existed (schema 3) gets one, its finished jobs in it."""
    import opgtui.store as st

    monkeypatch.setattr(st, "MIGRATIONS", MIGRATIONS[:3])
    monkeypatch.setattr(st, "SCHEMA_VERSION", 3)
    old = st.open_store(store_target)
    with old.transaction() as c:  # as the opgtui of schema 3 wrote them
        c.executemany(
            f"INSERT INTO jobs({', '.join(JOB_COLUMNS)}) VALUES ({', '.join('?' * len(JOB_COLUMNS))})",
            [astuple(_finished(1)), astuple(_finished(2, exit_code=1))],
        )
        c.execute("INSERT INTO job_ads(job_id, ad) VALUES ('s#1.0', '{\"CumulativeSlotTime\": 7200.0}')")
    assert old.schema_version() == 3 and "job_stats" not in old.table_names()
    old.close()
    monkeypatch.undo()
    store = open_store(store_target)
    assert store.schema_version() == len(MIGRATIONS)
    stats.refresh(store)
    t = stats.totals(store, T0 - DAY, T0 + 1)
    assert (t.jobs, t.ok, t.failed, t.core_sec) == (2, 1, 1, 7200.0 + 3600.0 * 2)


def test_store_copy_round_trips_between_engines(tmp_path: Path) -> None:
    with store_engines.target("postgresql", tmp_path) as dsn:
        first, back = tmp_path / "first.db", tmp_path / "back.db"
        src = open_store(first)
        fill(src)
        src.close()
        run = CliRunner().invoke
        out = run(_cli(), ["store", "copy", str(first), dsn])
        assert out.exit_code == 0, out.output
        assert "every table verified by its row count" in out.output
        out = run(_cli(), ["store", "copy", dsn, str(back)])
        assert out.exit_code == 0, out.output
        assert _dump(open_store(back)) == _dump(open_store(first))
        assert answers(open_store(back)) == answers(open_store(first)) == answers(open_store(dsn))
        # A non-empty destination is refused; --append copies nothing twice
        out = run(_cli(), ["store", "copy", str(first), dsn])
        assert out.exit_code == 1 and "not empty" in out.output and "--append" in out.output
        out = run(_cli(), ["store", "copy", "--append", str(first), dsn])
        assert out.exit_code == 0, out.output
        assert _dump(open_store(dsn)) == _dump(open_store(first))
        # new rows in the copy continue its ids
        pg = open_store(dsn)
        assert pg.post_announcement(Announcement("after the copy", author="bob"), now=T0) == 2


def test_copy_covers_every_table(tmp_path: Path) -> None:
    assert set(open_store(tmp_path / "s.db").table_names()) == set(KEYS)


def _cli() -> Any:
    from opgtui.cli import main

    return main


def _dump(store: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order, floats as the engines give them."""
    from opgtui.store.copy import columns

    out = {}
    for table, key in KEYS.items():
        cols = ", ".join(f'"{c}"' for c in columns(store, table))
        rows = store.conn.execute(f"SELECT {cols} FROM {table} ORDER BY {', '.join(key)}").fetchall()
        out[table] = [tuple(r) for r in rows]
    out.pop("stats_dirty")  # days waiting for a recompute: a copy may mark more
    return out


# ---------------------------------------------------------------------------- errors and refusals


MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
41 27 0:40 / /home rw,relatime - nfs4 filer:/home rw,vers=4.2
42 41 0:41 / /home/local\\040disk rw,relatime - xfs /dev/sdb1 rw
43 27 0:42 / /eos rw - fuse.eos eosxd rw
"""


def test_network_filesystems_are_found_from_mountinfo() -> None:
    assert fs_type("/home/alice/.local/share/opgtui/store.db", MOUNTINFO) == "nfs4"
    assert fs_type("/home/local disk/store.db", MOUNTINFO) == "xfs"  # the longest mount point wins
    assert fs_type("/homework/store.db", MOUNTINFO) == "ext4"  # a prefix of the name is not a parent
    assert fs_type("/eos/user/a/store.db", MOUNTINFO) == "fuse.eos"
    assert network_fs(Path("/var/tmp/no/such/dir/store.db"), MOUNTINFO) is None  # / is ext4
    assert network_fs(Path("/var/tmp/no/such/dir/store.db"), "27 1 0:1 / / rw - nfs4 srv:/ rw\n") == "nfs4"


def test_a_sqlite_store_on_a_network_filesystem_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(MOUNTINFO + f"50 27 0:50 / {tmp_path} rw - nfs server:/export rw\n")
    monkeypatch.setattr("opgtui.store.netfs.MOUNTINFO", mountinfo)
    with pytest.raises(StoreError) as err:
        open_store(tmp_path / "store.db")
    text = str(err.value)
    assert "\n" not in text and "network filesystem (nfs)" in text and "WAL" in text and "PostgreSQL" in text
    assert not (tmp_path / "store.db").exists()


def test_without_psycopg_a_postgresql_store_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreError) as err:
        open_store("postgresql://opg:secret@db.example.org/opgtui")
    assert str(err.value) == (
        "postgresql://opg@db.example.org/opgtui: a PostgreSQL store needs psycopg: pip install 'opgtui[postgres]'"
    )


def test_an_unreachable_postgresql_store_is_one_line_without_its_password(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as err:
        open_store(f"host={tmp_path} port=1 dbname=opgtui user=opg password=secret", timeout=2)
    text = str(err.value)
    assert "\n" not in text and "secret" not in text and text.startswith(f"host={tmp_path} port=1 dbname=opgtui")
    assert "cannot connect" in text


def test_passwords_never_reach_a_message() -> None:
    assert (
        redact("postgresql://opg:s3cr%40t@db:5432/opgtui?sslmode=require")
        == "postgresql://opg@db:5432/opgtui?sslmode=require"
    )
    assert redact("postgresql://db/opgtui?password=x&sslmode=require") == "postgresql://db/opgtui?sslmode=require"
    assert redact("service=opgtui password='a b'") == "service=opgtui"


def test_an_old_sqlite_file_is_still_read_by_sqlite(tmp_path: Path) -> None:
    """A path that merely contains '=' or starts like a URI word is a file, not a connection string."""
    path = tmp_path / "a=b.db"
    open_store(path).set_kv("k", "v")
    assert sqlite3.connect(path).execute("SELECT value FROM kv").fetchone() == ("v",)
