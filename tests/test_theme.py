"""A theme restyles the header and the announcements (component classes on theme colours), as it does the job
table, the log and the timeline (their own tests): switching the theme changes their colours."""

from __future__ import annotations

from textual.app import App, ComposeResult

from opgtui.core.model import Announcement
from opgtui.widgets.header import HEADER_PARTS, AnnouncementBar, HeaderBar, component_styles, header_text


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield AnnouncementBar()


async def test_a_theme_restyles_the_header_and_the_announcements() -> None:
    app = HeaderApp()
    async with app.run_test(size=(100, 6)) as pilot:
        header, bar = app.query_one(HeaderBar), app.query_one(AnnouncementBar)
        header.show("Jobs", "fermigrid", "data 2m ago", ["schedd x unreachable"])
        bar.show([Announcement("dCache pools offline", "critical", "shifter")])
        await pilot.pause()

        def colours() -> tuple[str, str, str]:
            text = header_text("Jobs", "fermigrid", "data 2m ago", ["x"], 100,
                               component_styles(header, "header-bar", HEADER_PARTS))
            where = next(s.style for s in text.spans if text.plain[s.start:s.end] == "fermigrid")
            problem = next(s.style for s in text.spans if text.plain[s.start:s.end] == "x")
            critical = component_styles(bar, "announcement-bar", ("critical",))["critical"]
            return where.color.triplet.hex, problem.color.triplet.hex, critical.bgcolor.triplet.hex

        def theme() -> tuple[str, str, str]:
            return tuple(str(app.theme_variables[v]).lower() for v in ("text-primary", "text-error", "error"))

        before = theme()
        assert colours() == before
        app.theme = "gruvbox"
        await pilot.pause()
        assert colours() == theme() != before
        assert "fermigrid" in str(header.render()) and "dCache pools offline" in str(bar.render())
