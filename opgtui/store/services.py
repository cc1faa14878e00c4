"""Services and their windows: each feed poll's health, the state transitions it reported (flapping collapsed), the
outage and maintenance windows (an outage a feed forgets is closed, not lost), and forgetting them past retention."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from opgtui.core.model import ServiceState, Window
from opgtui.store.base import StoreBase, where_of
from opgtui.store.protocols import Connection

# Flapping: a state (or an outage) that comes back within this many seconds continues the earlier one.
FLAP_SECONDS = 300.0
_SEVERITY = {"up": 0, "unknown": 1, "degraded": 2, "maintenance": 3, "down": 4}


class FeedHealth(TypedDict):
    """A feed's last poll as the store records it (:meth:`ServiceQueries.feed_status`)."""

    kind: str
    last_fetch: float | None
    last_ok: float | None
    error: str | None


class ServiceQueries(StoreBase):
    """The services area, mixed into :class:`opgtui.store.Store`."""

    def record_feed(
        self,
        feed: str,
        kind: str,
        *,
        fetched: float,
        ok: bool,
        error: str | None = None,
        states: Sequence[ServiceState] = (),
        windows: Sequence[Window] = (),
        absent_state: str | None = None,
    ) -> None:
        """Record one poll of a feed: its health, state transitions, and windows.

        Outage windows the feed reported open before but no longer lists are closed at ``fetched``:
        feeds such as Alertmanager forget resolved alerts, the store does not. With ``absent_state``
        (e.g. "up" for alert feeds), a service this feed reported before but no longer lists moves to it.
        """
        with self.transaction() as c:
            c.execute(
                "INSERT INTO feed_status(feed, kind, last_fetch, last_ok, error) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(feed) DO UPDATE SET kind = excluded.kind, last_fetch = excluded.last_fetch, "
                "last_ok = COALESCE(excluded.last_ok, feed_status.last_ok), error = excluded.error",
                (feed, kind, fetched, fetched if ok else None, None if ok else (error or "failed")),
            )
            if not ok:
                return
            listed = {st.service for st in states}
            if absent_state is not None:
                previous = c.execute("SELECT DISTINCT service FROM service_states WHERE source = ?", (feed,))
                states = [
                    *states,
                    *(
                        ServiceState(str(svc), absent_state, fetched, feed)
                        for (svc,) in previous.fetchall()
                        if svc not in listed
                    ),
                ]
            for st in states:
                _record_state(c, feed, st, fetched)
            seen = set()
            for w in windows:
                ext = w.ext_id or f"{w.service}|{w.kind}|{w.start}"
                seen.add(ext)
                if w.kind == "outage" and _merge_outage(c, feed, w, ext):
                    continue
                c.execute(
                    'INSERT INTO windows(service, kind, start, "end", source, severity, description, ext_id) '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, ext_id) DO UPDATE SET "
                    'service = excluded.service, kind = excluded.kind, start = excluded.start, "end" = excluded."end", '
                    "severity = excluded.severity, description = excluded.description",
                    (w.service, w.kind, w.start, w.end, feed, w.severity, w.description, ext),
                )
            open_rows = c.execute(
                'SELECT id, ext_id FROM windows WHERE source = ? AND kind = ? AND "end" IS NULL', (feed, "outage")
            )
            for wid, ext in open_rows.fetchall():
                if ext not in seen:
                    c.execute('UPDATE windows SET "end" = ? WHERE id = ?', (fetched, wid))

    def prune_history(self, before: float) -> tuple[int, int]:
        """Forget service states and windows older than ``before`` (the record's retention): transitions that
        ended before it (the state in force at ``before`` and every current state stay) and windows that ended
        before it. Returns (states, windows) deleted."""
        with self.transaction() as c:
            states = c.execute(
                "DELETE FROM service_states WHERE since < ? AND id NOT IN ("
                "  SELECT (SELECT s2.id FROM service_states s2 WHERE s2.service = k.service AND s2.source = k.source"
                "          AND s2.since < ? ORDER BY s2.since DESC, s2.id DESC LIMIT 1)"
                "  FROM (SELECT DISTINCT service, source FROM service_states) k)",
                (before, before),
            ).rowcount
            windows = c.execute('DELETE FROM windows WHERE "end" IS NOT NULL AND "end" < ?', (before,)).rowcount
        return states, windows

    def feed_status(self) -> dict[str, FeedHealth]:
        cur = self.conn.execute("SELECT feed, kind, last_fetch, last_ok, error FROM feed_status")
        return {r[0]: {"kind": r[1], "last_fetch": r[2], "last_ok": r[3], "error": r[4]} for r in cur}

    def current_states(self) -> list[ServiceState]:
        """The latest state of each (service, source) pair, with the time it began."""
        cur = self.conn.execute(
            "SELECT s.service, s.state, s.since, s.source, s.detail, f.last_ok FROM service_states s "
            "JOIN (SELECT service, source, max(id) AS id FROM service_states GROUP BY service, source) m "
            "ON s.id = m.id LEFT JOIN feed_status f ON f.feed = s.source ORDER BY s.service"
        )
        return [ServiceState(r[0], r[1], r[2], r[3], r[4], r[5]) for r in cur]

    def transitions(self, service: str | None = None, since: float = 0.0) -> list[ServiceState]:
        """State transitions in time order (for the timeline), from ``since`` on, plus the one in force then."""
        cond, params = where_of(("since >= ?", since), ("service = ?", service or None))
        cur = self.conn.execute(
            f"SELECT service, state, since, source, detail, recorded FROM service_states WHERE {cond} "
            "ORDER BY since, id",
            params,
        )
        return [ServiceState(*r) for r in cur]

    def windows(
        self,
        service: str | None = None,
        *,
        start: float | None = None,
        end: float | None = None,
        kind: str | None = None,
    ) -> list[Window]:
        """Windows intersecting [start, end] (either bound optional)."""
        cond, params = where_of(
            ("service = ?", service or None),
            ("kind = ?", kind or None),
            ('("end" IS NULL OR "end" >= ?)', start),
            ("start <= ?", end),
        )
        cur = self.conn.execute(
            f'SELECT service, kind, start, "end", source, severity, description, ext_id FROM windows WHERE {cond} '
            "ORDER BY start",
            params,
        )
        return [Window(*r) for r in cur]

    def add_window(self, window: Window) -> None:
        """A window declared by hand (or by a test); de-duplicated on (source, ext_id)."""
        with self.transaction() as c:
            c.execute(
                self.upsert_sql(
                    "windows",
                    ("service", "kind", "start", '"end"', "source", "severity", "description", "ext_id"),
                    ("source", "ext_id"),
                ),
                (
                    window.service,
                    window.kind,
                    window.start,
                    window.end,
                    window.source,
                    window.severity,
                    window.description,
                    window.ext_id or f"{window.service}|{window.kind}|{window.start}",
                ),
            )


def _record_state(c: Connection, feed: str, st: ServiceState, fetched: float) -> None:
    """One reported state: a new row only when it changes, and flapping collapsed. A recovery that lasted
    less than FLAP_SECONDS before the worse state came back is dropped, so down-up-down-up... within
    minutes of each other is one outage (down, then up once it holds), not a row per poll."""
    last2 = c.execute(
        "SELECT id, state, since FROM service_states WHERE service = ? AND source = ? "
        "ORDER BY since DESC, id DESC LIMIT 2",
        (st.service, feed),
    ).fetchall()
    if last2 and last2[0][1] == st.state:
        return
    since = st.since if st.since is not None else fetched
    if len(last2) == 2:
        (last_id, last_state, last_since), (_, prev_state, _) = last2
        if (
            prev_state == st.state
            and since - last_since < FLAP_SECONDS
            and _SEVERITY.get(str(last_state), 1) < _SEVERITY.get(st.state, 1)
        ):
            c.execute("DELETE FROM service_states WHERE id = ?", (last_id,))
            return
    c.execute(
        "INSERT INTO service_states(service, state, since, source, detail, recorded) VALUES (?, ?, ?, ?, ?, ?)",
        (st.service, st.state, since, feed, st.detail, fetched),
    )


def _merge_outage(c: Connection, feed: str, w: Window, ext: str) -> bool:
    """A new outage of a service whose previous outage (same feed) ended less than FLAP_SECONDS before it
    began continues that one (it takes the new alert's id): a flapping alert is one window. True if merged."""
    if c.execute("SELECT 1 FROM windows WHERE source = ? AND ext_id = ?", (feed, ext)).fetchone():
        return False
    prev = c.execute(
        'SELECT id FROM windows WHERE source = ? AND service = ? AND kind = ? AND "end" IS NOT NULL '
        'AND "end" >= ? AND start <= ? ORDER BY "end" DESC LIMIT 1',
        (feed, w.service, w.kind, w.start - FLAP_SECONDS, w.start),
    ).fetchone()
    if prev is None:
        return False
    c.execute(
        'UPDATE windows SET ext_id = ?, "end" = ?, severity = ?, description = ? WHERE id = ?',
        (ext, w.end, w.severity, w.description, prev[0]),
    )
    return True
