"""The Status board on the demo, at a fixed "now": Since and For come from the stored history of every feed (not
the poll that reported last), and each service's last outage stays on the board for 24 h."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_status_view import screen_lines

from opgtui.app import OpgApp
from opgtui.core.model import ServiceState, Window
from opgtui.core.timefmt import clock
from opgtui.demo.build import ANCHOR, SAM_DOWN, build_demo_board
from opgtui.domain.held import Held, held_since, last_outage, since_cell

NOW = 1_796_000_000.0  # 2026-11-30 00:53:20 UTC: the demo is replayed around it
SHIFT = NOW - ANCHOR


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's feeds and announcements as of NOW (the jobs are not needed here), on UTC."""
    cfg, store, _rest = build_demo_board(tmp_path_factory.mktemp("demo"), NOW)
    cfg.timezone = "UTC"
    return cfg, store


@pytest.fixture
def at_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(time, "time", lambda: NOW)
    yield


async def board_lines(board_demo: Any, size: tuple[int, int] = (80, 24)) -> list[str]:
    cfg, store = board_demo
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        return screen_lines(app)


def cells(lines: list[str], service: str) -> dict[str, str]:
    """The board's row of ``service`` by column title (the titles' line gives where each column starts)."""
    titles = next(line for line in lines if " Since " in line)
    names = ["Service", "State", "Since", "For", "Last outage", "Source", "Age", "Next maint."]
    starts = [titles.index(f" {n}") for n in names] + [len(titles)]
    line = next(line for line in lines if line.startswith(f" {service} "))
    return {n: line[a:b].strip() for n, a, b in zip(names, starts, starts[1:], strict=False)}


@pytest.mark.parametrize(("size", "no_color"), [((80, 24), False), ((80, 24), True), ((120, 40), False)])
async def test_a_state_held_since_before_the_last_poll_reads_its_stored_start(
    board_demo: Any, at_now: None, size: tuple[int, int], no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    lines = await board_lines(board_demo, size)
    cvmfs = cells(lines, "cvmfs")  # the status page says operational for 9 days; the probes polled 15 s ago
    assert (cvmfs["Since"], cvmfs["For"]) == (clock(NOW - 9 * 86400, _utc(), with_date=True)[:5], "9d00h")
    xrootd = cells(lines, "xrootd")  # only the probes know it: up at their first poll, at or before then
    assert (xrootd["Since"], xrootd["For"]) == (f"≤{clock(NOW - 15, _utc())}", "≥15s")
    samweb = cells(lines, "samweb")  # up since the alert went away (not since a later poll of another feed)
    assert samweb["Since"] == clock(SAM_DOWN[1] + 60 + SHIFT, _utc()), samweb


async def test_the_last_outage_stays_on_the_board_with_the_historys_rounding(board_demo: Any, at_now: None) -> None:
    lines = await board_lines(board_demo)
    # the history says 44m for the same window (the feed closes it at the first poll that no longer lists it)
    assert cells(lines, "samweb")["Last outage"] == f"{clock(SAM_DOWN[0] + SHIFT, _utc())} 44m"
    assert cells(lines, "dcache")["Last outage"] == f"{clock(NOW - 40 * 60, _utc())} open"  # degraded now
    assert cells(lines, "cvmfs")["Last outage"] == ""
    assert cells(lines, "gpgrid-ce")["Next maint."]  # every column fits 80


def _utc() -> Any:
    from datetime import UTC

    return UTC


def test_held_since_reads_the_worst_state_over_the_feeds_the_board_counts() -> None:
    t0 = NOW - 10 * 3600
    history = [
        ServiceState("sam", "up", t0, "status", fetched=t0 + 600),  # the page's own start time
        ServiceState("sam", "down", NOW - 3600, "am", fetched=NOW - 3500),
        ServiceState("sam", "up", NOW - 1800, "am", fetched=NOW - 1800),
        ServiceState("sam", "down", NOW - 7200, "stale", fetched=NOW - 7200),
    ]
    assert held_since(history, "up", {"status", "am"}) == Held(NOW - 1800)
    assert held_since(history, "up", {"status"}) == Held(t0)
    assert held_since(history, "down", {"status", "am"}) == Held(None)  # not the state now
    first = [ServiceState("x", "up", NOW - 15, "probes", fetched=NOW - 15)]  # no start time: its first poll
    assert held_since(first, "up") == Held(NOW - 15, first_seen=True)
    assert since_cell(Held(NOW - 15, True), NOW, _utc()) == (f"≤{clock(NOW - 15, _utc())}", "≥15s")
    assert since_cell(Held(NOW - 3 * 86400, True), NOW, _utc())[1] == "≥3d"  # fits the 5 columns of For


def test_the_last_outage_is_kept_24_hours() -> None:
    old = Window("sam", "outage", NOW - 30 * 3600, NOW - 25 * 3600, "am")
    recent = Window("sam", "outage", NOW - 5 * 3600, NOW - 4 * 3600, "am")
    planned = Window("sam", "maintenance", NOW - 3600, NOW + 3600, "am")
    assert last_outage([old, recent, planned], NOW) == recent
    assert last_outage([old], NOW) is None
