"""The command palette (ctrl+p) lists opgtui's commands only: not Textual's Maximize, Screenshot (which writes an
SVG on the host the dashboard runs on) or Theme; Quit stays (the README's `q quit`). Review finding 17."""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual.command import CommandPalette

from opgtui.app import OpgApp

NOW = 1_796_000_000.0  # a fixed clock: the demo's header ages do not move under the test
TEXTUAL_ONLY = ("Maximize", "Minimize", "Screenshot", "Theme", "Keys")


def screen_text(app: OpgApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_palette_offers_no_textual_command(
    demo: Any, no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "time", lambda: NOW)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    cfg, store = demo
    app = OpgApp(cfg, store, demo=True, refresh_loop=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Quit" in titles and "View: Stats" in titles
        assert not [t for t in titles if t in TEXTUAL_ONLY], titles
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        for query, textual in (("screensh", "Screenshot"), ("maximi", "Maximize"), ("quit", "Quit")):
            await pilot.press(*query)
            await pilot.pause(0.5)
            text = screen_text(app)
            if textual == "Quit":
                assert "Quit" in text, text
            else:
                assert textual not in text and "SVG" not in text, text
            await pilot.press(*["backspace"] * len(query))
