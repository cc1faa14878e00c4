"""Every text box that receives pasted or typed text is a safe one (issue 17 item 1, issue 16 item 3): the `:`
command line, a request's reason dialog and the requests filter clean escape sequences and bidi overrides as
they arrive; Tab on the command line knows :signatures."""

# ruff: noqa: F811  (app is the fixture imported from test_walk_command)
from __future__ import annotations

from test_hostile_text import _escapes, _hostile
from test_status_view import screen_lines
from test_walk_command import app  # noqa: F401  (the fixture: a dashboard on an empty store)

from opgtui.app import OpgApp
from opgtui.screens.command import complete


def test_tab_knows_signatures() -> None:
    assert complete("sig") == ("signatures", ["signatures"])
    assert complete(":si") == ("signatures", ["signatures"])


async def test_colon_signatures_opens_the_signatures_view(app: OpgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon", "s", "i", "tab", "enter")
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "SignaturesScreen"


async def _paste_into(app: OpgApp, pilot: object, selector: str) -> str:
    from textual import events
    from textual.widgets import Input

    box = app.screen.query_one(selector, Input)
    box.post_message(events.Paste(_hostile("osc52_request_title.txt")))
    await pilot.pause(0.1)  # type: ignore[attr-defined]
    return box.value


async def test_the_command_line_cleans_what_is_pasted(app: OpgApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("colon")
        await pilot.pause(0.1)
        value = await _paste_into(app, pilot, "#command-input")
        assert "NOvA FD reco" in value and not _escapes(value)
        assert not _escapes("\n".join(screen_lines(app)))


async def test_a_requests_reason_and_the_requests_filter_clean_what_is_pasted(app: OpgApp) -> None:
    from opgtui.screens.request_detail import ReasonDialog

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "slash")
        await pilot.pause(0.1)
        value = await _paste_into(app, pilot, "#req-filter")
        assert "NOvA FD reco" in value and not _escapes(value)
        assert not _escapes("\n".join(screen_lines(app)))
        await pilot.press("escape")
        reasons: list[str | None] = []
        app.push_screen(ReasonDialog("Reject request 1", required=True), reasons.append)
        await pilot.pause(0.1)
        value = await _paste_into(app, pilot, "#reason")
        assert "NOvA FD reco" in value and not _escapes(value)
        assert not _escapes("\n".join(screen_lines(app)))
        await pilot.press("enter")
        await pilot.pause(0.1)
    assert reasons and reasons[0] is not None and not _escapes(reasons[0])


async def test_the_palette_finds_the_signatures_view(app: OpgApp) -> None:
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "View: Signatures" in titles
