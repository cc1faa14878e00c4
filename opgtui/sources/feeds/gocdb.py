"""EGI GOCDB ``get_downtime`` XML: declared downtimes of grid services.

``feed.url`` is the full programmatic-interface URL, e.g.
``https://goc.egi.eu/gocdbpi/public/?method=get_downtime&topentity=SITE&ongoing_only=yes``.

GOCDB repeats a downtime once per affected service endpoint: records are de-duplicated on
``PRIMARY_KEY`` and canonical service. The service is the first of ``feed.options["service_from"]``
(default ``HOSTNAME``, ``ENDPOINT``, ``SERVICE_TYPE``, ``HOSTED_BY``) that the config aliases map, else the
``HOSTNAME``. ``SEVERITY`` OUTAGE covering now is ``maintenance``; WARNING ("at risk") is ``degraded``.
Times are the epoch ``START_DATE``/``END_DATE``.
"""

from __future__ import annotations

from collections.abc import Sequence

from opgtui.config import FeedConfig
from opgtui.sources.feeds.base import (
    Ctx,
    Downtime,
    FeedKind,
    FeedReport,
    Payload,
    ServiceFor,
    downtime_report,
    one_line,
    resolve_service,
    xml_child_text,
    xml_local,
)

SERVICE_FROM = ("HOSTNAME", "ENDPOINT", "SERVICE_TYPE", "HOSTED_BY")


def urls(feed: FeedConfig) -> list[str]:
    return [feed.url.strip()]


def parse(payload: Payload, feed: FeedConfig, *, now: float, service_for: ServiceFor) -> FeedReport:
    """De-duplicated downtime windows (and states for downtimes covering ``now``)."""
    ctx = Ctx(feed)
    root = ctx.xml(payload)
    if xml_local(root.tag) != "results":
        raise ctx.error(f"not a GOCDB response: root element <{xml_local(root.tag)}>")
    fields = feed.options.get("service_from") or SERVICE_FROM
    fields = [fields] if isinstance(fields, str) else [str(f) for f in fields]
    downtimes: list[Downtime] = []
    seen: set[tuple[str, str]] = set()
    records = [el for el in root if xml_local(el.tag) == "DOWNTIME"]
    for i, el in enumerate(records):
        key = el.get("PRIMARY_KEY") or xml_child_text(el, "PRIMARY_KEY") or el.get("ID") or ""
        what = f"downtime {key or i}"
        if not key:
            raise ctx.error(f"DOWNTIME[{i}]: missing PRIMARY_KEY")
        start = ctx.time(xml_child_text(el, "START_DATE"), f"{what} START_DATE")
        end = ctx.opt_time(xml_child_text(el, "END_DATE"), f"{what} END_DATE")
        hostname = xml_child_text(el, "HOSTNAME")
        candidates = [xml_child_text(el, f) for f in fields]
        service = resolve_service(service_for, *candidates, hostname, xml_child_text(el, "HOSTED_BY"))
        if not service:
            raise ctx.error(f"{what}: no HOSTNAME, ENDPOINT or SERVICE_TYPE")
        if (key, service) in seen:
            continue
        seen.add((key, service))
        severity = xml_child_text(el, "SEVERITY").upper()
        klass = (el.get("CLASSIFICATION") or xml_child_text(el, "CLASSIFICATION")).upper()
        sev = severity.lower()
        desc = one_line(xml_child_text(el, "DESCRIPTION"))
        stype = xml_child_text(el, "SERVICE_TYPE")
        if hostname or stype:
            desc = f"{desc} [{' '.join(filter(None, (stype, hostname)))}]".strip()
        downtimes.append(
            Downtime(
                service=service,
                start=start,
                end=end,
                ext_id=key,
                description=desc,
                severity=f"unscheduled {sev}".strip() if klass == "UNSCHEDULED" else sev,
                at_risk=severity in ("WARNING", "AT_RISK", "AT RISK"),
            )
        )
    report = downtime_report(downtimes, feed.name, now)
    report.counts = {
        "records": len(records),
        "downtimes": len({d.ext_id for d in downtimes}),
        "current": len(report.states),
    }
    return report


def _parse_all(payloads: Sequence[Payload], feed: FeedConfig, now: float, service_for: ServiceFor) -> FeedReport:
    return parse(payloads[0], feed, now=now, service_for=service_for)


KIND = FeedKind("gocdb", urls, _parse_all, expects="xml")
