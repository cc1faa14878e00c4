"""Why it is (not) safe to submit now, and until when: the reasons a shifter reads on the Status board, the
required services' states now first, then the maintenance that jobs submitted now would run into. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from opgtui.core.model import Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.domain.services import BoardRow, decide_submit

HEADS = {0: "OK: safe to submit", 1: "NO: do not submit now", 2: "UNKNOWN: no fresh data"}


@dataclass(frozen=True, slots=True)
class Reason:
    """One service in the way: what is true of it (short, times first) and the feed's description (cut first)."""

    service: str
    what: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class SubmitPanel:
    """The verdict (``exit_code`` as ``opgtui check``), its head (``NO until 11:04``) and the reasons."""

    exit_code: int
    head: str
    reasons: list[Reason]
    until: float | None = None


def safe_again(windows: Iterable[Window], down: bool, now: float, horizon: float) -> float | None:
    """When jobs submitted then would run into no maintenance of ``windows`` within ``horizon``: after the last of
    a chain of windows each starting within ``horizon`` of the previous one's end. None when a window has no end
    or a service is ``down`` (nobody knows when it comes back)."""
    planned = [w for w in windows if w.kind == "maintenance"]
    t = now
    while True:
        blocking = [w for w in planned if w.start <= t + horizon and (w.end is None or w.end > t)]
        if not blocking:
            return None if down or t == now else t
        if down or any(w.end is None for w in blocking):
            return None
        t = max(w.end for w in blocking if w.end is not None)


def _at(ts: float, now: float, tz: tzinfo | None) -> str:
    return clock(ts, tz, with_date=abs(ts - now) > 43200)


def submit_panel(
    rows: Sequence[BoardRow],
    required: Sequence[str],
    windows: Sequence[Window],
    horizon: float,
    now: float,
    tz: tzinfo | None = None,
    since: Mapping[str, float | None] | None = None,
) -> SubmitPanel:
    """The panel for ``required`` services: each one not UP now (with since when: ``since`` by service, else the
    row's), then its maintenance ahead that overlaps jobs submitted now; the head says until when it is NO."""
    result = decide_submit(rows, required, horizon, now)
    by_name = {r.service: r for r in rows}
    reasons, down = [], False
    for name in dict.fromkeys(required):
        row = by_name.get(name)
        if row is None:
            reasons.append(Reason(name, "UNKNOWN (not known to any feed or the config)"))
            continue
        parts, description = [], ""
        began = (since or {}).get(name, row.since)
        mine = [w for w in windows if w.service == name and w.kind == "maintenance"]
        if row.state == "maintenance":
            now_in = [w for w in mine if w.start <= now and (w.end is None or w.end > now)]
            end = f" until {_at(now_in[0].end, now, tz)}" if now_in and now_in[0].end is not None else ""
            parts.append(f"MAINTENANCE now{end}")
            description = row.detail
        elif row.state != "up":
            down = down or row.state == "down"
            parts.append(f"{row.state.upper()} since {_at(began, now, tz)}" if began else row.state.upper())
            description = row.detail
        nm = row.next_maintenance
        if nm is not None and horizon > 0 and nm.start - now <= horizon:
            end = f"–{_at(nm.end, now, tz)}" if nm.end is not None else " (no end given)"
            parts.append(f"maintenance {_at(nm.start, now, tz)}{end} overlaps")
            description = nm.description
        if parts:
            reasons.append(Reason(name, "; ".join(parts), one_line(description, 200)))
    code = result.exit_code
    blocking = [w for w in windows if w.service in required and w.kind == "maintenance"]
    until = safe_again(blocking, down, now, horizon) if code == 1 else None
    head = f"NO until {_at(until, now, tz)}" if until is not None else HEADS[code]
    return SubmitPanel(code, head, reasons, until)
