"""A virtual table for long lists (the Signatures view's templates): it draws only the visible rows and asks for a
row's cells when it draws it, so 20,000 rows cost what 20 do (Textual's DataTable builds every row up front,
~0.3-1 ms each). Cells are plain text (cleaned by the caller), drawn as segments, never parsed as markup."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from opgtui.widgets.cursor_lines import BOLD, DIM, PLAIN, CursorLines
from opgtui.widgets.job_table import fit

Cell = str | tuple[str, str]
"""A cell's text, or its text and its emphasis: "strong" (bold) or "weak" (dim)."""
EMPHASIS = {"strong": BOLD, "weak": DIM}
GAP = 2  # cells between columns


class LineTable(CursorLines):
    """Rows under a fixed header, with a cursor; Enter (or a double click) selects the row."""

    BINDINGS = [Binding("enter", "select", "Open", show=False, id="table.select")]
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

    def set_columns(self, columns: Sequence[tuple[str, int] | tuple[str, int, bool]]) -> None:
        """(title, width[, right-aligned]) of each column."""
        self.columns = [(c[0], c[1], bool(c[2]) if len(c) > 2 else False) for c in columns]
        self._cache.clear()
        self.refresh()

    def set_rows(self, count: int, cells: Callable[[int], Sequence[Cell]], cursor: int | None = None) -> None:
        """``count`` rows whose cells ``cells(i)`` gives when row ``i`` is drawn; the cursor stays where it was
        (or goes to ``cursor``), within the rows."""
        self.row_count, self.cells = count, cells
        self.cursor = max(0, min(self.cursor if cursor is None else cursor, count - 1))
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
            return Strip([Segment(fit(text, width), self.style("cursor-lines--header"))])
        index = self.scroll_offset.y + y - 1
        if index >= self.row_count:
            return Strip.blank(width, PLAIN)
        key = (index, index == self.cursor)
        strip = self._cache.get(key)
        if strip is None:
            segments = []
            for (_title, w, right), cell in zip(self.columns, self.cells(index), strict=False):
                text, style = (cell, PLAIN) if isinstance(cell, str) else (cell[0], EMPHASIS.get(cell[1], PLAIN))
                segments += [Segment(fit(text, w, right), style), Segment(" " * GAP, PLAIN)]
            strip = Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
            if key[1]:
                strip = strip.apply_style(self.cursor_style())
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    # ------------------------------------------------------------------ the cursor

    def _line_count(self) -> int:
        return self.row_count

    def _cursor_moved(self) -> None:
        self.post_message(self.Highlighted(self.cursor))

    def action_select(self) -> None:
        if self.row_count:
            self.post_message(self.Selected(self.cursor))

    def on_click(self, event: events.Click) -> None:
        self.focus()
        line = self.scroll_offset.y + event.y - 1
        if event.y > 0 and line < self.row_count:
            self.move_cursor(line)
            if event.chain == 2:
                self.action_select()
