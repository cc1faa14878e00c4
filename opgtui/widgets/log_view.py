"""The log view: a line-API list of log lines drawing only what is visible, with error lines marked in the
margin by verdict category; `n`/`N` jump between marks, `s` follows the end, `w` wraps, `g`/`G` ends."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from opgtui.highlight import highlight_line

MARK_STYLE = {"service": Style(color="white", bgcolor="blue", bold=True),
              "code": Style(color="white", bgcolor="red", bold=True),
              "resource": Style(color="black", bgcolor="yellow", bold=True),
              "unknown": Style(color="white", bgcolor="grey35")}
MARK_GLYPH = {"service": "S", "code": "C", "resource": "R", "unknown": "?"}
NUMBER = Style(dim=True)
CURRENT = Style(bgcolor="grey23")


class LogView(ScrollView, can_focus=True):
    """Lines of a log with a margin of marks and line numbers."""

    BINDINGS = [
        Binding("n", "next_mark(1)", "Next error", id="log.next"),
        Binding("N", "next_mark(-1)", "Prev error", show=False, id="log.prev"),
        Binding("s", "follow", "Follow", id="log.follow"),
        Binding("w", "wrap", "Wrap", show=False, id="log.wrap"),
        Binding("g,home", "top", "Top", show=False, id="log.top"),
        Binding("G,end", "bottom", "End", show=False, id="log.bottom"),
        Binding("up,k", "scroll_up", "Up", show=False, id="log.up"),
        Binding("down,j", "scroll_down", "Down", show=False, id="log.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="log.pageup"),
        Binding("pagedown", "page_down", "Page down", show=False, id="log.pagedown"),
    ]
    DEFAULT_CSS = "LogView { height: 1fr; }"
    follow = reactive(False)
    wrap = reactive(False)

    class MarkReached(Message):
        """The view moved to a marked line: ``index`` 0-based, ``position`` of ``count`` marks."""

        def __init__(self, index: int, position: int, count: int) -> None:
            super().__init__()
            self.index, self.position, self.count = index, position, count

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.marks: dict[int, str] = {}
        self.current: int | None = None
        self._rows: list[tuple[int, int]] = []  # (line index, wrap segment) per screen row

    # ------------------------------------------------------------------ data

    def set_lines(self, lines: list[str], marks: dict[int, str] | None = None) -> None:
        self.lines, self.marks, self.current = lines, dict(marks or {}), None
        self._relayout()
        if self.marks:
            self.action_next_mark(1)
        else:
            self.scroll_end(animate=False, immediate=True) if lines else self.scroll_home(animate=False)

    def append_lines(self, lines: list[str]) -> None:
        self.lines.extend(lines)
        self._relayout()
        if self.follow:
            self.scroll_end(animate=False, immediate=True)

    @property
    def margin_width(self) -> int:
        return len(str(max(len(self.lines), 1))) + 3

    def _relayout(self) -> None:
        width = max(self.size.width - self.margin_width, 10)
        if self.wrap:
            rows = []
            for i, line in enumerate(self.lines):
                pieces = max(1, -(-len(line) // width))
                rows.extend((i, k) for k in range(pieces))
            self._rows = rows
        else:
            self._rows = []
        height = len(self._rows) if self.wrap else len(self.lines)
        longest = 0 if self.wrap else max((len(s) for s in self.lines[-5000:]), default=0)
        self.virtual_size = Size(longest + self.margin_width, height)
        self.refresh()

    def on_resize(self) -> None:
        if self.wrap:
            self._relayout()

    # ------------------------------------------------------------------ drawing

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        if self.wrap:
            if row >= len(self._rows):
                return Strip.blank(width)
            index, piece = self._rows[row]
        else:
            if row >= len(self.lines):
                return Strip.blank(width)
            index, piece = row, 0
        mark = self.marks.get(index)
        number = f"{index + 1:>{self.margin_width - 3}} " if piece == 0 else " " * (self.margin_width - 2)
        margin = [Segment(MARK_GLYPH[mark] if mark and piece == 0 else " ", MARK_STYLE.get(mark or "", Style())),
                  Segment(" "), Segment(number, NUMBER)]
        text = highlight_line(self.lines[index])
        body_width = max(width - self.margin_width, 1)
        if self.wrap:
            text = text[piece * body_width:(piece + 1) * body_width]
        segments = list(text.render(self.app.console))
        strip = Strip([*margin, *segments])
        if not self.wrap:
            x = self.scroll_offset.x
            strip = Strip([*margin, *Strip(segments).crop(x, x + body_width)])
        strip = strip.crop(0, width).extend_cell_length(width)
        return strip.apply_style(CURRENT) if index == self.current else strip

    # ------------------------------------------------------------------ keys

    def _row_of(self, index: int) -> int:
        if not self.wrap:
            return index
        return next((r for r, (i, _) in enumerate(self._rows) if i == index), 0)

    def action_next_mark(self, direction: int) -> None:
        if not self.marks:
            self.notify("no marked lines in this tail", markup=False)
            return
        ordered = sorted(self.marks)
        if self.current is None:
            target = ordered[0] if direction > 0 else ordered[-1]
        elif direction > 0:
            target = next((i for i in ordered if i > self.current), ordered[0])
        else:
            target = next((i for i in reversed(ordered) if i < self.current), ordered[-1])
        self.current = target
        self.scroll_to(y=max(self._row_of(target) - self.size.height // 3, 0), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.MarkReached(target, ordered.index(target) + 1, len(ordered)))

    def action_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.scroll_end(animate=False)
        self.notify(f"follow {'on' if self.follow else 'off'}", markup=False, timeout=2)

    def action_wrap(self) -> None:
        self.wrap = not self.wrap
        self._relayout()

    def action_top(self) -> None:
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False)
