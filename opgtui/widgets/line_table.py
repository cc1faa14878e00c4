"""A virtual table for long lists (the Signatures view's templates): it draws only the visible rows and asks for a
row's cells when it draws it, so 20,000 rows cost what 20 do (Textual's DataTable builds every row up front,
~0.3-1 ms each). Cells are plain text (cleaned by the caller), drawn as segments, never parsed as markup."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from opgtui.widgets.job_table import fit

Cell = str | tuple[str, Style]
HEADER = Style(bold=True, reverse=True)
CURSOR = Style(reverse=True)
CURSOR_UNFOCUSED = Style(underline=True)
PLAIN = Style()
GAP = 2  # cells between columns


class LineTable(ScrollView, can_focus=True):
    """Rows under a fixed header, with a cursor; Enter (or a double click) selects the row."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown"),
        Binding("home", "jump(0)", "First", show=False, id="table.home"),
        Binding("end", "jump(-1)", "Last", show=False, id="table.end"),
        Binding("enter", "select", "Open", show=False, id="table.select"),
    ]
    DEFAULT_CSS = "LineTable { height: 1fr; overflow-x: hidden; }"

    class Highlighted(Message):
        """The cursor moved to ``row``."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        """Enter on ``row``."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[tuple[str, int, bool]] = []
        self.row_count = 0
        self.cells: Callable[[int], Sequence[Cell]] = lambda _i: ()
        self.cursor_row = 0
        self._cache: dict[tuple[int, bool], Strip] = {}

    def set_columns(self, columns: Sequence[tuple[str, int] | tuple[str, int, bool]]) -> None:
        """(title, width[, right-aligned]) of each column."""
        self.columns = [(c[0], c[1], bool(c[2]) if len(c) > 2 else False) for c in columns]
        self._cache.clear()
        self.refresh()

    def set_rows(self, count: int, cells: Callable[[int], Sequence[Cell]], cursor: int | None = None) -> None:
        """``count`` rows whose cells ``cells(i)`` gives when row ``i`` is drawn; the cursor stays where it was
        (or goes to ``cursor``), within the rows."""
        self.row_count, self.cells = count, cells
        self.cursor_row = max(0, min(self.cursor_row if cursor is None else cursor, count - 1))
        self._cache.clear()
        self.virtual_size = Size(0, count + 1)
        self._scroll_to_cursor()
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def on_resize(self, _event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(0, self.row_count + 1)
        self._scroll_to_cursor()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            text = "".join(fit(title, w, right) + " " * GAP for title, w, right in self.columns)
            return Strip([Segment(fit(text, width), HEADER)])
        index = self.scroll_offset.y + y - 1
        if index >= self.row_count:
            return Strip.blank(width, PLAIN)
        key = (index, index == self.cursor_row)
        strip = self._cache.get(key)
        if strip is None:
            segments = []
            for (_title, w, right), cell in zip(self.columns, self.cells(index), strict=False):
                text, style = (cell, PLAIN) if isinstance(cell, str) else cell
                segments += [Segment(fit(text, w, right), style), Segment(" " * GAP, PLAIN)]
            strip = Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
            if key[1]:
                strip = strip.apply_style(CURSOR if self.has_focus else CURSOR_UNFOCUSED)
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    # ------------------------------------------------------------------ the cursor

    @property
    def page_size(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + self.page_size:
            self.scroll_to(y=self.cursor_row - self.page_size + 1, animate=False, immediate=True)

    def move_cursor(self, row: int) -> None:
        """The cursor to ``row`` (clamped), scrolled into view; says so with :class:`Highlighted`."""
        if not self.row_count:
            return
        old, self.cursor_row = self.cursor_row, max(0, min(row, self.row_count - 1))
        if old == self.cursor_row:
            return
        top = self.scroll_offset.y
        self._scroll_to_cursor()
        if self.scroll_offset.y == top:
            for line in (old, self.cursor_row):
                self.refresh(Region(0, line - top + 1, self.size.width, 1))
        else:
            self.refresh()
        self.post_message(self.Highlighted(self.cursor_row))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * self.page_size)

    def action_jump(self, where: int) -> None:
        self.move_cursor(0 if where == 0 else self.row_count - 1)

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.Selected(self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        self.focus()
        line = self.scroll_offset.y + event.y - 1
        if event.y > 0 and line < self.row_count:
            self.move_cursor(line)
            if event.chain == 2:
                self.action_select()

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()
