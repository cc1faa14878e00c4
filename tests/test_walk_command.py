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
    assert complete("st") == ("stat", ["status", "stats"])
    assert complete("s") == ("s", ["status", "stats", "signatures"])
    assert complete("zz") == ("zz", [])
    assert set(COMMANDS) >= {"status", "jobs", "log", "requests", "stats", "failures", "actions", "help", "quit"}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_what_you_type_is_drawn_and_tab_completes(app: OpgApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await pilot.press("colon", "l", "o")
        await pilot.pause(0.1)
        assert bottom_lines(app, 1)[0].startswith(" :lo")
        await pilot.press("backspace", "backspace", "s", "t", "tab")
        await pilot.pause(0.1)
        choices, prompt = bottom_lines(app, 2)
        assert prompt.startswith(" :stat") and choices.split() == ["status", "stats"]
        await pilot.press("ctrl+u", "j", "tab")
        await pilot.pause(0.1)
        assert bottom_lines(app, 1)[0].startswith(" :jobs")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.current_mode == "jobs"


async def test_keys_typed_in_one_go_after_colon_reach_the_prompt_not_the_view(app: OpgApp) -> None:
    """Over SSH ':jobs⏎' arrives in one read: the view must not get 'jobs' (j moves the board, Enter opens
    a service's history) while the prompt is being put up."""
    from textual import events

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key, char in (("colon", ":"), ("a", "a"), ("c", "c"), ("t", "t")):
            app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert bottom_lines(app, 1)[0].startswith(" :act")
        await pilot.press("escape")
        for key, char in (("colon", ":"), ("j", "j"), ("o", "o"), ("b", "b"), ("s", "s"), ("enter", "\r")):
            app.post_message(events.Key(key, char))
        await pilot.pause(0.5)
        assert app.current_mode == "jobs" and type(app.screen).__name__ == "JobsScreen"


async def test_colon_in_a_filter_is_a_character(app: OpgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("slash", *"site", "colon", *"purdue")
        await pilot.pause()
        assert app.screen.query_one("#filter").value == "site:purdue"  # type: ignore[attr-defined]
        assert type(app.screen).__name__ == "JobsScreen"
