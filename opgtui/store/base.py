"""What every area's queries stand on: the store's connection and engine, write transactions, the SQL that differs
by engine, generic table access (copying, columns), the kv table, and who is writing."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from opgtui.core.identity import whoami
from opgtui.store import dialect as sql
from opgtui.store.errors import StoreError
from opgtui.store.protocols import Connection, Dialect, Row, SqlValue

if TYPE_CHECKING:
    import psycopg

TeamRoles = dict[str, tuple[str, bool]]
"""Team role -> (its name in the database, whether the session user holds it), as
:func:`opgtui.store.pg.database_roles` reads them."""


def where_of(*conds: tuple[str, SqlValue]) -> tuple[str, list[SqlValue]]:
    """A ``WHERE`` condition and its parameters from (clause, value) pairs, one ``?`` each; a None value leaves its
    clause out (no condition: ``1 = 1``). The one way an area builds a query from optional filters."""
    kept = [(c, v) for c, v in conds if v is not None]
    return " AND ".join(c for c, _ in kept) or "1 = 1", [v for _, v in kept]


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """One write transaction on ``conn``: all of it lands, or none of it. A store that cannot be written (read-only,
    locked, corrupt, disk full) raises StoreError, from BEGIN, any statement or COMMIT alike."""
    conn.begin_write()
    try:
        yield conn
    except BaseException:
        _rollback(conn)
        raise
    else:
        try:
            conn.execute("COMMIT")
        except StoreError:
            _rollback(conn)
            raise


def _rollback(conn: Connection) -> None:
    if conn.in_transaction:  # SQLite may have rolled back by itself (I/O error, corruption, full disk)
        with suppress(StoreError):
            conn.execute("ROLLBACK")


class StoreBase:
    """An open store's connection and what every area shares. A context manager: ``with open_store(p) as st:``
    closes it however the block ends."""

    def __init__(self, conn: Connection, path: Path | str) -> None:
        self.conn = conn
        self.path = path
        self.dialect: Dialect = conn.dialect

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def label(self) -> str:
        """The store as messages name it: its file, or its connection string without the password."""
        return str(self.conn.store_path if self.dialect != "sqlite" else self.path)

    def transaction(self) -> AbstractContextManager[Connection]:
        """One write transaction (:func:`write_transaction`): ``with store.transaction() as c: c.execute(...)``."""
        return write_transaction(self.conn)

    def schema_version(self) -> int:
        from opgtui.store.migrations import schema_version

        return schema_version(self.conn)

    # ------------------------------------------------------------------ who writes

    def actor(self) -> tuple[str, TeamRoles | None]:
        """Who writes through this store and the team roles the database gives them: on SQLite the process's user
        and None; on PostgreSQL the session user and :func:`opgtui.store.pg.database_roles` (None when the roles
        were never applied), read again after a minute so a grant reaches a running dashboard."""
        if self.dialect == "sqlite":
            return whoami(), None
        cached: tuple[float, tuple[str, TeamRoles | None]] | None = self.__dict__.get("_actor")
        if cached is None or time.monotonic() - cached[0] > 60:
            from opgtui.store.pg import database_roles

            row = self.conn.execute("SELECT session_user").fetchone()
            cached = (time.monotonic(), (str(row[0] if row else ""), database_roles(self.conn)))
            self.__dict__["_actor"] = cached
        return cached[1]

    def owner(self) -> str | None:
        """The user who owns the store's file (on PostgreSQL the role owning its tables): an operator of this
        store by right; None if unknown."""
        if self.dialect != "sqlite":  # the role that created the store's tables
            row = self.conn.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'announcements'"
            ).fetchone()
            return str(row[0]) if row else None
        from opgtui.store.files import file_owner

        return file_owner(Path(self.path))

    def server_connection(self) -> psycopg.Connection[Row]:
        """The PostgreSQL session under this store, for the team store's server side (:mod:`opgtui.team`: roles,
        live refresh), which speaks psycopg itself; TypeError on a SQLite store."""
        from opgtui.store.pg import pg_connection

        return pg_connection(self.conn).raw

    # ------------------------------------------------------------------ SQL by engine

    def upsert_sql(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        """:func:`opgtui.store.dialect.upsert_sql` on this store's engine."""
        return sql.upsert_sql(self.dialect, table, columns, key)

    def insert_ignore_sql(self, table: str, columns: Sequence[str]) -> str:
        """:func:`opgtui.store.dialect.insert_ignore_sql` on this store's engine."""
        return sql.insert_ignore_sql(self.dialect, table, columns)

    # ------------------------------------------------------------------ tables as such (store copy)

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of a table's columns in order; the type in upper case (PostgreSQL's own on PostgreSQL)."""
        if self.dialect == "sqlite":
            return [(str(r[1]), str(r[2]).upper()) for r in self.conn.execute(f"PRAGMA table_info({table})")]
        cur = self.conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [(str(r[0]), str(r[1]).upper()) for r in cur]

    def insert_rows(
        self, c: Connection, table: str, rows: list[Row], *, key: Sequence[str] = (), conflict: str = "error"
    ) -> None:
        """Rows of every column of ``table`` in the caller's transaction ``c``; a row whose ``key`` is stored
        already raises (``conflict="error"``), is skipped ("ignore") or replaces it ("update")."""
        if not rows:
            return
        cols = self.columns(table)
        names = [f'"{n}"' for n, _ in cols]
        if self.dialect == "sqlite":
            marks = sql.marks(names)
            statement = {
                "error": f"INSERT INTO {table}({', '.join(names)}) VALUES ({marks})",
                "ignore": self.insert_ignore_sql(table, names),
                "update": self.upsert_sql(table, names, [f'"{k}"' for k in key]),
            }[conflict]
            c.executemany(statement, rows)
            return
        from opgtui.store.pg import bulk_upsert

        bulk_upsert(c, table, names, [t for _, t in cols], [f'"{k}"' for k in key], rows, conflict)

    def table_names(self) -> list[str]:
        """The store's tables, in name order."""
        if self.dialect == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        else:
            query = (
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' AND table_name != 'opgtui_schema' ORDER BY table_name"
            )
        return [str(r[0]) for r in self.conn.execute(query)]

    def count_rows(self, table: str) -> int:
        """How many rows ``table`` (a name from this codebase) holds."""
        row = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0] or 0) if row else 0

    # ------------------------------------------------------------------ kv

    def get_kv(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def kv_prefix(self, prefix: str) -> dict[str, str]:
        cur = self.conn.execute("SELECT key, value FROM kv WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        return {str(k): str(v) for k, v in cur}

    def set_kv(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute(
                "INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
