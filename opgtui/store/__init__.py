"""The store: one interface, two engines. Schema, migrations and every query live in this package.

SQLite (a path: the embedded default) in WAL mode; each write is one ``BEGIN IMMEDIATE`` transaction, so a kill at
any moment leaves the previous state and several processes (dashboards, a collector, CLI calls) can share one
file. PostgreSQL (``postgresql://...``, ``service=...``: the team store, :mod:`opgtui.store.pg`) runs the same
queries; its writers take one advisory lock per transaction, so they are serialised as SQLite's are.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

import orjson

from opgtui.core.identity import whoami  # the one identity function; store.whoami stays importable
from opgtui.core.model import (
    Announcement,
    Finding,
    Job,
    JobEvent,
    JobStatus,
    ProductionRequest,
    ServiceState,
    Verdict,
    Window,
)


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

    def executescript(self, script: str) -> None:  # type: ignore[override]
        for statement in _split_sql(script):
            self.execute(statement)

    def begin_write(self) -> None:
        self.execute("BEGIN IMMEDIATE")


from opgtui.store.learned import LearnQueries  # noqa: E402
from opgtui.store.record import RecordQueries  # noqa: E402
from opgtui.store.schema import (  # noqa: E402, F401
    JOB_COLUMNS,
    JOB_TYPES,
    MIGRATIONS,
    SCHEMA_VERSION,
    Step,
    _split_sql,
)

_AD_NUMBERS = ("CumulativeSlotTime", "CommittedSlotTime", "CommittedTime")
BULK_ROWS = 500
"""SQLite: from this many jobs in one upsert, the record's per-row trigger is dropped for the transaction (and
made again, from its own text, before it commits: other connections never see it missing) and the job_stats rows
are written by two set-based statements, ads' slot times included: ~half the trigger's cost per row plus the
UPDATE of every row with its ad (issue 18: ingest within 2x of a bare executemany)."""


def ad_stats(ad: dict[str, Any]) -> tuple[float | None, float | None, float | None, str | None]:
    """(CumulativeSlotTime, CommittedSlotTime, CommittedTime, ChirpOpgPhases) of an ad: numbers and text only."""
    nums = [float(v) if isinstance(v := ad.get(k), int | float) and not isinstance(v, bool) else None
            for k in _AD_NUMBERS]
    phases = ad.get("ChirpOpgPhases")
    return nums[0], nums[1], nums[2], phases if isinstance(phases, str) else None


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


class Store(RecordQueries, LearnQueries):
    """An open store. Create with :func:`open_store`."""

    def __init__(self, conn: Any, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self.dialect: str = getattr(conn, "dialect", "sqlite")

    def actor(self) -> tuple[str, dict[str, tuple[str, bool]] | None]:
        """Who writes through this store and the team roles the database gives them: on SQLite the process's user
        and None; on PostgreSQL the session user and :func:`opgtui.store.pg.database_roles` (None when the roles
        were never applied), read again after a minute so a grant reaches a running dashboard."""
        if self.dialect == "sqlite":
            return whoami(), None
        cached = self.__dict__.get("_actor")
        if cached is None or time.monotonic() - cached[0] > 60:
            from opgtui.store.pg import database_roles

            user = str(self.conn.execute("SELECT session_user").fetchone()[0])
            cached = (time.monotonic(), (user, database_roles(self.conn)))
            self.__dict__["_actor"] = cached
        return cached[1]

    @property
    def label(self) -> str:
        """The store as messages name it: its file, or its connection string without the password."""
        return str(getattr(self.conn, "store_path", self.path) if self.dialect != "sqlite" else self.path)

    def upsert_sql(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        """``INSERT`` of these columns that replaces the row with the same ``key`` (SQLite's INSERT OR REPLACE,
        which fires its insert triggers; PostgreSQL's ON CONFLICT ... DO UPDATE, whose triggers fire on both)."""
        marks = ", ".join("?" * len(columns))
        if self.dialect == "sqlite":
            return f"INSERT OR REPLACE INTO {table}({', '.join(columns)}) VALUES ({marks})"
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
        return f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) {action}"

    def insert_ignore_sql(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT`` of these columns that skips a row conflicting with one already stored."""
        marks = ", ".join("?" * len(columns))
        if self.dialect == "sqlite":
            return f"INSERT OR IGNORE INTO {table}({', '.join(columns)}) VALUES ({marks})"
        return f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks}) ON CONFLICT DO NOTHING"

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of a table's columns in order; the type in upper case (PostgreSQL's own on PostgreSQL)."""
        if self.dialect == "sqlite":
            return [(r[1], str(r[2]).upper()) for r in self.conn.execute(f"PRAGMA table_info({table})")]
        return [(r[0], str(r[1]).upper()) for r in self.conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", (table,))]

    def insert_rows(self, c: Any, table: str, rows: list[tuple[Any, ...]], *, key: Sequence[str] = (),
                    conflict: str = "error") -> None:
        """Rows of every column of ``table`` in the caller's transaction ``c``; a row whose ``key`` is stored
        already raises (``conflict="error"``), is skipped ("ignore") or replaces it ("update")."""
        if not rows:
            return
        cols = self.columns(table)
        names = [f'"{n}"' for n, _ in cols]
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(names))
            sql = {"error": f"INSERT INTO {table}({', '.join(names)}) VALUES ({marks})",
                   "ignore": self.insert_ignore_sql(table, names),
                   "update": self.upsert_sql(table, names, [f'"{k}"' for k in key])}[conflict]
            c.executemany(sql, rows)
            return
        from opgtui.store.pg import bulk_upsert

        bulk_upsert(c, table, names, [t for _, t in cols], [f'"{k}"' for k in key], rows, conflict)

    def table_names(self) -> list[str]:
        """The store's tables, in name order."""
        if self.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        else:
            sql = ("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                   "AND table_type = 'BASE TABLE' AND table_name != 'opgtui_schema' ORDER BY table_name")
        return [r[0] for r in self.conn.execute(sql)]

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One write transaction: all of it lands, or none of it. A store that cannot be written (read-only,
        locked, corrupt, disk full) raises StoreError, from BEGIN, any statement or COMMIT alike."""
        self.conn.begin_write()
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
        if self.dialect == "sqlite":
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        if self.conn.execute("SELECT to_regclass('opgtui_schema')").fetchone()[0] is None:
            return 0
        row = self.conn.execute("SELECT max(version) FROM opgtui_schema").fetchone()
        return int(row[0] or 0)

    def _set_schema_version(self, c: Any, version: int) -> None:
        if self.dialect == "sqlite":
            c.execute(f"PRAGMA user_version = {int(version)}")
        else:
            c.execute("CREATE TABLE IF NOT EXISTS opgtui_schema (version INTEGER NOT NULL)")
            c.execute("DELETE FROM opgtui_schema")
            c.execute("INSERT INTO opgtui_schema(version) VALUES (?)", (version,))

    def get_kv(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def kv_prefix(self, prefix: str) -> dict[str, str]:
        cur = self.conn.execute("SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        return dict(cur.fetchall())

    def set_kv(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO kv(key, value) VALUES (?, ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # ------------------------------------------------------------------ jobs

    def upsert_jobs(self, jobs: Iterable[Job], ads: dict[str, dict[str, Any]] | None = None) -> int:
        """Insert or replace job records (and their raw ads); returns how many were written."""
        getters = [getattr(Job, name).__get__ for name in JOB_COLUMNS]  # slot descriptors: fast access
        rows = [tuple(g(job) for g in getters) for job in jobs]
        ad_rows = [(jid, _dumps(ad)) for jid, ad in ads.items()] if ads else []
        with self.transaction() as c:
            if self.dialect == "sqlite":
                trigger = self._stats_trigger(c) if len(rows) >= BULK_ROWS else None
                if trigger:  # a bulk ingest: the record's rows set-based, after the jobs (see BULK_ROWS)
                    c.execute("DROP TRIGGER job_stats_from_jobs")
                c.executemany(self.upsert_sql("jobs", JOB_COLUMNS, ("id",)), rows)
                if ad_rows:
                    c.executemany(self.upsert_sql("job_ads", ("job_id", "ad"), ("job_id",)), ad_rows)
                if trigger:
                    c.execute(trigger)
                    self.stats_from_batch(c, [r[0] for r in rows], [(jid, *ad_stats(ad)) for jid, ad in
                                                                    (ads or {}).items()])
                    return len(rows)
            else:  # one statement per table: a round trip per row costs more than the row
                from opgtui.store.pg import bulk_upsert

                bulk_upsert(c, "jobs", JOB_COLUMNS, JOB_TYPES, ("id",), rows)
                bulk_upsert(c, "job_ads", ("job_id", "ad"), ("TEXT", "TEXT"), ("job_id",), ad_rows)
            if ads:
                self.record_ad_stats(c, ads)
        return len(rows)

    def _stats_trigger(self, c: Any) -> str | None:
        """SQLite: the CREATE statement of the record's per-row trigger on jobs, as the schema has it."""
        row = c.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'job_stats_from_jobs'"
                        ).fetchone()
        return str(row[0]) if row else None

    def record_ad_stats(self, c: Any, ads: dict[str, dict[str, Any]]) -> None:
        """The record's values read from finished jobs' ads (slot times, chirped phases) into their job_stats rows,
        in the caller's transaction ``c`` (a job not finished has no row: nothing happens)."""
        rows = [(*ad_stats(ad), jid) for jid, ad in ads.items()]
        if self.dialect == "sqlite":
            c.executemany("UPDATE job_stats SET slot_time = ?, committed_slot_time = ?, committed_time = ?, "
                          "phases_raw = ? WHERE job_id = ?", rows)
            return
        from opgtui.store.pg import bulk_update

        bulk_update(c, "job_stats", ("slot_time", "committed_slot_time", "committed_time", "phases_raw"),
                    ("DOUBLE PRECISION", "DOUBLE PRECISION", "DOUBLE PRECISION", "TEXT"), "job_id", rows)

    def jobs(self, where: str = "", params: Sequence[Any] = ()) -> list[Job]:
        """Job records, optionally filtered by a SQL ``where`` written in this codebase (never user text)."""
        sql = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs" + (f" WHERE {where}" if where else "")
        return [Job(*row) for row in self.conn.execute(sql, params)]

    def jobs_numbered(self, cluster: int, proc: int) -> list[Job]:
        """The jobs numbered ``cluster.proc``: one per schedd that has that number."""
        return self.jobs("cluster = ? AND proc = ?", (cluster, proc))

    def failed_jobs(self) -> list[Job]:
        """The failed (:func:`opgtui.core.model.is_failed`) or held jobs: that rule's one spelling in SQL."""
        return self.jobs("status = ? OR (status = ? AND (exit_code != 0 OR exit_signal IS NOT NULL))",
                         (int(JobStatus.HELD), int(JobStatus.COMPLETED)))

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
            c.executemany(self.insert_ignore_sql("job_events", ("job_id", "time", "type", "detail", "attrs")), rows)
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
            c.executemany(self.upsert_sql("verdicts", ("job_id", "category", "action", "signature", "title",
                                                       "confidence", "reason", "evidence", "decided", "windows"),
                                          ("job_id",)), rows)

    def verdicts(self) -> dict[str, Verdict]:
        """Every stored verdict by job id."""
        return self._verdicts("", ())

    def verdicts_for(self, job_ids: Sequence[str]) -> dict[str, Verdict]:
        if not job_ids:
            return {}
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
    def _record_state(c: Any, feed: str, st: ServiceState, fetched: float) -> None:
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
    def _merge_outage(c: Any, feed: str, w: Window, ext: str) -> bool:
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
                self.upsert_sql("windows", ("service", "kind", "start", '"end"', "source", "severity", "description",
                                            "ext_id"), ("source", "ext_id")),
                (window.service, window.kind, window.start, window.end, window.source, window.severity,
                 window.description, window.ext_id or f"{window.service}|{window.kind}|{window.start}"))

    # ------------------------------------------------------------------ announcements

    def post_announcement(self, a: Announcement, now: float | None = None) -> int:
        now = now or time.time()
        if a.until is not None and a.start is not None and a.until <= a.start:
            raise ValueError("the announcement ends before it starts")
        with self.transaction() as c:
            cur = c.execute("INSERT INTO announcements(text, level, author, start, until, created) "
                            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            (a.text, a.level, a.author or whoami(), a.start or now, a.until, now))
            return int(cur.fetchone()[0])

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
        """The user who owns the store's file (on PostgreSQL the role owning its tables): an operator of this
        store by right; None if unknown."""
        if self.dialect != "sqlite":  # the role that created the store's tables
            row = self.conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() "
                                    "AND tablename = 'announcements'").fetchone()
            return row[0] if row else None
        try:
            import pwd

            return pwd.getpwuid(Path(self.path).stat().st_uid).pw_name
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
            from opgtui.core.textsafe import one_line

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
                    "created, updated) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                    (req.experiment, req.title, req.requester, req.status, req.priority, _dumps(req.fields), now, now))
                req.id, req.version, req.created, req.updated = int(cur.fetchone()[0]), 1, now, now
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
        if self.dialect == "sqlite":
            path = '$."' + attribute.replace('"', "") + '"'
            return self.jobs(f"id IN (SELECT job_id FROM job_ads WHERE json_extract(ad, ?) IN ({marks}))",
                             (path, *batches))
        return self.jobs(f"id IN (SELECT job_id FROM job_ads WHERE CAST(ad AS jsonb) ->> ? IN ({marks}))",
                         (attribute, *batches))

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
                cur = c.execute("INSERT INTO retries(time, who, job_id, mode, ok, result) VALUES (?, ?, ?, ?, 0, ?) "
                                "RETURNING id", (now or time.time(), who or whoami(), jid, "pending", note))
                out[jid] = int(cur.fetchone()[0])
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


def _conflict_message(c: Any, req: ProductionRequest) -> str:
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


def peek_kv(path: Path, key: str) -> str | None:
    """A kv value of the SQLite file at ``path``, read without opening it as a store (never written, migrated or
    locked: it may be anyone's file); None when it is not a store or has no such key."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        return None
    return None if row is None else str(row[0])


def open_store(path: str | Path, *, readonly: bool = False, timeout: float = 5.0, group: str | None = None
               ) -> Store:
    """Open (creating and migrating as needed) the store at ``path``; raises StoreError with one line.

    A new store and a new directory for it are private to the user (0600, 0700): the store holds job ads, paths
    and owners. With ``group`` (the config's ``store_group``) they are shared with that group instead (0660,
    0770 with the set-group-id bit, so SQLite's -wal and -shm files and the collector lock follow).
    A PostgreSQL connection string (``postgresql://...``, ``service=...``) opens the team store instead; a SQLite
    file on a network filesystem is refused (WAL needs shared-memory locking those do not give).
    """
    from opgtui.store import pg

    if pg.is_postgres(str(path)):
        conn = pg.connect(str(path), readonly=readonly, timeout=timeout)
        store = Store(conn, str(path))
        try:
            _migrate(store, readonly)
        except BaseException:
            conn.close()
            raise
        return store
    p = Path(path).expanduser()
    from opgtui.store.netfs import network_fs

    if kind := network_fs(p):
        raise StoreError(f"{p}: a SQLite store cannot live on a network filesystem ({kind}): its WAL mode needs "
                         "shared-memory locking that filesystem does not give; use a PostgreSQL store "
                         "(store: postgresql://... or service=...; see README, Running it for a team)")
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
        raise StoreError(
            f"{store.label}: written by a newer opgtui (schema {version}, this one knows {SCHEMA_VERSION})")
    if version == SCHEMA_VERSION:
        return
    if readonly:
        raise StoreError(
            f"{store.label}: needs a schema upgrade ({version} -> {SCHEMA_VERSION}) but is opened read-only")
    if store.dialect != "sqlite" and version and not _owns_schema(store):
        raise StoreError(f"{store.label}: needs a schema upgrade ({version} -> {SCHEMA_VERSION}) that only the "
                         "team's admin may run: `opgtui store init`, then `opgtui store init --roles --apply`")
    with store.transaction() as c:
        version = store.schema_version()  # re-read inside the write lock: another process may have migrated
        for step in range(version, SCHEMA_VERSION):
            migration = MIGRATIONS[step]
            c.executescript(migration if isinstance(migration, str) else migration.script(store.dialect))
            store._set_schema_version(c, step + 1)


def _owns_schema(store: Store) -> bool:
    """On PostgreSQL: whether this database user may change the store's tables (is, or is a member of, the
    owner of its jobs table), so a shifter's newer opgtui does not try DDL the database would refuse."""
    row = store.conn.execute(
        "SELECT pg_has_role(session_user, tableowner, 'MEMBER') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'jobs'").fetchone()
    return row is None or bool(row[0])
