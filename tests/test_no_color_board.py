"""Under NO_COLOR the Status board and its pushed screens show which row the keys act on without colour (the
cursor row in reverse video), and the timeline's down block is its most prominent mark."""

from __future__ import annotations

from typing import Any

import pytest
from demo_board import board_lines, build, freeze
from rich.segment import Segment

from opgtui.app import OpgApp
from opgtui.widgets.timeline import GLYPH


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory)


def screen_segments(app: OpgApp) -> list[list[Segment]]:
    """What the terminal gets, line by line, after the app's filters (NO_COLOR's among them)."""
    update = app.screen._compositor.render_update(full=True)
    return [[seg for strip in line for seg in strip] for line in update.strips]  # type: ignore[union-attr]


def reversed_text(line: list[Segment]) -> str:
    return "".join(s.text for s in line if s.style is not None and s.style.reverse).strip()


def brightness(segment: Segment) -> float:
    """The grey's luminance (NO_COLOR leaves greys on a truecolor terminal)."""
    assert segment.style is not None and segment.style.color is not None
    r, g, b = segment.style.color.get_truecolor()
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


async def cursor_rows(board: Any, keys: tuple[str, ...], size: tuple[int, int] = (80, 24)) -> list[str]:
    cfg, store = board
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=size) as pilot:
        for key in ("", *keys):
            if key:
                await pilot.press(key)
            for _ in range(2):
                await app.workers.wait_for_complete()
                await pilot.pause()
        return [text for line in screen_segments(app) if (text := reversed_text(line))]


@pytest.mark.parametrize(
    ("keys", "row"),
    [
        (("down",), "dcache"),  # the board
        (("down", "down", "enter"), "maintenance"),  # cvmfs's history: its window ahead
        (("colon", *"announce", "enter", "down"), "dcache-admi"),  # the announcements list
    ],
)
async def test_the_cursor_row_is_reverse_video_without_colour(
    board_demo: Any, monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...], row: str
) -> None:
    freeze(monkeypatch, no_color=True)
    marked = [text for text in await cursor_rows(board_demo, keys) if row in text]
    assert marked, f"no reverse-video row with {row!r}"


async def test_down_is_the_most_prominent_mark_on_the_strip_without_colour(
    board_demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, no_color=True)
    cfg, store = board_demo
    app = OpgApp(cfg, store, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("z")  # 6 h: samweb's outage is several cells wide
        await app.workers.wait_for_complete()
        await pilot.pause()
        marks: dict[str, Segment] = {}
        for line in screen_segments(app):
            for seg in line:
                for state in ("up", "degraded", "down"):
                    if seg.text and set(seg.text) == {GLYPH[state]}:
                        marks.setdefault(state, seg)
        assert set(marks) == {"up", "degraded", "down"}
        assert marks["down"].style is not None and marks["down"].style.bold
        assert brightness(marks["down"]) > max(brightness(marks["up"]), brightness(marks["degraded"])), marks
    lines = await board_lines(board_demo)  # the same board, words and glyphs unchanged
    assert any(line.startswith(" samweb ") for line in lines)
