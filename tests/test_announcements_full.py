"""Announcements are read in full at 80 columns: expanded with A, each wraps to as many lines as it needs and
the board still shows every service (the UNKNOWN one too); `:announce` shows the highlighted one in full."""

from __future__ import annotations

from typing import Any

import pytest
from demo_board import NOW, board_lines, build, freeze

from opgtui.core.model import Announcement


@pytest.fixture(scope="module")
def board_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return build(tmp_path_factory)


def flat(lines: list[str]) -> str:
    """The screen's text as one line of words (a wrapped message reads whole)."""
    return " ".join(" ".join(lines).split())


def current(board: Any) -> list[Announcement]:
    from opgtui.ops.viewdata import ViewData

    cfg, store = board
    people = store.announcements()
    return people + ViewData(cfg, store).maintenance(store, NOW)


@pytest.mark.parametrize(("size", "no_color"), [((80, 24), False), ((80, 24), True), ((120, 40), False)])
async def test_a_shows_every_announcement_whole_and_the_board_keeps_every_service(
    board_demo: Any, size: tuple[int, int], no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, no_color)
    lines = await board_lines(board_demo, size, keys=("A",))
    shown = flat(lines)
    items = current(board_demo)
    assert len(items) == 3
    for a in items:
        assert " ".join(a.text.split()) in shown, a.text
    first = next(line for line in lines if "WARNING" in line)
    second = lines[lines.index(first) + 1]
    assert "(A folds)" in first + second and not any(line.strip() == "(A folds to one line)" for line in lines)
    assert any(line.startswith(" gpgrid-ce ") and "UNKNOWN" in line for line in lines)  # the last row, on screen


@pytest.mark.parametrize("no_color", [False, True])
async def test_announce_shows_the_highlighted_message_in_full(
    board_demo: Any, no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze(monkeypatch, no_color)
    lines = await board_lines(board_demo, (80, 24), keys=("colon", *"announce", "enter", "down"))
    assert lines[0].startswith("opgtui │ Announcements │")
    text = "dCache pool upgrade tonight (CHG0123456): hold DUNE reco2 submissions from 3 h before."
    assert text in flat(lines)  # the list's column cuts it; the pane under it does not
    assert any("dcache-admins" in line and "INFO" in line for line in lines)
