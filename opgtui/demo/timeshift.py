"""Move every time in a recorded file by a fixed offset, keeping its format, so a recording plays "now".

Pure text functions: ClassAd ``-long`` lines, ``-json`` ads, event-log stamps, ISO 8601 strings,
OSG Topology times and Prometheus sample times.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

TIME_ATTRS = frozenset(
    {
        "QDate",
        "JobStartDate",
        "JobCurrentStartDate",
        "JobCurrentStartExecutingDate",
        "CompletionDate",
        "EnteredCurrentStatus",
        "LastMatchTime",
        "JobLastStartDate",
        "LastJobLeaseRenewal",
        "ShadowBday",
        "LastVacateTime",
        "LastSuspensionTime",
        "LastHoldTime",
        "LastReleaseTime",
        "JobFinishedHookDone",
        "StageInStart",
        "StageInFinish",
        "LastRejMatchTime",
        "x509UserProxyExpiration",
        "LastCheckpointTime",
        "ReleaseTime",
    }
)

_LONG_LINE = re.compile(r"^(\w+) = (\d{9,10})$", re.MULTILINE)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_EVENT_STAMP = re.compile(r"(?<=\) )\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_OSG = re.compile(r"[A-Z][a-z]{2} \d{2}, \d{4} \d{2}:\d{2} [+-]\d{4}")
_PROM_VALUE = re.compile(r'("value": \[)(\d{9,10}(?:\.\d+)?)')


def shift_long(text: str, delta: int) -> str:
    """``Attr = 1234567890`` lines of known time attributes, in ``-long`` dumps."""
    return _LONG_LINE.sub(
        lambda m: f"{m[1]} = {int(m[2]) + delta}" if m[1] in TIME_ATTRS and int(m[2]) > 0 else m[0], text
    )


def shift_ads(ads: list[dict[str, Any]], delta: int) -> list[dict[str, Any]]:
    """Known time attributes of ``-json`` ads (zero means 'never' and stays zero)."""
    for ad in ads:
        for key in TIME_ATTRS.intersection(ad):
            if isinstance(ad[key], int | float) and ad[key] > 0:
                ad[key] = ad[key] + delta
    return ads


def shift_iso(text: str, delta: int) -> str:
    def move(m: re.Match[str]) -> str:
        s = m[0]
        dt = datetime.fromisoformat(s.replace("Z", "+00:00")) + timedelta(seconds=delta)
        if s.endswith("Z"):
            frac = ".%f" if "." in s else ""
            out = dt.astimezone(UTC).strftime(f"%Y-%m-%dT%H:%M:%S{frac}")
            return (out[:-3] if frac else out) + "Z"
        return dt.isoformat()

    return _ISO.sub(move, text)


def shift_eventlog(text: str, delta: int) -> str:
    """``000 (1.000.000) 2026-11-25 08:00:00 ...`` event headers (and ISO times inside events)."""

    def move(m: re.Match[str]) -> str:
        dt = datetime.strptime(m[0], "%Y-%m-%d %H:%M:%S") + timedelta(seconds=delta)
        return dt.strftime("%Y-%m-%d %H:%M:%S")

    return shift_iso(_EVENT_STAMP.sub(move, text), delta)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def shift_osg(text: str, delta: int) -> str:
    """OSG Topology ``Jul 20, 2018 16:00 -0500`` times (read by hand: strptime's first use costs ~25 ms, and
    the demo's board waits for this)."""

    def move(m: re.Match[str]) -> str:
        mon, day, year, hh, mm, zone = m[0].replace(",", "").replace(":", " ").split()
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
        dt = datetime(int(year), _MONTHS.index(mon) + 1, int(day), int(hh), int(mm), tzinfo=tz)
        dt += timedelta(seconds=delta)
        return f"{_MONTHS[dt.month - 1]} {dt.day:02d}, {dt.year} {dt.hour:02d}:{dt.minute:02d} {zone}"

    return _OSG.sub(move, text)


def shift_feed(text: str, delta: int) -> str:
    """Any feed payload: ISO strings, OSG times and Prometheus sample times."""
    text = _PROM_VALUE.sub(lambda m: f"{m[1]}{float(m[2]) + delta:.3f}", text)
    return shift_osg(shift_iso(text, delta), delta)
