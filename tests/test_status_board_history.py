"""The Status board on the demo, at a fixed "now": Since and For come from the stored history of every feed (not
the poll that reported last), and each service's last outage stays on the board for 24 h."""

from __future__ import annotations

from typing import Any

import pytest
from demo_board import NOW, SHIFT, board_lines, build, cells, freeze, utc

from opgtui.core.model import ServiceState, Window
from opgtui.core.timefmt import clock
from opgtui.demo.build import SAM_DOWN
from opgtui.domain.held import Held, held_since, history_outages, last_outage, outage_cell, since_cell


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory)


@pytest.mark.parametrize(("size", "no_color"), [((80, 24), False), ((80, 24), True), ((120, 40), False)])
async def test_a_state_held_since_before_the_last_poll_reads_its_stored_start(
    board_demo: Any, size: tuple[int, int], no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, no_color)
    lines = await board_lines(board_demo, size)
    cvmfs = cells(lines, "cvmfs")  # the status page says operational for 9 days; the probes polled 15 s ago
    assert (cvmfs["Since"], cvmfs["For"]) == (clock(NOW - 9 * 86400, utc(), with_date=True)[:5], "9d00h")
    xrootd = cells(lines, "xrootd")  # only the probes know it: up at their first poll, at or before then
    assert (xrootd["Since"], xrootd["For"]) == (f"≤{clock(NOW - 15, utc())}", "≥15s")
    samweb = cells(lines, "samweb")  # up since the alert went away (not since a later poll of another feed)
    assert samweb["Since"] == clock(SAM_DOWN[1] + 60 + SHIFT, utc()), samweb
    assert samweb["Source"] == ("fnal-alertmanager" if size[0] >= 100 else "fnal-a…")  # room: the whole name


async def test_the_last_outage_stays_on_the_board_with_the_historys_rounding(
    board_demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch)
    lines = await board_lines(board_demo)
    # the history says 44m for the same window (the feed closes it at the first poll that no longer lists it)
    assert cells(lines, "samweb")["Last outage"] == f"{clock(SAM_DOWN[0] + SHIFT, utc())} 44m"
    assert cells(lines, "dcache")["Last outage"] == f"{clock(NOW - 40 * 60, utc())} open"  # degraded now
    assert cells(lines, "cvmfs")["Last outage"] == ""
    assert cells(lines, "gpgrid-ce")["Next maint."]  # every column fits 80


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
    assert since_cell(Held(NOW - 15, True), NOW, utc()) == (f"≤{clock(NOW - 15, utc())}", "≥15s")
    assert since_cell(Held(NOW - 3 * 86400, True), NOW, utc())[1] == "≥3d"  # fits the 5 columns of For


def test_the_last_outage_is_kept_24_hours() -> None:
    old = Window("sam", "outage", NOW - 30 * 3600, NOW - 25 * 3600, "am")
    recent = Window("sam", "outage", NOW - 5 * 3600, NOW - 4 * 3600, "am")
    planned = Window("sam", "maintenance", NOW - 3600, NOW + 3600, "am")
    assert last_outage([old, recent, planned], NOW) == recent
    assert last_outage([old], NOW) is None


def test_a_down_spell_with_no_window_is_the_last_outage_too() -> None:
    history = [
        ServiceState("sam", "up", NOW - 20 * 3600, "am", fetched=NOW - 20 * 3600),
        ServiceState("sam", "down", NOW - 5 * 3600, "am", fetched=NOW - 5 * 3600),
        ServiceState("sam", "up", NOW - 4 * 3600, "am", fetched=NOW - 4 * 3600),
    ]
    spell = last_outage(history_outages("sam", history), NOW)
    assert spell is not None and (spell.start, spell.end) == (NOW - 5 * 3600, NOW - 4 * 3600)
    assert outage_cell(spell, NOW, utc()) == f"{clock(NOW - 5 * 3600, utc())} 1h00"


def test_the_banner_says_since_when_as_the_board_does() -> None:
    from opgtui.domain.services import BoardRow
    from opgtui.screens.status import banner_text

    row = BoardRow("dcache", "down", NOW - 600, "probes", "", NOW, critical=True, now=NOW)
    banner = banner_text([row], {"dcache": NOW - 3 * 3600}, utc())  # the alert said down 3 h ago
    assert banner is not None and f"dcache since {clock(NOW - 3 * 3600, utc())} (3h00)" in banner.plain
