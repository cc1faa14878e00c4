"""Jobs, their raw ads and their events: written by every ingest path (the collector, dumps, event logs), read by
every view. Writing a finished job keeps its production-record row (:mod:`opgtui.store.record`) in the same
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from itertools import starmap
from typing import TYPE_CHECKING

import orjson

from opgtui.core.model import Job, JobEvent, JobStatus
from opgtui.store import record
from opgtui.store.base import StoreBase
from opgtui.store.columns import JOB_COLUMNS, JOB_TYPES
from opgtui.store.dialect import marks
from opgtui.store.protocols import Json, Params

if TYPE_CHECKING:
    from opgtui.core.model import JobBrief

Ad = dict[str, Json]
"""A job's ClassAd as JSON: attribute -> value (numbers, strings, booleans, lists, nested ads)."""
_IN_CHUNK = 900  # ids per ``IN (...)``: under SQLite's variable limit


def dumps(value: object) -> str:
    """JSON text of a value the store keeps as text (ads, attributes, changes, evidence)."""
    return orjson.dumps(value, default=str).decode()


class JobQueries(StoreBase):
    """The jobs area, mixed into :class:`opgtui.store.Store`."""

    def upsert_jobs(self, jobs: Iterable[Job], ads: dict[str, Ad] | None = None) -> int:
        """Insert or replace job records (and their raw ads); returns how many were written."""
        getters = [getattr(Job, name).__get__ for name in JOB_COLUMNS]  # slot descriptors: fast access
        rows = [tuple(g(job) for g in getters) for job in jobs]
        ad_rows = [(jid, dumps(ad)) for jid, ad in ads.items()] if ads else []
        with self.transaction() as c:
            if self.dialect == "sqlite":
                trigger = record.stats_trigger(c) if len(rows) >= record.BULK_ROWS else None
                if trigger:  # a bulk ingest: the record's rows set-based, after the jobs (see BULK_ROWS)
                    c.execute("DROP TRIGGER job_stats_from_jobs")
                c.executemany(self.upsert_sql("jobs", JOB_COLUMNS, ("id",)), rows)
                if ad_rows:
                    c.executemany(self.upsert_sql("job_ads", ("job_id", "ad"), ("job_id",)), ad_rows)
                if trigger:
                    c.execute(trigger)
                    values = [(jid, *record.ad_stats(ad)) for jid, ad in (ads or {}).items()]
                    record.stats_from_batch(c, [str(r[0]) for r in rows], values)
                    return len(rows)
            else:  # one statement per table: a round trip per row costs more than the row
                from opgtui.store.pg import bulk_upsert

                bulk_upsert(c, "jobs", JOB_COLUMNS, JOB_TYPES, ("id",), rows)
                bulk_upsert(c, "job_ads", ("job_id", "ad"), ("TEXT", "TEXT"), ("job_id",), ad_rows)
            if ads:
                record.write_ad_stats(c, ads)
        return len(rows)

    def jobs(self, where: str = "", params: Params = ()) -> list[Job]:
        """Job records, optionally filtered by a SQL ``where`` written in this codebase (never user text)."""
        sql = f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs" + (f" WHERE {where}" if where else "")
        return [Job(*row) for row in self.conn.execute(sql, params)]

    def job_briefs(self) -> list[JobBrief]:
        """Every job's listed part (:class:`~opgtui.core.model.JobBrief`: what the Jobs view shows, filters, sorts
        and groups by), half of :meth:`jobs`' columns: a listing of 100,000 jobs reads 2.1M values instead of
        4.2M, SQLite's row decoding being most of the read. A whole record is read by its id when needed."""
        from opgtui.core.model import JobBrief  # made when first asked for: a verb that lists nothing never makes it

        columns = ", ".join(f.name for f in fields(JobBrief))
        return list(starmap(JobBrief, self.conn.execute(f"SELECT {columns} FROM jobs")))

    def jobs_numbered(self, cluster: int, proc: int) -> list[Job]:
        """The jobs numbered ``cluster.proc``: one per schedd that has that number."""
        return self.jobs("cluster = ? AND proc = ?", (cluster, proc))

    def failed_jobs(self) -> list[Job]:
        """The failed (:func:`opgtui.core.model.is_failed`) or held jobs: that rule's one spelling in SQL."""
        return self.jobs(
            "status = ? OR (status = ? AND (exit_code != 0 OR exit_signal IS NOT NULL))",
            (int(JobStatus.HELD), int(JobStatus.COMPLETED)),
        )

    def job(self, job_id: str) -> Job | None:
        found = self.jobs("id = ?", (job_id,))
        return found[0] if found else None

    def jobs_by_id(self, job_ids: Sequence[str]) -> list[Job]:
        """The stored records of these ids (those the store has), in batches under SQLite's variable limit."""
        out: list[Job] = []
        for start in range(0, len(job_ids), _IN_CHUNK):
            part = job_ids[start : start + _IN_CHUNK]
            out += self.jobs(f"id IN ({marks(part)})", part)
        return out

    def has_any_job(self, job_ids: Sequence[str]) -> bool:
        """Whether the store has a job of one of these ids (a streamed copy's check that it replaces none)."""
        for start in range(0, len(job_ids), _IN_CHUNK):
            part = job_ids[start : start + _IN_CHUNK]
            if self.conn.execute(f"SELECT 1 FROM jobs WHERE id IN ({marks(part)}) LIMIT 1", part).fetchone():
                return True
        return False

    def job_ad(self, job_id: str) -> Ad | None:
        row = self.conn.execute("SELECT ad FROM job_ads WHERE job_id = ?", (job_id,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def job_ads(self, job_ids: Sequence[str]) -> dict[str, Ad]:
        """The stored ads of these jobs (those that have one), by job id: one query per 900 ids."""
        out: dict[str, Ad] = {}
        for start in range(0, len(job_ids), _IN_CHUNK):
            part = job_ids[start : start + _IN_CHUNK]
            cur = self.conn.execute(f"SELECT job_id, ad FROM job_ads WHERE job_id IN ({marks(part)})", part)
            out.update((str(jid), orjson.loads(ad)) for jid, ad in cur)
        return out

    def count_jobs(self) -> int:
        return self.count_rows("jobs")

    def request_jobs(self, batches: Sequence[str], attribute: str = "JobBatchName") -> list[Job]:
        """The jobs of a request's batches: by the jobs' batch name, or by another attribute of their stored ads."""
        if not batches:
            return []
        if attribute.lower() == "jobbatchname":
            return self.jobs(f"batch_name IN ({marks(batches)})", tuple(batches))
        if self.dialect == "sqlite":
            path = '$."' + attribute.replace('"', "") + '"'
            return self.jobs(
                f"id IN (SELECT job_id FROM job_ads WHERE json_extract(ad, ?) IN ({marks(batches)}))", (path, *batches)
            )
        return self.jobs(
            f"id IN (SELECT job_id FROM job_ads WHERE CAST(ad AS jsonb) ->> ? IN ({marks(batches)}))",
            (attribute, *batches),
        )

    # ------------------------------------------------------------------ events

    def add_events(self, events: Iterable[JobEvent]) -> int:
        rows = [(e.job_id, e.time, e.type, e.detail, dumps(e.attrs)) for e in events]
        with self.transaction() as c:
            c.executemany(self.insert_ignore_sql("job_events", ("job_id", "time", "type", "detail", "attrs")), rows)
        return len(rows)

    def events(self, job_id: str) -> list[JobEvent]:
        cur = self.conn.execute(
            "SELECT job_id, time, type, detail, attrs FROM job_events WHERE job_id = ? ORDER BY time, id", (job_id,)
        )
        return [JobEvent(r[0], r[1], r[2], r[3], orjson.loads(r[4])) for r in cur]
