"""Prometheus Alertmanager API v2: firing alerts are outages, silences naming a service are maintenance.

Two requests: ``GET /api/v2/alerts`` and ``GET /api/v2/silences`` (``feed.url`` is the server root).
``feed.options``: ``filter`` (a matcher or list of matchers, e.g. ``team="fife"``, passed to both),
``services`` (names this feed covers: reported ``up`` while nothing fires for them),
``down_severities`` (default critical, page, error, major, disaster, emergency; other severities are
degraded), ``ignore_severities`` (default info, none).

- The service is the alert's ``feed.service_label`` label (default ``service``), else ``job``, else
  ``instance``, mapped through the config aliases; alerts naming none are counted and skipped.
- Each alert is an outage window keyed by its ``fingerprint`` from ``startsAt``, end unknown: Alertmanager
  forgets resolved alerts, so the store closes windows that stop being reported.
- Suppressed (silenced or inhibited) alerts stay outages, with the note "silenced"/"inhibited".
- A silence with an equality (or a plain ``a|b`` regex) matcher on the service label is a maintenance
  window ``startsAt``..``endsAt``: active ones now, pending ones ahead (with a note), expired ones as
  history. An active silence makes the service ``maintenance`` unless an unsuppressed alert fires.
- Optional fields stay optional (0.25 has no ``mutedBy``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

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

DOWN_SEVERITIES = ("critical", "page", "error", "major", "disaster", "emergency")
IGNORE_SEVERITIES = ("info", "none")
_PLAIN_ALTERNATION = re.compile(r"[\w.:/-]+(\|[\w.:/-]+)*")


def base_url(feed: FeedConfig) -> str:
    url = feed.url.strip().rstrip("/")
    for suffix in ("/api/v2/alerts", "/api/v2/silences", "/api/v2"):
        url = url.removesuffix(suffix)
    return url


def urls(feed: FeedConfig) -> list[str]:
    filt = feed.options.get("filter") or []
    query = "?" + urlencode([("filter", f) for f in ([filt] if isinstance(filt, str) else filt)]) if filt else ""
    base = base_url(feed)
    return [f"{base}/api/v2/alerts{query}", f"{base}/api/v2/silences{query}"]


def _labels_for(feed: FeedConfig) -> list[str]:
    return list(dict.fromkeys([feed.service_label, "job", "instance"]))


def _str_list(value: Any, default: Sequence[str]) -> set[str]:
    if value is None:
        return {s.lower() for s in default}
    return {str(v).lower() for v in ([value] if isinstance(value, str) else value)}


@dataclass(slots=True)
class _Svc:
    active: ServiceStateName | None = None
    active_since: float | None = None
    active_detail: list[str] = field(default_factory=list)
    muted: ServiceStateName | None = None
    muted_since: float | None = None
    muted_detail: list[str] = field(default_factory=list)
    maint_since: float | None = None
    maint_detail: str = ""


def parse(
    payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor, silences: Payload | None = None
) -> FeedReport:
    """States and windows from the alerts payload (and the silences payload when given)."""
    url_alerts, url_silences = urls(feed)
    report = FeedReport(absent_state="up")
    services: dict[str, _Svc] = {}
    windows: list[Window] = []
    counts = {"alerts": 0, "firing": 0, "suppressed": 0, "ignored": 0, "unattributed": 0}

    ctx = Ctx(feed, url_alerts)
    alerts = ctx.arr(ctx.json(payload), "alerts")
    counts["alerts"] = len(alerts)
    down = _str_list(feed.options.get("down_severities"), DOWN_SEVERITIES)
    ignore = _str_list(feed.options.get("ignore_severities"), IGNORE_SEVERITIES)
    labels_for = _labels_for(feed)
    for i, alert in enumerate(alerts):
        alert = ctx.obj(alert, f"alerts[{i}]")
        labels = ctx.obj(ctx.field(alert, "labels", f"alerts[{i}]"), f"alerts[{i}].labels")
        what = f"alert {labels.get('alertname') or i!s}"
        fingerprint = ctx.text(alert, "fingerprint", what)
        start = ctx.time(alert.get("startsAt"), f"{what} startsAt")
        status = alert.get("status") if isinstance(alert.get("status"), Mapping) else {}
        state_name = str(status.get("state") or "active")
        severity = str(labels.get("severity") or "").lower()
        if severity in ignore:
            counts["ignored"] += 1
            continue
        name = next((str(labels[k]) for k in labels_for if labels.get(k)), "")
        if not name:
            counts["unattributed"] += 1
            continue
        svc = service_for(name)
        state: ServiceStateName = "down" if severity in down else "degraded"
        annotations = alert.get("annotations") if isinstance(alert.get("annotations"), Mapping) else {}
        summary = str(annotations.get("summary") or annotations.get("description") or "")
        text = one_line(
            f"{labels.get('alertname') or 'alert'}: {summary}" if summary else str(labels.get("alertname") or "alert")
        )
        rec = services.setdefault(svc, _Svc())
        if state_name == "suppressed":
            counts["suppressed"] += 1
            why = (
                "silenced"
                if _nonempty(status.get("silencedBy"))
                else ("inhibited" if _nonempty(status.get("inhibitedBy")) else "suppressed")
            )
            text = f"{text} ({why})"
            rec.muted = worse(state, rec.muted or "unknown")
            rec.muted_since = start if rec.muted_since is None else min(rec.muted_since, start)
            rec.muted_detail.append(text)
        else:
            counts["firing"] += 1
            rec.active = worse(state, rec.active or "unknown")
            rec.active_since = start if rec.active_since is None else min(rec.active_since, start)
            rec.active_detail.append(text)
        windows.append(Window(svc, "outage", start, None, feed.name, severity, text, fingerprint))

    if silences is not None:
        _silences(Ctx(feed, url_silences), silences, feed, now, service_for, services, windows, report, counts)

    for svc, rec in services.items():
        if rec.active:
            report.states.append(
                ServiceState(svc, rec.active, rec.active_since, feed.name, "; ".join(rec.active_detail))
            )
        elif rec.maint_since is not None:
            report.states.append(ServiceState(svc, "maintenance", rec.maint_since, feed.name, rec.maint_detail))
        elif rec.muted:
            report.states.append(ServiceState(svc, rec.muted, rec.muted_since, feed.name, "; ".join(rec.muted_detail)))
    stated = {s.service for s in report.states}
    for name in _str_list_keep_case(feed.options.get("services")):
        svc = service_for(name)
        if svc not in stated:
            report.states.append(ServiceState(svc, "up", None, feed.name, "no alert firing"))
            stated.add(svc)
    report.windows = dedupe_ext_ids(windows)
    report.counts = counts
    return report


def _silences(
    ctx: Ctx,
    payload: Payload,
    feed: FeedConfig,
    now: float,
    service_for: ServiceFor,
    services: dict[str, _Svc],
    windows: list[Window],
    report: FeedReport,
    counts: dict[str, int],
) -> None:
    items = ctx.arr(ctx.json(payload), "silences")
    counts["silences"] = len(items)
    counts["silences_unmapped"] = 0
    labels_for = set(_labels_for(feed))
    for i, sil in enumerate(items):
        sil = ctx.obj(sil, f"silences[{i}]")
        sid = ctx.text(sil, "id", f"silences[{i}]")
        what = f"silence {sid}"
        start = ctx.time(sil.get("startsAt"), f"{what} startsAt")
        end = ctx.opt_time(sil.get("endsAt"), f"{what} endsAt")
        status = sil.get("status") if isinstance(sil.get("status"), Mapping) else {}
        state = str(status.get("state") or "")
        if not state:  # derive it as Alertmanager would
            state = "pending" if start > now else ("expired" if end is not None and end <= now else "active")
        names = _silenced_services(ctx, sil, what, labels_for)
        if not names:
            counts["silences_unmapped"] += 1
            continue
        if end is not None and end <= start:
            continue  # created and expired at once: no window
        by = str(sil.get("createdBy") or "")
        comment = one_line(str(sil.get("comment") or "silence")) + (f" (by {one_line(by, 60)})" if by else "")
        for name in names:
            svc = service_for(name)
            windows.append(Window(svc, "maintenance", start, end, ctx.feed.name, "silence", comment, sid))
            if state == "active":
                rec = services.setdefault(svc, _Svc())
                if rec.maint_since is None or start < rec.maint_since:
                    rec.maint_since, rec.maint_detail = start, f"maintenance: {comment}"
        if state == "pending":
            svcs = ", ".join(service_for(n) for n in names)
            report.notes.append(f"upcoming maintenance (silence) for {svcs}: {span_text(start, end)}: {comment}")


def _silenced_services(ctx: Ctx, sil: Mapping[str, Any], what: str, labels_for: set[str]) -> list[str]:
    matchers = ctx.arr(sil.get("matchers") or [], f"{what} matchers")
    out: list[str] = []
    for j, m in enumerate(matchers):
        m = ctx.obj(m, f"{what} matchers[{j}]")
        if str(m.get("name")) not in labels_for or m.get("isEqual") is False:
            continue
        value = str(m.get("value") or "")
        if m.get("isRegex"):
            if not _PLAIN_ALTERNATION.fullmatch(value):
                continue
            out += value.split("|")
        elif value:
            out.append(value)
    return list(dict.fromkeys(out))


def _nonempty(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0


def _str_list_keep_case(value: Any) -> list[str]:
    if not value:
        return []
    return [str(v) for v in ([value] if isinstance(value, str) else value)]


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(
        payloads[0], feed, now=now, service_for=service_for, silences=payloads[1] if len(payloads) > 1 else None
    )


KIND = FeedKind("alertmanager", urls, _parse_all, expects="json")
