"""opgtui's own feed format, for sites with no other feed and for windows declared by hand.

``feed.url`` is an http(s) URL or a local file path (``~`` expanded). YAML or JSON::

    services:                       # current states (optional)
      - name: samweb                # required; mapped through the config aliases
        state: down                 # up | degraded | down | maintenance | unknown
        since: 2024-05-01T10:00Z    # optional: ISO 8601 (no zone = UTC) or epoch seconds
        detail: DB migration        # optional
    windows:                        # outages and maintenance, past, current or future (optional)
      - service: dcache             # required
        kind: maintenance           # outage | maintenance (default maintenance)
        start: 2024-05-02T08:00Z    # required
        end: 2024-05-02T12:00Z      # optional: open-ended when absent
        description: pool upgrade   # optional
        severity: outage            # optional, free text
        id: dcache-2024-05-02       # optional stable id (default: service|kind|start)
    notes: [free text shown with the feed]   # optional

A window covering now makes its service ``maintenance`` (``down`` for an outage) unless ``services``
states it explicitly; a service no longer listed counts as up again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from opgtui.config import FeedConfig
from opgtui.core.model import SERVICE_STATES, ServiceState, WindowKind
from opgtui.sources.feeds.base import (
    Ctx,
    Downtime,
    FeedKind,
    FeedReport,
    Payload,
    ServiceFor,
    downtime_report,
    one_line,
    url_or_path,
)

WINDOW_KINDS: tuple[str, ...] = get_args(WindowKind)


def urls(feed: FeedConfig) -> list[str]:
    return [url_or_path(feed.url)]


def parse(payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor) -> FeedReport:
    """States, windows and notes from a native document."""
    ctx = Ctx(feed, urls(feed)[0])
    doc = ctx.yaml(payload)
    if doc is None:
        return FeedReport(absent_state="up", counts={"services": 0, "windows": 0})
    doc = ctx.obj(doc, "document")
    unknown = set(doc) - {"services", "windows", "notes"}
    if unknown:
        raise ctx.error(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))} "
                        "(known: services, windows, notes)")
    downtimes = []
    windows = ctx.arr(doc.get("windows") or [], "windows")
    for i, w in enumerate(windows):
        w = ctx.obj(w, f"windows[{i}]")
        what = f"windows[{i}]"
        service = service_for(ctx.text(w, "service", what))
        kind = str(w.get("kind") or "maintenance")
        if kind not in WINDOW_KINDS:
            raise ctx.error(f"{what}: kind {one_line(kind, 30)!r} is not outage or maintenance")
        start = ctx.time(ctx.field(w, "start", what), f"{what} start")
        end = ctx.opt_time(w.get("end"), f"{what} end")
        if end is not None and end < start:
            raise ctx.error(f"{what}: end is before start")
        ext = str(w.get("id") or f"{service}|{kind}|{int(start) if start.is_integer() else start}")
        downtimes.append(Downtime(service, start, end, ext, one_line(ctx.text(w, "description", what, required=False)),
                                  one_line(ctx.text(w, "severity", what, required=False)), kind=kind))  # type: ignore[arg-type]
    report = downtime_report(downtimes, feed.name, now)

    explicit: dict[str, ServiceState] = {}
    services = ctx.arr(doc.get("services") or [], "services")
    for i, s in enumerate(services):
        s = ctx.obj(s, f"services[{i}]")
        what = f"services[{i}]"
        name = service_for(ctx.text(s, "name", what))
        state = ctx.text(s, "state", what)
        if state not in SERVICE_STATES:
            raise ctx.error(f"{what}: state {one_line(state, 30)!r} is not one of {', '.join(SERVICE_STATES)}")
        since = ctx.opt_time(s.get("since"), f"{what} since")
        explicit[name] = ServiceState(name, state, since, feed.name,  # type: ignore[arg-type]
                                      one_line(ctx.text(s, "detail", what, required=False)))
    report.states = [*explicit.values(), *(st for st in report.states if st.service not in explicit)]

    notes = doc.get("notes") or []
    notes = [notes] if isinstance(notes, str) else ctx.arr(notes, "notes")
    report.notes = [one_line(n) for n in notes] + report.notes
    report.counts = {"services": len(services), "windows": len(windows)}
    return report


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(payloads[0], feed, now=now, service_for=service_for)


KIND = FeedKind("native", urls, _parse_all, expects="any", local_ok=True)
