"""The job table: a virtual list in the line API that draws only the visible rows, so 100,000 jobs cost
what 40 do. Rows are immutable (:class:`opgtui.joblist.Row`); the table holds a list of row indices.

Everything is drawn from plain segments: job names and hold reasons are never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from opgtui.joblist import COLUMNS, Column, Group, Row

STATUS_STYLE = {"held": Style(color="yellow", bold=True), "fail": Style(color="red", bold=True),
                "run": Style(color="green"), "idle": Style(dim=True), "done": Style(color="cyan")}
VERDICT_STYLE = {"service": Style(color="blue", bold=True), "code": Style(color="red"),
                 "resource": Style(color="yellow"), "unknown": Style(dim=True)}
HEADER = Style(bold=True, reverse=True)
CURSOR = Style(reverse=True)
MARK = Style(color="yellow", bold=True)


def _fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut ``text`` to exactly ``width`` cells (with an ellipsis when cut)."""
    if width <= 0:
        return ""
    n = cell_len(text)
    if n > width:
        out = ""
        for ch in text:
            if cell_len(out + ch) > width - 1:
                break
            out += ch
        return out + "…" + " " * (width - 1 - cell_len(out))
    pad = " " * (width - n)
    return pad + text if right else text + pad


def layout(width: int) -> list[tuple[Column, int]]:
    """Columns that fit ``width`` (low priority dropped first); the reason column takes what is left."""
    chosen = list(COLUMNS)
    def need(cols: list[Column]) -> int:
        return 2 + sum(c.width + 1 for c in cols)
    while need(chosen) > width and any(c.priority > 0 for c in chosen):
        worst = max((c for c in chosen if c.priority > 0), key=lambda c: (c.priority, -COLUMNS.index(c)))
        chosen.remove(worst)
    spare = max(width - need(chosen), 0)
    return [(c, c.width + (spare if c.key == "reason" else 0)) for c in chosen]


class JobTable(ScrollView, can_focus=True):
    """Jobs (or groups of jobs) one per line, with a cursor, marks, and Enter to open."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown"),
        Binding("home", "jump(0)", "First", show=False, id="table.home"),
        Binding("end", "jump(-1)", "Last", show=False, id="table.end"),
        Binding("enter", "select", "Open", id="table.select"),
        Binding("space", "mark", "Mark", id="table.mark"),
    ]
    DEFAULT_CSS = "JobTable { height: 1fr; }"

    class Selected(Message):
        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    class GroupSelected(Message):
        def __init__(self, group: Group) -> None:
            super().__init__()
            self.group = group

    class CursorMoved(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: Sequence[Row] = []
        self.indices: list[int] = []
        self.groups: list[Group] | None = None
        self.cursor = 0
        self.marked: set[str] = set()
        self._cache: dict[tuple[int, bool, bool], Strip] = {}
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1

    # ------------------------------------------------------------------ data

    def set_rows(self, rows: Sequence[Row], indices: list[int]) -> None:
        """Show ``rows[i]`` for i in ``indices``, keeping the cursor on the same job when it is still there."""
        current = self.cursor_row
        self.rows, self.indices, self.groups = rows, indices, None
        self.marked &= {rows[i].job_id for i in indices} if len(indices) < 200_000 else self.marked
        self.cursor = 0
        if current is not None:
            for pos, i in enumerate(indices):
                if rows[i].job_id == current.job_id:
                    self.cursor = pos
                    break
        self._changed()

    def show_groups(self, groups: list[Group]) -> None:
        self.groups = groups
        self.cursor = 0
        self._changed()

    @property
    def length(self) -> int:
        return len(self.groups) if self.groups is not None else len(self.indices)

    @property
    def cursor_row(self) -> Row | None:
        if self.groups is not None or not self.indices or not self.rows:
            return None
        return self.rows[self.indices[min(self.cursor, len(self.indices) - 1)]]

    @property
    def cursor_group(self) -> Group | None:
        if self.groups is None or not self.groups:
            return None
        return self.groups[min(self.cursor, len(self.groups) - 1)]

    def _changed(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, self.length + 1)
        self._scroll_to_cursor()
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.length + 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # without the scrollbar
        if width != self._layout_width:
            self._layout, self._layout_width = layout(width), width
            self._cache.clear()
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if index >= self.length:
            return Strip.blank(width)
        key = (index, index == self.cursor, self._is_marked(index))
        strip = self._cache.get(key)
        if strip is None:
            strip = self._group_line(index, width) if self.groups is not None else self._job_line(index, width)
            if len(self._cache) > 4000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def _is_marked(self, index: int) -> bool:
        return self.groups is None and self.rows[self.indices[index]].job_id in self.marked

    def _header(self, width: int) -> Strip:
        if self.groups is not None:
            text = _fit("   Count  Cause (Enter: its jobs, Esc: back)", width)
            return Strip([Segment(text, HEADER)])
        segments = [Segment("  ", HEADER)]
        for col, w in self._layout:
            segments.append(Segment(_fit(col.title, w, col.align_right) + " ", HEADER))
        return Strip(segments).crop(0, width).extend_cell_length(width, HEADER)

    def _job_line(self, index: int, width: int) -> Strip:
        row = self.rows[self.indices[index]]
        at_cursor = index == self.cursor
        marked = row.job_id in self.marked
        segments = [Segment("* " if marked else "  ", MARK if marked else Style())]
        for col, w in self._layout:
            k = [c.key for c in COLUMNS].index(col.key)
            text = row.cells[k]
            style = Style()
            if col.key == "status":
                style = STATUS_STYLE.get(text, Style())
            elif col.key == "verdict":
                style = VERDICT_STYLE.get(text, Style())
            segments.append(Segment(_fit(text, w, col.align_right) + " ", style))
        strip = Strip(segments).crop(0, width).extend_cell_length(width)
        return strip.apply_style(CURSOR) if at_cursor and self.has_focus else (
            strip.apply_style(Style(underline=True)) if at_cursor else strip)

    def _group_line(self, index: int, width: int) -> Strip:
        g = self.groups[index]  # type: ignore[index]
        segments = [Segment(f"{g.count:>8,}  ", Style(bold=True)), Segment(_fit(g.key, max(width - 10, 1)))]
        strip = Strip(segments).crop(0, width).extend_cell_length(width)
        return strip.apply_style(CURSOR) if index == self.cursor else strip

    # ------------------------------------------------------------------ moving

    def _scroll_to_cursor(self) -> None:
        height = max(self.size.height - 1, 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def _move(self, to: int) -> None:
        if not self.length:
            return
        old = self.cursor
        self.cursor = max(0, min(to, self.length - 1))
        if old != self.cursor:
            top = self.scroll_offset.y
            self._scroll_to_cursor()
            if self.scroll_offset.y == top:  # redraw only the two lines that changed
                for line in (old, self.cursor):
                    self.refresh(Region(0, line - top + 1, self.size.width, 1))
            else:
                self.refresh()
            self.post_message(self.CursorMoved())

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(self.size.height - 2, 1))

    def action_jump(self, where: int) -> None:
        self._move(0 if where == 0 else self.length - 1)

    def action_select(self) -> None:
        if self.groups is not None:
            group = self.cursor_group
            if group is not None:
                self.post_message(self.GroupSelected(group))
        elif (row := self.cursor_row) is not None:
            self.post_message(self.Selected(row))

    def action_mark(self) -> None:
        row = self.cursor_row
        if row is None:
            return
        self.marked.symmetric_difference_update({row.job_id})
        self._cache.clear()
        self._move(self.cursor + 1)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move(self.scroll_offset.y + event.y - 1)
            self.focus()

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()
