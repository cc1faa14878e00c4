"""The cursor both line-drawing tables share: lines under a fixed header row, moved by line, page or end, scrolled
into view, redrawing only the two lines it left and reached; the cached strips are redrawn when focus or the theme
changes. Styles are component classes (``cursor-lines--header``, ``--cursor``, ``--cursor-blurred`` and each table's
colours by role, ``job-table--error``, ...), so a theme or the app's CSS restyles them; :meth:`CursorLines.style`
reads one. Textual styles every component class of a widget each time it applies CSS to it (a focus change, a
screen change: ~0.2 ms each), so a widget has few: colours by role; emphasis (bold, dim) is the widget's own."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

PLAIN = Style()  # every segment has a style: Textual's NO_COLOR filter fails on one without
BOLD, DIM = Style(bold=True), Style(dim=True)


class CursorLines(ScrollView, can_focus=True):
    """A ScrollView whose first line is a header and whose other lines carry a cursor (``self.cursor``)."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown"),
        Binding("home", "jump(0)", "First", show=False, id="table.home"),
        Binding("end", "jump(-1)", "Last", show=False, id="table.end"),
    ]

    COMPONENT_CLASSES = {"cursor-lines--header", "cursor-lines--cursor", "cursor-lines--cursor-blurred"}
    DEFAULT_CSS = """
    CursorLines > .cursor-lines--header { text-style: bold reverse; }
    CursorLines > .cursor-lines--cursor { text-style: reverse; }
    CursorLines > .cursor-lines--cursor-blurred { text-style: underline; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cursor = 0
        self._cache: dict[Any, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._sized_for: tuple[Size, Size, Size] | None = None  # what the scrollbar was last updated for

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """Textual's, only when the size, the lines or the container changed: its check compares the layout's
        virtual size (the region's) with ours (the lines), never equal, so every layout of the screen (a key in
        the filter, a status line) redrew the scrollbar, ~3-5 ms for 36 lines (issue 18)."""
        sized_for = (size, self.virtual_size, container_size)
        if sized_for == self._sized_for:
            return False
        self._sized_for = sized_for
        return super()._size_updated(size, virtual_size, container_size, layout)

    def style(self, component: str, emphasis: Style = PLAIN) -> Style:
        """The style of a component class (only what its CSS sets, to lay over a cell) with ``emphasis`` (bold,
        dim) added, read once per theme."""
        key = f"{component}{emphasis}"
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self.get_component_rich_style(component, partial=True) + emphasis
        return style

    def cursor_style(self) -> Style:
        """The cursor's style: the focused one, or the one shown while another widget has the focus."""
        return self.style("cursor-lines--cursor" if self.has_focus else "cursor-lines--cursor-blurred")

    def notify_style_update(self) -> None:
        """The theme or the CSS changed: read the styles again and redraw every line."""
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    def _line_count(self) -> int:
        """Lines below the header."""
        raise NotImplementedError

    def _cursor_moved(self) -> None:
        """Say that the cursor moved (each table posts its own message)."""

    @property
    def page_size(self) -> int:
        """Lines visible under the header."""
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self.page_size:
            self.scroll_to(y=self.cursor - self.page_size + 1, animate=False, immediate=True)

    def move_cursor(self, to: int) -> None:
        """Put the cursor on line ``to`` (clamped), scrolling it into view; only changed lines are redrawn."""
        count = self._line_count()
        if not count:
            return
        old, self.cursor = self.cursor, max(0, min(to, count - 1))
        if old == self.cursor:
            return
        top = self.scroll_offset.y
        self._scroll_to_cursor()
        if self.scroll_offset.y == top:
            for line in (old, self.cursor):
                self.refresh(Region(0, line - top + 1, self.size.width, 1))
        else:
            self.refresh()
        self._cursor_moved()

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * self.page_size)

    def action_jump(self, where: int) -> None:
        self.move_cursor(0 if where == 0 else self._line_count() - 1)

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()
