"""The log view: lines render, hostile lines stay literal and harmless, n/N reach the marks, follow keeps the end
in view, wrap and horizontal scroll show long lines, a million lines open at once."""

from __future__ import annotations

import time
from pathlib import Path

from rich.style import Style
from textual.app import App, ComposeResult

from opgtui.core.textsafe import clean
from opgtui.sources.logs import tail_file
from opgtui.widgets.highlight import KINDS, highlight_line, kinds
from opgtui.widgets.log_view import HIGHLIGHT_LOOK, LogView

DATA = Path(__file__).parent / "data" / "tails"
HOSTILE = tail_file(DATA / "hostile.log", 100).lines


class LogApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.reached: list[LogView.MarkReached] = []
        self.bells = 0

    def compose(self) -> ComposeResult:
        yield LogView(id="v")

    def bell(self) -> None:
        self.bells += 1

    def on_log_view_mark_reached(self, message: LogView.MarkReached) -> None:
        self.reached.append(message)


def rendered(view: LogView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def test_lines_render_with_numbers_and_the_end_in_view() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.set_lines([f"2026-11-25 03:22:{i % 60:02d} INFO record {i}" for i in range(1, 1001)])
        await pilot.pause()
        rows = rendered(view)
        assert rows[-1].startswith("  1000 2026-11-25") and rows[-1].rstrip().endswith("INFO record 1000")
        assert all(len(r) == 80 for r in rows)
        await pilot.press("g")
        assert rendered(view)[0].startswith("     1 2026-11-25 03:22:01 INFO record 1")
        await pilot.press("G")
        await pilot.pause()
        assert "record 1000" in rendered(view)[-1]


async def test_hostile_lines_render_literally_and_do_nothing() -> None:
    app = LogApp()
    async with app.run_test(size=(120, 24)) as pilot:
        view = app.query_one(LogView)
        view.focus()
        view.set_lines(HOSTILE)
        await pilot.press("g")
        rows = rendered(view)
        text = "\n".join(rows)
        for literal in (
            "[bold]not bold[/bold]",
            "[@click=app.bell]x[/]",
            "x [/",
            "cleared the screen?",
            "clipboard write",
            "title change",
            "a hyperlink",
            "red via SGR",
            "tab     here",
        ):
            assert literal in text, literal
        assert "^G and backspace^H and nul^@ and del^?" in text  # control characters shown, not sent
        assert "carriage^Mreturn" in text
        assert not any(ch in text for ch in "\x1b\x07\x00\x08\x9b\x9d\x9c\r")
        for y in range(len(HOSTILE)):  # no link, action or click handler rides on any cell
            assert all(not seg.style or (not seg.style.link and not seg.style.meta) for seg in view.render_line(y))
        for y in range(len(HOSTILE)):
            await pilot.click("#v", offset=(12, y))
        await pilot.pause()
        assert app.bells == 0
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x07" not in svg and "evil.example" not in svg
        assert ">clipboard&#160;write<" in svg and ">[@click=app.bell]x[/]<" in svg


def test_highlight_keeps_the_cleaned_text_exactly() -> None:
    assert set(HIGHLIGHT_LOOK) == set(KINDS)  # the log view gives every kind of piece a look
    styles = {kind: Style(bold=True) for kind in KINDS}
    for line in HOSTILE:
        text = highlight_line(line, styles)
        assert text.plain == clean(line) and "\x1b" not in text.plain
        assert not any(span.style and getattr(span.style, "meta", None) for span in text.spans)
    line = "2026-11-25 03:22:45 ERROR open root://fndca1.fnal.gov//pnfs/x.root failed"
    assert kinds(line) == {
        "2026-11-25 03:22:45": "date",
        "ERROR": "error",
        "failed": "error",
        "root://fndca1.fnal.gov//pnfs/x.root": "url",
    }
    assert kinds("%MSG-e FileOpenError:  RootInputFile:source")["%MSG-e FileOpenError:"] == "error"
    error = Style(color="red")
    styled = highlight_line(line, {"error": error})  # a kind without a style stays plain
    assert [(styled.plain[s.start : s.end], s.style) for s in styled.spans] == [("ERROR", error), ("failed", error)]


async def test_a_theme_restyles_the_highlighter_and_the_marks() -> None:
    """The log's colours are the theme's (component classes log-view--hl-*, --mark-*): switching the theme
    changes them, with nothing of the log view's own to change."""
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines(["2026-11-25 03:22:45 ERROR open failed"], {0: "code"})
        await pilot.pause()

        def shown() -> tuple[str, str]:
            strip = view.render_line(0)
            glyph = next(iter(strip))
            word = next(seg for seg in strip if seg.text.startswith("ERROR"))
            return glyph.style.bgcolor.triplet.hex, word.style.color.triplet.hex

        def theme() -> tuple[str, str]:
            return str(app.theme_variables["error"]).lower(), str(app.theme_variables["text-error"]).lower()

        before = theme()
        assert shown() == before
        app.theme = "gruvbox"
        await pilot.pause()
        assert shown() == theme() != before


async def test_n_and_shift_n_jump_between_marks() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        marks = {100: "service", 300: "code", 450: "resource", 480: "unknown"}
        view.set_lines([f"line {i}" for i in range(500)], marks)
        view.focus()
        await pilot.pause()
        assert view.current == 100  # opens on the first mark
        await pilot.press("n")
        await pilot.pause()
        assert view.current == 300 and view.scroll_offset.y <= 300 < view.scroll_offset.y + 10
        assert any(r.startswith("C 301 line 300") for r in rendered(view))
        assert (app.reached[-1].index, app.reached[-1].position, app.reached[-1].count) == (300, 2, 4)
        assert app.reached[-1].category == "code"
        await pilot.press("n", "n", "n")
        assert view.current == 100  # wraps around
        await pilot.press("N")
        await pilot.pause()
        assert view.current == 480 and any(r.startswith("? 481 line 480") for r in rendered(view))
        await pilot.press("N")
        await pilot.pause()
        rows = rendered(view)
        assert view.current == 450 and any(r.startswith("R 451 line 450") for r in rows)
        glyph = next(seg for seg in view.render_line(rows.index(next(r for r in rows if r.startswith("R")))))
        assert glyph.text == "R" and glyph.style.bgcolor.triplet.hex == str(app.theme_variables["warning"]).lower()


async def test_n_without_marks_says_so() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines(["nothing to see"])
        view.focus()
        await pilot.press("n")
        await pilot.pause()
        assert view.current is None and any("No matched lines" in str(n.message) for n in app._notifications)


async def test_follow_keeps_the_end_visible_until_scrolled_away() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines([f"line {i}" for i in range(100)])
        view.focus()
        await pilot.press("s")
        assert view.follow
        for batch in range(3):
            view.append_lines([f"new {batch}.{i}" for i in range(50)])
            await pilot.pause()
            assert f"new {batch}.49" in rendered(view)[-1]
        await pilot.press("up")
        assert not view.follow  # reading above the end: new lines no longer pull the view down
        y = view.scroll_offset.y
        view.append_lines(["later"])
        await pilot.pause()
        assert view.scroll_offset.y == y and view.lines[-1] == "later"


async def test_wrap_and_horizontal_scroll_show_long_lines() -> None:
    app = LogApp()
    long = "start " + "x" * 150 + " finish"
    async with app.run_test(size=(60, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines(["short", long, "after"])
        view.focus()
        await pilot.press("g")
        rows = rendered(view)
        assert "finish" not in "".join(rows)
        view.scroll_to(x=150, animate=False)
        await pilot.pause()
        assert "finish" in rendered(view)[1] and rendered(view)[1].startswith("  2 ")  # margin stays put
        await pilot.press("w")
        await pilot.pause()
        rows = rendered(view)
        assert view.wrap and rows[1].startswith("  2 start") and "finish" in "".join(rows[2:5])
        assert rows[rows.index(next(r for r in rows if "after" in r))].startswith("  3 after")
        await pilot.press("w")
        await pilot.pause()
        assert not view.wrap and rendered(view)[2].startswith("  3 after")


async def test_a_million_lines_open_and_paint_fast() -> None:
    lines = [
        f"2026-11-25 03:22:41 INFO Begin processing the {i}th record. run: 51234 subRun: 12" for i in range(1_000_000)
    ]
    app = LogApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        started = time.perf_counter()
        view.set_lines(lines)
        await pilot.pause()
        elapsed = time.perf_counter() - started
        # highlighting every line would take minutes; 3 s leaves room for a loaded CI (bench/ has the numbers)
        assert "the 999999th record" in rendered(view)[-1] and elapsed < 3.0, elapsed
        started = time.perf_counter()
        view.set_lines(lines, {10: "code", 999_990: "service"})
        await pilot.pause()
        assert view.current == 10 and any(r.startswith("C      11 ") for r in rendered(view))
        await pilot.press("N")
        await pilot.pause()
        assert view.current == 999_990 and time.perf_counter() - started < 3.0


class SmallApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogView(max_lines=100)


async def test_following_forever_keeps_memory_bounded_and_numbers_true() -> None:
    app = SmallApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        view.set_lines([f"line {i}" for i in range(1, 81)], {59: "code", 9: "service"})
        view.follow = True
        view.append_lines([f"line {i}" for i in range(81, 131)])
        await pilot.pause()
        assert len(view.lines) == 100 and view.lines[0] == "line 31" and view.marks == {29: "code"}
        assert rendered(view)[-1].startswith("  130 line 130")  # numbered as in the stream, not the buffer
        view.focus()
        await pilot.press("n")
        await pilot.pause()
        assert any(r.startswith("C  60 line 60") for r in rendered(view))


async def test_t_shows_when_each_line_was_read() -> None:
    """k9s' `t`: a log file has no time per line, so the tail's lines show when it was read and follow mode's
    appended lines when each arrived (in the process's zone here: the app has no configured one)."""
    from datetime import datetime

    read, arrived = 1_796_000_000.0, 1_796_000_125.0
    hhmmss = [datetime.fromtimestamp(t).astimezone().strftime("%H:%M:%S") for t in (read, arrived)]
    app = LogApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.set_lines([f"line {i}" for i in range(1, 6)], read_at=read)
        view.append_lines(["line 6", "line 7"], read_at=arrived)
        await pilot.pause()
        assert rendered(view)[0].startswith("  1 line 1")
        await pilot.press("t")
        await pilot.pause()
        rows = rendered(view)
        assert rows[0].startswith(f"  {hhmmss[0]} 1 line 1") and rows[4].startswith(f"  {hhmmss[0]} 5 line 5")
        assert rows[5].startswith(f"  {hhmmss[1]} 6 line 6") and rows[6].startswith(f"  {hhmmss[1]} 7 line 7")
        await pilot.press("t")
        await pilot.pause()
        assert rendered(view)[0].startswith("  1 line 1")
