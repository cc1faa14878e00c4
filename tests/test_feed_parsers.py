"""Feed parsers on real recorded payloads, and bad input that must give one clear FeedError."""

from __future__ import annotations

import calendar
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from opgtui.config import Config, FeedConfig, ServiceConfig
from opgtui.sources.feeds import (
    BUILTIN_KINDS,
    FeedError,
    alertmanager,
    get_kind,
    gocdb,
    native,
    osg_downtime,
    prometheus,
    statuspage,
)
from opgtui.sources.feeds.base import parse_time

DATA = Path(__file__).parent / "data" / "feeds"


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: float = 0.0) -> float:
    return calendar.timegm((y, mo, d, h, mi, 0, 0, 0, 0)) + s


def feed(kind: str, url: str = "http://feeds.test", **options: Any) -> FeedConfig:
    return FeedConfig(name=f"{kind}-t", kind=kind, url=url, options=options)


def ident(name: str) -> str:
    return name


CFG = Config(
    services=[
        ServiceConfig("samweb", aliases=["sam"]),
        ServiceConfig("dcache", aliases=["fndca", "fndca1.fnal.gov"]),
        ServiceConfig("market", aliases=["Market data"]),
        ServiceConfig("gpgrid-ce", aliases=["FNAL_GPGRID_CE_03"]),
        ServiceConfig("gocdb", aliases=["egi.GOCDB"]),
    ]
)


def by_service(states: list) -> dict[str, Any]:
    return {s.service: s for s in states}


# ---------------------------------------------------------------- statuspage


class TestStatuspage:
    payload = (DATA / "statuspage_htx_summary.json").read_bytes()
    before = utc(2020, 2, 12)

    def test_components_incidents_maintenance(self) -> None:
        r = statuspage.parse(self.payload, feed("statuspage"), now=self.before, service_for=ident)
        st = by_service(r.states)
        assert st["Deposit"].state == "up"
        assert st["Deposit"].since == pytest.approx(utc(2020, 2, 7, 9, 27, 15.563))
        # the incident's component is not in the top-level list: its status comes from the incident
        assert st["Market data"].state == "degraded"
        outage = next(w for w in r.windows if w.kind == "outage")
        assert (outage.service, outage.ext_id, outage.severity) == ("Market data", "rclfxz2g21ly", "minor")
        assert outage.start == pytest.approx(utc(2020, 2, 11, 3, 15, 1.906))
        assert outage.end is None
        maint = next(w for w in r.windows if w.kind == "maintenance")
        assert (maint.service, maint.start, maint.end) == ("Deposit", utc(2020, 2, 15), utc(2020, 2, 15, 1))
        assert maint.description == "Schedule maintenance"
        assert any("Schedule maintenance" in n and "2020-02-15 00:00" in n for n in r.notes)
        assert r.counts == {"components": 1, "incidents": 1, "scheduled_maintenances": 1}
        assert {s.source for s in r.states} == {"statuspage-t"}

    def test_aliases_and_maintenance_in_progress(self) -> None:
        during = utc(2020, 2, 15, 0, 30)
        r = statuspage.parse(self.payload, feed("statuspage"), now=during, service_for=CFG.service_for)
        st = by_service(r.states)
        assert st["market"].state == "degraded"
        assert st["Deposit"].state == "maintenance"  # scheduled window covers now
        assert not r.notes  # not upcoming any more

    def test_statuses_and_resolved_incident(self) -> None:
        doc = {
            "page": {"name": "CILogon"},
            "components": [
                {"name": n, "status": s, "updated_at": "2024-01-01T00:00:00Z"}
                for n, s in (("a", "major_outage"), ("b", "partial_outage"), ("c", "under_maintenance"), ("d", "weird"))
            ]
            + [{"name": "grp", "status": "major_outage", "group": True}],
            "incidents": [
                {
                    "id": "x",
                    "name": "Login down",
                    "created_at": "2024-01-01T01:00:00Z",
                    "resolved_at": "2024-01-01T02:00:00Z",
                    "components": [],
                }
            ],
        }
        r = statuspage.parse(json.dumps(doc), feed("statuspage"), now=utc(2024, 1, 2), service_for=ident)
        assert {s.service: s.state for s in r.states} == {
            "a": "down",
            "b": "degraded",
            "c": "maintenance",
            "d": "unknown",
        }
        (w,) = r.windows
        assert (w.service, w.start, w.end) == ("CILogon", utc(2024, 1, 1, 1), utc(2024, 1, 1, 2))

    def test_urls(self) -> None:
        assert statuspage.urls(feed("statuspage", "https://status.x.org/")) == [
            "https://status.x.org/api/v2/summary.json"
        ]
        assert statuspage.urls(feed("statuspage", "https://s.org/api/v2/summary.json")) == [
            "https://s.org/api/v2/summary.json"
        ]


# ---------------------------------------------------------------- alertmanager


class TestAlertmanager:
    alerts = (DATA / "am025_alerts.json").read_bytes()
    silences = (DATA / "am025_silences.json").read_bytes()
    now = utc(2026, 11, 25, 3, 13)

    def test_alerts_and_silences(self) -> None:
        r = alertmanager.parse(
            self.alerts, feed("alertmanager"), now=self.now, service_for=CFG.service_for, silences=self.silences
        )
        st = by_service(r.states)
        assert st["samweb"].state == "down"
        assert st["samweb"].since == utc(2026, 11, 25, 2, 55, 54)
        assert "SAMweb for nova not responding" in st["samweb"].detail
        assert st["cvmfs"].state == "down"
        assert st["dcache"].state == "maintenance"  # its only alert is silenced by the maintenance silence
        outages = {w.ext_id: w for w in r.windows if w.kind == "outage"}
        assert set(outages) == {"5920210e6903d5be", "5cdae26f5cd81941", "7e0c43fb48a8bb4e"}
        assert outages["5cdae26f5cd81941"].start == pytest.approx(utc(2026, 11, 25, 3, 12, 54.638))
        assert all(w.end is None for w in outages.values())  # endsAt of a firing alert is no real end
        dc = outages["7e0c43fb48a8bb4e"]
        assert (dc.service, dc.severity) == ("dcache", "warning")
        assert "silenced" in dc.description  # suppressed alerts stay known
        (m,) = [w for w in r.windows if w.kind == "maintenance"]
        assert (m.service, m.ext_id) == ("dcache", "573b56c1-1a9d-406c-be9d-30f809503c62")
        assert m.start == pytest.approx(utc(2026, 11, 25, 3, 12, 54.651))
        assert m.end == pytest.approx(utc(2026, 11, 25, 7, 12, 54.650))
        assert "dCache scheduled maintenance" in m.description
        assert r.absent_state == "up"
        assert r.counts["alerts"] == 3 and r.counts["suppressed"] == 1 and r.counts["silences"] == 1

    def test_without_silences_a_suppressed_alert_still_counts(self) -> None:
        r = alertmanager.parse(self.alerts, feed("alertmanager"), now=self.now, service_for=ident)
        st = by_service(r.states)
        assert st["dcache"].state == "degraded" and "silenced" in st["dcache"].detail

    def test_active_only(self) -> None:
        payload = (DATA / "am025_alerts_active_only.json").read_bytes()
        r = alertmanager.parse(payload, feed("alertmanager"), now=self.now, service_for=ident)
        assert {s.service: s.state for s in r.states} == {"samweb": "down", "cvmfs": "down"}

    def test_pending_expired_and_regex_silences(self) -> None:
        base = json.loads(self.silences)[0]
        pending = {
            **base,
            "id": "p1",
            "status": {"state": "pending"},
            "startsAt": "2026-11-26T08:00:00Z",
            "endsAt": "2026-11-26T12:00:00Z",
            "matchers": [{"name": "service", "value": "samweb|cvmfs", "isRegex": True}],
        }
        expired = {
            **base,
            "id": "e1",
            "status": {"state": "expired"},
            "startsAt": "2026-11-20T08:00:00Z",
            "endsAt": "2026-11-20T09:00:00Z",
        }
        fancy = {**base, "id": "f1", "matchers": [{"name": "service", "value": "dc.*", "isRegex": True}]}
        other = {**base, "id": "o1", "matchers": [{"name": "alertname", "value": "Foo", "isRegex": False}]}
        r = alertmanager.parse(
            "[]",
            feed("alertmanager"),
            now=self.now,
            service_for=ident,
            silences=json.dumps([pending, expired, fancy, other]),
        )
        wins = {(w.ext_id, w.service): w for w in r.windows}
        assert set(wins) == {("p1/samweb", "samweb"), ("p1/cvmfs", "cvmfs"), ("e1", "dcache")}
        assert wins[("p1/samweb", "samweb")].start == utc(2026, 11, 26, 8)
        assert wins[("e1", "dcache")].end == utc(2026, 11, 20, 9)
        assert r.states == []  # nothing active now
        assert any("upcoming maintenance" in n and "samweb, cvmfs" in n for n in r.notes)
        assert r.counts["silences_unmapped"] == 2

    def test_label_fallbacks_severities_and_covered_services(self) -> None:
        alerts = [
            {"fingerprint": "a", "startsAt": "2026-01-01T00:00:00Z", "labels": {"job": "sam", "severity": "page"}},
            {"fingerprint": "b", "startsAt": "2026-01-01T00:00:00Z", "labels": {"instance": "h:1"}},
            {"fingerprint": "c", "startsAt": "2026-01-01T00:00:00Z", "labels": {"alertname": "x"}},
            {
                "fingerprint": "d",
                "startsAt": "2026-01-01T00:00:00Z",
                "labels": {"service": "cvmfs", "severity": "info"},
            },
        ]
        r = alertmanager.parse(
            json.dumps(alerts),
            feed("alertmanager", services=["cvmfs", "fndca"]),
            now=self.now,
            service_for=CFG.service_for,
        )
        assert {s.service: s.state for s in r.states} == {
            "samweb": "down",
            "h:1": "degraded",
            "cvmfs": "up",
            "dcache": "up",
        }
        assert r.counts["unattributed"] == 1 and r.counts["ignored"] == 1

    def test_urls_and_filter(self) -> None:
        f = feed("alertmanager", "http://am:9093/", filter='team="fife"')
        a, s = alertmanager.urls(f)
        assert a == "http://am:9093/api/v2/alerts?filter=team%3D%22fife%22"
        assert s.startswith("http://am:9093/api/v2/silences?filter=")

    @pytest.mark.parametrize(
        "payload, message",
        [
            ("<html><body>login</body></html>", "not JSON: got an HTML page"),
            ('[{"labels": {"service": "x"}', "not valid JSON"),
            ('{"alerts": []}', "expected a list"),
            ('[{"labels": {"service": "x"}, "startsAt": "2026-01-01T00:00:00Z"}]', "missing 'fingerprint'"),
            ('[{"fingerprint": "f", "labels": ["service"], "startsAt": "2026-01-01T00:00:00Z"}]', "expected an object"),
            ('[{"fingerprint": "f", "labels": {"service": "x"}, "startsAt": "yesterday"}]', "not an ISO 8601 time"),
            ("", "empty response"),
        ],
    )
    def test_bad_payloads(self, payload: str, message: str) -> None:
        with pytest.raises(FeedError) as exc:
            alertmanager.parse(payload, feed("alertmanager"), now=self.now, service_for=ident)
        text = str(exc.value)
        assert message in text
        assert text.startswith("feed alertmanager-t (http://feeds.test/api/v2/alerts): ")
        assert "\n" not in text

    def test_bad_silences_name_the_silences_url(self) -> None:
        with pytest.raises(FeedError, match=r"/api/v2/silences\): silence s startsAt: missing time"):
            alertmanager.parse(
                "[]", feed("alertmanager"), now=self.now, service_for=ident, silences='[{"id": "s", "matchers": []}]'
            )


# ---------------------------------------------------------------- prometheus


class TestPrometheus:
    def test_query_up(self) -> None:
        r = prometheus.parse(
            (DATA / "prom242_query_up.json").read_bytes(), feed("prometheus"), now=0, service_for=CFG.service_for
        )
        assert {s.service: s.state for s in r.states} == {"prometheus": "up", "samweb": "down"}
        assert "127.0.0.1:19999" in by_service(r.states)["samweb"].detail
        assert r.windows == [] and r.absent_state is None

    def test_range_query_uses_the_last_sample(self) -> None:
        r = prometheus.parse(
            (DATA / "prom242_query_range_up.json").read_bytes(), feed("prometheus"), now=0, service_for=ident
        )
        assert {s.service: s.state for s in r.states} == {"prometheus": "up", "samweb": "down"}

    def test_several_series_per_service(self) -> None:
        def series(svc: str, inst: str, v: str) -> dict:
            return {"metric": {"service": svc, "instance": inst, "job": "j"}, "value": [1.0, v]}

        doc = {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [
                    series("xrootd", "a", "1"),
                    series("xrootd", "b", "0"),
                    series("cvmfs", "a", "0"),
                    series("cvmfs", "b", "0"),
                    series("dcache", "a", "1"),
                    series("dcache", "b", "1"),
                    series("gone", "a", "NaN"),
                    {"metric": {"job": "by-job"}, "value": [1.0, "1"]},
                ],
            },
        }
        r = prometheus.parse(json.dumps(doc), feed("prometheus"), now=0, service_for=ident)
        assert {s.service: s.state for s in r.states} == {
            "xrootd": "degraded",
            "cvmfs": "down",
            "dcache": "up",
            "gone": "unknown",
            "by-job": "up",
        }
        assert "down: b" in by_service(r.states)["xrootd"].detail

    def test_query_option_and_label(self) -> None:
        f = feed("prometheus", "http://prom:9090", query='probe_success{env="prod"}')
        assert prometheus.urls(f) == ["http://prom:9090/api/v1/query?query=probe_success%7Benv%3D%22prod%22%7D"]
        f.service_label = "target"
        doc = {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [{"metric": {"target": "sam", "job": "blackbox"}, "value": [1.0, "0"]}],
            },
        }
        r = prometheus.parse(json.dumps(doc), f, now=0, service_for=CFG.service_for)
        assert [(s.service, s.state) for s in r.states] == [("samweb", "down")]

    @pytest.mark.parametrize(
        "payload, message",
        [
            ('{"status":"error","errorType":"bad_data","error":"parse error at char 3"}', "query failed: bad_data"),
            ('{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}', "expected a vector"),
            (
                '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1,"up"]}]}}',
                "is not a number",
            ),
            ('{"status":"success"}', "missing 'data'"),
            ("<!DOCTYPE html><html></html>", "not JSON: got an HTML page"),
            ("[1, 2]", "expected an object"),
        ],
    )
    def test_bad_payloads(self, payload: str, message: str) -> None:
        with pytest.raises(FeedError, match=message):
            prometheus.parse(payload, feed("prometheus"), now=0, service_for=ident)


# ---------------------------------------------------------------- OSG topology


class TestOsgDowntime:
    gpgrid = (DATA / "osg_GPGRID_downtime.yaml").read_bytes()

    def test_times(self) -> None:
        assert osg_downtime.parse_osg_time("Jul 20, 2018 16:00 -0500") == utc(2018, 7, 20, 21)
        assert osg_downtime.parse_osg_time("Jan 3, 2017 15:00 +0000") == utc(2017, 1, 3, 15)
        assert osg_downtime.parse_osg_time("Dec 04, 2023 12:00 PM UTC") == utc(2023, 12, 4, 12)
        assert osg_downtime.parse_osg_time("Dec 05, 2023 21:00 PM UTC") == utc(2023, 12, 5, 21)  # suffix ignored
        assert osg_downtime.parse_osg_time("Mar 07, 2017 03:00 AM UTC") == utc(2017, 3, 7, 3)
        assert osg_downtime.parse_osg_time("Mar 7, 2017 03:00") == utc(2017, 3, 7, 3)
        for bad in ("<DATE AND TIME>", "Foo 7, 2017 03:00", "Feb 30, 2017 03:00", "2017-03-07"):
            with pytest.raises(ValueError):
                osg_downtime.parse_osg_time(bad)

    def test_gpgrid_yaml(self) -> None:
        now = utc(2023, 12, 4, 13)
        r = osg_downtime.parse(self.gpgrid, feed("osg_downtime"), now=now, service_for=CFG.service_for)
        assert len(r.windows) == 11 and r.counts["downtimes"] == 11
        assert all(w.kind == "maintenance" for w in r.windows)
        w = {x.ext_id: x for x in r.windows}
        assert (w["1005689"].service, w["1005689"].start, w["1005689"].end) == (
            "gpgrid-ce",
            utc(2018, 7, 20, 21),
            utc(2018, 7, 21, 22),
        )
        assert w["1005691"].service == "FNAL_JOBSUB_01"
        assert w["30728623"].severity == "unscheduled outage"
        assert w["366858096"].severity == "intermittent outage"
        assert "[FNAL_GPGRID_CE_03: CE]" in w["1661158560"].description
        (st,) = r.states
        assert (st.service, st.state, st.since) == ("gpgrid-ce", "maintenance", utc(2023, 12, 4, 12))
        assert "Migrating to Alma9" in st.detail
        assert r.absent_state == "up"

    def test_upcoming_downtime_is_a_note(self) -> None:
        r = osg_downtime.parse(self.gpgrid, feed("osg_downtime"), now=utc(2023, 12, 1), service_for=ident)
        assert r.states == []
        assert any("FNAL_GPGRID_CE_03" in n and "2023-12-04 12:00" in n for n in r.notes)

    def test_uscms_and_osdf(self) -> None:
        r = osg_downtime.parse(
            (DATA / "osg_USCMS-FNAL-WC1_downtime.yaml").read_bytes(),
            feed("osg_downtime"),
            now=utc(2025, 3, 19, 14),
            service_for=ident,
        )
        assert len(r.windows) == 112 == len({w.ext_id for w in r.windows})
        assert {w.service for w in r.windows} == {
            "USCMS-FNAL-WC1-CE",
            "USCMS-FNAL-WC1-CE2",
            "USCMS-FNAL-WC1-CE3",
            "USCMS-FNAL-WC1-CE4",
            "USCMS-FNAL-WC1-OPP1",
            "USCMS-FNAL-WC1-SE",
            "USCMS-FNAL-WC1-SE2",
        }
        assert r.states  # the Mar 19, 2025 downtime covers now
        assert {s.state for s in r.states} <= {"maintenance", "degraded"}
        osdf = osg_downtime.parse(
            (DATA / "osg_FNAL_OSDF_downtime.yaml").read_bytes(),
            feed("osg_downtime"),
            now=utc(2024, 6, 15),
            service_for=ident,
        )
        (w,) = osdf.windows
        assert (w.service, w.start, w.end, w.severity) == (
            "FNAL_OSDF_ORIGIN",
            utc(2024, 6, 11, 8),
            utc(2024, 6, 21, 19, 30),
            "unscheduled outage",
        )
        assert osdf.states[0].state == "maintenance"

    def test_at_risk_is_degraded(self) -> None:
        doc = [
            {
                "Class": "SCHEDULED",
                "ID": 7,
                "Description": "kernel",
                "Severity": "No Significant Outage Expected",
                "StartTime": "Jan 01, 2024 00:00 +0000",
                "EndTime": "Jan 02, 2024 00:00 +0000",
                "ResourceName": "R",
                "Services": ["CE"],
            }
        ]
        import yaml

        r = osg_downtime.parse(yaml.safe_dump(doc), feed("osg_downtime"), now=utc(2024, 1, 1, 5), service_for=ident)
        assert [(s.service, s.state) for s in r.states] == [("R", "degraded")]

    def test_xml_feed(self) -> None:
        r = osg_downtime.parse(
            (DATA / "osg_rgdowntime_DERIVED.xml").read_bytes(),
            feed("osg_downtime"),
            now=utc(2023, 12, 4, 13),
            service_for=CFG.service_for,
        )
        w = {x.ext_id: x for x in r.windows}
        assert (w["1661158560"].service, w["1661158560"].start, w["1661158560"].end) == (
            "gpgrid-ce",
            utc(2023, 12, 4, 12),
            utc(2023, 12, 5, 21),
        )
        assert w["1643919815"].end == utc(2023, 11, 14, 22)
        assert [(s.service, s.state) for s in r.states] == [("gpgrid-ce", "maintenance")]

    def test_empty_file_and_template(self) -> None:
        assert osg_downtime.parse(b"# nothing\n", feed("osg_downtime"), now=0, service_for=ident).windows == []
        with pytest.raises(FeedError, match=r"downtime <ID> StartTime: not an OSG time"):
            osg_downtime.parse(
                (DATA / "osg_template-downtime.yaml").read_bytes(), feed("osg_downtime"), now=0, service_for=ident
            )

    @pytest.mark.parametrize(
        "payload, message",
        [
            ("- Class: SCHEDULED\n  ID: 1\n", "missing 'ResourceName'"),
            ("- [unclosed\n", "not valid YAML at line"),
            ("<html><body>502 Bad Gateway</body></html>", "HTML page"),
            ("{a: 1}", "expected a list"),
            ("<Other/>", "root element <Other>"),
        ],
    )
    def test_bad(self, payload: str, message: str) -> None:
        with pytest.raises(FeedError, match=message):
            osg_downtime.parse(payload, feed("osg_downtime"), now=0, service_for=ident)


# ---------------------------------------------------------------- GOCDB


class TestGocdb:
    payload = (DATA / "gocdb_get_downtime_example.xml").read_text()

    def test_example(self) -> None:
        r = gocdb.parse(self.payload, feed("gocdb"), now=utc(2023, 1, 1), service_for=ident)
        (w,) = r.windows
        assert (w.service, w.start, w.end, w.severity, w.ext_id) == (
            "host.example.com",
            1656288000.0,
            1688169600.0,
            "warning",
            "113653G0",
        )
        assert "The service will be at risk" in w.description
        assert [(s.service, s.state) for s in r.states] == [("host.example.com", "degraded")]  # WARNING: at risk

    def test_aliases_pick_the_service_type(self) -> None:
        r = gocdb.parse(self.payload, feed("gocdb"), now=0, service_for=CFG.service_for)
        assert r.windows[0].service == "gocdb"
        assert r.states == [] and any("upcoming at-risk period" in n for n in r.notes)

    def test_dedupe_on_primary_key(self) -> None:
        record = self.payload.split("<results>", 1)[1].rsplit("</results>", 1)[0]
        other = record.replace("host.example.com", "other.example.com").replace("WARNING", "OUTAGE")
        doc = f"<results>{record}{record}{other}{record}</results>"
        r = gocdb.parse(doc, feed("gocdb"), now=utc(2023, 1, 1), service_for=ident)
        assert r.counts["records"] == 4 and r.counts["downtimes"] == 1
        assert sorted((w.service, w.ext_id) for w in r.windows) == [
            ("host.example.com", "113653G0/host.example.com"),
            ("other.example.com", "113653G0/other.example.com"),
        ]
        assert {s.service: s.state for s in r.states} == {
            "host.example.com": "degraded",
            "other.example.com": "maintenance",
        }

    @pytest.mark.parametrize(
        "payload, message",
        [
            (
                '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                "<results>&lol2;</results>",
                "DOCTYPE/ENTITY declaration refused",
            ),
            ("<results><DOWNTIME", "not valid XML"),
            ("<html><head></head><body>Service unavailable</body></html>", "HTML page"),
            ("<results><DOWNTIME PRIMARY_KEY='1'><START_DATE>soon</START_DATE></DOWNTIME></results>", "not an ISO"),
            ("<results><DOWNTIME><START_DATE>1</START_DATE></DOWNTIME></results>", "missing PRIMARY_KEY"),
            ("<results><DOWNTIME PRIMARY_KEY='1'><HOSTNAME>h</HOSTNAME></DOWNTIME></results>", "missing time"),
            ('{"json": true}', "not valid XML"),
        ],
    )
    def test_bad(self, payload: str, message: str) -> None:
        with pytest.raises(FeedError, match=message):
            gocdb.parse(payload, feed("gocdb"), now=0, service_for=ident)


# ---------------------------------------------------------------- native


class TestNative:
    doc = """\
services:
  - {name: sam, state: down, since: 2024-05-01T10:00:00Z, detail: DB migration}
  - {name: cvmfs, state: up}
windows:
  - {service: fndca, kind: maintenance, start: "2024-05-02T08:00:00Z", end: 1714651200, description: pools}
  - {service: xrootd, kind: outage, start: 2024-05-01 09:00:00, id: x-1}
  - {service: tokens, start: 2024-05-03T00:00:00+02:00}
notes: [shifter note]
"""

    def test_yaml(self) -> None:
        now = utc(2024, 5, 2, 9)
        r = native.parse(self.doc, feed("native", "~/windows.yaml"), now=now, service_for=CFG.service_for)
        st = by_service(r.states)
        assert (st["samweb"].state, st["samweb"].since, st["samweb"].detail) == (
            "down",
            utc(2024, 5, 1, 10),
            "DB migration",
        )
        assert st["cvmfs"].state == "up"
        assert st["dcache"].state == "maintenance"  # from its window
        assert st["xrootd"].state == "down"  # an open outage
        w = {x.service: x for x in r.windows}
        assert (w["dcache"].start, w["dcache"].end) == (utc(2024, 5, 2, 8), 1714651200.0)
        assert (w["xrootd"].kind, w["xrootd"].ext_id, w["xrootd"].end) == ("outage", "x-1", None)
        assert w["tokens"].start == utc(2024, 5, 2, 22) and w["tokens"].kind == "maintenance"
        assert r.notes[0] == "shifter note" and any("upcoming maintenance of tokens" in n for n in r.notes)

    def test_json_and_urls(self, tmp_path: Path) -> None:
        doc = {"windows": [{"service": "a", "kind": "outage", "start": 100, "end": 200}]}
        r = native.parse(json.dumps(doc), feed("native"), now=300, service_for=ident)
        assert [(w.service, w.start, w.end, w.ext_id) for w in r.windows] == [("a", 100.0, 200.0, "a|outage|100")]
        assert native.urls(feed("native", "~/w.yaml")) == [str(Path.home() / "w.yaml")]
        assert native.urls(feed("native", "https://x/w.json")) == ["https://x/w.json"]
        assert native.parse("", feed("native"), now=0, service_for=ident).states == []

    @pytest.mark.parametrize(
        "payload, message",
        [
            ("services: [{name: a, state: broken}]", r"line 1: services\[0\].state: state 'broken' is not one of up, "),
            ("windows: [{service: a, kind: party, start: 1}]", r"line 1: windows\[0\].kind: kind 'party'"),
            ("windows: [{service: a}]", r"line 1: windows\[0\].start: required key is missing"),
            (
                "windows:\n- {service: a, start: 1}\n- {service: b, start: 2,\n  end: 1}",
                r"line 4: windows\[1\].end: end",
            ),
            ("windows: [{service: a, start: tomorrow}]", r"windows\[0\].start: not an ISO 8601 time"),
            (
                "windows: [{service: a, start: 1, kinds: x}]",
                r"windows\[0\].kinds: unknown key \(did you mean 'kind'\?\)",
            ),
            ("service: []", r"line 1: service: unknown key \(did you mean 'services'\?\)"),
            ("- a\n- b\n", "expected a mapping, got a list"),
            ("notes: {a: 1}", "line 1: notes: expected a list of strings"),
            ("{services: [", "not valid YAML"),
        ],
    )
    def test_bad(self, payload: str, message: str) -> None:
        with pytest.raises(FeedError, match=message):
            native.parse(payload, feed("native"), now=0, service_for=ident)


# ---------------------------------------------------------------- shared


def test_parse_time() -> None:
    assert parse_time("2026-11-25T03:14:18.236139141Z") == pytest.approx(utc(2026, 11, 25, 3, 14, 18.236139))
    assert parse_time("0001-01-01T00:00:00Z") is None  # Go's zero time
    assert parse_time(1714651200000) == 1714651200.0  # milliseconds
    assert parse_time("1714651200") == 1714651200.0
    assert parse_time(None) is None
    for bad in ("soon", True, [1], float("nan")):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_registry() -> None:
    import opgtui.config
    import opgtui.core.feedkinds

    assert BUILTIN_KINDS is opgtui.core.feedkinds.BUILTIN_KINDS  # listed once: the config checks against it too
    assert not hasattr(opgtui.config, "FEED_KINDS")
    package = Path(opgtui.core.feedkinds.__file__).parents[1] / "sources" / "feeds"
    modules = {p.stem for p in package.glob("*.py") if "\nKIND = FeedKind(" in p.read_text(encoding="utf-8")}
    assert modules == set(BUILTIN_KINDS)  # a kind's module is listed there, and nothing listed lacks one
    for name in BUILTIN_KINDS:
        assert get_kind(name).name == name
    with pytest.raises(KeyError, match="unknown feed kind 'nope'"):
        get_kind("nope")


FIXTURES: list[tuple[str, str, Callable[[bytes], list[bytes]]]] = [
    ("statuspage", "statuspage_htx_summary.json", lambda b: [b]),
    ("alertmanager", "am025_alerts.json", lambda b: [b, (DATA / "am025_silences.json").read_bytes()]),
    ("alertmanager", "am025_silences.json", lambda b: [b"[]", b]),
    ("prometheus", "prom242_query_up.json", lambda b: [b]),
    ("osg_downtime", "osg_GPGRID_downtime.yaml", lambda b: [b]),
    ("osg_downtime", "osg_rgdowntime_DERIVED.xml", lambda b: [b]),
    ("gocdb", "gocdb_get_downtime_example.xml", lambda b: [b]),
    ("native", None, lambda b: [TestNative.doc.encode()]),  # type: ignore[list-item]
]


def _mutations(value: Any, rng: random.Random) -> Any:
    """``value`` with one randomly chosen node replaced by a value of another type."""
    junk = [None, 0, -1.5, "x", "", [], {}, [None], {"a": None}, True, "2024-99-99T00:00:00Z"]
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        return {**value, key: _mutations(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.8:
        i = rng.randrange(len(value))
        return [*value[:i], _mutations(value[i], rng), *value[i + 1 :]]
    return rng.choice(junk)


@pytest.mark.parametrize("kind, name, payloads", FIXTURES)
def test_parsing_is_total(kind: str, name: str | None, payloads: Callable[[bytes], list[bytes]]) -> None:
    """Truncated payloads and payloads with wrong types raise FeedError and nothing else."""
    raw = (DATA / name).read_bytes() if name else b""
    good = payloads(raw)
    k = get_kind(kind)
    f = feed(kind)
    k.parse(good, f, 0.0, ident)
    rng = random.Random(7)
    variants = [good[0][:n] for n in range(0, len(good[0]), max(1, len(good[0]) // 40))]
    if kind in ("statuspage", "alertmanager", "prometheus", "native"):
        import yaml

        doc = json.loads(good[0]) if kind != "native" else yaml.safe_load(good[0])
        variants += [json.dumps(_mutations(doc, rng), default=str).encode() for _ in range(300)]
    for v in variants:
        try:
            k.parse([v, *good[1:]], f, 0.0, ident)
        except FeedError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(f"feed {f.name} (")


@pytest.mark.parametrize(
    ("payload", "message"),
    [  # found by tests/test_fuzz_feeds.py (issue 17)
        ("windows: [{service: samweb, kind: outage, start: -1.0e+308}]", "time out of range (1970 to 9999)"),
        ("windows: [{service: samweb, start: 18446744073709551617000000}]", "time out of range (1970 to 9999)"),
        ("windows: [{service: samweb, start: " + "9" * 400 + "}]", "not a time: a number of 400 digits"),
        ("services: [{name: samweb, state: up, since: 9223372036854775807}]", "time out of range (1970 to 9999)"),
        ("services: [{name: samweb, state: up, since: '10000-01-01T00:00:00Z'}]", "not an ISO 8601 time"),
    ],
)
def test_times_a_screen_cannot_show_are_one_clean_error(payload: str, message: str) -> None:
    with pytest.raises(FeedError) as err:
        native.parse(payload, feed("native"), now=0, service_for=ident)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_statuspage_time_beyond_year_9999_is_one_clean_error() -> None:
    doc = json.loads((DATA / "statuspage_htx_summary.json").read_text())
    doc["components"][0]["updated_at"] = 9223372036854775807
    with pytest.raises(FeedError, match=r"time out of range \(1970 to 9999\)"):
        statuspage.parse(json.dumps(doc), feed("statuspage"), now=0, service_for=ident)
