"""The SQLite engine (the embedded default): a connection in WAL mode whose every statement and fetch maps
SQLite's errors to the store's one-line errors, and opening a store file (private, never on a network filesystem).

Each write is one ``BEGIN IMMEDIATE`` transaction, so a kill at any moment leaves the previous state and several
processes (dashboards, a collector, CLI calls) can share one file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from opgtui.store.errors import StoreCorrupt, StoreError
from opgtui.store.protocols import Connection, Dialect, Params, Row

# Errors of the store itself (locked, read-only, corrupt, I/O, full disk) become a StoreError naming the file;
# programming errors and constraint violations (the audit trail's triggers) stay what they are.
_OWN_ERRORS = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.NotSupportedError)
CORRUPT = "the store is corrupt or not an opgtui store (move it aside and opgtui starts a new one)"


def explain(exc: sqlite3.Error) -> str:
    """A SQLite error as one line a shifter can act on."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "the store is locked by another process (try again, or stop the other opgtui)"
    if "readonly" in text or "read-only" in text:
        return "the store is read-only (check the file's and its directory's permissions)"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CORRUPT
    if "unable to open" in text:
        return "cannot open the store (does its directory exist and is it writable?)"
    return text


def _store_error(path: Path, exc: sqlite3.Error) -> BaseException:
    if isinstance(exc, _OWN_ERRORS):
        return exc
    reason = explain(exc)
    return (StoreCorrupt if reason == CORRUPT else StoreError)(f"{path}: {reason}")


class SqliteCursor(sqlite3.Cursor):
    """A cursor whose every statement and fetch maps store errors (:func:`_store_error`); iterating fetches all
    rows at once (no per-row Python call, and a damaged page mid-table is caught like any other)."""

    connection: SqliteConnection

    def execute(self, sql: str, parameters: Params = (), /) -> SqliteCursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def executemany(self, sql: str, seq_of_parameters: Sequence[Params], /) -> SqliteCursor:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def fetchone(self) -> Row | None:
        try:
            return super().fetchone()
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def fetchmany(self, size: int | None = None) -> list[Row]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def fetchall(self) -> list[Row]:
        try:
            return super().fetchall()
        except sqlite3.Error as exc:
            raise _store_error(self.connection.store_path, exc) from None

    def __iter__(self) -> Iterator[Row]:  # type: ignore[override]
        return iter(self.fetchall())


class SqliteConnection(sqlite3.Connection):
    """The store's SQLite connection: statements run on :class:`SqliteCursor`."""

    dialect: Dialect = "sqlite"
    store_path: Path = Path("?")

    def execute(self, sql: str, parameters: Params = (), /) -> SqliteCursor:  # type: ignore[override]
        return self.cursor(SqliteCursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Sequence[Params], /) -> SqliteCursor:  # type: ignore[override]
        return self.cursor(SqliteCursor).executemany(sql, parameters)

    def executescript(self, script: str) -> None:  # type: ignore[override]
        for statement in split_sql(script):
            self.execute(statement)

    def begin_write(self) -> None:
        self.execute("BEGIN IMMEDIATE")


def split_sql(script: str) -> list[str]:
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


def connect(path: Path, *, readonly: bool, timeout: float, group: str | None) -> SqliteConnection:
    """Open the SQLite file at ``path`` (created private, or shared with ``group``, when missing), in WAL mode;
    StoreError with one line: a network filesystem, a file that cannot be opened."""
    from opgtui.store.files import create_private
    from opgtui.store.netfs import network_fs

    if kind := network_fs(path):
        raise StoreError(
            f"{path}: a SQLite store cannot live on a network filesystem ({kind}): its WAL mode needs "
            "shared-memory locking that filesystem does not give; use a PostgreSQL store "
            "(store: postgresql://... or service=...; see README, Running it for a team)"
        )
    try:
        if not readonly:
            create_private(path, group)
        uri = path.absolute().as_uri() + ("?mode=ro" if readonly else "")  # a "#" or "?" in the path stays in it
        conn = sqlite3.connect(
            uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False, factory=SqliteConnection
        )
        conn.store_path = path
    except (OSError, sqlite3.Error) as exc:
        reason = explain(exc) if isinstance(exc, sqlite3.Error) else exc.strerror or exc
        raise StoreError(f"{path}: {reason}") from None
    with closing_on_error(conn, str(path)):
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def closing_on_error(conn: Connection, label: str) -> Iterator[None]:
    """Close ``conn`` if the block fails (setting up, migrating); SQLite's own errors then read as a StoreError."""
    try:
        yield
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"{label}: {explain(exc)}") from None
    except BaseException:
        conn.close()
        raise


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
