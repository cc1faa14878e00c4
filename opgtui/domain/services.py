"""The service board and the pre-submit check: pure decisions over what the store recorded."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from opgtui.config import Config
from opgtui.core.model import ServiceState, Window
from opgtui.core.timefmt import clock, span

if TYPE_CHECKING:
    from opgtui.domain.held import Held

# Worst first: the board shows the worst state any fresh source reports.
_SEVERITY = {"down": 4, "maintenance": 3, "degraded": 2, "up": 1, "unknown": 0}
MIN_STALE_AFTER = 300.0


DEGRADED_SEVERITIES = frozenset(("warning", "minor", "degraded", "info", "notice", "at_risk", "at risk"))
"""Alert severities, Statuspage impacts and downtime severities that mean degraded rather than down."""


def window_state(w: Window) -> str:
    """The state a window stands for: maintenance, degraded (by its severity) or down."""
    if w.kind == "maintenance":
        return "maintenance"
    return "degraded" if w.severity.lower() in DEGRADED_SEVERITIES else "down"


@dataclass(slots=True)
class BoardRow:
    """One service on the board."""

    service: str
    state: str
    since: float | None
    source: str
    detail: str
    last_fetched: float | None
    critical: bool = False
    stale: list[str] = field(default_factory=list)  # "feed X: reason (last good 10:02)"
    next_maintenance: Window | None = None
    now: float = 0.0

    @property
    def duration(self) -> float | None:
        return None if self.since is None else self.now - self.since

    def as_dict(self, held: Held | None = None) -> dict[str, Any]:
        """The row for ``--json``; since when from ``held`` (the board's Since, domain.held) when given."""
        nm = self.next_maintenance
        since = self.since if held is None else held.since
        return {
            "service": self.service,
            "state": self.state,
            "since": since,
            "since_at_or_before": held is not None and held.first_seen,
            "duration": None if since is None else self.now - since,
            "source": self.source,
            "detail": self.detail,
            "last_fetched": self.last_fetched,
            "critical": self.critical,
            "stale": self.stale,
            "next_maintenance": None
            if nm is None
            else {"start": nm.start, "end": nm.end, "description": nm.description, "source": nm.source},
        }

    def as_line(self, since: tuple[str, str] = ("", ""), tz: tzinfo | None = None) -> str:
        """The row for ``opgtui status``: ``since``, the board's Since and For cells (domain.held.since_cell);
        times in ``tz``."""
        extra = f"  [{'; '.join(self.stale)}]" if self.stale else ""
        nm = self.next_maintenance
        ahead = f"  maintenance {clock(nm.start, tz, with_date=True)}" if nm else ""
        return f"{self.service:16} {self.state.upper():12}{held_text(since)}  {self.source}{ahead}{extra}"


def held_text(cells: tuple[str, str]) -> str:
    """`` since 05:01 (40m)`` from the board's Since and For cells; '' when it has none."""
    return f" since {cells[0]} ({cells[1]})" if cells[0] else ""


def stale_after(cfg: Config, feed: str) -> float:
    """How old a feed's last good data may be before its states count as unknown."""
    for f in cfg.feeds:
        if f.name == feed:
            return max(3 * f.interval, MIN_STALE_AFTER)
    return MIN_STALE_AFTER * 3


def compute_board(
    cfg: Config,
    states: Sequence[ServiceState],
    windows: Sequence[Window],
    feeds: Mapping[str, Mapping[str, Any]],
    now: float,
) -> list[BoardRow]:
    """Combine every source's latest state per service into one row per service (worst fresh state wins).

    A source whose feed has not answered for too long, or whose last poll failed, counts as unknown and is
    named in ``stale``. An active maintenance window turns an otherwise-up service to maintenance.
    """
    by_service: dict[str, list[ServiceState]] = {}
    for st in states:
        by_service.setdefault(st.service, []).append(st)
    names = [s.name for s in cfg.services]
    names += sorted({*by_service, *(w.service for w in windows)} - set(names))
    critical = {s.name for s in cfg.services if s.critical}
    rows = []
    for name in names:
        row = BoardRow(name, "unknown", None, "", "no data from any feed", None, name in critical, now=now)
        best = -1
        for st in by_service.get(name, []):
            feed = feeds.get(st.source, {})
            last_ok = feed.get("last_ok")
            row.last_fetched = max(filter(None, (row.last_fetched, feed.get("last_fetch"))), default=None)
            if feed.get("error") or last_ok is None or now - last_ok > stale_after(cfg, st.source):
                reason = feed.get("error") or "no answer"
                row.stale.append(f"feed {st.source}: {reason} (last good {clock(last_ok, with_date=True) or 'never'})")
                continue
            if _SEVERITY[st.state] > best:
                best = _SEVERITY[st.state]
                row.state, row.since, row.source, row.detail = st.state, st.since, st.source, st.detail
        active = [
            w
            for w in windows
            if w.service == name and w.kind == "maintenance" and w.start <= now and (w.end is None or w.end > now)
        ]
        if active and _SEVERITY[row.state] < _SEVERITY["maintenance"]:
            w = active[0]
            row.state, row.since, row.source, row.detail = "maintenance", w.start, w.source, w.description
        ahead = [w for w in windows if w.service == name and w.kind == "maintenance" and w.start > now]
        row.next_maintenance = min(ahead, key=lambda w: w.start) if ahead else None
        if row.state == "unknown" and row.stale:
            row.detail = "; ".join(row.stale)
        rows.append(row)
    return rows


def board(cfg: Config, store: Any, now: float | None = None) -> list[BoardRow]:
    """The board from the store's current states, windows around now, and feed health."""
    now = now or time.time()
    windows = store.windows(start=now - 86400, end=now + 30 * 86400)
    return compute_board(cfg, store.current_states(), windows, store.feed_status(), now)


@dataclass(slots=True)
class CheckResult:
    exit_code: int  # 0 clear, 1 a required service is down or in (upcoming) maintenance, 2 unknown
    lines: list[str]


SUBMIT_HORIZON = 6 * 3600.0
"""Maintenance starting this soon makes "safe to submit" a no (dashboard and ``opgtui check`` alike)."""


def decide_submit(
    rows: Iterable[BoardRow],
    required: Sequence[str],
    horizon: float,
    now: float,
    canonical: Mapping[str, str] | None = None,
    since: Mapping[str, tuple[str, str]] | None = None,
    tz: tzinfo | None = None,
) -> CheckResult:
    """Is it safe to submit? Down/maintenance now or maintenance within ``horizon`` fails; unknown is 2. Since
    when each state held: ``since``, the board's Since and For cells by service (else the row's own since);
    times in ``tz``."""
    by_name = {r.service: r for r in rows}
    if since is None:
        from opgtui.domain.held import Held, since_cell  # it imports this module

        since = {name: since_cell(Held(r.since), now, tz) for name, r in by_name.items()}
    bad, unknown, lines = False, False, []
    for asked in required:
        name = (canonical or {}).get(asked, asked)
        row = by_name.get(name)
        if row is None or row.state == "unknown":
            unknown = True
            why = row.detail if row else "not known to any feed or the config"
            lines.append(f"{name}: UNKNOWN ({why})")
            continue
        held = held_text(since.get(name, ("", "")))
        if row.state in ("down", "maintenance"):
            bad = True
            lines.append(f"{name}: {row.state.upper()}{held} [{row.source}] {row.detail}".rstrip())
            continue
        nm = row.next_maintenance
        if nm is not None and horizon > 0 and nm.start - now <= horizon:
            bad = True
            lines.append(
                f"{name}: MAINTENANCE in {span(nm.start - now)} at {clock(nm.start, tz, with_date=True)}"
                f" [{nm.source}] {nm.description}".rstrip()
            )
            continue
        lines.append(f"{name}: {row.state.upper()}{held}")
    code = 1 if bad else 2 if unknown else 0
    lines.append({0: "OK: safe to submit", 1: "NO: do not submit now", 2: "UNKNOWN: no fresh data"}[code])
    return CheckResult(code, lines)


def submit_check(
    cfg: Config, store: Any, required: Sequence[str], horizon: float, now: float | None = None
) -> CheckResult:
    """``opgtui check``: the board now, since when each state held as the board says (in its zone)."""
    from opgtui.core.timefmt import zone
    from opgtui.domain.held import board_held, since_cell  # it imports this module

    now = now or time.time()
    rows = board(cfg, store, now)
    tz = zone(cfg.timezone)
    since = {name: since_cell(held, now, tz) for name, held in board_held(cfg, store, rows, now).items()}
    return decide_submit(rows, required, horizon, now, {n: cfg.service_for(n) for n in required}, since, tz)
