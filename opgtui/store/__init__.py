"""The store: SQLite through sqlite-utils. Schema, migrations and every query live here.

WAL mode; each write is one ``BEGIN IMMEDIATE`` transaction, so a kill at any moment leaves the previous
state and several processes (dashboards, a collector, CLI calls) can share one file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from opgtui.identity import whoami  # the one identity function; store.whoami stays importable
from opgtui.model import (
    Announcement,
    Finding,
    Job,
    JobEvent,
    ProductionRequest,
    ServiceState,
    Verdict,
    Window,
)

JOB_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Job))
_JOB_TYPES = {f.name: f.type for f in fields(Job)}


class StoreError(Exception):
    """A store that cannot be used; ``str()`` is one line naming the file and the reason."""


class RequestConflict(StoreError):
    """A request changed since the caller read it: the save was refused, nothing was overwritten."""


class StoreCorrupt(StoreError):
    """The store's file is damaged (or not an opgtui store): an answer read from it cannot be trusted."""


class NotAllowed(Exception):
    """This user may not do this (e.g. expire someone else's announcement); ``str()`` says who may, in one line."""


# Errors of the store itself (locked, read-only, corrupt, I/O, full disk) become a StoreError naming the file;
# programming errors and constraint violations (the audit trail's triggers) stay what they are.
_OWN_ERRORS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.NotSupportedError)


def _store_error(path: Path, exc: sqlite3.Error) -> BaseException:
    if isinstance(exc, _OWN_ERRORS):
        return exc
    reason = _explain(exc)
    return (StoreCorrupt if reason == _CORRUPT else StoreError)(f"{path}: {reason}")


class _Cursor(sqlite3.Cursor):
    """A cursor whose every statement and fetch maps store errors (:func:`_store_error`); iterating fetches all
    rows at once (no per-row Python call, and a damaged page mid-table is caught like any other)."""

    connection: _Connection

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _Cursor:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        return iter(self.fetchall())


class _Connection(sqlite3.Connection):
    """The store's connection: statements run on :class:`_Cursor`."""

    store_path: Path = Path("?")

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:  # type: ignore[override]
        return self.cursor(_Cursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:  # type: ignore[override]
        return self.cursor(_Cursor).executemany(sql, parameters)


def _sql_type(annotation: Any) -> str:
    text = str(annotation)
    if text.startswith("int") or text == "int":
        return "INTEGER"
    if text.startswith("float"):
        return "REAL"
    return "TEXT"


_JOBS_DDL = (
    "CREATE TABLE jobs (\n  "
    + ",\n  ".join(
        f"{name} {_sql_type(_JOB_TYPES[name])}" + (" PRIMARY KEY" if name == "id" else "")
        for name in JOB_COLUMNS
    )
    + "\n)"
)

# The job_stats row of a finished job, from the jobs row just written (used by the trigger of migrations 4, 5).
_JOB_STATS_UPSERT = """\
      INSERT INTO job_stats(job_id, end_time, start_time, outcome, experiment, batch_name, site, cpu_model, owner,
                            verdict, dq_ok, cores, wall, cpu, num_starts)
      VALUES (NEW.id, coalesce(NEW.end_time, NEW.status_since, NEW.updated, 0), NEW.start_time,
              CASE WHEN NEW.status = 3 THEN 2 WHEN NEW.exit_signal IS NOT NULL OR NEW.exit_code != 0 THEN 1
                   WHEN NEW.exit_code = 0 THEN 0 ELSE 3 END,
              NEW.experiment, NEW.batch_name, NEW.site, NEW.cpu_model, NEW.owner,
              (SELECT category FROM verdicts WHERE job_id = NEW.id), (SELECT ok FROM dq_results WHERE job_id = NEW.id),
              max(coalesce(NEW.request_cpus, 1), 1), NEW.wall,
              CASE WHEN NEW.cpu_user IS NULL AND NEW.cpu_sys IS NULL THEN NULL
                   ELSE coalesce(NEW.cpu_user, 0) + coalesce(NEW.cpu_sys, 0) END, NEW.num_starts)
      ON CONFLICT(job_id) DO UPDATE SET end_time = excluded.end_time, start_time = excluded.start_time,
        outcome = excluded.outcome, experiment = excluded.experiment, batch_name = excluded.batch_name,
        site = excluded.site, cpu_model = excluded.cpu_model, owner = excluded.owner, verdict = excluded.verdict,
        dq_ok = excluded.dq_ok, cores = excluded.cores, wall = excluded.wall, cpu = excluded.cpu,
        num_starts = excluded.num_starts;
"""

# The same, column by column (migration 6 writes it as an UPDATE and an INSERT that cannot conflict).
_JOB_STATS_VALUES: tuple[tuple[str, str], ...] = (
    ("end_time", "coalesce(NEW.end_time, NEW.status_since, NEW.updated, 0)"), ("start_time", "NEW.start_time"),
    ("outcome", "CASE WHEN NEW.status = 3 THEN 2 WHEN NEW.exit_signal IS NOT NULL OR NEW.exit_code != 0 THEN 1 "
                "WHEN NEW.exit_code = 0 THEN 0 ELSE 3 END"),
    ("experiment", "NEW.experiment"), ("batch_name", "NEW.batch_name"), ("site", "NEW.site"),
    ("cpu_model", "NEW.cpu_model"), ("owner", "NEW.owner"),
    ("verdict", "(SELECT category FROM verdicts WHERE job_id = NEW.id)"),
    ("dq_ok", "(SELECT ok FROM dq_results WHERE job_id = NEW.id)"), ("cores", "max(coalesce(NEW.request_cpus, 1), 1)"),
    ("wall", "NEW.wall"),
    ("cpu", "CASE WHEN NEW.cpu_user IS NULL AND NEW.cpu_sys IS NULL THEN NULL "
            "ELSE coalesce(NEW.cpu_user, 0) + coalesce(NEW.cpu_sys, 0) END"),
    ("num_starts", "NEW.num_starts"),
)

# Migrations: index i brings the schema from version i to i+1. Never edit a released step; append.
MIGRATIONS: list[str] = [
    _JOBS_DDL
    + """;
    CREATE INDEX jobs_status ON jobs(status);
    CREATE INDEX jobs_batch ON jobs(batch_name);
    CREATE INDEX jobs_end ON jobs(end_time);
    CREATE TABLE job_ads (job_id TEXT PRIMARY KEY, ad TEXT NOT NULL);
    CREATE TABLE job_events (
      id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, time REAL NOT NULL, type TEXT NOT NULL,
      detail TEXT NOT NULL DEFAULT '', attrs TEXT NOT NULL DEFAULT '{}',
      UNIQUE (job_id, time, type, detail)
    );
    CREATE INDEX job_events_job ON job_events(job_id, time);
    CREATE TABLE service_states (
      id INTEGER PRIMARY KEY, service TEXT NOT NULL, state TEXT NOT NULL, since REAL NOT NULL,
      source TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '', recorded REAL NOT NULL
    );
    CREATE INDEX service_states_svc ON service_states(service, source, since);
    CREATE TABLE feed_status (
      feed TEXT PRIMARY KEY, kind TEXT NOT NULL, last_fetch REAL, last_ok REAL, error TEXT
    );
    CREATE TABLE windows (
      id INTEGER PRIMARY KEY, service TEXT NOT NULL, kind TEXT NOT NULL, start REAL NOT NULL, "end" REAL,
      source TEXT NOT NULL, severity TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
      ext_id TEXT NOT NULL, UNIQUE (source, ext_id)
    );
    CREATE INDEX windows_svc ON windows(service, start);
    CREATE TABLE announcements (
      id INTEGER PRIMARY KEY, text TEXT NOT NULL, level TEXT NOT NULL, author TEXT NOT NULL,
      start REAL, until REAL, created REAL NOT NULL
    );
    CREATE TABLE requests (
      id INTEGER PRIMARY KEY, experiment TEXT NOT NULL, title TEXT NOT NULL, requester TEXT NOT NULL,
      status TEXT NOT NULL, priority INTEGER, fields TEXT NOT NULL DEFAULT '{}',
      version INTEGER NOT NULL DEFAULT 1, created REAL NOT NULL, updated REAL NOT NULL
    );
    CREATE TABLE request_audit (
      id INTEGER PRIMARY KEY, request_id INTEGER NOT NULL, time REAL NOT NULL, who TEXT NOT NULL,
      action TEXT NOT NULL, changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TRIGGER request_audit_no_update BEFORE UPDATE ON request_audit
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be edited'); END;
    CREATE TRIGGER request_audit_no_delete BEFORE DELETE ON request_audit
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be edited'); END;
    CREATE TABLE verdicts (
      job_id TEXT PRIMARY KEY, category TEXT NOT NULL, action TEXT NOT NULL, signature TEXT,
      title TEXT NOT NULL DEFAULT '', confidence TEXT NOT NULL DEFAULT 'none',
      reason TEXT NOT NULL DEFAULT '', evidence TEXT NOT NULL DEFAULT '[]', decided REAL NOT NULL
    );
    CREATE INDEX verdicts_sig ON verdicts(category, signature);
    CREATE TABLE action_log (
      id INTEGER PRIMARY KEY, time REAL NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
      job_ids TEXT NOT NULL, result TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: verdicts keep the outage windows that overlapped the job
    """ALTER TABLE verdicts ADD COLUMN windows TEXT NOT NULL DEFAULT '[]'""",
    # 3: retries and their lineage (which job a retry came from, how, with which debug profile)
    """CREATE TABLE retries (
      id INTEGER PRIMARY KEY, time REAL NOT NULL, who TEXT NOT NULL, job_id TEXT NOT NULL, new_job_id TEXT,
      mode TEXT NOT NULL, profile TEXT NOT NULL DEFAULT '', changes TEXT NOT NULL DEFAULT '{}',
      ok INTEGER NOT NULL, result TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX retries_job ON retries(job_id);
    CREATE INDEX retries_new ON retries(new_job_id)""",
    # 4: the production record (opgtui stats): one narrow row per finished job kept by triggers from jobs, job_ads,
    # verdicts and dq_results (every ingest path feeds it); day rollups recomputed for the days marked dirty;
    # per-job phases (opg-phase) and post-job data-quality results.
    """CREATE TABLE job_stats (
      job_id TEXT PRIMARY KEY, end_time REAL NOT NULL, start_time REAL, outcome INTEGER NOT NULL,
      experiment TEXT, batch_name TEXT, site TEXT, cpu_model TEXT, owner TEXT, verdict TEXT, dq_ok INTEGER,
      cores INTEGER NOT NULL, wall REAL, cpu REAL, num_starts INTEGER,
      slot_time REAL, committed_slot_time REAL, committed_time REAL, phases_raw TEXT
    );
    CREATE INDEX job_stats_end ON job_stats(end_time);
    CREATE INDEX job_stats_batch ON job_stats(batch_name, end_time);
    CREATE INDEX job_stats_phases_pending ON job_stats(job_id) WHERE phases_raw IS NOT NULL;
    CREATE TABLE stats_dirty (day INTEGER PRIMARY KEY);
    CREATE TABLE stats_rollup (
      dim TEXT NOT NULL, day INTEGER NOT NULL, experiment TEXT NOT NULL, key TEXT NOT NULL,
      jobs INTEGER NOT NULL, ok INTEGER NOT NULL, failed INTEGER NOT NULL, removed INTEGER NOT NULL,
      dq_bad INTEGER NOT NULL, restarted INTEGER NOT NULL, core_sec REAL NOT NULL, cpu REAL NOT NULL,
      eff_core_sec REAL NOT NULL, wasted REAL NOT NULL, badput REAL NOT NULL, lost REAL NOT NULL,
      goodput REAL NOT NULL, PRIMARY KEY (dim, day, experiment, key)
    ) WITHOUT ROWID;
    CREATE TABLE job_phases (
      job_id TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, start REAL, "end" REAL, cpu REAL,
      status INTEGER, source TEXT NOT NULL, PRIMARY KEY (job_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE dq_results (
      job_id TEXT PRIMARY KEY, ok INTEGER, problems TEXT NOT NULL DEFAULT '[]', checked REAL NOT NULL
    );
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs WHEN NEW.status IN (3, 4) BEGIN
""" + _JOB_STATS_UPSERT + """    END;
    CREATE TRIGGER job_stats_from_ads AFTER INSERT ON job_ads BEGIN
      UPDATE job_stats SET (slot_time, committed_slot_time, committed_time, phases_raw) = (
        SELECT CASE WHEN json_type(v, '$[0]') IN ('integer', 'real') THEN json_extract(v, '$[0]') END,
               CASE WHEN json_type(v, '$[1]') IN ('integer', 'real') THEN json_extract(v, '$[1]') END,
               CASE WHEN json_type(v, '$[2]') IN ('integer', 'real') THEN json_extract(v, '$[2]') END,
               CASE WHEN json_type(v, '$[3]') = 'text' THEN json_extract(v, '$[3]') END
        FROM (SELECT json_extract(NEW.ad, '$.CumulativeSlotTime', '$.CommittedSlotTime', '$.CommittedTime',
                                  '$.ChirpOpgPhases') AS v))
      WHERE job_id = NEW.job_id AND json_valid(NEW.ad);
    END;
    CREATE TRIGGER job_stats_verdict AFTER INSERT ON verdicts BEGIN
      UPDATE job_stats SET verdict = NEW.category WHERE job_id = NEW.job_id AND verdict IS NOT NEW.category;
    END;
    CREATE TRIGGER job_stats_dq AFTER INSERT ON dq_results BEGIN
      UPDATE job_stats SET dq_ok = NEW.ok WHERE job_id = NEW.job_id AND dq_ok IS NOT NEW.ok;
    END;
    CREATE TRIGGER job_stats_gone AFTER DELETE ON jobs BEGIN
      DELETE FROM job_stats WHERE job_id = OLD.id;
      DELETE FROM job_phases WHERE job_id = OLD.id;
      DELETE FROM dq_results WHERE job_id = OLD.id;
    END;
    CREATE TRIGGER job_stats_dirty_ins AFTER INSERT ON job_stats BEGIN
      INSERT OR IGNORE INTO stats_dirty(day) VALUES (CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_upd AFTER UPDATE OF end_time, start_time, outcome, experiment, batch_name, site,
      cpu_model, verdict, dq_ok, cores, wall, cpu, num_starts, slot_time, committed_slot_time, committed_time
      ON job_stats BEGIN
      INSERT OR IGNORE INTO stats_dirty(day)
        VALUES (CAST(OLD.end_time / 86400 AS INTEGER)), (CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_del AFTER DELETE ON job_stats BEGIN
      INSERT OR IGNORE INTO stats_dirty(day) VALUES (CAST(OLD.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_phases_dirty AFTER INSERT ON job_phases BEGIN
      INSERT OR IGNORE INTO stats_dirty(day)
        SELECT CAST(end_time / 86400 AS INTEGER) FROM job_stats WHERE job_id = NEW.job_id;
    END;
    INSERT INTO job_stats(job_id, end_time, start_time, outcome, experiment, batch_name, site, cpu_model, owner,
                          verdict, dq_ok, cores, wall, cpu, num_starts)
      SELECT j.id, coalesce(j.end_time, j.status_since, j.updated, 0), j.start_time,
             CASE WHEN j.status = 3 THEN 2 WHEN j.exit_signal IS NOT NULL OR j.exit_code != 0 THEN 1
                  WHEN j.exit_code = 0 THEN 0 ELSE 3 END,
             j.experiment, j.batch_name, j.site, j.cpu_model, j.owner, v.category, NULL,
             max(coalesce(j.request_cpus, 1), 1), j.wall,
             CASE WHEN j.cpu_user IS NULL AND j.cpu_sys IS NULL THEN NULL
                  ELSE coalesce(j.cpu_user, 0) + coalesce(j.cpu_sys, 0) END, j.num_starts
      FROM jobs j LEFT JOIN verdicts v ON v.job_id = j.id WHERE j.status IN (3, 4);
    UPDATE job_stats SET (slot_time, committed_slot_time, committed_time, phases_raw) = (
      SELECT CASE WHEN json_type(a.ad, '$.CumulativeSlotTime') IN ('integer', 'real')
                  THEN json_extract(a.ad, '$.CumulativeSlotTime') END,
             CASE WHEN json_type(a.ad, '$.CommittedSlotTime') IN ('integer', 'real')
                  THEN json_extract(a.ad, '$.CommittedSlotTime') END,
             CASE WHEN json_type(a.ad, '$.CommittedTime') IN ('integer', 'real')
                  THEN json_extract(a.ad, '$.CommittedTime') END,
             CASE WHEN json_type(a.ad, '$.ChirpOpgPhases') = 'text' THEN json_extract(a.ad, '$.ChirpOpgPhases') END
      FROM job_ads a WHERE a.job_id = job_stats.job_id AND json_valid(a.ad))""",
    # 5: a record with a completion date but no JobStatus (trimmed history ads, event logs) is finished too
    """DROP TRIGGER job_stats_from_jobs;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs
      WHEN NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL) BEGIN
""" + _JOB_STATS_UPSERT + """    END;
    INSERT OR REPLACE INTO jobs SELECT * FROM jobs WHERE status IS NULL AND end_time IS NOT NULL""",
    # 6: the triggers never conflict. sqlite-utils turns recursive triggers on, so INSERT OR REPLACE INTO jobs
    # fired the delete trigger (every re-read of a finished job lost its phases and data-quality result: pruning
    # deletes those itself now), and a trigger's statements take the outer statement's conflict policy.
    """DROP TRIGGER job_stats_gone;
    DROP TRIGGER job_stats_from_jobs;
    CREATE TRIGGER job_stats_from_jobs AFTER INSERT ON jobs
      WHEN NEW.status IN (3, 4) OR (NEW.status IS NULL AND NEW.end_time IS NOT NULL) BEGIN
      UPDATE job_stats SET """ + ", ".join(f"{c} = {e}" for c, e in _JOB_STATS_VALUES) + """ WHERE job_id = NEW.id;
      INSERT INTO job_stats(job_id, """ + ", ".join(c for c, _ in _JOB_STATS_VALUES) + """)
        SELECT NEW.id, """ + ", ".join(e for _, e in _JOB_STATS_VALUES) + """
        WHERE NOT EXISTS (SELECT 1 FROM job_stats WHERE job_id = NEW.id);
    END;
    DROP TRIGGER job_stats_dirty_ins;
    DROP TRIGGER job_stats_dirty_upd;
    DROP TRIGGER job_stats_dirty_del;
    DROP TRIGGER job_phases_dirty;
    CREATE TRIGGER job_stats_dirty_ins AFTER INSERT ON job_stats BEGIN
      INSERT INTO stats_dirty(day) SELECT CAST(NEW.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_upd AFTER UPDATE OF end_time, start_time, outcome, experiment, batch_name, site,
      cpu_model, verdict, dq_ok, cores, wall, cpu, num_starts, slot_time, committed_slot_time, committed_time
      ON job_stats BEGIN
      INSERT INTO stats_dirty(day) SELECT CAST(OLD.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(OLD.end_time / 86400 AS INTEGER));
      INSERT INTO stats_dirty(day) SELECT CAST(NEW.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(NEW.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_stats_dirty_del AFTER DELETE ON job_stats BEGIN
      INSERT INTO stats_dirty(day) SELECT CAST(OLD.end_time / 86400 AS INTEGER)
        WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(OLD.end_time / 86400 AS INTEGER));
    END;
    CREATE TRIGGER job_phases_dirty AFTER INSERT ON job_phases BEGIN
      INSERT INTO stats_dirty(day) SELECT DISTINCT CAST(s.end_time / 86400 AS INTEGER) FROM job_stats s
        WHERE s.job_id = NEW.job_id
          AND NOT EXISTS (SELECT 1 FROM stats_dirty WHERE day = CAST(s.end_time / 86400 AS INTEGER));
    END""",
    # 7: learning from the shift (opgtui.learn owns the queries): signatures made from shifters' labels, their
    # audit trail (never edited), and the log tails of unknown failures read to mine templates
    """CREATE TABLE learned_signatures (
      id TEXT PRIMARY KEY, pattern TEXT NOT NULL, category TEXT NOT NULL, action TEXT NOT NULL, title TEXT NOT NULL,
      service TEXT, priority INTEGER NOT NULL, example TEXT NOT NULL, template TEXT NOT NULL DEFAULT '',
      job_id TEXT, why TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 0, tested TEXT NOT NULL DEFAULT '{}',
      version INTEGER NOT NULL DEFAULT 1, created REAL NOT NULL, created_by TEXT NOT NULL, updated REAL NOT NULL,
      updated_by TEXT NOT NULL
    );
    CREATE INDEX learned_signatures_template ON learned_signatures(template);
    CREATE TABLE learned_audit (
      id INTEGER PRIMARY KEY, signature_id TEXT NOT NULL, time REAL NOT NULL, who TEXT NOT NULL,
      action TEXT NOT NULL, why TEXT NOT NULL DEFAULT '', changes TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX learned_audit_sig ON learned_audit(signature_id, id);
    CREATE TRIGGER learned_audit_no_update BEFORE UPDATE ON learned_audit
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be edited'); END;
    CREATE TRIGGER learned_audit_no_delete BEFORE DELETE ON learned_audit
      BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be edited'); END;
    CREATE TABLE learn_tails (
      job_id TEXT PRIMARY KEY, lines TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', error TEXT, read REAL NOT NULL
    )""",
]

SCHEMA_VERSION = len(MIGRATIONS)


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


class Store:
    """An open store. Create with :func:`open_store`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.db = sqlite_utils.Database(conn)

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it. A store that cannot be written (read-only,
        locked, corrupt, disk full) raises StoreError, from BEGIN, any statement or COMMIT alike."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except StoreError:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # SQLite may have rolled back by itself (I/O error, corruption, full disk)
            with suppress(StoreError):
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def get_kv(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def kv_prefix(self, prefix: str) -> dict[str, str]:
        cur = self.conn.execute("SELECT key, value FROM kv WHERE key >= ? AND key < ?", (prefix, prefix + "\uffff"))
        return dict(cur.fetchall())

    def set_kv(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO kv(key, value) VALUES (?, ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # ------------------------------------------------------------------ jobs

    def upsert_jobs(self, jobs: Iterable[Job], ads: dict[str, dict[str, Any]] | None = None) -> int:
        """Insert or replace job records (and their raw ads); returns how many were written."""
        cols = ", ".join(JOB_COLUMNS)
        marks = ", ".join("?" * len(JOB_COLUMNS))
        sql = f"INSERT OR REPLACE INTO jobs ({cols}) VALUES ({marks})"
        getters = [getattr(Job, name).__get__ for name in JOB_COLUMNS]  # slot descriptors: fast access
        rows = [tuple(g(job) for g in getters) for job in jobs]
        with self.transaction() as c:
            c.executemany(sql, rows)
            if ads:
                c.executemany("INSERT OR REPLACE INTO job_ads(job_id, ad) VALUES (?, ?)",
                              ((jid, _dumps(ad)) for jid, ad in ads.items()))
        return len(rows)

    def jobs(self, where: str = "", params: Sequence[Any] = ()) -> list[Job]:
        """Job records, optionally filtered by a SQL ``where`` written in this codebase (never user text)."""
        sql = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs" + (f" WHERE {where}" if where else "")
        return [Job(*row) for row in self.conn.execute(sql, params)]

    def job(self, job_id: str) -> Job | None:
        found = self.jobs("id = ?", (job_id,))
        return found[0] if found else None

    def jobs_by_id(self, job_ids: Sequence[str]) -> list[Job]:
        """The stored records of these ids (those the store has), in batches under SQLite's variable limit."""
        out: list[Job] = []
        for start in range(0, len(job_ids), 900):
            part = job_ids[start:start + 900]
            out += self.jobs(f"id IN ({', '.join('?' * len(part))})", part)
        return out

    def job_ad(self, job_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT ad FROM job_ads WHERE job_id = ?", (job_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def count_jobs(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM jobs").fetchone()[0])

    def add_events(self, events: Iterable[JobEvent]) -> int:
        rows = [(e.job_id, e.time, e.type, e.detail, _dumps(e.attrs)) for e in events]
        with self.transaction() as c:
            c.executemany("INSERT OR IGNORE INTO job_events(job_id, time, type, detail, attrs) "
                          "VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def events(self, job_id: str) -> list[JobEvent]:
        cur = self.conn.execute("SELECT job_id, time, type, detail, attrs FROM job_events "
                                "WHERE job_id = ? ORDER BY time, id", (job_id,))
        return [JobEvent(r[0], r[1], r[2], r[3], orjson.loads(r[4])) for r in cur]

    # ------------------------------------------------------------------ verdicts

    def save_verdicts(self, verdicts: dict[str, Verdict], now: float | None = None) -> None:
        now = now or time.time()
        rows = [
            (jid, v.category, v.action, v.signature, v.title, v.confidence, v.reason,
             _dumps([asdict(f) for f in v.evidence]), now, _dumps([asdict(w) for w in v.windows]))
            for jid, v in verdicts.items()
        ]
        with self.transaction() as c:
            c.executemany("INSERT OR REPLACE INTO verdicts(job_id, category, action, signature, title, confidence, "
                          "reason, evidence, decided, windows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def verdicts(self) -> dict[str, Verdict]:
        """Every stored verdict by job id."""
        return self._verdicts("", ())

    def verdicts_for(self, job_ids: Sequence[str]) -> dict[str, Verdict]:
        marks = ", ".join("?" * len(job_ids))
        return self._verdicts(f" WHERE job_id IN ({marks})", tuple(job_ids))

    def verdict_summaries(self) -> dict[str, tuple[str, str]]:
        """Job id -> (verdict category, signature or ''), cheap enough for 100,000 rows."""
        cur = self.conn.execute("SELECT job_id, category, coalesce(signature, '') FROM verdicts")
        return {r[0]: (r[1], r[2]) for r in cur}

    def _verdicts(self, where: str, params: Sequence[Any]) -> dict[str, Verdict]:
        out = {}
        for r in self.conn.execute("SELECT job_id, category, action, signature, title, confidence, reason, "
                                   f"evidence, windows FROM verdicts{where}", params):
            evidence = [Finding(**f) for f in orjson.loads(r[7])]
            windows = [Window(**w) for w in orjson.loads(r[8])]
            out[r[0]] = Verdict(r[1], r[2], r[3], r[4], evidence, r[5], r[6], windows)
        return out

    # ------------------------------------------------------------------ services and windows

    def record_feed(self, feed: str, kind: str, *, fetched: float, ok: bool, error: str | None = None,
                    states: Sequence[ServiceState] = (), windows: Sequence[Window] = (),
                    absent_state: str | None = None) -> None:
        """Record one poll of a feed: its health, state transitions, and windows.

        Outage windows the feed reported open before but no longer lists are closed at ``fetched``:
        feeds such as Alertmanager forget resolved alerts, the store does not. With ``absent_state``
        (e.g. "up" for alert feeds), a service this feed reported before but no longer lists moves to it.
        """
        with self.transaction() as c:
            c.execute(
                "INSERT INTO feed_status(feed, kind, last_fetch, last_ok, error) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(feed) DO UPDATE SET kind = excluded.kind, last_fetch = excluded.last_fetch, "
                "last_ok = COALESCE(excluded.last_ok, feed_status.last_ok), error = excluded.error",
                (feed, kind, fetched, fetched if ok else None, None if ok else (error or "failed")),
            )
            if not ok:
                return
            listed = {st.service for st in states}
            if absent_state is not None:
                previous = c.execute("SELECT DISTINCT service FROM service_states WHERE source = ?", (feed,))
                states = [*states, *(ServiceState(svc, absent_state, fetched, feed)  # type: ignore[arg-type]
                                     for (svc,) in previous.fetchall() if svc not in listed)]
            for st in states:
                self._record_state(c, feed, st, fetched)
            seen = set()
            for w in windows:
                ext = w.ext_id or f"{w.service}|{w.kind}|{w.start}"
                seen.add(ext)
                if w.kind == "outage" and self._merge_outage(c, feed, w, ext):
                    continue
                c.execute(
                    'INSERT INTO windows(service, kind, start, "end", source, severity, description, ext_id) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, ext_id) DO UPDATE SET "
                    'service = excluded.service, kind = excluded.kind, start = excluded.start, "end" = excluded."end", '
                    "severity = excluded.severity, description = excluded.description",
                    (w.service, w.kind, w.start, w.end, feed, w.severity, w.description, ext),
                )
            open_rows = c.execute(
                'SELECT id, ext_id FROM windows WHERE source = ? AND kind = ? AND "end" IS NULL', (feed, "outage"))
            for wid, ext in open_rows.fetchall():
                if ext not in seen:
                    c.execute('UPDATE windows SET "end" = ? WHERE id = ?', (fetched, wid))

    @staticmethod
    def _record_state(c: sqlite3.Connection, feed: str, st: ServiceState, fetched: float) -> None:
        """One reported state: a new row only when it changes, and flapping collapsed. A recovery that lasted
        less than FLAP_SECONDS before the worse state came back is dropped, so down-up-down-up... within
        minutes of each other is one outage (down, then up once it holds), not a row per poll."""
        last2 = c.execute("SELECT id, state, since FROM service_states WHERE service = ? AND source = ? "
                          "ORDER BY since DESC, id DESC LIMIT 2", (st.service, feed)).fetchall()
        if last2 and last2[0][1] == st.state:
            return
        since = st.since if st.since is not None else fetched
        if len(last2) == 2:
            (last_id, last_state, last_since), (_, prev_state, _) = last2
            if (prev_state == st.state and since - last_since < FLAP_SECONDS
                    and _SEVERITY.get(last_state, 1) < _SEVERITY.get(st.state, 1)):
                c.execute("DELETE FROM service_states WHERE id = ?", (last_id,))
                return
        c.execute("INSERT INTO service_states(service, state, since, source, detail, recorded) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (st.service, st.state, since, feed, st.detail, fetched))

    @staticmethod
    def _merge_outage(c: sqlite3.Connection, feed: str, w: Window, ext: str) -> bool:
        """A new outage of a service whose previous outage (same feed) ended less than FLAP_SECONDS before it
        began continues that one (it takes the new alert's id): a flapping alert is one window. True if merged."""
        if c.execute("SELECT 1 FROM windows WHERE source = ? AND ext_id = ?", (feed, ext)).fetchone():
            return False
        prev = c.execute(
            'SELECT id FROM windows WHERE source = ? AND service = ? AND kind = ? AND "end" IS NOT NULL '
            'AND "end" >= ? AND start <= ? ORDER BY "end" DESC LIMIT 1',
            (feed, w.service, w.kind, w.start - FLAP_SECONDS, w.start)).fetchone()
        if prev is None:
            return False
        c.execute('UPDATE windows SET ext_id = ?, "end" = ?, severity = ?, description = ? WHERE id = ?',
                  (ext, w.end, w.severity, w.description, prev[0]))
        return True

    def prune_history(self, before: float) -> tuple[int, int]:
        """Forget service states and windows older than ``before`` (the record's retention): transitions that
        ended before it (the state in force at ``before`` and every current state stay) and windows that ended
        before it. Returns (states, windows) deleted."""
        with self.transaction() as c:
            states = c.execute(
                "DELETE FROM service_states WHERE since < ? AND id NOT IN ("
                "  SELECT (SELECT s2.id FROM service_states s2 WHERE s2.service = k.service AND s2.source = k.source"
                "          AND s2.since < ? ORDER BY s2.since DESC, s2.id DESC LIMIT 1)"
                "  FROM (SELECT DISTINCT service, source FROM service_states) k)", (before, before)).rowcount
            windows = c.execute('DELETE FROM windows WHERE "end" IS NOT NULL AND "end" < ?', (before,)).rowcount
        return states, windows

    def feed_status(self) -> dict[str, dict[str, Any]]:
        cur = self.conn.execute("SELECT feed, kind, last_fetch, last_ok, error FROM feed_status")
        return {r[0]: {"kind": r[1], "last_fetch": r[2], "last_ok": r[3], "error": r[4]} for r in cur}

    def current_states(self) -> list[ServiceState]:
        """The latest state of each (service, source) pair, with the time it began."""
        cur = self.conn.execute(
            "SELECT s.service, s.state, s.since, s.source, s.detail, f.last_ok FROM service_states s "
            "JOIN (SELECT service, source, max(id) AS id FROM service_states GROUP BY service, source) m "
            "ON s.id = m.id LEFT JOIN feed_status f ON f.feed = s.source ORDER BY s.service")
        return [ServiceState(r[0], r[1], r[2], r[3], r[4], r[5]) for r in cur]

    def transitions(self, service: str | None = None, since: float = 0.0) -> list[ServiceState]:
        """State transitions in time order (for the timeline), from ``since`` on, plus the one in force then."""
        where, params = "since >= ?", [since]
        if service:
            where += " AND service = ?"
            params.append(service)
        cur = self.conn.execute(
            f"SELECT service, state, since, source, detail, recorded FROM service_states WHERE {where} "
            "ORDER BY since, id", params)
        return [ServiceState(*r) for r in cur]

    def windows(self, service: str | None = None, *, start: float | None = None, end: float | None = None,
                kind: str | None = None) -> list[Window]:
        """Windows intersecting [start, end] (either bound optional)."""
        clauses, params = [], []
        if service:
            clauses.append("service = ?")
            params.append(service)
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        if start is not None:
            clauses.append('("end" IS NULL OR "end" >= ?)')
            params.append(start)
        if end is not None:
            clauses.append("start <= ?")
            params.append(end)
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        cur = self.conn.execute(
            f'SELECT service, kind, start, "end", source, severity, description, ext_id FROM windows{where} '
            "ORDER BY start", params)
        return [Window(*r) for r in cur]

    def add_window(self, window: Window) -> None:
        """A window declared by hand (or by a test); de-duplicated on (source, ext_id)."""
        with self.transaction() as c:
            c.execute(
                'INSERT OR REPLACE INTO windows(service, kind, start, "end", source, severity, description, ext_id) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (window.service, window.kind, window.start, window.end, window.source, window.severity,
                 window.description, window.ext_id or f"{window.service}|{window.kind}|{window.start}"))

    # ------------------------------------------------------------------ announcements

    def post_announcement(self, a: Announcement, now: float | None = None) -> int:
        now = now or time.time()
        if a.until is not None and a.start is not None and a.until <= a.start:
            raise ValueError("the announcement ends before it starts")
        with self.transaction() as c:
            cur = c.execute("INSERT INTO announcements(text, level, author, start, until, created) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            (a.text, a.level, a.author or whoami(), a.start or now, a.until, now))
            return int(cur.lastrowid or 0)

    def announcements(self, now: float | None = None, *, include_expired: bool = False) -> list[Announcement]:
        now = now or time.time()
        where = "" if include_expired else " WHERE (until IS NULL OR until > ?) AND (start IS NULL OR start <= ?)"
        params = () if include_expired else (now, now)
        cur = self.conn.execute("SELECT text, level, author, start, until, id, created FROM announcements"
                                f"{where} ORDER BY created DESC", params)
        return [Announcement(*r) for r in cur]

    def edit_announcement(self, ann_id: int, *, text: str, level: str, until: float | None,
                          operators: Iterable[str] = (), who: str | None = None) -> bool:
        """Change an announcement's text, level and end; False when there is no such announcement.
        Only its author or an operator (:meth:`may_moderate`) may: NotAllowed otherwise."""
        with self.transaction() as c:
            row = c.execute("SELECT start, author FROM announcements WHERE id = ?", (ann_id,)).fetchone()
            if row is None:
                return False
            self._check_moderator(ann_id, row[1], "edit", who, operators)
            if until is not None and row[0] is not None and until <= row[0]:
                raise ValueError("the announcement ends before it starts")
            c.execute("UPDATE announcements SET text = ?, level = ?, until = ? WHERE id = ?",
                      (text, level, until, ann_id))
            return True

    def expire_announcement(self, ann_id: int, now: float | None = None, *, operators: Iterable[str] = (),
                            who: str | None = None) -> bool:
        """End an announcement now; False when there is no such announcement. Only its author or an operator
        (:meth:`may_moderate`) may: NotAllowed otherwise."""
        with self.transaction() as c:
            row = c.execute("SELECT author FROM announcements WHERE id = ?", (ann_id,)).fetchone()
            if row is None:
                return False
            self._check_moderator(ann_id, row[0], "expire", who, operators)
            c.execute("UPDATE announcements SET until = ? WHERE id = ?", (now or time.time(), ann_id))
            return True

    def owner(self) -> str | None:
        """The user who owns the store's file (an operator of this store by right), None if unknown."""
        try:
            import pwd

            return pwd.getpwuid(self.path.stat().st_uid).pw_name
        except (ImportError, KeyError, OSError):
            return None

    def may_moderate(self, who: str, author: str, operators: Iterable[str] = ()) -> bool:
        """Whether ``who`` may edit or expire an announcement by ``author``: its author, a configured operator
        (``roles.operators``) or the store's owner."""
        return who == author or who in set(operators) or who == self.owner()

    def _check_moderator(self, ann_id: int, author: str, verb: str, who: str | None,
                         operators: Iterable[str]) -> None:
        who = who or whoami()
        ops = list(operators)
        if not self.may_moderate(who, author, ops):
            from opgtui.textsafe import one_line

            allowed = ", ".join(one_line(o, 40) for o in [*ops, self.owner() or "?"])
            raise NotAllowed(f"announcement {ann_id} is {one_line(author, 40)}'s: only its author or an operator "
                             f"({allowed}) may {verb} it (you are {one_line(who, 40)})")

    # ------------------------------------------------------------------ requests

    def requests(self) -> list[ProductionRequest]:
        cur = self.conn.execute("SELECT experiment, title, requester, status, priority, fields, id, version, "
                                "created, updated FROM requests ORDER BY id")
        return [ProductionRequest(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5]), r[6], r[7], r[8], r[9])
                for r in cur]

    def save_request(self, req: ProductionRequest, who: str, action: str,
                     changes: dict[str, Any] | None = None, now: float | None = None) -> ProductionRequest:
        """Create or update a request; an update whose version is stale is refused (no silent overwrite)."""
        now = now or time.time()
        with self.transaction() as c:
            if req.id is None:
                cur = c.execute(
                    "INSERT INTO requests(experiment, title, requester, status, priority, fields, version, "
                    "created, updated) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (req.experiment, req.title, req.requester, req.status, req.priority, _dumps(req.fields), now, now))
                req.id, req.version, req.created, req.updated = int(cur.lastrowid or 0), 1, now, now
            else:
                cur = c.execute(
                    "UPDATE requests SET experiment = ?, title = ?, requester = ?, status = ?, priority = ?, "
                    "fields = ?, version = version + 1, updated = ? WHERE id = ? AND version = ?",
                    (req.experiment, req.title, req.requester, req.status, req.priority, _dumps(req.fields), now,
                     req.id, req.version))
                if cur.rowcount == 0:
                    raise RequestConflict(_conflict_message(c, req))
                req.version += 1
                req.updated = now
            c.execute("INSERT INTO request_audit(request_id, time, who, action, changes) VALUES (?, ?, ?, ?, ?)",
                      (req.id, now, who, action, _dumps(changes or {})))
        return req

    def request(self, req_id: int) -> ProductionRequest | None:
        cur = self.conn.execute("SELECT experiment, title, requester, status, priority, fields, id, version, "
                                "created, updated FROM requests WHERE id = ?", (req_id,))
        r = cur.fetchone()
        return None if r is None else ProductionRequest(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5]), r[6],
                                                        r[7], r[8], r[9])

    def audit_request(self, req_id: int, who: str, action: str, changes: dict[str, Any] | None = None,
                      now: float | None = None) -> None:
        """An audit entry that changes nothing else (e.g. a refused attempt)."""
        with self.transaction() as c:
            c.execute("INSERT INTO request_audit(request_id, time, who, action, changes) VALUES (?, ?, ?, ?, ?)",
                      (req_id, now or time.time(), who, action, _dumps(changes or {})))

    def request_jobs(self, batches: Sequence[str], attribute: str = "JobBatchName") -> list[Job]:
        """The jobs of these batches: by the jobs' batch name, or by another attribute of their stored ads."""
        if not batches:
            return []
        marks = ", ".join("?" * len(batches))
        if attribute.lower() == "jobbatchname":
            return self.jobs(f"batch_name IN ({marks})", tuple(batches))
        path = '$."' + attribute.replace('"', "") + '"'
        return self.jobs(f"id IN (SELECT job_id FROM job_ads WHERE json_extract(ad, ?) IN ({marks}))",
                         (path, *batches))

    def request_audit(self, req_id: int) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT time, who, action, changes FROM request_audit WHERE request_id = ? "
                                "ORDER BY id", (req_id,))
        return [{"time": r[0], "who": r[1], "action": r[2], "changes": orjson.loads(r[3])} for r in cur]

    # ------------------------------------------------------------------ action log

    def log_action(self, action: str, job_ids: Sequence[str], result: str, who: str | None = None,
                   now: float | None = None) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO action_log(time, who, action, job_ids, result) VALUES (?, ?, ?, ?, ?)",
                      (now or time.time(), who or whoami(), action, _dumps(list(job_ids)), result))

    def action_log(self) -> list[dict[str, Any]]:
        cur = self.conn.execute("SELECT time, who, action, job_ids, result FROM action_log ORDER BY id")
        return [{"time": r[0], "who": r[1], "action": r[2], "job_ids": orjson.loads(r[3]), "result": r[4]}
                for r in cur]


    # ------------------------------------------------------------------ retries and their lineage

    def record_retry(self, job_id: str, new_job_id: str | None, mode: str | None, *, profile: str = "",
                     changes: dict[str, Any] | None = None, ok: bool, result: str, who: str | None = None,
                     now: float | None = None) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO retries(time, who, job_id, new_job_id, mode, profile, changes, ok, result) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (now or time.time(), who or whoami(), job_id, new_job_id, mode or "", profile,
                       _dumps(changes or {}), int(ok), result))

    def retries(self, job_id: str | None = None) -> list[dict[str, Any]]:
        """Retries, oldest first: all of them, or those of ``job_id`` (as the original or as the new job)."""
        where, params = ("WHERE job_id = ? OR new_job_id = ?", (job_id, job_id)) if job_id else ("", ())
        cur = self.conn.execute("SELECT time, who, job_id, new_job_id, mode, profile, changes, ok, result "
                                f"FROM retries {where} ORDER BY id", params)
        keys = ("time", "who", "job_id", "new_job_id", "mode", "profile", "changes", "ok", "result")
        return [{**dict(zip(keys, r, strict=True)), "changes": orjson.loads(r[6]), "ok": bool(r[7])} for r in cur]

    def claim_retries(self, job_ids: Sequence[str], refuse: Any, note: str, who: str | None = None,
                      now: float | None = None) -> dict[str, Any]:
        """Record the intent to retry each job (a ``mode = 'pending'`` row) unless ``refuse(job_id, rows)`` says
        why not, ``rows`` being the job's earlier retries (``id, time, who, new_job_id, mode, ok, result``), in one
        write transaction: two processes never claim the same job. job id -> the pending row's id, or the refusal."""
        out: dict[str, Any] = {}
        with self.transaction() as c:
            for jid in job_ids:
                rows = [dict(zip(("id", "time", "who", "new_job_id", "mode", "ok", "result"), r, strict=True))
                        for r in c.execute("SELECT id, time, who, new_job_id, mode, ok, result FROM retries "
                                           "WHERE job_id = ? ORDER BY id", (jid,))]
                why = refuse(jid, rows)
                if why:
                    out[jid] = why
                    continue
                cur = c.execute("INSERT INTO retries(time, who, job_id, mode, ok, result) VALUES (?, ?, ?, ?, 0, ?)",
                                (now or time.time(), who or whoami(), jid, "pending", note))
                out[jid] = int(cur.lastrowid or 0)
        return out

    def finish_retries(self, done: Sequence[tuple[int, str | None, str, str, dict[str, Any], bool, str]]) -> None:
        """Replace pending rows by their outcome: (row id, new job id, mode, profile, changes, ok, result)."""
        with self.transaction() as c:
            c.executemany("UPDATE retries SET new_job_id = ?, mode = ?, profile = ?, changes = ?, ok = ?, result = ? "
                          "WHERE id = ?", [(new, mode, profile, _dumps(changes), int(ok), result, row)
                                           for row, new, mode, profile, changes, ok, result in done])


# Flapping: a state (or an outage) that comes back within this many seconds continues the earlier one.
FLAP_SECONDS = 300.0
_SEVERITY = {"up": 0, "unknown": 1, "degraded": 2, "maintenance": 3, "down": 4}


def _conflict_message(c: sqlite3.Connection, req: ProductionRequest) -> str:
    row = c.execute("SELECT version FROM requests WHERE id = ?", (req.id,)).fetchone()
    if row is None:
        return f"request {req.id} no longer exists"
    last = c.execute("SELECT who, time, action FROM request_audit WHERE request_id = ? AND action NOT LIKE 'refused%' "
                     "ORDER BY id DESC LIMIT 1",
                     (req.id,)).fetchone()
    by = f" ({last[2]} by {last[0]} at {time.strftime('%H:%M:%S', time.localtime(last[1]))})" if last else ""
    return (f"request {req.id} changed since you opened it{by}, now version {row[0]} (you had {req.version}): "
            "nothing was overwritten; reload it and apply your edit again")



_CORRUPT = "the store is corrupt or not an opgtui store (move it aside and opgtui starts a new one)"


def _explain(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the store is locked by another process (try again, or stop the other opgtui)"
    if "readonly" in text or "read-only" in text:
        return "the store is read-only (check the file's and its directory's permissions)"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return _CORRUPT
    if "unable to open" in text:
        return "cannot open the store (does its directory exist and is it writable?)"
    return text


def open_store(path: str | Path, *, readonly: bool = False, timeout: float = 5.0, group: str | None = None
               ) -> Store:
    """Open (creating and migrating as needed) the store at ``path``; raises StoreError with one line.

    A new store and a new directory for it are private to the user (0600, 0700): the store holds job ads, paths
    and owners. With ``group`` (the config's ``store_group``) they are shared with that group instead (0660,
    0770 with the set-group-id bit, so SQLite's -wal and -shm files and the collector lock follow).
    """
    p = Path(path).expanduser()
    try:
        if not readonly:
            _create_private(p, group)
        uri = p.absolute().as_uri() + ("?mode=ro" if readonly else "")  # a "#" or "?" in the path stays in it
        conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False,
                               factory=_Connection)
        conn.store_path = p
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{p}: {_explain(exc) if isinstance(exc, sqlite3.Error) else exc.strerror or exc}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        store = Store(conn, p)
        _migrate(store, readonly)
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"{p}: {_explain(exc)}") from None
    except StoreError:
        conn.close()
        raise
    return store


def _create_private(path: Path, group: str | None) -> None:
    """Make the store's directory and an empty store file if they do not exist yet, readable only by the user
    (or by ``group`` too). Existing ones are left as they are."""
    gid = _group_id(path, group)
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, exist_ok=True)
        _restrict(directory, 0o2770 if gid is not None else 0o700, gid)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o660 if gid is not None else 0o600)  # the mode, whatever the umask
        if gid is not None:
            os.fchown(fd, -1, gid)
    finally:
        os.close(fd)


def _restrict(path: Path, mode: int, gid: int | None) -> None:
    if gid is not None:
        os.chown(path, -1, gid)
    os.chmod(path, mode)


def _group_id(path: Path, group: str | None) -> int | None:
    if not group:
        return None
    import grp

    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise StoreError(f"{path}: store_group {group!r} is not a group on this machine") from None


def lock_mode(store_path: Path) -> tuple[int, int | None]:
    """The mode and group for a file beside the store (the collector's lock): as shared as the store itself."""
    try:
        st = store_path.stat()
    except OSError:
        return 0o600, None
    return (0o660, st.st_gid) if st.st_mode & 0o020 else (0o600, None)  # group-writable: shared


def open_beside_store(path: Path, store_path: Path) -> int:
    """``os.open`` (read-write, created if missing) of a file beside the store, as private as the store."""
    mode, gid = lock_mode(store_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, mode)
            if gid is not None:
                os.fchown(fd, -1, gid)
    except OSError:
        pass
    return fd


def _migrate(store: Store, readonly: bool) -> None:
    version = store.schema_version()
    if version > SCHEMA_VERSION:
        raise StoreError(f"{store.path}: written by a newer opgtui (schema {version}, this one knows {SCHEMA_VERSION})")
    if version == SCHEMA_VERSION:
        return
    if readonly:
        raise StoreError(
            f"{store.path}: needs a schema upgrade ({version} -> {SCHEMA_VERSION}) but is opened read-only")
    with store.transaction() as c:
        # Re-read inside the write lock: another process may have migrated meanwhile.
        version = int(c.execute("PRAGMA user_version").fetchone()[0])
        for step in range(version, SCHEMA_VERSION):
            for statement in _split_sql(MIGRATIONS[step]):
                c.execute(statement)
            c.execute(f"PRAGMA user_version = {step + 1}")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (triggers keep their inner ';')."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece
        if sqlite3.complete_statement(buf + ";"):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
        else:
            buf += ";"
    if buf.strip():
        out.append(buf.strip())
    return out
