"""Table shapes that the migrations and the queries share: the jobs columns (from :class:`opgtui.core.model.Job`)
and the production record's row of a finished job, column by column."""

from __future__ import annotations

from dataclasses import fields

from opgtui.core.model import Job
from opgtui.store.dialect import to_postgresql


def _sql_type(annotation: object) -> str:
    text = str(annotation)
    if text.startswith("int"):
        return "INTEGER"
    if text.startswith("float"):
        return "REAL"
    return "TEXT"


JOB_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Job))
JOB_SQL_TYPES: tuple[str, ...] = tuple(_sql_type(f.type) for f in fields(Job))
"""The jobs columns' types in the common dialect (SQLite's), in JOB_COLUMNS order."""
JOB_TYPES: tuple[str, ...] = tuple(to_postgresql(t) for t in JOB_SQL_TYPES)
"""The jobs columns' PostgreSQL types, in JOB_COLUMNS order."""

# The job_stats row of a finished job from the jobs row just written (``NEW``), column by column: the record's
# triggers on both engines and SQLite's set-based bulk ingest (opgtui.store.record) write it from these.
JOB_STATS_VALUES: tuple[tuple[str, str], ...] = (
    ("end_time", "coalesce(NEW.end_time, NEW.status_since, NEW.updated, 0)"),
    ("start_time", "NEW.start_time"),
    (
        "outcome",
        "CASE WHEN NEW.status = 3 THEN 2 WHEN NEW.exit_signal IS NOT NULL OR NEW.exit_code != 0 THEN 1 "
        "WHEN NEW.exit_code = 0 THEN 0 ELSE 3 END",
    ),
    ("experiment", "NEW.experiment"),
    ("batch_name", "NEW.batch_name"),
    ("site", "NEW.site"),
    ("cpu_model", "NEW.cpu_model"),
    ("owner", "NEW.owner"),
    ("verdict", "(SELECT category FROM verdicts WHERE job_id = NEW.id)"),
    ("dq_ok", "(SELECT ok FROM dq_results WHERE job_id = NEW.id)"),
    ("cores", "max(coalesce(NEW.request_cpus, 1), 1)"),
    ("wall", "NEW.wall"),
    (
        "cpu",
        "CASE WHEN NEW.cpu_user IS NULL AND NEW.cpu_sys IS NULL THEN NULL "
        "ELSE coalesce(NEW.cpu_user, 0) + coalesce(NEW.cpu_sys, 0) END",
    ),
    ("num_starts", "NEW.num_starts"),
)
