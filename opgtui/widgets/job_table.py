"""The job table: a virtual list in the line API that draws only the visible rows, so 100,000 jobs cost
what 40 do. Rows are immutable (:class:`opgtui.domain.joblist.Row`); the table holds a list of row indices.

Everything is drawn from plain segments of already cleaned text: job names and hold reasons are never parsed
as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from opgtui.domain.joblist import COLUMN_INDEX, COLUMNS, Column, Group, Row, safe, short_id
from opgtui.widgets.cursor_lines import BOLD, PLAIN, CursorLines

ROLES = ("error", "warning", "success", "primary", "muted")
"""The job table's colours by role: its component classes ``job-table--<role>``."""
STATUS_LOOK = {
    "held": ("warning", True),
    "fail": ("error", True),
    "run": ("success", False),
    "idle": ("muted", False),
    "done": ("primary", False),
    "rm": ("muted", False),
}
VERDICT_LOOK = {
    "service": ("primary", True),
    "code": ("error", False),
    "resource": ("warning", False),
    "unknown": ("muted", False),
}
"""A status's and a verdict's (role, bold)."""
SORTED = Style(bold=True, reverse=True, underline=True)
GUTTER = 2  # the mark column
# Spare width goes to these, in order, up to these widths; what is left goes to the reason.
GROW_STEPS: tuple[tuple[str, int], ...] = (
    ("id", 20),
    ("site", 14),
    ("reason", 40),
    ("host", 24),
    ("id", 28),
    ("owner", 10),
)


def fit(text: str, width: int, right: bool = False) -> str:
    """``text`` padded or cut (with an ellipsis) to exactly ``width`` cells."""
    if width <= 0:
        return ""
    n = len(text) if text.isascii() else cell_len(text)
    if n <= width:
        pad = " " * (width - n)
        return pad + text if right else text + pad
    if text.isascii():
        return text[: width - 1] + "…"
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * (width - 1 - used)


ID_SAMPLE = 2000  # rows measured for the id column's width
ID_MAX = 32


def id_width(rows: Sequence[Row], indices: Sequence[int]) -> int:
    """The width the job ids in view need (measured on the first rows), so spare room shows them whole."""
    return min(max((len(short_id(rows[i].job)) for i in indices[:ID_SAMPLE]), default=0), ID_MAX)


def layout(width: int, ids: int = 0) -> list[tuple[Column, int]]:
    """Columns that fit ``width`` cells: low-priority columns dropped first, then spare room shared out
    (first to the id column, up to ``ids`` cells: the width its ids need)."""
    avail = width - GUTTER
    chosen = list(COLUMNS)

    def need(cols: list[Column]) -> int:
        return sum(c.width + 1 for c in cols)

    while need(chosen) > avail and any(c.priority for c in chosen):
        chosen.remove(max((c for c in chosen if c.priority), key=lambda c: (c.priority, COLUMNS.index(c))))
    widths = {c.key: c.width for c in chosen}
    spare = max(avail - need(chosen), 0)
    for key, target in ((("id", ids),) if ids else ()) + GROW_STEPS:
        if key in widths and spare > 0:
            add = min(max(target - widths[key], 0), spare)
            widths[key] += add
            spare -= add
    widths["reason" if "reason" in widths else chosen[-1].key] += spare
    return [(c, widths[c.key]) for c in chosen]


class JobTable(CursorLines):
    """Jobs (or groups of jobs) one per line under a fixed header, with a cursor, marks, and Enter to open."""

    BINDINGS = [
        Binding("enter", "select", "Open", id="table.select"),
        Binding("space", "mark", "Mark", id="table.mark"),
    ]
    COMPONENT_CLASSES = {f"job-table--{role}" for role in ROLES}
    DEFAULT_CSS = """
    JobTable { height: 1fr; overflow-x: hidden; }
    JobTable > .job-table--error { color: $text-error; }
    JobTable > .job-table--warning { color: $text-warning; }
    JobTable > .job-table--success { color: $text-success; }
    JobTable > .job-table--primary { color: $text-primary; }
    JobTable > .job-table--muted { text-style: dim; }
    """

    class Selected(Message):
        """Enter on a job."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    class GroupSelected(Message):
        """Enter on a group: show its jobs."""

        def __init__(self, group: Group) -> None:
            super().__init__()
            self.group = group

    class CursorMoved(Message):
        """The cursor moved, or marks changed."""

    class SortRequested(Message):
        """A click on a column title."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: Sequence[Row] = []
        self.indices: list[int] = []
        self.groups: list[Group] | None = None
        self.marked: set[str] = set()
        self.sort_column: str | None = None
        self.sort_reverse = False
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._id_width = 0
        self._group_total = 0
        self._key_width = 0

    # ------------------------------------------------------------------ data

    def set_rows(self, rows: Sequence[Row], indices: list[int]) -> None:
        """Show ``rows[i]`` for i in ``indices``; the cursor stays on the same job when it is still listed.

        Marks on jobs no longer listed are dropped, so a bulk action never reaches a job out of view.
        """
        current = self.cursor_row
        old_index = self.indices[self.cursor] if current is not None else -1
        same_rows = rows is self.rows
        keep_lines = same_rows and self.groups is None  # a job's line is kept by its row: drawn again as it was
        self.rows, self.indices, self.groups = rows, indices, None
        if (need := id_width(rows, indices)) != self._id_width:
            self._id_width, self._layout_width = need, -1  # lay the columns out again
        if self.marked:
            self.marked &= {rows[i].job_id for i in indices}
        self.cursor = 0
        if current is not None:
            if same_rows:
                with suppress(ValueError):
                    self.cursor = indices.index(old_index)
            else:
                job_id = current.job_id
                self.cursor = next((p for p, i in enumerate(indices) if rows[i].job_id == job_id), 0)
        self._changed(keep_lines)

    def show_groups(self, groups: list[Group], rows: Sequence[Row] | None = None, select: str | None = None) -> None:
        """Show groups (count, key, example) instead of jobs; Enter posts :class:`GroupSelected`.

        ``rows`` are what the groups' indices point into (default: the rows already shown). The cursor goes
        to the group keyed ``select``, else stays on the group it was on (a refresh does not move it), else
        the first. Marks on jobs in no group are dropped, as :meth:`set_rows` drops those out of view.
        """
        keep = select if select is not None else (self.cursor_group.key if self.cursor_group else None)
        old_cursor = self.cursor if self.groups else 0
        if rows is not None:
            self.rows = rows
        self.groups = groups
        if self.marked:
            self.marked &= {self.rows[i].job_id for g in groups for i in g.indices}
        self._group_total = sum(g.count for g in groups) or 1
        self._key_width = max((cell_len(safe(g.key, 200)) for g in groups[:2000]), default=0)
        found = next((p for p, g in enumerate(groups) if g.key == keep), None) if keep is not None else None
        self.cursor = found if found is not None else min(old_cursor, max(len(groups) - 1, 0))
        self._changed()

    def marked_in(self, group: Group) -> int:
        """How many of ``group``'s jobs are marked."""
        if not self.marked:
            return 0
        return sum(1 for i in group.indices if self.rows[i].job_id in self.marked)

    def clear_marks(self) -> int:
        """Unmark every job; returns how many were marked."""
        n = len(self.marked)
        if n:
            self.marked = set()
            self._changed()
            self.post_message(self.CursorMoved())
        return n

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        """Which column the header marks as sorted (the caller sorts the indices)."""
        if column is not None and column not in COLUMN_INDEX:
            raise ValueError(f"no column {column!r}")
        self.sort_column, self.sort_reverse = column, reverse
        self.refresh(Region(0, 0, self.size.width, 1))

    @property
    def length(self) -> int:
        """Lines below the header: groups in group mode, else jobs."""
        return len(self.groups) if self.groups is not None else len(self.indices)

    @property
    def cursor_row(self) -> Row | None:
        """The job under the cursor (None in group mode or when empty)."""
        if self.groups is not None or not self.indices:
            return None
        return self.rows[self.indices[min(self.cursor, len(self.indices) - 1)]]

    @property
    def cursor_group(self) -> Group | None:
        """The group under the cursor in group mode."""
        if not self.groups:
            return None
        return self.groups[min(self.cursor, len(self.groups) - 1)]

    def _changed(self, keep_lines: bool = False) -> None:
        """The lines changed: drawn again (``keep_lines``: the same rows, other indices: the lines drawn for
        rows still in view are kept, as a filter key mostly shows rows drawn already)."""
        if not keep_lines:
            self._cache.clear()
        self.virtual_size = Size(0, self.length + 1)
        self._scroll_to_cursor()
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def on_resize(self, _event: events.Resize) -> None:
        self.virtual_size = Size(0, self.length + 1)
        self._scroll_to_cursor()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # without the scrollbar
        if width != self._layout_width:
            self._layout, self._layout_width = layout(width, self._id_width), width
            self._cache.clear()
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if index >= self.length:
            return Strip.blank(width, PLAIN)
        # a job's line by its row (a later filter showing it elsewhere draws it from here), a group's by place
        at = ~index if self.groups is not None else self.indices[index]
        key = (at, index == self.cursor, self._is_marked(index))
        strip = self._cache.get(key)
        if strip is None:
            strip = self._group_line(index, width) if self.groups is not None else self._job_line(index, width)
            if len(self._cache) > 2000:
                self._cache.clear()
            self._cache[key] = strip
        return strip

    def _is_marked(self, index: int) -> bool:
        return bool(self.marked) and self.groups is None and self.rows[self.indices[index]].job_id in self.marked

    def _header(self, width: int) -> Strip:
        header = self.style("cursor-lines--header")
        if self.groups is not None:
            key_w = self._group_key_width(width)
            text = (
                " " * GUTTER
                + fit("Jobs", 8, True)
                + " "
                + fit("Share", 5, True)
                + "  "
                + fit("Group (Enter: its jobs)", key_w)
                + "  Example"
            )
            return Strip([Segment(fit(text, width), header)])
        segments = [Segment(" " * GUTTER, header)]
        for col, w in self._layout:
            title = col.title
            style = header
            if col.key == self.sort_column:
                title += "▼" if self.sort_reverse else "▲"
                style = SORTED
            segments.append(Segment(fit(title, w, col.align_right), style))
            segments.append(Segment(" ", header))
        return Strip(segments).crop(0, width).extend_cell_length(width, header)

    def _finish(self, segments: list[Segment], width: int, at_cursor: bool) -> Strip:
        strip = Strip(segments).crop(0, width).extend_cell_length(width, PLAIN)
        if at_cursor:
            return strip.apply_style(self.cursor_style())
        return strip

    def _job_line(self, index: int, width: int) -> Strip:
        """One job's line: cells of one style run together in one segment (a plain line is a few segments, not
        two a column: Textual's filters and crops work segment by segment on every line drawn)."""
        row = self.rows[self.indices[index]]
        marked = row.job_id in self.marked
        mark = self.style("job-table--warning", BOLD)
        segments: list[Segment] = []
        run: list[str] = ["* " if marked else " " * GUTTER]
        run_style = mark if marked else PLAIN
        cells_of = getattr(self.rows, "cells_of", None)  # a RowList keeps the first screenful's, made before
        cells = row.cells if cells_of is None else cells_of(self.indices[index])
        for col, w in self._layout:
            text = cells[COLUMN_INDEX[col.key]]
            if col.key in ("status", "verdict"):
                look = (STATUS_LOOK if col.key == "status" else VERDICT_LOOK).get(text)
                style = self.style(f"job-table--{look[0]}", BOLD if look[1] else PLAIN) if look else PLAIN
            elif col.key == "id" and marked:
                style = mark
            else:
                style = PLAIN
            if style is not run_style:
                segments.append(Segment("".join(run), run_style))
                run, run_style = [], style
            run.append(fit(text, w, col.align_right))
            if style is not PLAIN:
                segments.append(Segment("".join(run), run_style))
                run, run_style = [], PLAIN
            run.append(" ")
        segments.append(Segment("".join(run), run_style))
        return self._finish(segments, width, index == self.cursor)

    def _group_key_width(self, width: int) -> int:
        room = width - GUTTER - 8 - 1 - 5 - 2
        if room - self._key_width >= 14:  # the whole key, and room for an example after it
            return self._key_width
        return max(room * 3 // 5, 8)

    def _group_line(self, index: int, width: int) -> Strip:
        g = self.groups[index]  # type: ignore[index]
        key_w = self._group_key_width(width)
        share = f"{g.count * 100 // self._group_total}%" if g.count * 100 >= self._group_total else "<1%"
        marked = self.marked_in(g)
        mark, dim = self.style("job-table--warning", BOLD), self.style("job-table--muted")
        segments = [
            Segment("* " if marked else " " * GUTTER, mark if marked else PLAIN),
            Segment(fit(f"{g.count:,}", 8, True), BOLD),
            Segment(" " + fit(share, 5, True) + "  ", dim),
            Segment(fit(safe(g.key, 300), key_w), PLAIN),
            Segment("  ", PLAIN),
        ]
        if marked:
            segments.append(Segment(f"{marked:,} marked · ", mark))
        segments.append(Segment(safe(g.sample, 300), dim))
        return self._finish(segments, width, index == self.cursor)

    # ------------------------------------------------------------------ moving

    def _line_count(self) -> int:
        return self.length

    def _cursor_moved(self) -> None:
        self.post_message(self.CursorMoved())

    def action_select(self) -> None:
        if self.groups is not None:
            if (group := self.cursor_group) is not None:
                self.post_message(self.GroupSelected(group))
        elif (row := self.cursor_row) is not None:
            self.post_message(self.Selected(row))

    def action_mark(self) -> None:
        """Mark or unmark the job under the cursor for a bulk action, and step down (k9s)."""
        row = self.cursor_row
        if row is None:
            return
        self.marked ^= {row.job_id}
        at = self.cursor
        self.refresh(Region(0, at - self.scroll_offset.y + 1, self.size.width, 1))
        if at == self.length - 1:
            self.post_message(self.CursorMoved())
        self.move_cursor(at + 1)

    def column_at(self, x: int) -> str | None:
        """The key of the column drawn at cell ``x``."""
        pos = GUTTER
        for col, w in self._layout:
            if pos <= x < pos + w + 1:
                return col.key
            pos += w + 1
        return None

    def on_click(self, event: events.Click) -> None:
        self.focus()
        if event.y == 0:
            if self.groups is None and (column := self.column_at(event.x)) is not None:
                self.post_message(self.SortRequested(column))
            return
        line = self.scroll_offset.y + event.y - 1
        if line < self.length:
            self.move_cursor(line)
            if event.chain == 2:
                self.action_select()
