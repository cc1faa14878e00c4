"""Live refresh on a team store: writes NOTIFY, dashboards LISTEN.

Statement triggers on the tables the views show send ``pg_notify(channel, table)`` after each write (PostgreSQL
delivers them at commit, once per table and transaction however many rows changed). A dashboard runs a
:class:`Listener`: a thread with its own connection, waiting in psycopg's ``notifies()``; it hands the tables that
changed to a callback, at most every ``batch`` seconds, so the dashboard re-reads within a second of a write
instead of waiting for its next poll. If the connection drops it reconnects and reports everything changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from opgtui.team.roles import Team, ident, literal

# What the views show: the collector's writes, announcements, requests and their approvals, actions, labels.
LIVE_TABLES = (
    "jobs",
    "verdicts",
    "service_states",
    "windows",
    "feed_status",
    "announcements",
    "requests",
    "request_audit",
    "action_log",
    "retries",
    "learned_signatures",
    "kv",
)
EVERYTHING = "*"  # what the callback gets after a reconnect: anything may have changed meanwhile


def channel(schema: str) -> str:
    """The store's notification channel (one per schema: teams sharing a database do not wake each other)."""
    return f"opgtui_{schema}"[:63]


def live_sql(team: Team, existing: Sequence[str] | None = None) -> list[str]:
    """The trigger function and the statement triggers that notify the store's channel."""
    s = ident(team.schema)
    out = [
        f"""CREATE OR REPLACE FUNCTION {s}.opgtui_notify() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog AS $$
BEGIN PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME); RETURN NULL; END $$;"""
    ]
    for table in LIVE_TABLES:
        if existing is None or table in existing:
            out.append(
                f"CREATE OR REPLACE TRIGGER {ident(table + '_live')} AFTER INSERT OR UPDATE OR DELETE ON "
                f"{team.q(table)} FOR EACH STATEMENT EXECUTE FUNCTION "
                f"{s}.opgtui_notify({literal(channel(team.schema))});"
            )
    return out


def apply_live(conn: Any) -> None:
    """Install the live triggers on the store's schema (a psycopg connection as the tables' owner)."""
    from opgtui.team.roles import tables_of

    schema = conn.execute("SELECT current_schema()").fetchone()[0]
    with conn.transaction():
        conn.execute("\n".join(live_sql(Team(schema=schema), tables_of(conn, schema))))


class Listener:
    """LISTEN on the store's channel in a thread of its own; ``on_change(tables)`` runs in that thread."""

    def __init__(
        self, dsn: str, on_change: Callable[[set[str]], None], *, batch: float = 0.25, retry: float = 5.0
    ) -> None:
        self.dsn = dsn
        self.on_change = on_change
        self.batch = batch
        self.retry = retry
        self.error: str | None = None  # why it is not listening right now (None: listening or not started)
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opgtui-listen", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        import psycopg

        reconnect = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.dsn, autocommit=True, connect_timeout=5, application_name="opgtui dashboard"
                ) as conn:
                    schema = conn.execute("SELECT current_schema()").fetchone()[0]
                    conn.execute(f"LISTEN {ident(channel(schema))}")
                    self.error = None
                    self.listening.set()
                    if reconnect:
                        self.on_change({EVERYTHING})  # what happened while we were away is unknown
                    self._loop(conn)
            except psycopg.Error as exc:
                self.error = " ".join(str(exc).split()) or type(exc).__name__
                self.listening.clear()
                reconnect = True
                self._stop.wait(self.retry)

    def _loop(self, conn: Any) -> None:
        while not self._stop.is_set():
            changed = {n.payload for n in conn.notifies(timeout=self.batch)}
            if changed:
                try:
                    self.on_change(changed)
                except RuntimeError:  # the app is closing: nobody to tell
                    return
            elif conn.closed:
                return
