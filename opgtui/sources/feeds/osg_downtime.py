"""OSG Topology downtimes: the per-resource-group YAML files and the ``rgdowntime`` XML feed.

``feed.url`` is the XML feed (``https://topology.opensciencegrid.org/rgdowntime/xml?...``), a raw
``*_downtime.yaml`` URL, or a local copy of either. The format is detected from the content.

Every downtime is a maintenance window keyed by its ``ID``; the service is the ``ResourceName`` (else the
``ResourceFQDN``) mapped through the config aliases. ``Severity`` is kept, lower-cased, prefixed with
``unscheduled`` for ``Class: UNSCHEDULED``. A downtime covering now makes the service ``maintenance``;
"No Significant Outage Expected" makes it ``degraded`` (at risk). The XML feed shows no past downtimes
unless asked (``downtime_attrs_showpast``).

Times: YAML ``Mar 7, 2017 03:00 -0500`` (also ``UTC`` or no zone = UTC); XML ``Dec 04, 2023 12:00 PM UTC``,
a 24-hour clock with a meaningless AM/PM suffix, which is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from opgtui.config import FeedConfig
from opgtui.sources.feeds.base import (
    _FEED_YAML_LIMITS,
    Ctx,
    Downtime,
    FeedKind,
    FeedReport,
    Payload,
    ServiceFor,
    downtime_report,
    one_line,
    resolve_service,
    to_text,
    url_or_path,
    xml_child_text,
    xml_local,
)
from opgtui.sources.feeds.recordyaml import records

_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_TIME = re.compile(
    r"\s*([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?\s*"
)
AT_RISK = ("no significant outage expected",)


def urls(feed: FeedConfig) -> list[str]:
    return [url_or_path(feed.url)]


def parse_osg_time(text: str) -> float:
    """Epoch seconds of an OSG Topology time; raises ValueError when it is not one."""
    m = _TIME.fullmatch(text)
    if not m or m[1].lower() not in _MONTHS:
        raise ValueError(f"not an OSG time: {one_line(text, 60)!r}")
    mon, day, year, hour, minute, sec, zone = m.groups()
    offset = timedelta(0)
    if zone and zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if zone[0] == "-":
            offset = -offset
    try:
        dt = datetime(
            int(year), _MONTHS[mon.lower()], int(day), int(hour), int(minute), int(sec or 0), tzinfo=timezone(offset)
        )
    except ValueError as exc:
        raise ValueError(f"not an OSG time: {one_line(text, 60)!r} ({exc})") from None
    return dt.timestamp()


def parse(payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor) -> FeedReport:
    """Windows (and states for downtimes covering ``now``) from YAML or XML downtimes."""
    ctx = Ctx(feed)
    head = to_text(payload[:200]).lstrip()
    records = _from_xml(ctx, payload) if head.startswith("<") else _from_yaml(ctx, payload)
    downtimes = [_downtime(ctx, rec, service_for) for rec in records]
    report = downtime_report(downtimes, feed.name, now)
    report.counts = {"downtimes": len(records), "current": len(report.states)}
    return report


def _from_yaml(ctx: Ctx, payload: Payload) -> list[Mapping[str, Any]]:
    # Topology's files are flat records: read as such at a tenth of the general loader's cost, with the same
    # result; anything else (or a broken file, which the general loader names the fault of) goes through it
    doc: Any = records(to_text(payload), _FEED_YAML_LIMITS)
    if doc is None:
        doc = ctx.yaml(payload)
    if doc is None:
        return []
    if isinstance(doc, Mapping) and "Downtimes" in doc:  # the JSON-ish shape some mirrors serve
        doc = doc["Downtimes"]
    items = ctx.arr(doc, "downtimes")
    return [ctx.obj(rec, f"downtime[{i}]") for i, rec in enumerate(items)]


def _from_xml(ctx: Ctx, payload: Payload) -> list[Mapping[str, Any]]:
    root = ctx.xml(payload)
    if xml_local(root.tag) != "Downtimes":
        raise ctx.error(f"not an OSG downtime feed: root element <{xml_local(root.tag)}>")
    out = []
    for el in root.iter():
        if xml_local(el.tag) != "Downtime":
            continue
        rec: dict[str, Any] = {
            k: xml_child_text(el, k) or None
            for k in ("ID", "ResourceName", "ResourceFQDN", "StartTime", "EndTime", "Class", "Severity", "Description")
        }
        rec["Services"] = [xml_child_text(s, "Name") for s in el.iter() if xml_local(s.tag) == "Service"]
        out.append(rec)
    return out


def _downtime(ctx: Ctx, rec: Mapping[str, Any], service_for: ServiceFor) -> Downtime:
    what = f"downtime {rec.get('ID', '?')}"
    ext = ctx.text(rec, "ID", "downtime")
    resource = ctx.text(rec, "ResourceName", what)
    start = _time(ctx, rec, "StartTime", what)
    end = _time(ctx, rec, "EndTime", what)
    severity = ctx.text(rec, "Severity", what, required=False).strip()
    klass = ctx.text(rec, "Class", what, required=False).strip().upper()
    services = rec.get("Services") or []
    if not isinstance(services, list):
        services = [services]
    desc = one_line(ctx.text(rec, "Description", what, required=False))
    if services:
        desc = f"{desc} [{resource}: {', '.join(str(s) for s in services)}]".strip()
    sev = severity.lower()
    return Downtime(
        service=resolve_service(service_for, resource, str(rec.get("ResourceFQDN") or "")),
        start=start,
        end=end,
        ext_id=ext,
        description=desc,
        severity=f"unscheduled {sev}".strip() if klass == "UNSCHEDULED" else sev,
        at_risk=sev in AT_RISK,
    )


def _time(ctx: Ctx, rec: Mapping[str, Any], key: str, what: str) -> float:
    text = ctx.text(rec, key, what)
    try:
        return parse_osg_time(text)
    except ValueError as exc:
        raise ctx.error(f"{what} {key}: {exc}") from None


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(payloads[0], feed, now=now, service_for=service_for)


KIND = FeedKind("osg_downtime", urls, _parse_all, expects="any", local_ok=True)
