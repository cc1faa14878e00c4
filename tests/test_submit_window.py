"""The safe-to-submit line says why now and until when: the required services' states now first (with since
when), then the maintenance that jobs submitted now would overlap, the head ``NO until HH:MM`` when that is
known; at 80 columns only the feed's description is cut."""

from __future__ import annotations

from typing import Any

import pytest
from demo_board import NOW, SHIFT, board_lines, build, freeze, utc

from opgtui.core.model import Window
from opgtui.core.timefmt import clock
from opgtui.demo.build import ANCHOR
from opgtui.domain.services import BoardRow
from opgtui.domain.submit_window import safe_again, submit_panel

H = 3600.0


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory)


def maint(start: float, end: float | None, service: str = "dcache") -> Window:
    return Window(service, "maintenance", NOW + start, None if end is None else NOW + end, "am")


def test_safe_again_after_a_chain_of_windows_none_when_nobody_knows() -> None:
    assert safe_again([maint(2 * H, 4 * H)], False, NOW, 6 * H) == NOW + 4 * H
    # a second window starts within 6 h of the first one's end: jobs submitted then would run into it
    assert safe_again([maint(2 * H, 4 * H), maint(9 * H, 10 * H)], False, NOW, 6 * H) == NOW + 10 * H
    assert safe_again([maint(2 * H, 4 * H), maint(11 * H, 12 * H)], False, NOW, 6 * H) == NOW + 4 * H
    assert safe_again([maint(2 * H, None)], False, NOW, 6 * H) is None  # no end given
    assert safe_again([maint(2 * H, 4 * H)], True, NOW, 6 * H) is None  # a required service is down
    assert safe_again([maint(7 * H, 8 * H)], False, NOW, 6 * H) is None  # nothing in the way


def test_states_now_come_before_the_maintenance_ahead() -> None:
    w = maint(3 * H, 5 * H)
    row = BoardRow("dcache", "degraded", NOW - 40 * 60, "am", "pools slow", NOW, True, next_maintenance=w, now=NOW)
    sam = BoardRow("samweb", "down", NOW - 600, "am", "HTTP 503", NOW, True, now=NOW)
    panel = submit_panel([row, sam], ["dcache", "samweb"], [w], 6 * H, NOW, utc())
    assert panel.head == "NO: do not submit now"  # samweb is down: nobody knows until when
    assert [r.what for r in panel.reasons] == [
        f"DEGRADED since {clock(NOW - 2400, utc())}; maintenance {clock(w.start, utc())}–{clock(w.end, utc())}"
        " overlaps",
        f"DOWN since {clock(NOW - 600, utc())}",
    ]
    panel = submit_panel([row], ["dcache"], [w], 6 * H, NOW, utc())
    assert panel.head == f"NO until {clock(NOW + 5 * H, utc())}" and panel.reasons[0].description == w.description


@pytest.mark.parametrize(("size", "no_color"), [((80, 24), False), ((80, 24), True), ((120, 40), False)])
async def test_the_demos_line_says_until_when_and_why_and_cuts_only_the_description(
    board_demo: Any, size: tuple[int, int], no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, no_color)
    lines = await board_lines(board_demo, size)
    line = next(line for line in lines if line.startswith((" NO", " OK", " UNKNOWN")))
    start, end = ANCHOR + SHIFT + 3 * H, ANCHOR + SHIFT + 5 * H  # the demo's dCache upgrade
    assert line.startswith(f" NO until {clock(end, utc())} "), line
    why = f"dcache DEGRADED since {clock(NOW - 40 * 60, utc())}; maintenance {clock(start, utc())}–"
    assert why in line and "overlaps" in line, line
    if size[0] >= 120:
        assert "— dCache pool upgrade" in line
