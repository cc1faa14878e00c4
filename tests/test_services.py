"""The service board and the pre-submit check decide from what the store recorded."""

from __future__ import annotations

from pathlib import Path

from opgtui.config import parse_config
from opgtui.core.model import ServiceState, Window
from opgtui.domain.services import compute_board, decide_submit

NOW = 1_800_000_000.0
CFG = parse_config(
    """
services:
  - {name: samweb, critical: true}
  - {name: dcache}
  - {name: cvmfs}
feeds:
  - {name: am, kind: alertmanager, url: "http://127.0.0.1:1", interval: 60}
  - {name: prom, kind: prometheus, url: "http://127.0.0.1:2", interval: 60}
""",
    Path("c.yaml"),
)
FRESH = {
    "am": {"last_fetch": NOW - 30, "last_ok": NOW - 30, "error": None},
    "prom": {"last_fetch": NOW - 30, "last_ok": NOW - 30, "error": None},
}


def rows(states, windows=(), feeds=FRESH):
    return {r.service: r for r in compute_board(CFG, states, list(windows), feeds, NOW)}


def test_worst_fresh_state_wins_with_its_since() -> None:
    b = rows([ServiceState("samweb", "up", NOW - 9000, "prom"), ServiceState("samweb", "down", NOW - 2580, "am")])
    assert b["samweb"].state == "down"
    assert b["samweb"].duration == 2580 and b["samweb"].source == "am"
    assert b["dcache"].state == "unknown"  # configured, never reported


def test_stale_or_failing_feed_makes_unknown_and_says_why() -> None:
    feeds = {"am": {"last_fetch": NOW - 30, "last_ok": NOW - 3600, "error": "HTTP 500"}}
    b = rows([ServiceState("samweb", "down", NOW - 4000, "am")], feeds=feeds)
    assert b["samweb"].state == "unknown"
    assert "feed am: HTTP 500" in b["samweb"].detail


def test_maintenance_window_now_and_ahead() -> None:
    windows = [
        Window("dcache", "maintenance", NOW - 60, NOW + 3600, "osg", description="pool upgrade"),
        Window("cvmfs", "maintenance", NOW + 2 * 3600, NOW + 3 * 3600, "osg", description="stratum-1"),
    ]
    b = rows(
        [ServiceState("dcache", "up", NOW - 9000, "prom"), ServiceState("cvmfs", "up", NOW - 9000, "prom")], windows
    )
    assert b["dcache"].state == "maintenance"
    assert b["cvmfs"].state == "up" and b["cvmfs"].next_maintenance is not None


def test_submit_check_exit_codes() -> None:
    up = [ServiceState(s, "up", NOW - 100, "prom") for s in ("samweb", "dcache", "cvmfs")]
    board = list(rows(up).values())
    assert decide_submit(board, ["samweb", "dcache"], 0, NOW).exit_code == 0
    down = list(rows([*up, ServiceState("samweb", "down", NOW - 50, "am")]).values())
    res = decide_submit(down, ["samweb", "dcache"], 0, NOW)
    assert res.exit_code == 1 and res.lines[0].startswith("samweb: DOWN")
    assert decide_submit(board, ["samweb", "xrootd"], 0, NOW).exit_code == 2
    ahead = list(rows(up, [Window("dcache", "maintenance", NOW + 3600, NOW + 7200, "osg")]).values())
    assert decide_submit(ahead, ["dcache"], 0, NOW).exit_code == 0
    assert decide_submit(ahead, ["dcache"], 2 * 3600, NOW).exit_code == 1
    assert decide_submit(ahead, ["dcache"], 1800, NOW).exit_code == 0
