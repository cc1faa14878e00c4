"""Prometheus instant query: each series' label names a service; non-zero is up, zero is down.

``GET /api/v1/query?query=Q`` with ``Q = feed.options["query"]`` (default ``up``; ``probe_success``
works the same way). The service is the series' ``feed.service_label`` label, else ``job``, mapped
through the config aliases. Several series for one service: all up is up, all down is down, a mix is
degraded. A NaN sample is unknown. A range query result (matrix) uses each series' last sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlencode

from opgtui.config import FeedConfig
from opgtui.core.model import ServiceState, ServiceStateName
from opgtui.sources.feeds.base import Ctx, FeedKind, FeedReport, Payload, ServiceFor, one_line


def urls(feed: FeedConfig) -> list[str]:
    base = feed.url.strip().rstrip("/").removesuffix("/api/v1/query").removesuffix("/api/v1")
    query = str(feed.options.get("query") or "up")
    return [f"{base}/api/v1/query?{urlencode({'query': query})}"]


def parse(payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor) -> FeedReport:
    """One state per service from an instant-query response."""
    ctx = Ctx(feed, urls(feed)[0])
    doc = ctx.obj(ctx.json(payload), "response")
    status = doc.get("status")
    if status == "error":
        raise ctx.error(f"query failed: {doc.get('errorType') or 'error'}: {doc.get('error') or ''}")
    if status != "success":
        raise ctx.error(f"not a Prometheus API response: status {one_line(status, 40)!r}")
    data = ctx.obj(ctx.field(doc, "data", "response"), "data")
    rtype = data.get("resultType")
    if rtype not in ("vector", "matrix"):
        raise ctx.error(f"expected a vector of series, got resultType {one_line(rtype, 40)!r}")
    result = ctx.arr(data.get("result"), "data.result")
    labels_for = list(dict.fromkeys([feed.service_label, "job"]))
    per: dict[str, list[tuple[str, float]]] = {}
    skipped = 0
    for i, series in enumerate(result):
        series = ctx.obj(series, f"result[{i}]")
        metric = ctx.obj(series.get("metric") or {}, f"result[{i}].metric")
        name = next((str(metric[k]) for k in labels_for if metric.get(k)), "")
        if not name:
            skipped += 1
            continue
        sample = series.get("value")
        if rtype == "matrix":
            values = ctx.arr(series.get("values"), f"result[{i}].values")
            sample = values[-1] if values else None
        if not (isinstance(sample, list) and len(sample) == 2):
            raise ctx.error(f"result[{i}]: expected a [time, value] sample")
        try:
            value = float(sample[1])
        except (TypeError, ValueError):
            raise ctx.error(f"result[{i}]: value {one_line(sample[1], 40)!r} is not a number") from None
        label = str(metric.get("instance") or metric.get("job") or name)
        per.setdefault(service_for(name), []).append((label, value))
    report = FeedReport(absent_state=None)
    for svc, samples in per.items():
        state, detail = _combine(samples)
        report.states.append(ServiceState(svc, state, None, feed.name, detail))
    report.counts = {"series": len(result), "unattributed": skipped, "services": len(per)}
    return report


def _combine(samples: list[tuple[str, float]]) -> tuple[ServiceStateName, str]:
    known = [(label, v) for label, v in samples if not math.isnan(v)]
    if not known:
        return "unknown", "no value (NaN)"
    downs = sorted(label for label, v in known if v == 0)
    if not downs:
        return "up", f"{len(known)}/{len(known)} up"
    if len(downs) == len(known):
        return "down", f"0/{len(known)} up: {', '.join(downs[:5])}"
    more = f" (+{len(downs) - 5} more)" if len(downs) > 5 else ""
    return "degraded", f"{len(known) - len(downs)}/{len(known)} up; down: {', '.join(downs[:5])}{more}"


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(payloads[0], feed, now=now, service_for=service_for)


KIND = FeedKind("prometheus", urls, _parse_all, expects="json")
