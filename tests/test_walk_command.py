"""The `:` command line shows what you type, at 80x24 and 120x40, and Tab completes."""

from __future__ import annotations

from pathlib import Path

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.screens.command import COMMANDS, complete
from opgtui.store import open_store


def bottom_lines(app: OpgApp, n: int) -> list[str]:
    update = app.screen._compositor.render_full_update()
    return ["".join(strip.text for strip in line) for line in update.strips][-n:]


@pytest.fixture
def app(tmp_path: Path) -> OpgApp:
    return OpgApp(Config(store=tmp_path / "s.db"), open_store(tmp_path / "s.db"), refresh_loop=False)


def test_tab_completes_one_word_or_the_common_start() -> None:
    assert complete("jo") == ("jobs", ["jobs"])
    assert complete(":Fa") == ("failures", ["failures"])
    assert complete("s") == ("stat", ["status", "stats"])
    assert complete("zz") == ("zz", [])
    assert set(COMMANDS) >= {"status", "jobs", "log", "requests", "stats", "failures", "actions", "help", "quit"}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_what_you_type_is_drawn_and_tab_completes(app: OpgApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await pilot.press("colon", "l", "o")
        await pilot.pause(0.1)
        assert bottom_lines(app, 1)[0].startswith(" :lo")
        await pilot.press("backspace", "backspace", "s", "tab")
        await pilot.pause(0.1)
        choices, prompt = bottom_lines(app, 2)
        assert prompt.startswith(" :stat") and choices.split() == ["status", "stats"]
        await pilot.press("ctrl+u", "j", "tab")
        await pilot.pause(0.1)
        assert bottom_lines(app, 1)[0].startswith(" :jobs")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.current_mode == "jobs"
