"""The log view: hostile lines stay literal, marks are reachable with n/N, follow keeps the end in view."""

from __future__ import annotations

from textual.app import App, ComposeResult

from opgtui.widgets.log_view import LogView

HOSTILE = ["[bold]not bold[/bold]", "[@click=app.bell]x[/]", "x [/", "\x1b[2J\x1b[Hcleared?",
           "\x1b]52;c;cHduZWQ=\x07clipboard", "tab\there", "nul\x00byte"]


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogView(id="v")


def rendered(view: LogView, rows: int) -> list[str]:
    return [view.render_line(y).text for y in range(rows)]


async def test_hostile_lines_render_literally() -> None:
    app = LogApp()
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(LogView)
        view.set_lines(HOSTILE)
        await pilot.pause()
        text = "\n".join(rendered(view, len(HOSTILE)))
        assert "[bold]not bold[/bold]" in text and "[@click=app.bell]x[/]" in text and "x [/" in text
        assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
        assert "^@" in text  # the NUL is shown, not hidden
        await pilot.click("#v", offset=(10, 1))
        assert bells == []


async def test_n_and_shift_n_jump_between_marks() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines([f"line {i}" for i in range(500)], {100: "service", 300: "code", 450: "resource"})
        view.focus()
        await pilot.pause()
        assert view.current == 100  # opens on the first mark
        await pilot.press("n")
        assert view.current == 300 and view.scroll_offset.y <= 300 < view.scroll_offset.y + 10
        await pilot.press("n", "n")
        assert view.current == 100  # wraps around
        await pilot.press("N")
        assert view.current == 450
        line = next(t for t in rendered(view, 10) if "line 450" in t)
        assert line.startswith("R ")


async def test_follow_keeps_the_end_visible() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines([f"line {i}" for i in range(100)])
        view.focus()
        await pilot.press("s")
        view.append_lines([f"new {i}" for i in range(50)])
        await pilot.pause()
        assert any("new 49" in t for t in rendered(view, 10))
