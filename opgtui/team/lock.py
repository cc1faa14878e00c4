"""One collector per team store: a PostgreSQL session advisory lock held on a connection of its own.

The lock lives as long as that session: a collector that dies (kill -9, a lost node) releases it at once, with no
stale lock file to clean up. The session's ``application_name`` says who holds it (pid, host, since), and
``pg_stat_activity`` shows every user that name, so a second collector can say who is already writing.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opgtui.core.timefmt import utc_minute

# The two-key advisory space: (opgtui's collector, the store's schema), so teams in separate schemas of one
# database each have their own collector. The store's write lock uses the one-key space: they never meet.
LOCK_CLASS = 0x6F706774
_KEY = "hashtext(current_schema()) & 2147483647"
_NAME = re.compile(r"^opgtui-collector (\d+) (\d+) (.*)$")


class CollectorBusy(Exception):
    """Another collector holds the team store's lock; ``str()`` says who, in one line."""


@dataclass(frozen=True, slots=True)
class Holder:
    pid: int | None
    since: float | None
    host: str
    user: str

    def describe(self) -> str:
        when = utc_minute(self.since) if self.since else "?"
        pid = f"pid {self.pid}" if self.pid else "a process"
        return f"{pid} on {self.host or '?'} since {when} (database user {self.user or '?'})"


def application_name(pid: int, since: float, host: str) -> str:
    """The holder's session name: pid, since (epoch) and host (PostgreSQL keeps 63 bytes: the host is cut)."""
    head = f"opgtui-collector {pid} {int(since)} "
    return head + host.encode()[: 63 - len(head)].decode(errors="ignore")


def parse_holder(name: str, user: str) -> Holder:
    """The holder a session name describes (an unknown name: only the user is known)."""
    m = _NAME.match(name or "")
    if not m:
        return Holder(None, None, "", user)
    return Holder(int(m.group(1)), float(m.group(2)), m.group(3), user)


def holder(conn: Any) -> Holder | None:
    """Who holds the collector lock of this connection's database and schema (None: nobody)."""
    row = conn.execute(
        "SELECT a.application_name, r.rolname FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "LEFT JOIN pg_roles r ON r.oid = a.usesysid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.objsubid = 2 AND l.classid = %s AND l.objid = (" + _KEY + ")::oid "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (LOCK_CLASS,),
    ).fetchone()
    return None if row is None else parse_holder(row[0] or "", row[1] or "")


@contextmanager
def collector_lock(
    dsn: str, label: str, *, timeout: float = 5.0, now: float | None = None, host: str | None = None
) -> Iterator[Holder]:
    """Hold the team store's collector lock for the duration (on a session of its own); CollectorBusy, saying who
    holds it, when another collector does."""
    import psycopg

    from opgtui.store import StoreError

    me = Holder(os.getpid(), now if now is not None else time.time(), host or socket.getfqdn(), "")
    try:
        conn = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=max(int(timeout), 2),
            application_name=application_name(me.pid or 0, me.since or 0, me.host),
        )
    except psycopg.Error as exc:
        raise StoreError(f"{label}: cannot connect: {' '.join(str(exc).split())}") from None
    try:
        got = conn.execute("SELECT pg_try_advisory_lock(%s, " + _KEY + ")", (LOCK_CLASS,)).fetchone()[0]
        if not got:
            who = holder(conn)
            raise CollectorBusy(
                f"{label}: another collector is already writing this store: "
                f"{who.describe() if who else 'it just stopped, try again'}"
            )
        yield me
    finally:
        conn.close()
