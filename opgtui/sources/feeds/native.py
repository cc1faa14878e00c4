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
from typing import TYPE_CHECKING, Annotated, Any, get_args

import msgspec

from opgtui.config import FeedConfig
from opgtui.core.model import SERVICE_STATES, ServiceState, WindowKind
from opgtui.core.yamlspec import Spec
from opgtui.sources.feeds.base import (
    Ctx,
    Downtime,
    FeedKind,
    FeedReport,
    Payload,
    ServiceFor,
    downtime_report,
    one_line,
    parse_time,
    url_or_path,
)

if TYPE_CHECKING:
    from yaml.nodes import Node

WINDOW_KINDS: tuple[str, ...] = get_args(WindowKind)

# a state and a kind are checked by parse() with its own message; the JSON Schema lists their values
StateName = Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(SERVICE_STATES)})]
KindName = Annotated[str, msgspec.Meta(extra_json_schema={"enum": list(WINDOW_KINDS)})]
Time = Annotated[
    Any,
    msgspec.Meta(
        description="ISO 8601 (no zone = UTC) or epoch seconds",
        extra_json_schema={"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]},
    ),
]  # any value here: parse_time says what is wrong with one


class NativeService(Spec, kw_only=True):
    """A service's current state."""

    name: str
    state: StateName
    since: Time = None
    detail: str | None = None


class NativeWindow(Spec, kw_only=True):
    """An outage or maintenance window, past, current or future."""

    service: str
    start: Time
    kind: KindName | None = None
    end: Time = None
    description: str | None = None
    severity: str | None = None
    id: str | None = None


class NativeFeed(Spec, kw_only=True):
    """A native feed document (``opgtui config schema feed``)."""

    services: list[NativeService] | None = None
    windows: list[NativeWindow] | None = None
    notes: list[str] | None = None


def urls(feed: FeedConfig) -> list[str]:
    return [url_or_path(feed.url)]


def parse(payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor) -> FeedReport:
    """States, windows and notes from a native document; a problem is one FeedError naming its line and key."""
    ctx = Ctx(feed, urls(feed)[0])
    doc, root = ctx.typed(payload, NativeFeed)
    if doc is None:
        return FeedReport(absent_state="up", counts={"services": 0, "windows": 0})
    downtimes = []
    windows = doc.windows or []
    for i, w in enumerate(windows):
        service = service_for(w.service)
        kind = w.kind or "maintenance"
        if kind not in WINDOW_KINDS:
            raise ctx.at(root, ("windows", i, "kind"), f"kind {one_line(kind, 30)!r} is not outage or maintenance")
        start = _time(ctx, root, ("windows", i, "start"), w.start)
        if start is None:
            raise ctx.at(root, ("windows", i, "start"), "missing time")
        end = _time(ctx, root, ("windows", i, "end"), w.end)
        if end is not None and end < start:
            raise ctx.at(root, ("windows", i, "end"), "end is before start")
        ext = w.id or f"{service}|{kind}|{int(start) if start.is_integer() else start}"
        description, severity = one_line(w.description or ""), one_line(w.severity or "")
        downtimes.append(Downtime(service, start, end, ext, description, severity, kind=kind))  # type: ignore[arg-type]
    report = downtime_report(downtimes, feed.name, now)

    explicit: dict[str, ServiceState] = {}
    services = doc.services or []
    for i, s in enumerate(services):
        name = service_for(s.name)
        if s.state not in SERVICE_STATES:
            problem = f"state {one_line(s.state, 30)!r} is not one of {', '.join(SERVICE_STATES)}"
            raise ctx.at(root, ("services", i, "state"), problem)
        since = _time(ctx, root, ("services", i, "since"), s.since)
        explicit[name] = ServiceState(name, s.state, since, feed.name, one_line(s.detail or ""))  # type: ignore[arg-type]
    report.states = [*explicit.values(), *(st for st in report.states if st.service not in explicit)]

    report.notes = [one_line(n) for n in doc.notes or []] + report.notes
    report.counts = {"services": len(services), "windows": len(windows)}
    return report


def _time(ctx: Ctx, root: Node | None, keys: tuple[str | int, ...], value: Any) -> float | None:
    """The time at ``keys`` as epoch seconds (None when absent); a FeedError naming its line otherwise."""
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ctx.at(root, keys, str(exc)) from None


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(payloads[0], feed, now=now, service_for=service_for)


KIND = FeedKind("native", urls, _parse_all, expects="any", local_ok=True)
