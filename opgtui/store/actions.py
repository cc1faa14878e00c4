"""What was done to jobs: the action log (release, hold, remove, ... from any opgtui sharing the store) and retries
with their lineage (which job a retry came from, how, with which debug profile), claimed in one transaction so two
processes never retry the same job."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypedDict, TypeVar

import orjson

from opgtui.core.identity import whoami
from opgtui.store.base import StoreBase
from opgtui.store.jobs import dumps
from opgtui.store.protocols import Json


class ActionEntry(TypedDict):
    """One action as logged (:meth:`ActionQueries.action_log`)."""

    time: float
    who: str
    action: str
    job_ids: list[str]
    result: str


class RetryEntry(TypedDict):
    """One retry, or the intent to retry (``mode = 'pending'``) (:meth:`ActionQueries.retries`)."""

    time: float
    who: str
    job_id: str
    new_job_id: str | None
    mode: str
    profile: str
    changes: dict[str, Json]
    ok: bool
    result: str


class EarlierRetry(TypedDict):
    """A job's earlier retry as :meth:`ActionQueries.claim_retries` hands it to ``refuse``."""

    id: int
    time: float
    who: str
    new_job_id: str | None
    mode: str
    ok: int
    result: str


Why = TypeVar("Why")
"""Why a job must not be retried now: whatever the caller's ``refuse`` answers (opgtui.domain.retry.Earlier)."""
FinishedRetry = tuple[int, str | None, str, str, dict[str, Json], bool, str]
"""A pending row's outcome: (row id, new job id, mode, profile, changes, ok, result)."""
_RETRY_KEYS = ("time", "who", "job_id", "new_job_id", "mode", "profile", "changes", "ok", "result")
_EARLIER_KEYS = ("id", "time", "who", "new_job_id", "mode", "ok", "result")


class ActionQueries(StoreBase):
    """The actions area, mixed into :class:`opgtui.store.Store`."""

    def log_action(
        self, action: str, job_ids: Sequence[str], result: str, who: str | None = None, now: float | None = None
    ) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO action_log(time, who, action, job_ids, result) VALUES (?, ?, ?, ?, ?)",
                (now or time.time(), who or whoami(), action, dumps(list(job_ids)), result),
            )

    def action_log(self) -> list[ActionEntry]:
        cur = self.conn.execute("SELECT time, who, action, job_ids, result FROM action_log ORDER BY id")
        return [{"time": r[0], "who": r[1], "action": r[2], "job_ids": orjson.loads(r[3]), "result": r[4]} for r in cur]

    def retries(self, job_id: str | None = None) -> list[RetryEntry]:
        """Retries, oldest first: all of them, or those of ``job_id`` (as the original or as the new job)."""
        where, params = ("WHERE job_id = ? OR new_job_id = ?", (job_id, job_id)) if job_id else ("", ())
        cur = self.conn.execute(
            "SELECT time, who, job_id, new_job_id, mode, profile, changes, ok, result "
            f"FROM retries {where} ORDER BY id",
            params,
        )
        return [
            {**dict(zip(_RETRY_KEYS, r, strict=True)), "changes": orjson.loads(r[6]), "ok": bool(r[7])} for r in cur
        ]

    def claim_retries(
        self,
        job_ids: Sequence[str],
        refuse: Callable[[str, list[EarlierRetry]], Why | None],
        note: str,
        who: str | None = None,
        now: float | None = None,
    ) -> dict[str, int | Why]:
        """Record the intent to retry each job (a ``mode = 'pending'`` row) unless ``refuse(job_id, rows)`` says
        why not, ``rows`` being the job's earlier retries, in one write transaction: two processes never claim the
        same job. job id -> the pending row's id, or the refusal."""
        out: dict[str, int | Why] = {}
        with self.transaction() as c:
            for jid in job_ids:
                rows: list[EarlierRetry] = [
                    dict(zip(_EARLIER_KEYS, r, strict=True))
                    for r in c.execute(
                        "SELECT id, time, who, new_job_id, mode, ok, result FROM retries WHERE job_id = ? ORDER BY id",
                        (jid,),
                    )
                ]
                why = refuse(jid, rows)
                if why:
                    out[jid] = why
                    continue
                cur = c.execute(
                    "INSERT INTO retries(time, who, job_id, mode, ok, result) VALUES (?, ?, ?, ?, 0, ?) RETURNING id",
                    (now or time.time(), who or whoami(), jid, "pending", note),
                )
                row = cur.fetchone()
                out[jid] = int(row[0]) if row else 0
        return out

    def finish_retries(self, done: Sequence[FinishedRetry]) -> None:
        """Replace pending rows by their outcome: (row id, new job id, mode, profile, changes, ok, result)."""
        with self.transaction() as c:
            c.executemany(
                "UPDATE retries SET new_job_id = ?, mode = ?, profile = ?, changes = ?, ok = ?, result = ? "
                "WHERE id = ?",
                [
                    (new, mode, profile, dumps(changes), int(ok), result, row)
                    for row, new, mode, profile, changes, ok, result in done
                ],
            )
