"""How long a service has held its state, and its last outage, read from the stored history of every source (the
worst state in force wins) rather than from the poll that reported it last. Pure: records in, answers out."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from opgtui.config import Config
from opgtui.core.model import ServiceState, Window
from opgtui.core.timefmt import clock, span
from opgtui.domain.services import BoardRow, stale_after

RANK = {"unknown": 0, "up": 1, "degraded": 2, "maintenance": 3, "down": 4}
"""Worst wins, as on the board."""
LAST_OUTAGE_WITHIN = 24 * 3600.0
"""How long the board keeps showing a service's last outage after it ended."""


@dataclass(frozen=True, slots=True)
class Held:
    """Since when the service's combined state has held; ``first_seen``: it held at the first record, so it began
    at or before ``since`` (a feed that gives no start time reports a state as of its first poll)."""

    since: float | None
    first_seen: bool = False


def combined_history(
    transitions: Sequence[ServiceState], sources: Collection[str] | None = None
) -> list[tuple[float, str, bool]]:
    """One service's worst state over ``sources`` (all when None) as (start, state, first_seen) segments in time
    order. ``transitions`` are its stored state changes in any order, each with the time it was recorded
    (``fetched``); the first segment is ``first_seen`` when every state in it was reported as of its poll."""
    history = sorted((t for t in transitions if sources is None or t.source in sources), key=lambda t: t.since or 0.0)
    by_source: dict[str, str] = {}
    segments: list[tuple[float, str, bool]] = []
    i = 0
    while i < len(history):
        at = history[i].since or 0.0
        group = []
        while i < len(history) and (history[i].since or 0.0) == at:
            group.append(history[i])
            by_source[history[i].source] = history[i].state
            i += 1
        worst = max(by_source.values(), key=lambda s: RANK.get(s, 0))
        if not segments or worst != segments[-1][1]:
            first = not segments and all(t.fetched is not None and at >= t.fetched - 1 for t in group)
            segments.append((at, worst, first))
    return segments


def held_since(transitions: Sequence[ServiceState], state: str, sources: Collection[str] | None = None) -> Held:
    """When the worst state over ``sources`` last became ``state`` and has held since; Held(None) when the history
    does not end in ``state``."""
    segments = combined_history(transitions, sources)
    if not segments or segments[-1][1] != state:
        return Held(None)
    return Held(segments[-1][0], segments[-1][2])


def row_held(row: BoardRow, transitions: Sequence[ServiceState], fresh: Collection[str]) -> Held:
    """Since when the row's state has held: from the stored history of the feeds the board counts (the feed that
    reported last may have started long after the state did); a maintenance window's start."""
    if row.state in ("up", "degraded", "down"):
        found = held_since(transitions, row.state, fresh)
        if found.since is not None:
            return found
    return Held(row.since)


def board_held(cfg: Config, store: Any, rows: Sequence[BoardRow], now: float) -> dict[str, Held]:
    """Each row's ``row_held`` read from ``store``: every stored transition (changes only: few rows) and the feeds
    the board counts at ``now``."""
    fresh = fresh_feeds(cfg, store.feed_status(), now)
    history: dict[str, list[ServiceState]] = {}
    for t in store.transitions() if rows else ():
        history.setdefault(t.service, []).append(t)
    return {r.service: row_held(r, history.get(r.service, []), fresh) for r in rows}


def history_outages(
    service: str, transitions: Sequence[ServiceState], sources: Collection[str] | None = None
) -> list[Window]:
    """The down and degraded spells of the combined history as outage windows (a feed may report states and no
    windows)."""
    segments = combined_history(transitions, sources)
    ends: list[float | None] = [s[0] for s in segments[1:]] + [None] if segments else []
    return [
        Window(service, "outage", start, end, "history", "critical" if st == "down" else "warning")
        for (start, st, _), end in zip(segments, ends, strict=True)
        if st in ("down", "degraded")
    ]


def last_outage(windows: Sequence[Window], now: float, within: float = LAST_OUTAGE_WITHIN) -> Window | None:
    """The latest outage among ``windows`` that began by ``now`` and is open or ended less than ``within`` ago."""
    recent = [w for w in windows if w.kind == "outage" and w.start <= now and (w.end is None or now - w.end < within)]
    return max(recent, key=lambda w: w.start, default=None)


def outage_cell(w: Window | None, now: float, tz: tzinfo | None = None) -> str:
    """``00:31 44m`` (when it began, how long), ``05:01 open`` while it lasts; the history's rounding."""
    if w is None:
        return ""
    return f"{clock(w.start, tz)} {'open' if w.end is None or w.end > now else span(w.end - w.start)}"


def since_cell(held: Held, now: float, tz: tzinfo | None = None) -> tuple[str, str]:
    """The board's Since and For: ``05:01``/``40m``; a day or more ago ``11-28``/``9d00h``; held since the first
    record ``≤06:00``/``≥17s`` (at or before, at least)."""
    if held.since is None:
        return "", ""
    mark, more = ("≤", "≥") if held.first_seen else ("", "")
    old = now - held.since >= 86400
    when = clock(held.since, tz, with_date=True)[:5] if old else clock(held.since, tz)
    d = span(now - held.since)
    return mark + when, more + (d if len(more + d) <= 5 else span(now - held.since, coarse=True))


def fresh_feeds(cfg: Config, feeds: Mapping[str, Mapping[str, Any]], now: float) -> set[str]:
    """The feeds whose states the board counts now (answered lately, no error): as ``compute_board`` decides."""
    return {
        name
        for name, f in feeds.items()
        if not f.get("error") and f.get("last_ok") is not None and now - f["last_ok"] <= stale_after(cfg, name)
    }
