"""The outage timeline on the demo at a fixed now: a now column on every row with `now` under it on the axis,
the span named in the legend, no tick cut at the right edge, and `z` zooms 24 h → 6 h → 7 d as the README says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from demo_board import NOW, board_lines, build, freeze

from opgtui.widgets.timeline import GLYPH

TICK = re.compile(r"\d\d-\d\d \d\d:\d\d|\d\d:\d\d|now")
SERVICES = ("samweb", "dcache", "cvmfs", "xrootd", "tokens", "jobsub", "fts", "gpgrid-ce")


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory)


def timeline(lines: list[str]) -> tuple[str, list[str], str]:
    """The legend line, the service rows and the axis."""
    top = next(i for i, line in enumerate(lines) if "degraded" in line and "maintenance" in line)
    rows = [lines[top + 1 + i] for i in range(len(SERVICES))]
    return lines[top], rows, lines[top + 1 + len(SERVICES)]


@pytest.mark.parametrize(("size", "no_color"), [((80, 24), False), ((80, 24), True), ((120, 40), False)])
async def test_a_now_column_the_span_in_the_legend_and_whole_ticks(
    board_demo: Any, size: tuple[int, int], no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, no_color)
    legend, rows, axis = timeline(await board_lines(board_demo, size))
    assert legend.startswith("─ 24 h ─") and "│ now" in legend
    assert [r.split()[0] for r in rows] == list(SERVICES)
    col = rows[0].index(GLYPH["now"])
    assert all(r[col] == GLYPH["now"] for r in rows)  # one column, every row
    assert axis[col : col + 3] == "now"
    words = axis.split()
    assert TICK.sub("", axis).strip() == "" and words[-1] == "now", axis  # every tick whole, "now" last
    assert rows[1][col - 2 : col] == GLYPH["degraded"] * 2  # dcache degraded up to now


async def test_z_zooms_24h_then_6h_then_7d_then_back(board_demo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    freeze(monkeypatch)
    for keys, name in (((), "24 h"), (("z",), "6 h"), (("z", "z"), "7 d"), (("z", "z", "z"), "24 h")):
        legend, _, axis = timeline(await board_lines(board_demo, keys=keys))
        assert legend.startswith(f"─ {name} ─"), (keys, legend)
        assert axis.split()[-1] == "now"


def test_the_readme_names_the_zoom_order() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "zoom 24 h → 6 h → 7 d" in readme


def test_no_tick_runs_past_the_edge_and_none_covers_now() -> None:
    from opgtui.widgets.timeline import axis_text, now_column

    start, end = NOW - 27 * 3600, NOW + 3 * 3600
    for width in (40, 59, 66, 101):
        col = now_column(start, end, NOW, width)
        line = axis_text(start, end, width, None, col).plain
        assert len(line) == width + 1 and line[col : col + 3] == "now" and TICK.sub("", line).strip() == ""


@pytest.mark.parametrize("keys", [(), ("A",)])
async def test_on_a_tall_terminal_the_timeline_comes_right_under_the_board(
    board_demo: Any, monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...]
) -> None:
    freeze(monkeypatch)
    lines = await board_lines(board_demo, (120, 40), keys=keys)
    last = next(i for i, line in enumerate(lines) if line.startswith(" gpgrid-ce "))
    assert lines[last + 1].startswith("─ 24 h ─"), lines[last + 1]  # no empty board rows between them
    assert lines[last + 2 + len(SERVICES)].split()[-1] == "now"  # the axis
