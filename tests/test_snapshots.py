"""Layout at 80x24 as SVG snapshots (pytest-textual-snapshot): the status board with an outage and a banner.

Regenerate after an intended layout change with `pytest tests/test_snapshots.py --snapshot-update` and look
at the SVGs before committing them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from opgtui.app import OpgApp
from opgtui.config import parse_config
from opgtui.model import Announcement, ServiceState, Window
from opgtui.store import open_store

NOW = 1_795_600_000.0  # 2026-11-25 09:46:40 UTC


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)


def status_app(tmp_path: Path) -> OpgApp:
    cfg = parse_config(
        "timezone: UTC\nservices:\n  - {name: samweb, critical: true}\n  - {name: dcache, critical: true}\n"
        "  - {name: cvmfs}\n  - {name: xrootd}\nexperiments:\n  - {name: nova, depends_on: [samweb, dcache]}\n"
        "feeds:\n  - {name: am, kind: alertmanager, url: 'http://127.0.0.1:9', interval: 60}\n",
        Path("c.yaml"))
    cfg.store = tmp_path / "s.db"
    store = open_store(cfg.store)
    t = NOW - 20 * 3600
    states = [ServiceState(s, "up", t, "am") for s in ("samweb", "dcache", "cvmfs", "xrootd")]
    store.record_feed("am", "alertmanager", fetched=t, ok=True, states=states)
    store.record_feed("am", "alertmanager", fetched=NOW - 5 * 3600, ok=True,
                      states=[ServiceState("samweb", "down", NOW - 5 * 3600, "am", "HTTP 503")])
    store.record_feed("am", "alertmanager", fetched=NOW - 4 * 3600, ok=True,
                      states=[ServiceState("samweb", "up", NOW - 4 * 3600, "am")])
    store.record_feed("am", "alertmanager", fetched=NOW - 60, ok=True,
                      states=[ServiceState("dcache", "down", NOW - 43 * 60, "am", "no read pools online")],
                      windows=[Window("cvmfs", "maintenance", NOW + 2 * 3600, NOW + 3 * 3600, "am",
                                      description="stratum-1 reboot", ext_id="m1")])
    store.post_announcement(Announcement("dCache pools offline: hold DUNE submissions", "warning", "shifter"),
                            NOW - 600)
    return OpgApp(cfg, store, refresh_loop=False)


def test_status_board_80x24(snap_compare, tmp_path: Path, frozen: None) -> None:
    assert snap_compare(status_app(tmp_path), terminal_size=(80, 24))
