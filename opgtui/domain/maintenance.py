"""Scheduled maintenance from the feeds, said as announcements: what is under maintenance now, and what
starts within the horizon. Pure: windows in, announcements out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from opgtui.core.model import Announcement, Window
from opgtui.core.timefmt import clock, span

HORIZON = 24 * 3600.0
"""How far ahead upcoming maintenance is announced."""


def maintenance_announcements(
    windows: Sequence[Window], now: float, *, horizon: float = HORIZON, tz: tzinfo | None = None
) -> list[Announcement]:
    """Ongoing maintenance (warning) first, then what starts within ``horizon`` (info), soonest first."""
    ongoing, upcoming = [], []
    for w in windows:
        if w.kind != "maintenance" or (w.end is not None and w.end <= now) or w.start > now + horizon:
            continue
        what = f": {w.description}" if w.description else ""
        if w.start <= now:
            until = f" until {clock(w.end, tz, with_date=w.end - now > 86400)}" if w.end is not None else ""
            ongoing.append(
                Announcement(
                    f"{w.service} under maintenance now{until}{what}", "warning", f"feed {w.source}", w.start, w.end
                )
            )
        else:
            end = f"-{clock(w.end, tz)}" if w.end is not None else ""
            when = f"{clock(w.start, tz, with_date=True)}{end} (in {span(w.start - now)})"
            upcoming.append(
                Announcement(
                    f"{w.service} maintenance {when}{what}",
                    "info",
                    f"feed {w.source}",
                    w.start,
                    w.end,
                )
            )
    return ongoing + sorted(upcoming, key=lambda a: a.start or 0.0)
