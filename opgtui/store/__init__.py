"""The store: one interface, two engines. Schema, migrations and every query live in this package.

SQLite (a path: the embedded default, :mod:`opgtui.store.sqlite`) in WAL mode; each write is one ``BEGIN IMMEDIATE``
transaction, so a kill at any moment leaves the previous state and several processes (dashboards, a collector, CLI
calls) can share one file. PostgreSQL (``postgresql://...``, ``service=...``: the team store, :mod:`opgtui.store.pg`)
runs the same queries; its writers take one advisory lock per transaction, so they are serialised as SQLite's are.

This module is the facade: :func:`open_store` and the :class:`Store` it returns, made of one class of queries per
area (``jobs``, ``verdicts``, ``services``, ``announcements``, ``requests``, ``actions``, ``record``, ``learned``,
each on ``base.StoreBase``); the migrations are in ``migrations/``, apart from the queries.
"""

from __future__ import annotations

from pathlib import Path

from opgtui.core.identity import whoami  # the one identity function; store.whoami stays importable
from opgtui.store.actions import ActionEntry, ActionQueries, RetryEntry
from opgtui.store.announcements import AnnouncementQueries
from opgtui.store.columns import JOB_COLUMNS, JOB_TYPES
from opgtui.store.errors import NotAllowed, RequestConflict, StoreCorrupt, StoreError
from opgtui.store.files import lock_mode, open_beside_store
from opgtui.store.jobs import JobQueries
from opgtui.store.learned import LearnQueries
from opgtui.store.migrations import MIGRATIONS, SCHEMA_VERSION, Step, migrate
from opgtui.store.protocols import Connection
from opgtui.store.record import BULK_ROWS, RecordQueries, ad_stats
from opgtui.store.requests import AuditEntry, RequestQueries
from opgtui.store.services import FLAP_SECONDS, FeedHealth, ServiceQueries
from opgtui.store.sqlite import peek_kv
from opgtui.store.sqlite import split_sql as _split_sql
from opgtui.store.verdicts import VerdictQueries

__all__ = [
    "BULK_ROWS",
    "FLAP_SECONDS",
    "JOB_COLUMNS",
    "JOB_TYPES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ActionEntry",
    "AuditEntry",
    "Connection",
    "FeedHealth",
    "NotAllowed",
    "RequestConflict",
    "RetryEntry",
    "Step",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "_split_sql",
    "ad_stats",
    "lock_mode",
    "open_beside_store",
    "open_store",
    "peek_kv",
    "whoami",
]


class Store(
    JobQueries,
    VerdictQueries,
    ServiceQueries,
    AnnouncementQueries,
    RequestQueries,
    ActionQueries,
    RecordQueries,
    LearnQueries,
):
    """An open store (create with :func:`open_store`); ``with open_store(p) as store:`` closes it at the end."""


def open_store(path: str | Path, *, readonly: bool = False, timeout: float = 5.0, group: str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at ``path``; raises StoreError with one line.

    A new store and a new directory for it are private to the user (0600, 0700): the store holds job ads, paths
    and owners. With ``group`` (the config's ``store_group``) they are shared with that group instead (0660,
    0770 with the set-group-id bit, so SQLite's -wal and -shm files and the collector lock follow).
    A PostgreSQL connection string (``postgresql://...``, ``service=...``) opens the team store instead; a SQLite
    file on a network filesystem is refused (WAL needs shared-memory locking those do not give).
    """
    from opgtui.store import pg, sqlite

    conn: Connection
    if pg.is_postgres(str(path)):
        conn = pg.connect(str(path), readonly=readonly, timeout=timeout)
        store = Store(conn, str(path))
    else:
        p = Path(path).expanduser()
        conn = sqlite.connect(p, readonly=readonly, timeout=timeout, group=group)
        store = Store(conn, p)
    with sqlite.closing_on_error(conn, store.label):
        migrate(conn, store.label, readonly, MIGRATIONS)  # this module's list: a test may add a step
    return store
