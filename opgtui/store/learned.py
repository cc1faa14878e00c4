"""The learning workflow's queries (learned signatures, their audit trail, cached log tails), on both engines.

:mod:`opgtui.learn` decides; the SQL lives here. Methods taking ``c`` run inside the caller's
:meth:`opgtui.store.Store.transaction` (a label reads the signature it replaces and writes in one transaction).
"""

from __future__ import annotations

from collections.abc import Sequence

from opgtui.store.base import StoreBase
from opgtui.store.dialect import marks
from opgtui.store.protocols import Connection, Row, SqlValue

LEARNED_FIELDS = (
    "id",
    "pattern",
    "category",
    "action",
    "title",
    "service",
    "priority",
    "example",
    "template",
    "job_id",
    "why",
    "enabled",
    "tested",
    "version",
    "created",
    "created_by",
    "updated",
    "updated_by",
)
_SELECT = f"SELECT {', '.join(LEARNED_FIELDS)} FROM learned_signatures"


LearnedAuditRow = tuple[str, float, str, str, str, str]
"""(signature id, time, who, action, why, changes JSON)."""
TailRow = tuple[str, str, str | None]
"""(job id, lines JSON, error) of a cached log tail."""


class LearnQueries(StoreBase):
    """The learning area, mixed into :class:`opgtui.store.Store`."""

    def verdict_job_ids(self, *, signature: str | None = None, category: str | None = None) -> list[str]:
        """Jobs whose stored verdict was decided by ``signature`` or has ``category``."""
        column, value = ("signature", signature) if signature is not None else ("category", category)
        return [r[0] for r in self.conn.execute(f"SELECT job_id FROM verdicts WHERE {column} = ?", (value,))]

    def learned_versions(self) -> tuple[tuple[str, int], ...]:
        """(id, version) of the enabled learned signatures, by id."""
        rows = self.conn.execute("SELECT id, version FROM learned_signatures WHERE enabled = 1 ORDER BY id")
        return tuple((r[0], int(r[1])) for r in rows)

    def learned_rows(self, *, enabled_only: bool = False) -> list[Row]:
        """Learned signatures as :data:`LEARNED_FIELDS` rows, by id."""
        return self.conn.execute(_SELECT + (" WHERE enabled = 1" if enabled_only else "") + " ORDER BY id").fetchall()

    def learned_row(self, sid: str) -> Row | None:
        return self.conn.execute(_SELECT + " WHERE id = ?", (sid,)).fetchone()

    @staticmethod
    def learned_replaced(c: Connection, sid: str, template: str) -> Row | None:
        """The signature a label of ``sid`` / ``template`` replaces: the same id, else the same template."""
        return c.execute(
            _SELECT + " WHERE id = ? OR (template != '' AND template = ?) ORDER BY id = ? DESC LIMIT 1",
            (sid, template, sid),
        ).fetchone()

    def write_learned(self, c: Connection, values: dict[str, SqlValue]) -> None:
        """Insert or replace one learned signature (values by :data:`LEARNED_FIELDS`)."""
        c.execute(self.upsert_sql("learned_signatures", LEARNED_FIELDS, ("id",)), [values[k] for k in LEARNED_FIELDS])

    @staticmethod
    def learned_state(c: Connection, sid: str) -> tuple[int, int] | None:
        """(enabled, version) of a signature, None if there is none."""
        row = c.execute("SELECT enabled, version FROM learned_signatures WHERE id = ?", (sid,)).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    @staticmethod
    def set_learned_enabled(c: Connection, sid: str, enabled: bool, now: float, who: str, tested: str | None) -> None:
        params: list[SqlValue] = [int(enabled), now, who]
        extra = ""
        if tested is not None:
            extra = ", tested = ?"
            params.append(tested)
        c.execute(
            f"UPDATE learned_signatures SET enabled = ?, updated = ?, updated_by = ?{extra} WHERE id = ?",
            [*params, sid],
        )

    @staticmethod
    def audit_learned(c: Connection, sid: str, who: str, action: str, why: str, changes: str, now: float) -> None:
        """One row of the learned signatures' audit trail (which cannot be edited)."""
        c.execute(
            "INSERT INTO learned_audit(signature_id, time, who, action, why, changes) VALUES (?, ?, ?, ?, ?, ?)",
            (sid, now, who, action, why, changes),
        )

    @staticmethod
    def log_action_in(c: Connection, now: float, who: str, action: str, job_ids: str, result: str) -> None:
        """An action log entry inside the caller's transaction."""
        c.execute(
            "INSERT INTO action_log(time, who, action, job_ids, result) VALUES (?, ?, ?, ?, ?)",
            (now, who, action, job_ids, result),
        )

    def signature_counts(self, prefix: str) -> dict[str, int]:
        """Signature id -> stored verdicts it decided, for ids starting with ``prefix``."""
        cur = self.conn.execute(
            "SELECT signature, count(*) FROM verdicts WHERE substr(signature, 1, ?) = ? GROUP BY signature",
            (len(prefix), prefix),
        )
        return {r[0]: int(r[1]) for r in cur}

    def learned_audit(self, sid: str | None = None) -> list[LearnedAuditRow]:
        """(signature id, time, who, action, why, changes JSON), oldest first: all, or one signature's."""
        where, params = (" WHERE signature_id = ?", (sid,)) if sid else ("", ())
        return self.conn.execute(
            f"SELECT signature_id, time, who, action, why, changes FROM learned_audit{where} ORDER BY id", params
        ).fetchall()

    def learn_tails(self, job_ids: Sequence[str]) -> list[TailRow]:
        """(job id, lines JSON, error) of the cached tails of these jobs."""
        out: list[TailRow] = []
        for start in range(0, len(job_ids), 900):
            part = list(job_ids[start : start + 900])
            out += self.conn.execute(
                f"SELECT job_id, lines, error FROM learn_tails WHERE job_id IN ({marks(part)})", part
            ).fetchall()
        return out

    def save_learn_tails(self, rows: Sequence[tuple[str, str, str, str | None, float]]) -> None:
        """Keep tails: (job id, lines JSON, source, error, read)."""
        with self.transaction() as c:
            c.executemany(
                self.upsert_sql("learn_tails", ("job_id", "lines", "source", "error", "read"), ("job_id",)), rows
            )
