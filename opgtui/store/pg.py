"""The PostgreSQL engine: a psycopg 3 connection that the store uses like its SQLite one.

The store writes its queries once, with SQLite's ``?`` placeholders; this module turns them into psycopg's
``%s`` (cached per query text), maps PostgreSQL's errors to the store's one-line errors, and reads numbers back
as Python ints and floats. psycopg is an extra (``pip install 'opgtui[postgres]'``): only this module imports it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from opgtui.core.storetarget import is_postgres as is_postgres  # the store and its commands ask here
from opgtui.store.errors import StoreError
from opgtui.store.protocols import Connection, Dialect, Params, Row, SqlValue

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")

# Writers take a transaction-level advisory lock (the two-key space: this number and the store's schema): one
# writer at a time per store, as on SQLite, so a read-then-write transaction (claiming retries, a request's version
# check) never races another process, and stores in other schemas of the same database do not wait on it.
WRITE_LOCK_KEY = 0x6F706775


def database_roles(conn: Connection) -> dict[str, tuple[str, bool]] | None:
    """The team roles of the store's schema as the database applies them: role -> (its name there, whether the
    session user holds it); None when the roles were never applied to this schema (``store init --roles``)."""
    if conn.execute("SELECT to_regproc(quote_ident(current_schema()) || '.opgtui_team_roles')").fetchone()[0] is None:
        return None
    rows = conn.execute("SELECT role, name, held FROM opgtui_team_roles()").fetchall()
    return {str(role): (str(name), bool(held)) for role, name, held in rows}


def redact(dsn: str) -> str:
    """The connection string without its password, for messages."""
    text = re.sub(r"(://[^/@:?]*):[^@/?]*@", r"\1@", dsn)
    text = re.sub(r"([?&])password=[^&]*&?", r"\1", text).rstrip("?&")
    return re.sub(r"\s*\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)", "", text).strip() or "postgresql://"


@lru_cache(maxsize=1024)
def translate(sql: str, has_params: bool) -> str:
    """SQLite's ``?`` placeholders as psycopg's ``%s`` (and a literal ``%`` doubled) outside quotes."""
    if not has_params:
        return sql
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        if ch == "%":
            out.append("%%")
            continue
        out.append(ch)
    return "".join(out)


class PgCursor:
    """Rows of one statement; iterating fetches them all at once, as the SQLite cursor does."""

    def __init__(self, cur: psycopg.Cursor[Row], conn: PgConnection) -> None:
        self._cur = cur
        self._conn = conn

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    @property
    def lastrowid(self) -> None:  # PostgreSQL has none: the store's inserts say RETURNING id
        return None

    def fetchone(self) -> Row | None:
        return self._conn._guard(self._cur.fetchone)

    def fetchall(self) -> list[Row]:
        return self._conn._guard(self._cur.fetchall)

    def fetchmany(self, size: int | None = None) -> list[Row]:
        return self._conn._guard(lambda: self._cur.fetchmany(size or self._cur.arraysize))

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class PgConnection:
    """The store's PostgreSQL connection (autocommit: the store opens its own transactions)."""

    dialect: Dialect = "postgresql"

    def __init__(self, raw: psycopg.Connection[Row], label: str) -> None:
        self.raw = raw
        self.store_path: str = label
        self.may_stage: bool | None = None  # may this session create temporary tables (read once, when needed)

    def _guard(self, call: Callable[[], _T]) -> _T:
        import psycopg

        try:
            return call()
        except psycopg.Error as exc:
            raise error(self.store_path, exc) from None

    def execute(self, sql: str, parameters: Params = (), /) -> PgCursor:
        cur = self.raw.cursor()
        params = tuple(parameters) if parameters else None
        self._guard(lambda: cur.execute(translate(sql, params is not None), params))
        return PgCursor(cur, self)

    def execute_raw(self, sql: str, parameters: Sequence[object], /) -> PgCursor:
        """A statement in psycopg's own placeholders (``%s``, ``%b`` for binary), not translated."""
        cur = self.raw.cursor()
        self._guard(lambda: cur.execute(sql, parameters))
        return PgCursor(cur, self)

    def executemany(self, sql: str, parameters: Sequence[Params], /) -> PgCursor:
        cur = self.raw.cursor()
        self._guard(lambda: cur.executemany(translate(sql, True), parameters))
        return PgCursor(cur, self)

    def executescript(self, script: str) -> None:
        """Several statements (a migration step, PL/pgSQL bodies and all) in one round trip."""
        self._guard(lambda: self.raw.execute(script))

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def begin_write(self) -> None:
        self.execute("BEGIN")
        self.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY}, hashtext(current_schema()))")

    def close(self) -> None:
        self.raw.close()


_CASTS = {"TEXT": str, "BIGINT": int, "DOUBLE PRECISION": float, "INTEGER": int}


def _columns(rows: list[Row], types: tuple[str, ...]) -> list[list[SqlValue]]:
    """Rows as one typed list per column (arrays for ``unnest``): a float column's int is sent as a float."""
    casts = [_CASTS[t] for t in types]
    return [
        [None if v is None else cast(v) for v in col] for col, cast in zip(zip(*rows, strict=True), casts, strict=True)
    ]


def bulk_upsert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    key: Sequence[str],
    rows: list[Row],
    conflict: str = "update",
) -> None:
    """INSERT of many rows in one statement (``unnest`` of one binary array per column). ``conflict``: "update"
    (a key given twice keeps its last row, as SQLite's INSERT OR REPLACE does), "ignore" or "error"."""
    if not rows:
        return
    c = pg_connection(conn)
    if conflict == "update":
        at = [list(columns).index(k) for k in key]
        rows = list({tuple(r[i] for i in at): r for r in rows}.values())
    sets = ", ".join(f"{col} = excluded.{col}" for col in columns if col not in key)
    tail = {
        "update": f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}",
        "ignore": " ON CONFLICT DO NOTHING",
        "error": "",
    }[conflict]
    names = ", ".join(columns)
    if _may_stage(c):  # COPY into a temporary copy of the table, then one INSERT from it: ~40% less than arrays
        stage = f"opgtui_stage_{table}"
        c.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table})")
        c.execute(f"TRUNCATE {stage}")
        casts = [_CASTS[t] for t in types]
        c._guard(lambda: _copy(c.raw, f"COPY {stage} ({names}) FROM STDIN", rows, casts))
        c.execute(f"INSERT INTO {table}({names}) SELECT {names} FROM {stage}{tail}")
        return
    arrays = ", ".join(f"CAST(%b AS {t}[])" for t in types)  # binary arrays: a text array costs 15x more
    c.execute_raw(f"INSERT INTO {table}({names}) SELECT * FROM unnest({arrays}){tail}", _columns(rows, tuple(types)))


def _may_stage(c: PgConnection) -> bool:
    """Whether this session may create temporary tables (every role may, unless the site revoked TEMPORARY)."""
    if c.may_stage is None:
        row = c.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY')").fetchone()
        c.may_stage = bool(row and row[0])
    return c.may_stage


def pg_connection(conn: Connection) -> PgConnection:
    """The PostgreSQL connection behind a store's connection (the bulk statements are PostgreSQL's own)."""
    if not isinstance(conn, PgConnection):
        raise TypeError(f"a PostgreSQL statement on a {conn.dialect} store")
    return conn


def _copy(raw: psycopg.Connection[Row], sql: str, rows: list[Row], casts: list[type]) -> None:
    """``rows`` through COPY, each value as its column's type (a float column's int is sent as a float)."""
    with raw.cursor().copy(sql) as copy:
        for row in rows:
            copy.write_row([None if v is None else cast(v) for v, cast in zip(row, casts, strict=True)])


def bulk_update(
    conn: Connection, table: str, columns: tuple[str, ...], types: tuple[str, ...], key: str, rows: list[Row]
) -> None:
    """UPDATE of many rows (each ``(*values, key)``) in one statement."""
    if not rows:
        return
    c = pg_connection(conn)
    arrays = ", ".join(f"CAST(%b AS {t}[])" for t in (*types, "TEXT"))
    sets = ", ".join(f"{col} = v.{col}" for col in columns)
    c.execute_raw(
        f"UPDATE {table} t SET {sets} FROM unnest({arrays}) AS v({', '.join(columns)}, k) WHERE t.{key} = v.k",
        _columns(rows, (*types, "TEXT")),
    )


def error(label: str, exc: Exception) -> BaseException:
    """A psycopg error as the store's: a constraint (the audit trail's triggers) or programming error stays what
    it is; anything else (unreachable, locked, read-only, refused) becomes a StoreError naming the store."""
    import psycopg

    if isinstance(exc, psycopg.IntegrityError | psycopg.ProgrammingError | psycopg.errors.RaiseException):
        return exc
    return StoreError(f"{label}: {explain(exc)}")


def explain(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "lock timeout" in text:
        return "the store is locked by another process (try again, or stop the other opgtui)"
    if "read-only transaction" in text:
        return "the store is opened read-only"
    return text


def connect(dsn: str, *, readonly: bool, timeout: float) -> PgConnection:
    """Connect to the store's database; StoreError with one line (install the extra, unreachable, refused)."""
    label = redact(dsn)
    try:
        import psycopg
        from psycopg.adapt import Loader
        from psycopg.types.numeric import IntDumper
    except ImportError:
        raise StoreError(f"{label}: a PostgreSQL store needs psycopg: pip install 'opgtui[postgres]'") from None

    class _Number(Loader):  # sum() over bigints is numeric: read it as an int or a float, never a Decimal
        def load(self, data: bytes | bytearray | memoryview) -> int | float:
            text = bytes(data)
            return float(text) if b"." in text or b"e" in text.lower() or b"N" in text else int(text)

    class _BoolAsInt(IntDumper):  # the store's flags are INTEGER columns, as on SQLite
        def dump(self, obj: object) -> bytes:
            return b"1" if obj else b"0"

    ours = f"-c lock_timeout={int(timeout * 1000)}" + (" -c default_transaction_read_only=on" if readonly else "")
    try:
        given = psycopg.conninfo.conninfo_to_dict(dsn)
        options = " ".join(filter(None, (str(given.get("options") or os.environ.get("PGOPTIONS", "")), ours)))
        raw = psycopg.connect(
            dsn, autocommit=True, connect_timeout=max(int(timeout), 2), options=options, application_name="opgtui"
        )
    except psycopg.Error as exc:
        raise StoreError(f"{label}: cannot connect: {explain(exc)}") from None
    raw.adapters.register_loader("numeric", _Number)
    raw.adapters.register_dumper(bool, _BoolAsInt)
    return PgConnection(raw, label)
