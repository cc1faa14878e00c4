"""Bringing a store's schema up to date: its version, read and written the engine's way, and the steps between."""

from __future__ import annotations

from collections.abc import Sequence

from opgtui.store.errors import StoreError
from opgtui.store.migrations.steps import MIGRATIONS, Step
from opgtui.store.protocols import Connection, SqlValue


def schema_version(conn: Connection) -> int:
    """The store's schema version (0: a new store)."""
    if conn.dialect == "sqlite":
        sql = "PRAGMA user_version"
    elif _one(conn, "SELECT to_regclass('opgtui_schema')") is None:
        return 0
    else:
        sql = "SELECT max(version) FROM opgtui_schema"
    return int(_one(conn, sql) or 0)


def _one(conn: Connection, sql: str) -> SqlValue:
    row = conn.execute(sql).fetchone()
    return None if row is None else row[0]


def _set_schema_version(c: Connection, version: int) -> None:
    if c.dialect == "sqlite":
        c.execute(f"PRAGMA user_version = {int(version)}")
    else:
        c.execute("CREATE TABLE IF NOT EXISTS opgtui_schema (version INTEGER NOT NULL)")
        c.execute("DELETE FROM opgtui_schema")
        c.execute("INSERT INTO opgtui_schema(version) VALUES (?)", (version,))


def migrate(conn: Connection, label: str, readonly: bool, steps: Sequence[Step | str] = MIGRATIONS) -> None:
    """Run ``steps`` from the store's version on (to version ``len(steps)``) in one write transaction; StoreError
    (one line) for a newer store, a read-only one that needs steps, or a team store whose steps only its admin may
    run. A step given as text runs as it is on either engine."""
    target = len(steps)  # the version this opgtui knows
    version = schema_version(conn)
    if version > target:
        raise StoreError(f"{label}: written by a newer opgtui (schema {version}, this one knows {target})")
    if version == target:
        return
    if readonly:
        raise StoreError(f"{label}: needs a schema upgrade ({version} -> {target}) but is opened read-only")
    if conn.dialect != "sqlite" and version and not _owns_schema(conn):
        raise StoreError(
            f"{label}: needs a schema upgrade ({version} -> {target}) that only the "
            "team's admin may run: `opgtui store init`, then `opgtui store init --roles --apply`"
        )
    from opgtui.store.base import write_transaction

    with write_transaction(conn) as c:
        version = schema_version(c)  # re-read inside the write lock: another process may have migrated
        for step in range(version, target):
            migration = steps[step]
            c.executescript(migration if isinstance(migration, str) else migration.script(c.dialect))
            _set_schema_version(c, step + 1)


def _owns_schema(conn: Connection) -> bool:
    """On PostgreSQL: whether this database user may change the store's tables (is, or is a member of, the
    owner of its jobs table), so a shifter's newer opgtui does not try DDL the database would refuse."""
    row = conn.execute(
        "SELECT pg_has_role(session_user, tableowner, 'MEMBER') FROM pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'jobs'"
    ).fetchone()
    return row is None or bool(row[0])
