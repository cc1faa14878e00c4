"""Production requests and their audit trail: a save whose version is stale is refused (no silent overwrite), and
every change leaves an audit row that cannot be edited."""

from __future__ import annotations

import time
from typing import TypedDict

import orjson

from opgtui.core.model import ProductionRequest
from opgtui.store.base import StoreBase
from opgtui.store.errors import RequestConflict
from opgtui.store.jobs import dumps
from opgtui.store.protocols import Connection, Json, Row

Changes = dict[str, Json]
"""What an audited action changed (field -> value or [old, new]), as JSON."""
_SELECT = "SELECT experiment, title, requester, status, priority, fields, id, version, created, updated FROM requests"


class AuditEntry(TypedDict):
    """One row of a request's audit trail (:meth:`RequestQueries.request_audit`)."""

    time: float
    who: str
    action: str
    changes: Changes


def _request(r: Row) -> ProductionRequest:
    return ProductionRequest(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5]), r[6], r[7], r[8], r[9])


class RequestQueries(StoreBase):
    """The requests area, mixed into :class:`opgtui.store.Store`."""

    def requests(self) -> list[ProductionRequest]:
        return [_request(r) for r in self.conn.execute(_SELECT + " ORDER BY id")]

    def request(self, req_id: int) -> ProductionRequest | None:
        r = self.conn.execute(_SELECT + " WHERE id = ?", (req_id,)).fetchone()
        return None if r is None else _request(r)

    def save_request(
        self, req: ProductionRequest, who: str, action: str, changes: Changes | None = None, now: float | None = None
    ) -> ProductionRequest:
        """Create or update a request; an update whose version is stale is refused (no silent overwrite)."""
        now = now or time.time()
        with self.transaction() as c:
            if req.id is None:
                cur = c.execute(
                    "INSERT INTO requests(experiment, title, requester, status, priority, fields, version, "
                    "created, updated) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                    (req.experiment, req.title, req.requester, req.status, req.priority, dumps(req.fields), now, now),
                )
                row = cur.fetchone()
                req.id, req.version, req.created, req.updated = int(row[0]), 1, now, now
            else:
                cur = c.execute(
                    "UPDATE requests SET experiment = ?, title = ?, requester = ?, status = ?, priority = ?, "
                    "fields = ?, version = version + 1, updated = ? WHERE id = ? AND version = ?",
                    (
                        req.experiment,
                        req.title,
                        req.requester,
                        req.status,
                        req.priority,
                        dumps(req.fields),
                        now,
                        req.id,
                        req.version,
                    ),
                )
                if cur.rowcount == 0:
                    raise RequestConflict(_conflict_message(c, req))
                req.version += 1
                req.updated = now
            c.execute(
                "INSERT INTO request_audit(request_id, time, who, action, changes) VALUES (?, ?, ?, ?, ?)",
                (req.id, now, who, action, dumps(changes or {})),
            )
        return req

    def audit_request(
        self, req_id: int, who: str, action: str, changes: Changes | None = None, now: float | None = None
    ) -> None:
        """An audit entry that changes nothing else (e.g. a refused attempt)."""
        with self.transaction() as c:
            c.execute(
                "INSERT INTO request_audit(request_id, time, who, action, changes) VALUES (?, ?, ?, ?, ?)",
                (req_id, now or time.time(), who, action, dumps(changes or {})),
            )

    def request_audit(self, req_id: int) -> list[AuditEntry]:
        cur = self.conn.execute(
            "SELECT time, who, action, changes FROM request_audit WHERE request_id = ? ORDER BY id", (req_id,)
        )
        return [{"time": r[0], "who": r[1], "action": r[2], "changes": orjson.loads(r[3])} for r in cur]


def _conflict_message(c: Connection, req: ProductionRequest) -> str:
    row = c.execute("SELECT version FROM requests WHERE id = ?", (req.id,)).fetchone()
    if row is None:
        return f"request {req.id} no longer exists"
    last = c.execute(
        "SELECT who, time, action FROM request_audit WHERE request_id = ? AND action NOT LIKE 'refused%' "
        "ORDER BY id DESC LIMIT 1",
        (req.id,),
    ).fetchone()
    by = f" ({last[2]} by {last[0]} at {time.strftime('%H:%M:%S', time.localtime(last[1]))})" if last else ""
    return (
        f"request {req.id} changed since you opened it{by}, now version {row[0]} (you had {req.version}): "
        "nothing was overwritten; reload it and apply your edit again"
    )
