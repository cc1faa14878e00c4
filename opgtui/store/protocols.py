"""What the queries see of an engine: a connection, its cursors and their rows, the same on SQLite and PostgreSQL.

:mod:`opgtui.store.sqlite` and :mod:`opgtui.store.pg` each give a :class:`Connection`; the areas' queries are written
against these types only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal, Protocol

Dialect = Literal["sqlite", "postgresql"]
SqlValue = str | int | float | bytes | None
"""One value as either engine reads or writes it (booleans are written as 0/1)."""
Row = tuple[SqlValue, ...]
Params = Sequence[SqlValue]
Json = str | int | float | bool | None | list["Json"] | dict[str, "Json"]
"""A JSON value: what the store keeps as JSON text (ads, event attributes, changes, evidence)."""


class Cursor(Protocol):
    """The rows of one statement; iterating fetches them all at once."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...

    def fetchmany(self, size: int | None = None) -> list[Row]: ...

    def __iter__(self) -> Iterator[Row]: ...


class Connection(Protocol):
    """A store's connection: statements in SQLite's ``?`` placeholders, errors as :class:`~opgtui.store.StoreError`."""

    dialect: Dialect
    store_path: Path | str  # the file, or the connection string without its password

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Params = (), /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Sequence[Params], /) -> Cursor: ...

    def executescript(self, script: str) -> None: ...

    def begin_write(self) -> None: ...

    def close(self) -> None: ...
