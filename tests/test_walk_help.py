"""`?` help names keys as they are typed, lists the view's own keys first and the quit key the footer shows;
the palette has one help entry and finds every view and the view's actions."""

from __future__ import annotations

from typing import Any

import pytest

from opgtui.app import OpgApp
from opgtui.config import Config
from opgtui.demo.build import build_demo
from opgtui.screens.help import key_name


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Any]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_key_names_as_typed() -> None:
    assert [
        key_name(k)
        for k in (
            "right_square_bracket",
            "left_square_bracket",
            "question_mark",
            "escape",
            "ctrl+pageup",
            "full_stop",
            "G",
            "slash",
        )
    ] == ["]", "[", "?", "Esc", "ctrl+PgUp", ".", "G", "/"]


async def test_help_lists_the_views_keys_first_by_their_typed_names(demo: tuple[Config, Any]) -> None:
    from opgtui.screens.help import HelpScreen

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "question_mark")
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("#help-text").render().plain  # type: ignore[attr-defined]
        lines = [line.strip() for line in text.splitlines()]
        assert lines[0] == "Log keys" and lines.index("Log keys") < lines.index("Moving") < lines.index("Everywhere")
        assert "]  More lines" in lines and "[  Fewer lines" in lines
        assert "right_square_bracket" not in text and "ctrl+pageup" not in text
        assert "q  Quit" in lines and "ctrl+q" not in text
        assert "↓ / j  Down" in lines
        assert not any(word in text for word in ("Focus Next", "Copy selected text", "Scroll Left"))


async def test_the_palette_has_one_help_entry_every_view_and_the_views_actions(demo: tuple[Config, Any]) -> None:
    from opgtui.screens.confirm import ConfirmScreen

    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.5)
        await pilot.press("f", "g")
        await pilot.pause(0.2)
        commands = list(app.get_system_commands(app.screen))
        titles = [c.title for c in commands]
        assert sum("help" in t.lower() or t == "Keys" for t in titles) == 1
        for title in (
            "View: Status",
            "View: Jobs",
            "View: Log",
            "View: Requests",
            "View: Stats",
            "View: Failures",
            "View: Actions",
            "Jobs: Retry",
            "Jobs: Diagnose",
            "Jobs: Retry+memory",
            "Jobs: Group",
        ):
            assert title in titles, title
        retry = next(c for c in commands if c.title == "Jobs: Retry")
        assert retry.help == "key T"
        retry.callback()
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)
