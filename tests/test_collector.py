"""`opgtui collect` end to end: real feed payloads over HTTP into the store; one collector per store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feedserver import FeedServer

from opgtui.demo.build import ANCHOR
from opgtui.demo.timeshift import shift_feed
from opgtui.ops.collector import CollectorBusy, collector_lock, collector_running

DEMO_FEEDS = Path(__file__).resolve().parents[1] / "opgtui" / "demo" / "data" / "feeds"


def opgtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "opgtui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def replayed(name: str, now: float) -> str:
    """A recorded payload with its times moved so that its recording instant (ANCHOR) is ``now``."""
    return shift_feed((DEMO_FEEDS / name).read_text(), int(now) - ANCHOR)


@pytest.fixture
def now() -> float:
    """The instant the recordings are replayed at: the CLI under test reads the clock, so it is the clock's now."""
    return time.time()


@pytest.fixture
def server(now: float) -> FeedServer:
    with FeedServer() as srv:
        srv.add("/am/api/v2/alerts", replayed("am_alerts_now.json", now))
        srv.add("/am/api/v2/silences", replayed("am_silences.json", now))
        srv.add("/prom/api/v1/query", replayed("prom_probe_success.json", now))
        srv.error("/broken/api/v1/query", 500)
        yield srv


def write_config(tmp_path: Path, srv: FeedServer) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"""
store: {tmp_path}/opgtui.db
services:
  - {{name: samweb, critical: true}}
  - {{name: dcache, aliases: [fndca]}}
feeds:
  - {{name: am, kind: alertmanager, url: "{srv.url("/am")}", timeout: 5}}
  - {{name: probes, kind: prometheus, url: "{srv.url("/prom")}", options: {{query: probe_success}}}}
  - {{name: broken, kind: prometheus, url: "{srv.url("/broken")}", timeout: 2}}
""")
    return cfg


def test_collect_once_records_every_feed_and_reports_the_broken_one(tmp_path: Path, server: FeedServer) -> None:
    cfg = write_config(tmp_path, server)
    proc = opgtui("--config", str(cfg), "collect", "--once")
    assert proc.returncode == 0, proc.stderr
    assert "collected: 2/3 feeds ok" in proc.stdout
    assert "problem: feed broken" in proc.stdout and "500" in proc.stdout
    board = {r["service"]: r for r in json.loads(opgtui("--config", str(cfg), "status", "--json").stdout)}
    assert board["dcache"]["state"] in ("degraded", "down")  # a warning alert and one probe of two failing
    assert board["samweb"]["state"] == "up"
    assert board["dcache"]["next_maintenance"]["description"].startswith("dCache pool upgrade")
    check = opgtui("--config", str(cfg), "check", "--require", "samweb")
    assert check.returncode == 0 and "OK: safe to submit" in check.stdout


def test_second_collector_is_refused(tmp_path: Path, server: FeedServer) -> None:
    cfg = write_config(tmp_path, server)
    store = tmp_path / "opgtui.db"
    with collector_lock(store):
        assert collector_running(store)
        proc = opgtui("--config", str(cfg), "collect", "--once")
        assert proc.returncode == 2
        assert "another collector" in proc.stderr and str(os.getpid()) in proc.stderr
        with pytest.raises(CollectorBusy), collector_lock(store):
            pass
    assert not collector_running(store)
