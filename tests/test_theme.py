"""A theme restyles the header and the announcements (theme variables in their content's styles), as it does
the job table, the log and the timeline (component classes; their own tests): switching the theme changes their
colours, and the untrusted parts stay text."""

from __future__ import annotations

from rich.style import Style
from textual.app import App, ComposeResult
from textual.widget import Widget

from opgtui.core.model import Announcement
from opgtui.widgets.header import AnnouncementBar, HeaderBar


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield AnnouncementBar()


def style_of(widget: Widget, text: str) -> Style:
    """The style the widget draws ``text`` in (the first segment that holds it)."""
    for strip in widget.render_lines(widget.region.reset_offset):
        for segment in strip:
            if text in segment.text and segment.style is not None:
                return segment.style
    raise AssertionError(f"{text!r} not drawn")


async def test_a_theme_restyles_the_header_and_the_announcements() -> None:
    app = HeaderApp()
    async with app.run_test(size=(100, 6)) as pilot:
        header, bar = app.query_one(HeaderBar), app.query_one(AnnouncementBar)
        header.show("Jobs", "[b]fermigrid", "data 2m ago", ["schedd [red]x unreachable"])
        bar.show([Announcement("dCache pools [i]offline", "critical", "shifter")])
        await pilot.pause()

        def colours() -> tuple[str, str, str]:
            where, problem = style_of(header, "[b]fermigrid"), style_of(header, "schedd [red]x")
            critical = style_of(bar, "CRITICAL")
            assert style_of(bar, "dCache pools [i]offline")  # literal: markup never parsed
            return where.color.triplet.hex, problem.color.triplet.hex, critical.bgcolor.triplet.hex

        def theme() -> tuple[str, ...]:
            return tuple(str(app.theme_variables[v]).lower() for v in ("text-primary", "text-error", "error"))

        before = theme()
        assert colours() == before
        app.theme = "gruvbox"
        await pilot.pause()
        assert colours() == theme() != before
