"""The alertmanager feed against a real Alertmanager on 127.0.0.1 (Debian's prometheus-alertmanager)."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from feedserver import Daemon, free_port

from opgtui.config import Config, FeedConfig, ServiceConfig
from opgtui.sources.feeds.poll import FeedResult, fetch_feed

BINARY = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"
CONFIG = """\
route:
  receiver: 'null'
  group_by: ['alertname']
receivers:
  - name: 'null'
"""


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(BINARY).exists():
        pytest.skip(
            "prometheus-alertmanager is not installed: run `apt-get install prometheus "
            "prometheus-alertmanager` (CI installs them)"
        )
    tmp = tmp_path_factory.mktemp("alertmanager")
    (tmp / "am.yml").write_text(CONFIG)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    daemon = Daemon(
        [
            BINARY,
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            f"--storage.path={tmp / 'data'}",
            f"--config.file={tmp / 'am.yml'}",
        ],
        tmp / "alertmanager.log",
        f"{base}/-/ready",
    )
    try:
        yield base
    finally:
        daemon.stop()


def post_fixtures(base: str, now: float) -> None:
    def alert(service: str, severity: str, summary: str) -> dict:
        return {
            "labels": {
                "alertname": "ServiceDown" if severity == "critical" else "ServiceDegraded",
                "service": service,
                "severity": severity,
                "instance": f"{service}.test",
            },
            "annotations": {"summary": summary},
            "startsAt": iso(now - 600),
        }

    def silence(service: str, start: float, end: float, comment: str) -> dict:
        return {
            "matchers": [{"name": "service", "value": service, "isRegex": False, "isEqual": True}],
            "startsAt": iso(start),
            "endsAt": iso(end),
            "createdBy": "opgtui-test",
            "comment": comment,
        }

    with httpx.Client(base_url=base, trust_env=False, timeout=5) as c:
        c.post(
            "/api/v2/alerts",
            json=[
                alert("samweb", "critical", "SAMweb not responding"),
                alert("xrootd", "warning", "xrootd door slow"),
                alert("cvmfs", "critical", "stratum-1 unreachable"),
            ],
        ).raise_for_status()
        c.post("/api/v2/silences", json=silence("cvmfs", now - 60, now + 3600, "cvmfs upgrade")).raise_for_status()
        c.post(
            "/api/v2/silences", json=silence("dcache", now + 7200, now + 4 * 3600, "dCache pool upgrade")
        ).raise_for_status()


async def test_alerts_and_silences_read_back(alertmanager: str) -> None:
    now = time.time()
    post_fixtures(alertmanager, now)
    cfg = Config(services=[ServiceConfig("samweb", aliases=["sam"]), ServiceConfig("dcache")])
    feed = FeedConfig("am-live", "alertmanager", alertmanager, timeout=5)
    result: FeedResult | None = None
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(50):  # the API answers at once; allow a moment for silencing to be applied
            result = await fetch_feed(client, feed, now=time.time(), service_for=cfg.service_for)
            states = {s.service: s.state for s in result.report.states} if result.report else {}
            if states.get("cvmfs") == "maintenance" and len(states) == 3:
                break
            await asyncio.sleep(0.1)
    assert result is not None and result.ok, result and result.error
    report = result.report
    assert report is not None
    states = {s.service: s for s in report.states}
    assert states["samweb"].state == "down"
    assert states["samweb"].since == pytest.approx(now - 600, abs=1)
    assert states["xrootd"].state == "degraded"
    assert states["cvmfs"].state == "maintenance"  # its alert is suppressed by an active silence
    assert "dcache" not in states  # nothing fires and its maintenance has not begun

    outages = [w for w in report.windows if w.kind == "outage"]
    assert {w.service for w in outages} == {"samweb", "xrootd", "cvmfs"}
    assert all(len(w.ext_id) == 16 for w in outages)  # keyed by fingerprint
    assert "silenced" in next(w for w in outages if w.service == "cvmfs").description

    ahead = [w for w in report.windows if w.kind == "maintenance" and w.service == "dcache"]
    assert len(ahead) == 1
    assert ahead[0].start == pytest.approx(now + 7200, abs=1)
    assert ahead[0].end == pytest.approx(now + 4 * 3600, abs=1)
    assert "dCache pool upgrade" in ahead[0].description
    assert any("upcoming maintenance" in n and "dcache" in n for n in report.notes)
    assert report.counts["alerts"] == 3 and report.counts["silences"] == 2
