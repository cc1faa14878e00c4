"""Parse and format times: durations ("6h", "90m"), instants (ISO or "+4h"), local clock, ages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

# Patterns compiled on first use (re keeps them): compiling one costs a start-up ~1 M instructions, and the small
# verbs import this module for the clock alone.
_DURATION = r"(?:\d+(?:\.\d+)?\s*[smhdw]?\s*)+"
_PART = r"(\d+(?:\.\d+)?)\s*([smhdw]?)"
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """Seconds in ``'90'``, ``'90s'``, ``'30m'``, ``'6h'``, ``'1h30m'``, ``'2d'``; ValueError otherwise."""
    t = text.strip()
    if not t or not re.fullmatch(_DURATION, t, re.IGNORECASE):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 6h, 2d)")
    return sum(float(n) * _UNIT[u.lower()] for n, u in re.findall(_PART, t, re.IGNORECASE))


_FRACTION = r"(.*?[T ]\d\d:\d\d:\d\d)\.(\d+)(.*)"


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as an aware datetime: UTC when it names no zone, ``Z`` or ``z`` for UTC, more than six
    fraction digits (Go prints nine) cut to microseconds. ValueError otherwise. The one ISO parser of opgtui."""
    s = text.strip()
    m = re.fullmatch(_FRACTION, s)
    if m:  # fromisoformat takes at most 6 fraction digits in some Pythons
        s = f"{m[1]}.{m[2][:6]}{m[3]}"
    dt = datetime.fromisoformat(s.replace("z", "Z"))
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def parse_when(text: str, now: float) -> float:
    """An instant: a duration from now (``4h``, ``+4h``) or an ISO 8601 time (UTC unless it says)."""
    t = text.strip()
    try:
        return now + parse_duration(t.lstrip("+"))
    except ValueError:
        pass
    try:
        return parse_iso(t).timestamp()
    except ValueError:
        raise ValueError(f"not a time: {text!r} (use e.g. 4h or 2026-11-25T18:00)") from None


def zone(name: str | None) -> tzinfo | None:
    """The configured zone, or None for the machine's local zone."""
    if not name:
        return None
    from zoneinfo import ZoneInfo  # with a zone configured only: the small verbs start without it

    return ZoneInfo(name)


UNSHOWABLE = "?"
"""What a formatter shows for a time or duration no calendar or clock holds: formatting never raises."""


def clock(ts: float | None, tz: tzinfo | None = None, *, with_date: bool = False) -> str:
    """Local wall-clock time ``HH:MM`` (``MM-DD HH:MM`` with_date); '' when unknown, '?' when no calendar holds
    it (NaN, inf, 1e13, or the end of 9999 east of UTC)."""
    if ts is None:
        return ""
    try:
        dt = datetime.fromtimestamp(ts, tz) if tz else datetime.fromtimestamp(ts).astimezone()
    except (OverflowError, ValueError, OSError):
        return UNSHOWABLE
    return dt.strftime("%m-%d %H:%M" if with_date else "%H:%M")


def utc_minute(ts: float, *, zone: bool = True) -> str:
    """``2026-12-07 04:26 UTC``: an instant in a message (a lock's holder, an earlier retry, a feed's window);
    without `` UTC`` when ``zone`` is False (a span names the zone once). The one home of this format."""
    try:
        text = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError, OSError):
        return UNSHOWABLE
    return f"{text} UTC" if zone else text


def span(seconds: float | None, *, coarse: bool = False) -> str:
    """Compact duration: ``45s``, ``43m``, ``3h05``, ``2d04h`` (coarse, for narrow columns: ``3h``, ``2d``);
    '' when unknown, '?' when not a number of seconds (NaN, inf)."""
    if seconds is None:
        return ""
    if seconds - seconds != 0:  # NaN or inf
        return UNSHOWABLE
    s = int(max(seconds, 0))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h" if coarse else f"{s // 3600}h{(s % 3600) // 60:02d}"
    return f"{s // 86400}d" if coarse else f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def ago(ts: float | None, now: float) -> str:
    """How long ago, compact (``5m ago``); 'never' when unknown."""
    return "never" if ts is None else f"{span(now - ts)} ago"
