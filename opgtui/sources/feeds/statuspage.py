"""Atlassian Statuspage v2 ``summary.json``: component states, incidents, scheduled maintenances.

``feed.url`` is the page (``https://status.example.org``) or the full ``.../api/v2/summary.json``.
Components map to states (operational up, degraded_performance and partial_outage degraded, major_outage
down, under_maintenance maintenance); group components are skipped (their children carry the state).
Unresolved and resolved incidents become outage windows per affected component (a page-wide incident
uses the page name); scheduled maintenances become maintenance windows, future ones too, with a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opgtui.config import FeedConfig
from opgtui.core.model import ServiceState, ServiceStateName, Window
from opgtui.sources.feeds.base import (
    Ctx,
    FeedKind,
    FeedReport,
    Payload,
    ServiceFor,
    dedupe_ext_ids,
    one_line,
    span_text,
    worse,
)

COMPONENT_STATES: dict[str, ServiceStateName] = {
    "operational": "up",
    "degraded_performance": "degraded",
    "partial_outage": "degraded",
    "major_outage": "down",
    "under_maintenance": "maintenance",
}
_OPEN_MAINTENANCE = ("in_progress", "verifying")


def urls(feed: FeedConfig) -> list[str]:
    url = feed.url.strip()
    if url.split("?", 1)[0].endswith(".json"):
        return [url]
    return [url.rstrip("/") + "/api/v2/summary.json"]


def parse(payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor) -> FeedReport:
    """States and windows from one summary.json payload."""
    ctx = Ctx(feed, urls(feed)[0])
    doc = ctx.obj(ctx.json(payload), "summary")
    if "components" not in doc and "incidents" not in doc:
        raise ctx.error("not a Statuspage summary: no 'components' or 'incidents'")
    page = doc.get("page") if isinstance(doc.get("page"), Mapping) else {}
    page_name = str(page.get("name") or feed.name)
    report = FeedReport(absent_state=None)
    states: dict[str, ServiceState] = {}

    def put(name: str, state: ServiceStateName, since: float | None, detail: str) -> None:
        svc = service_for(name)
        old = states.get(svc)
        if old is None or worse(state, old.state) != old.state:
            states[svc] = ServiceState(svc, state, since, feed.name, detail)

    components = ctx.arr(doc.get("components") or [], "components")
    for i, comp in enumerate(components):
        comp = ctx.obj(comp, f"components[{i}]")
        if comp.get("group") is True:
            continue
        name = ctx.text(comp, "name", f"components[{i}]")
        status = ctx.text(comp, "status", f"component {name!r}")
        since = ctx.opt_time(comp.get("updated_at"), f"component {name!r} updated_at")
        put(name, COMPONENT_STATES.get(status, "unknown"), since, status.replace("_", " "))

    windows: list[Window] = []
    incidents = ctx.arr(doc.get("incidents") or [], "incidents")
    for i, inc in enumerate(incidents):
        inc = ctx.obj(inc, f"incidents[{i}]")
        what = f"incident {inc.get('name') or inc.get('id') or i!s}"
        title = one_line(ctx.text(inc, "name", what))
        start = ctx.time(inc.get("started_at") or inc.get("created_at"), f"{what} start")
        end = ctx.opt_time(inc.get("resolved_at"), f"{what} resolved_at")
        impact = str(inc.get("impact") or "")
        ext = str(inc.get("id") or f"incident@{start}")
        affected = _components(ctx, inc, what)
        for comp_name, comp_status in affected or [(page_name, "")]:
            svc = service_for(comp_name)
            windows.append(Window(svc, "outage", start, end, feed.name, impact, title, ext))
            if end is None and comp_status in COMPONENT_STATES:
                put(comp_name, COMPONENT_STATES[comp_status], start, f"{comp_status.replace('_', ' ')}: {title}")

    maints = ctx.arr(doc.get("scheduled_maintenances") or [], "scheduled_maintenances")
    for i, m in enumerate(maints):
        m = ctx.obj(m, f"scheduled_maintenances[{i}]")
        what = f"maintenance {m.get('name') or m.get('id') or i!s}"
        title = one_line(ctx.text(m, "name", what))
        start = ctx.time(m.get("scheduled_for") or m.get("started_at"), f"{what} scheduled_for")
        end = ctx.opt_time(m.get("scheduled_until"), f"{what} scheduled_until")
        status = str(m.get("status") or "")
        if status == "completed":
            end = ctx.opt_time(m.get("resolved_at"), f"{what} resolved_at") or end
        ext = str(m.get("id") or f"maintenance@{start}")
        affected = _components(ctx, m, what) or [(page_name, "")]
        for comp_name, _status in affected:
            windows.append(
                Window(
                    service_for(comp_name),
                    "maintenance",
                    start,
                    end,
                    feed.name,
                    str(m.get("impact") or "maintenance"),
                    title,
                    ext,
                )
            )
            if status in _OPEN_MAINTENANCE or (status == "scheduled" and start <= now and (end is None or now < end)):
                put(comp_name, "maintenance", start, f"maintenance: {title}")
        if start > now and status not in ("completed", "cancelled"):
            names = ", ".join(service_for(n) for n, _ in affected)
            report.notes.append(f"scheduled maintenance {title!r} for {names}: {span_text(start, end)}")

    report.states = list(states.values())
    report.windows = dedupe_ext_ids(windows)
    report.counts = {"components": len(components), "incidents": len(incidents), "scheduled_maintenances": len(maints)}
    return report


def _components(ctx: Ctx, rec: Mapping[str, Any], what: str) -> list[tuple[str, str]]:
    comps = ctx.arr(rec.get("components") or [], f"{what} components")
    out = []
    for j, c in enumerate(comps):
        c = ctx.obj(c, f"{what} components[{j}]")
        out.append((ctx.text(c, "name", f"{what} components[{j}]"), str(c.get("status") or "")))
    return out


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(payloads[0], feed, now=now, service_for=service_for)


KIND = FeedKind("statuspage", urls, _parse_all, expects="json")
