"""The log view: a line-API list of log lines that draws only what is on screen (a million lines open at once),
with lines matched by a signature marked in the margin by verdict category.

Keys: `n`/`N` next/previous mark (or match, after a search: :meth:`LogView.search`), `s` follow the end, `w`
wrap, `g`/`G` top/end, `c` copy the current line, `t` when each line was read (a log carries no time per line of its
own: the tail's lines share the time it was read, follow mode's the time each arrived). Lines are untrusted: each is
cleaned (``textsafe.clean``) and styled as ``Text`` by :func:`opgtui.widgets.highlight.highlight_line`, never parsed
as markup, so escape sequences, ``[@click=...]`` and control characters show literally and do nothing.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from datetime import datetime
from itertools import accumulate

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from opgtui.core.textsafe import clean
from opgtui.widgets.highlight import highlight_line

MARK_GLYPH: dict[str, str] = {"service": "S", "code": "C", "resource": "R", "unknown": "?"}
CUT = "…"  # the last cell of a line cut at the right edge (w wraps it; the horizontal scroll shows the rest)
HIGHLIGHT_ROLES = ("error", "warning", "success", "accent", "primary", "secondary")
"""The log's colours by role (component classes ``log-view--<role>``); each kind of piece the highlighter finds is
one of them, or a mark's look (a FATAL line is drawn like a code mark), with its own emphasis."""
HIGHLIGHT_LOOK: dict[str, tuple[str | None, Style]] = {
    "date": (None, Style(dim=True)),
    "alarm": ("mark-code", Style()),
    "error": ("error", Style(bold=True)),
    "warning": ("warning", Style(bold=True)),
    "info": ("success", Style()),
    "block": ("accent", Style(bold=True)),
    "message": ("accent", Style()),
    "debug": (None, Style(dim=True)),
    "url": ("primary", Style(underline=True)),
    "path": ("success", Style()),
    "number": ("secondary", Style()),
}
MAX_LINES = 2_000_000  # follow mode drops the oldest lines beyond this


def _cells(line: str) -> int:
    """Cells a raw line takes once cleaned (fast for the usual printable ASCII line)."""
    return len(line) if line.isascii() and line.isprintable() else cell_len(clean(line))


class LogView(ScrollView, can_focus=True):
    """Lines of a log with a margin of marks and line numbers; renders only the visible lines."""

    BINDINGS = [
        Binding("n", "next_mark(1)", "Next error", id="log.next"),
        Binding("N", "next_mark(-1)", "Previous error", show=False, id="log.prev"),
        Binding("s", "follow", "Follow", id="log.follow"),
        Binding("w", "wrap", "Wrap", show=False, id="log.wrap"),
        Binding("g,home", "top", "Top", show=False, id="log.top"),
        Binding("G,end", "bottom", "End", show=False, id="log.bottom"),
        Binding("up,k", "scroll_up", "Up", show=False, id="log.up"),
        Binding("down,j", "scroll_down", "Down", show=False, id="log.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="log.pageup"),
        Binding("pagedown", "page_down", "Page down", show=False, id="log.pagedown"),
        Binding("c", "copy", "Copy line", show=False, id="log.copy"),
        Binding("t", "timestamps", "Times read", show=False, id="log.timestamps"),
    ]
    COMPONENT_CLASSES = {
        "log-view--number",
        "log-view--current",
        *(f"log-view--mark-{m}" for m in MARK_GLYPH),
        *(f"log-view--{role}" for role in HIGHLIGHT_ROLES),
    }
    DEFAULT_CSS = """
    LogView { height: 1fr; }
    LogView > .log-view--number { color: $text-muted; }
    LogView > .log-view--current { background: $boost; text-style: bold; }
    LogView > .log-view--mark-service { color: $text; background: $primary; text-style: bold; }
    LogView > .log-view--mark-code { color: $text; background: $error; text-style: bold; }
    LogView > .log-view--mark-resource { color: $background; background: $warning; text-style: bold; }
    LogView > .log-view--mark-unknown { color: $text; background: $panel-lighten-2; }
    LogView > .log-view--error { color: $text-error; }
    LogView > .log-view--warning { color: $text-warning; }
    LogView > .log-view--success { color: $text-success; }
    LogView > .log-view--accent { color: $text-accent; }
    LogView > .log-view--primary { color: $text-primary; }
    LogView > .log-view--secondary { color: $text-secondary; }
    """

    follow: reactive[bool] = reactive(False, init=False)
    wrap: reactive[bool] = reactive(False, init=False)
    timestamps: reactive[bool] = reactive(False, init=False)

    class MarkReached(Message):
        """The view moved to a marked line: ``index`` 0-based, ``position`` (1-based) of ``count`` marks."""

        def __init__(self, index: int, position: int, count: int, category: str) -> None:
            super().__init__()
            self.index, self.position, self.count, self.category = index, position, count, category

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, name: str | None = None, max_lines: int = MAX_LINES
    ) -> None:
        super().__init__(id=id, classes=classes, name=name)
        self.lines: list[str] = []
        self.marks: dict[int, str] = {}
        self.current: int | None = None  # the marked line n/N last moved to
        self.max_lines = max_lines
        self._ordered: list[int] = []  # sorted mark indices
        self._longest = 0  # widest line in cells (grows as wider lines are drawn)
        self._starts: list[int] = [0]  # wrap mode: first screen row of each line, plus the total
        self._wrap_width = 0
        self._cache: LRUCache[int, Strip] = LRUCache(2048)  # highlighted body of a line, by index
        self._cache_style: Style | None = None
        self._styles: dict[str, Style] | None = None  # the highlighter's, by kind (see _highlight_styles)
        self._dropped = 0  # lines dropped from the front by follow mode (numbers stay those of the stream)
        self._read_at: list[tuple[int, float]] = []  # (first line number, 0-based with dropped lines, time read)
        self.search_text = ""  # the / search, lower case: n/N move through its matches instead of the marks
        self._found: tuple[str, int, list[int]] = ("", 0, [])  # (query, lines searched, matching indices)

    # ------------------------------------------------------------------ data

    def set_lines(self, lines: list[str], marks: dict[int, str] | None = None, read_at: float | None = None) -> None:
        """Show ``lines`` (read at ``read_at``, default now); ``marks`` maps 0-based line index -> category
        (service|code|resource|unknown).

        Opens on the first mark when there is one, else on the end (it is a tail).
        """
        self._read_at = [(0, time.time() if read_at is None else read_at)]
        self.lines = list(lines)
        self.marks = {i: c for i, c in (marks or {}).items() if 0 <= i < len(self.lines)}
        self._ordered = sorted(self.marks)
        self.current = None
        self._dropped = 0
        self._cache.clear()
        self._longest = max(map(len, self.lines), default=0)
        self._relayout()
        if self._ordered and not self.follow:
            self._go_to_mark(self._ordered[0])
        else:
            self.scroll_end(animate=False)

    def append_lines(self, lines: list[str], read_at: float | None = None) -> None:
        """Add lines at the end (a growing log, read at ``read_at``, default now); in follow mode the end stays
        in view."""
        if not lines:
            return
        self._read_at.append((len(self.lines) + self._dropped, time.time() if read_at is None else read_at))
        self.lines.extend(lines)
        self._longest = max(self._longest, max(map(len, lines)))
        excess = len(self.lines) - self.max_lines
        if excess > 0:
            self._drop_first(excess)
        elif self.wrap and self._wrap_width == self.body_width:
            width = self._wrap_width
            rows = accumulate((max(1, -(-_cells(x) // width)) for x in lines), initial=self._starts[-1])
            self._starts.extend(list(rows)[1:])
            self._set_virtual_size()
        else:
            self._relayout()
        if self.follow:
            self.scroll_end(animate=False)

    def _drop_first(self, count: int) -> None:
        del self.lines[:count]
        self._dropped += count
        self.marks = {i - count: c for i, c in self.marks.items() if i >= count}
        self._ordered = sorted(self.marks)
        self.current = self.current - count if self.current is not None and self.current >= count else None
        self._cache.clear()
        self._relayout()

    @property
    def margin_width(self) -> int:
        """Mark glyph, a space, the line number, a space (and ``HH:MM:SS `` with timestamps on)."""
        return len(str(max(len(self.lines) + self._dropped, 1))) + 3 + 9 * self.timestamps

    def read_time(self, index: int) -> str:
        """``HH:MM:SS`` when line ``index`` was read, in the dashboard's time zone."""
        number = index + self._dropped
        at = next((t for first, t in reversed(self._read_at) if first <= number), None)
        if at is None:
            return " " * 8
        tz = getattr(self.app, "tz", None)
        moment = datetime.fromtimestamp(at, tz) if tz else datetime.fromtimestamp(at).astimezone()
        return moment.strftime("%H:%M:%S")

    @property
    def body_width(self) -> int:
        return max(self.scrollable_content_region.width - self.margin_width, 1)

    @property
    def row_count(self) -> int:
        return self._starts[-1] if self.wrap else len(self.lines)

    def _relayout(self) -> None:
        if self.wrap:
            width = self._wrap_width = self.body_width
            self._starts = list(accumulate((max(1, -(-_cells(x) // width)) for x in self.lines), initial=0))
        self._set_virtual_size()

    def _set_virtual_size(self) -> None:
        width = 0 if self.wrap else self._longest + self.margin_width
        self.virtual_size = Size(width, self.row_count)
        self.refresh()

    def on_resize(self) -> None:
        if self.wrap and self.body_width != self._wrap_width:
            self._relayout()

    def notify_style_update(self) -> None:
        """The theme or the CSS changed: the marks' and the highlighter's styles are read again."""
        super().notify_style_update()
        self._cache.clear()
        self._styles = None

    def _highlight_styles(self) -> dict[str, Style]:
        """How each kind of piece of a line looks (:data:`HIGHLIGHT_LOOK`), read once per theme."""
        styles = self._styles
        if styles is None:
            styles = self._styles = {
                kind: (self.get_component_rich_style(f"log-view--{role}", partial=True) if role else Style()) + look
                for kind, (role, look) in HIGHLIGHT_LOOK.items()
            }
        return styles

    # ------------------------------------------------------------------ drawing

    def _line_at(self, row: int) -> tuple[int, int]:
        """(line index, wrapped piece) shown on virtual row ``row``."""
        if not self.wrap:
            return row, 0
        index = bisect_right(self._starts, row) - 1
        return index, row - self._starts[index]

    def _row_of(self, index: int) -> int:
        return self._starts[index] if self.wrap else index

    def _body(self, index: int, base: Style) -> Strip:
        if base != self._cache_style:
            self._cache.clear()
            self._cache_style = base
        strip = self._cache.get(index)
        if strip is None:
            text = highlight_line(self.lines[index], self._highlight_styles())
            segments = list(Segment.apply_style(text.render(self.app.console), base))
            strip = Strip(segments)
            self._cache[index] = strip
            if not self.wrap and strip.cell_length > self._longest:  # tabs, ^X and wide characters
                self._longest = strip.cell_length
                self.call_later(self._set_virtual_size)
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base = self.rich_style
        row = scroll_y + y
        if row >= self.row_count:
            return Strip.blank(width, base)
        index, piece = self._line_at(row)
        body_width = self.body_width
        start = piece * body_width if self.wrap else scroll_x
        whole = self._body(index, base)
        body = whole.crop_extend(start, start + body_width, base)
        if not self.wrap and body_width > 1 and whole.cell_length > start + body_width:  # cut: say so at the edge
            body = Strip.join([body.crop(0, body_width - 1), Strip([Segment(CUT, base)], 1)])
        mark = self.marks.get(index) if piece == 0 else None
        digits = self.margin_width - 3 - 9 * self.timestamps
        number = f"{index + 1 + self._dropped:>{digits}}" if piece == 0 else " " * digits
        if self.timestamps:
            number = (self.read_time(index) if piece == 0 else " " * 8) + " " + number
        rest = Strip.join(
            [Strip([Segment(" ", base), Segment(number, self._number_style()), Segment(" ", base)]), body]
        )
        if index == self.current:
            rest = Strip(Segment.apply_style(rest, post_style=self._cursor_style()), rest.cell_length)
        mark_style = self.get_component_rich_style(f"log-view--mark-{mark}", partial=True) if mark else base
        glyph = Segment(MARK_GLYPH[mark], base + mark_style) if mark else Segment(" ", base)
        return Strip.join([Strip([glyph], 1), rest]).crop_extend(0, width, base)

    def _number_style(self) -> Style:
        return self.get_component_rich_style("log-view--number")

    def _cursor_style(self) -> Style:
        cursor = self.get_component_rich_style("log-view--current")
        return Style(bgcolor=cursor.bgcolor, bold=cursor.bold)

    # ------------------------------------------------------------------ moving

    def _go_to_mark(self, index: int) -> None:
        self.current = index
        row = self._row_of(index)
        self.scroll_to(y=max(row - self.scrollable_content_region.height // 3, 0), animate=False)
        self.refresh()
        position = self._ordered.index(index) + 1
        self.post_message(self.MarkReached(index, position, len(self._ordered), self.marks[index]))

    def _go_to_line(self, index: int) -> None:
        self.follow = False
        self.current = index
        self.scroll_to(y=max(self._row_of(index) - self.scrollable_content_region.height // 3, 0), animate=False)
        self.refresh()

    def matches(self) -> list[int]:
        """The indices of the lines holding the search text (case-insensitive), kept until lines change."""
        query, searched, found = self._found
        if query != self.search_text or searched != len(self.lines):
            found = [i for i, line in enumerate(self.lines) if self.search_text in line.lower()]
            self._found = (self.search_text, len(self.lines), found)
        return found

    def search(self, text: str) -> str:
        """``/``: go to the first line holding ``text`` from the top of the screen down (``:N`` or a bare
        number: to line N); n/N then move through the matches. Returns what to tell the shifter."""
        text = clean(text).strip()
        number = text.lstrip(":")
        if number.isdigit():
            self.search_text = ""
            index = min(max(int(number) - 1 - self._dropped, 0), max(len(self.lines) - 1, 0))
            if self.lines:
                self._go_to_line(index)
            return f"line {index + 1 + self._dropped}"
        self.search_text = text.lower()
        if not self.search_text:
            return "search cleared: n/N move through the marked lines"
        found = self.matches()
        if not found:
            return f"no line holds '{text}'"
        top = self._line_at(round(self.scroll_y))[0] if self.lines else 0
        pos = bisect_left(found, top)
        self._go_to_line(found[pos] if pos < len(found) else found[0])
        return f"'{text}': {len(found):,} lines (n/N next/previous)"

    def _next_match(self, direction: int) -> None:
        found = self.matches()
        if not found:
            self.notify(f"No line holds '{self.search_text}'.", markup=False, timeout=3)
            return
        here = self.current if self.current is not None else self._line_at(round(self.scroll_y))[0]
        pos = bisect_right(found, here) if direction > 0 else bisect_left(found, here) - 1
        index = found[pos] if 0 <= pos < len(found) else found[0 if pos >= 0 else -1]  # wraps
        self._go_to_line(index)
        self.notify(f"match {found.index(index) + 1} of {len(found):,}", markup=False, timeout=2)

    def action_copy(self) -> None:
        """Copy the current line (the last match or mark moved to, else the top line on screen), cleaned,
        to the terminal's clipboard (Textual sends it as OSC 52)."""
        if not self.lines:
            return
        index = self.current if self.current is not None else self._line_at(round(self.scroll_y))[0]
        self.app.copy_to_clipboard(clean(self.lines[index]))
        self.notify(f"copied line {index + 1 + self._dropped}", markup=False, timeout=2)

    def action_next_mark(self, direction: int) -> None:
        """Move to the next (1) or previous (-1) match of the search, else marked line, wrapping around."""
        if self.search_text:
            self._next_match(direction)
            return
        if not self._ordered:
            self.notify("No matched lines in this log.", markup=False, timeout=3)
            return
        self.follow = False
        ordered = self._ordered
        if self.current is not None:  # strictly after / before the current mark
            pos = bisect_right(ordered, self.current) if direction > 0 else bisect_left(ordered, self.current) - 1
        elif direction > 0:  # nothing chosen yet: the first mark from the top of the screen down
            pos = bisect_left(ordered, self._line_at(round(self.scroll_y))[0])
        else:  # or the last one from the bottom of the screen up
            bottom = round(self.scroll_y) + self.scrollable_content_region.height - 1
            pos = bisect_right(ordered, self._line_at(min(bottom, max(self.row_count - 1, 0)))[0]) - 1
        self._go_to_mark(ordered[pos] if 0 <= pos < len(ordered) else ordered[0 if pos >= 0 else -1])  # wraps

    def watch_follow(self, follow: bool) -> None:
        if follow:
            self.scroll_end(animate=False)

    def action_follow(self) -> None:
        self.follow = not self.follow
        self.notify("Follow on: the end stays in view." if self.follow else "Follow off.", markup=False, timeout=2)

    def watch_wrap(self) -> None:
        top = self._line_at(round(self.scroll_y))[0] if self.lines else 0
        self._cache.clear()
        self._relayout()
        self.scroll_to(x=0, y=self._row_of(min(top, max(len(self.lines) - 1, 0))), animate=False)

    def action_wrap(self) -> None:
        self.wrap = not self.wrap

    def watch_timestamps(self) -> None:
        self._relayout()

    def action_timestamps(self) -> None:
        self.timestamps = not self.timestamps

    def action_top(self) -> None:
        self.follow = False
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False)

    def action_scroll_up(self) -> None:
        self.follow = False
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.follow = False
        super().action_page_up()
