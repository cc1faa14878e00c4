"""Outage timeline: one row per service, time flowing right, each cell the worst state in its slice.

Glyphs differ per state as well as colours, so the timeline reads with NO_COLOR too. Maintenance windows
ahead of now are drawn in the future part of the axis. Colours are component classes (``outage-timeline--down``,
...): a theme restyles them.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from opgtui.core.model import ServiceState, Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.core.timefmt import span as span_text
from opgtui.domain.services import window_state

_RANK = {"none": -1, "unknown": 0, "up": 1, "degraded": 2, "maintenance": 3, "down": 4}
GLYPH = {
    "none": "·",
    "unknown": "·",
    "up": "━",
    "degraded": "▄",
    "down": "█",
    "maintenance": "▒",
    "ahead": "░",
    "future": " ",
    "now": "│",
}
STATES = tuple(GLYPH)
ROLES = ("muted", "success", "warning", "error", "primary")
"""The timeline's colours by role (component classes ``outage-timeline--<role>``)."""
STATE_LOOK: dict[str, tuple[str | None, Style]] = {
    "none": ("muted", Style()),
    "unknown": ("muted", Style()),
    "up": ("success", Style()),
    "degraded": ("warning", Style()),
    "down": ("error", Style(bold=True)),
    "maintenance": ("primary", Style()),
    "ahead": ("primary", Style()),
    "future": (None, Style()),
    "now": (None, Style(bold=True)),
}
"""Each state's (role, emphasis)."""
AXIS = Style(dim=True)
PLAIN = Style()  # every segment has a style: Textual's NO_COLOR filter fails on one without
NO_STYLES: Mapping[str, Style] = MappingProxyType({})
ZOOMS = (24 * 3600, 6 * 3600, 7 * 86400)
"""What `z` cycles through, the first shown first."""
ZOOM_NAMES = {6 * 3600: "6 h", 24 * 3600: "24 h", 7 * 86400: "7 d"}
LABEL_WIDTH = 14


def bucket_states(
    transitions: Sequence[ServiceState], windows: Sequence[Window], start: float, end: float, now: float, width: int
) -> list[str]:
    """The worst state in each of ``width`` equal slices of [start, end] for one service.

    ``transitions`` are this service's state changes in time order (any sources: the worst one in force
    wins); past slices with no data are "none" (drawn as unknown); outage windows count as down or
    degraded by their severity; slices after now are "future", or "ahead" where a maintenance window is
    planned.
    """
    if width <= 0 or end <= start:
        return []
    step = (end - start) / width
    cells = ["none"] * width
    # Sweep: the state of each source in force at each moment; a slice takes the worst seen inside it.
    by_source: dict[str, str] = {}
    times = [t.since for t in transitions]
    first = bisect.bisect_right(times, start)
    for t in transitions[:first]:
        by_source[t.source] = t.state
    current = max(by_source.values(), key=_RANK.__getitem__, default="none")
    i = 0
    for t in transitions[first:]:
        if t.since >= end:
            break
        stop = min(int((t.since - start) / step), width)
        while i < stop:
            cells[i] = current if _RANK[current] >= _RANK[cells[i]] else cells[i]
            i += 1
        if i < width:  # the slice where the change happens holds both states: keep the worse
            cells[i] = max(cells[i], current, t.state, key=_RANK.__getitem__)
        by_source[t.source] = t.state
        current = max(by_source.values(), key=_RANK.__getitem__)
    while i < width:
        cells[i] = current if _RANK[current] >= _RANK[cells[i]] else cells[i]
        i += 1
    for w in windows:
        w_end = w.end if w.end is not None else now
        lo, hi = max(w.start, start), min(w_end, end)
        if hi <= lo:
            continue
        a, b = int((lo - start) / step), min(math.ceil((hi - start) / step), width)
        state = window_state(w)
        for k in range(a, b):
            if _RANK[state] > _RANK[cells[k]]:
                cells[k] = state
    if now < end:
        first_future = max(int((now - start) / step) + 1, 0)
        for k in range(first_future, width):
            cells[k] = "future"
        for w in windows:
            if w.kind != "maintenance":
                continue
            w_end = w.end if w.end is not None else w.start + step
            lo, hi = max(w.start, now, start), min(w_end, end)
            for k in range(max(int((lo - start) / step), first_future), min(math.ceil((hi - start) / step), width)):
                if lo < hi:
                    cells[k] = "ahead"
    return cells


def row_strip(
    label: str, cells: Sequence[str], label_width: int = LABEL_WIDTH, styles: Mapping[str, Style] = NO_STYLES
) -> Strip:
    """One service's line: its name, then runs of same-state cells as single segments, each state in its style
    from ``styles``."""
    name = one_line(label, label_width - 1).ljust(label_width)[:label_width]
    segments = [Segment(name, Style(bold=True))]
    run_state, run_len = None, 0
    for state in [*cells, None]:
        if state == run_state:
            run_len += 1
            continue
        if run_state is not None:
            segments.append(Segment(GLYPH[run_state] * run_len, styles.get(run_state, PLAIN)))
        run_state, run_len = state, 1
    return Strip(segments)


def now_column(start: float, end: float, now: float, cells: int) -> int | None:
    """Where the now column goes among ``cells`` slices of [start, end]: right after the slice holding now."""
    if not start <= now < end or cells <= 0:
        return None
    return min(int((now - start) / ((end - start) / cells)) + 1, cells)


def axis_text(start: float, end: float, width: int, tz: object = None, now_col: int | None = None) -> Text:
    """Tick labels under ``width`` slices of [start, end], about every 12 columns, none cut at the right edge;
    with ``now_col``, the line has one more column there, labelled ``now``."""
    total = width + (now_col is not None)
    line = [" "] * total
    taken: list[tuple[int, int]] = []
    if now_col is not None:  # "now" under the column, or ending at it when the edge is near
        at = now_col if now_col + 3 <= total else total - 3
        line[at : at + 3] = "now"
        taken.append((at - 1, at + 4))
    step = max(12, width // 6)
    with_date = end - start > 86400
    for col in range(0, total, step):
        cell = col - (now_col is not None and col > now_col)
        label = clock(start + (end - start) * cell / width, tz, with_date=with_date)  # type: ignore[arg-type]
        if col + len(label) > total or any(col < b and col + len(label) > a for a, b in taken):
            continue
        line[col : col + len(label)] = label
    return Text("".join(line), "dim")


def legend_text(styles: Mapping[str, Style] = NO_STYLES, span: str = "") -> Text:
    """What the strip spans and what each glyph means (the glyphs alone read without colour)."""
    return Text.assemble(
        *([(f" {span} ", "bold"), "─"] if span else []),
        *[
            (f" {GLYPH[k]} {k}", styles.get(k, PLAIN))
            for k in ("up", "degraded", "down", "maintenance", "ahead", "unknown", "now")
        ],
        " ",
    )


class OutageTimeline(ScrollView, can_focus=True):
    """Services over the last 24 h / 6 h / 7 d, with the time axis pinned under the service rows (they
    scroll, it stays), a now column, and the span and the legend in the top border. The Status view binds the
    keys: `z` zooms, `<` `>` scroll in time, `.` back to now."""

    COMPONENT_CLASSES = {f"outage-timeline--{role}" for role in ROLES}
    DEFAULT_CSS = """
    OutageTimeline { height: auto; max-height: 14; overflow-x: hidden; }
    OutageTimeline > .outage-timeline--muted { color: $text-muted; text-style: dim; }
    OutageTimeline > .outage-timeline--success { color: $success; }
    OutageTimeline > .outage-timeline--warning { color: $warning; }
    OutageTimeline > .outage-timeline--error { color: $error; }
    OutageTimeline > .outage-timeline--primary { color: $primary; }
    """
    BINDINGS = [
        Binding("down,j", "scroll_down", "Down", show=False, id="scroll.down"),
        Binding("up,k", "scroll_up", "Up", show=False, id="scroll.up"),
    ]
    zoom_index = reactive(0)
    offset_s = reactive(0.0)  # how far back from now the right edge (minus the look-ahead) is

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.services: list[str] = []
        self.transitions: dict[str, list[ServiceState]] = {}
        self.windows: dict[str, list[Window]] = {}
        self.now = 0.0
        self.tz: object = None
        self._lines: list[Strip] = []
        self._axis = Strip([])

    def on_mount(self) -> None:
        self.border_title = legend_text(self._styles(), self.span_name)

    @property
    def span_name(self) -> str:
        """``24 h``, or ``24 h to 6h00 ago`` once scrolled back."""
        name = ZOOM_NAMES.get(self.span, span_text(self.span))
        return f"{name} to {span_text(self.offset_s)} ago" if self.offset_s else name

    def _styles(self) -> dict[str, Style]:
        """Each state's style: its role's colour (what the theme says) and its emphasis. Without colour (NO_COLOR:
        the roles turn to greys, the error red among the darkest) the down block takes the text's own colour and
        bold, so an outage is the most prominent mark on the strip."""
        styles = {
            state: (self.get_component_rich_style(f"outage-timeline--{role}", partial=True) if role else PLAIN) + look
            for state, (role, look) in STATE_LOOK.items()
        }
        if self.app.no_color:
            styles["down"] = Style(color=self.rich_style.color, bold=True)
        return styles

    def notify_style_update(self) -> None:
        """The theme or the CSS changed: draw the rows and the legend again in its styles (only when they did)."""
        super().notify_style_update()
        if self.is_mounted and (styles := self._styles()) != getattr(self, "_drawn_with", None):
            self._drawn_with = styles
            self.border_title = legend_text(styles, self.span_name)
            if self.services:
                self._rebuild()

    @property
    def span(self) -> float:
        return ZOOMS[self.zoom_index]

    def bounds(self) -> tuple[float, float]:
        """[start, end] shown: the span before now plus an eighth ahead for planned maintenance."""
        end = self.now - self.offset_s + self.span / 8
        return end - self.span * 9 / 8, end

    def set_data(
        self,
        services: list[str],
        transitions: Sequence[ServiceState],
        windows: Sequence[Window],
        now: float,
        tz: object = None,
    ) -> None:
        self.services, self.now, self.tz = services, now, tz
        self.transitions, self.windows = {}, {}
        for t in transitions:
            self.transitions.setdefault(t.service, []).append(t)
        for w in windows:
            self.windows.setdefault(w.service, []).append(w)
        self._rebuild()

    def _rebuild(self) -> None:
        width = max(self.scrollable_content_region.width - LABEL_WIDTH, 10) if self.size.width else 60
        start, end = self.bounds()
        now_col = now_column(start, end, self.now, width - 1)
        width -= now_col is not None  # the now column takes one
        styles = self._styles()
        lines = []
        for s in self.services:
            cells = bucket_states(self.transitions.get(s, []), self.windows.get(s, []), start, end, self.now, width)
            if now_col is not None:
                cells.insert(now_col, "now")
            lines.append(row_strip(s, cells, styles=styles))
        self.border_title = legend_text(styles, self.span_name)
        axis = axis_text(start, end, width, self.tz, now_col)
        self._axis = Strip([Segment(" " * LABEL_WIDTH, PLAIN), Segment(axis.plain, AXIS)])
        self._lines = lines
        self.virtual_size = Size(self.size.width, len(lines) + 1)
        self.styles.height = min(len(lines) + 1, 14) + self.styles.gutter.height  # rows, axis, border
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """A service's line (the axis on the bottom line), filled to the width with a style: Textual's
        NO_COLOR filter fails on a segment without one."""
        width = self.size.width
        if y == self.size.height - 1:  # the axis: always the bottom line, whatever the scroll
            return self._axis.extend_cell_length(width, PLAIN)
        index = y + self.scroll_offset.y
        line = self._lines[index] if 0 <= index < len(self._lines) else Strip.blank(width, PLAIN)
        return line.extend_cell_length(width, PLAIN)

    def on_resize(self) -> None:
        if self.services:
            self._rebuild()

    def action_zoom(self) -> None:
        self.zoom_index = (self.zoom_index + 1) % len(ZOOMS)
        self.offset_s = 0.0
        self._rebuild()

    def action_earlier(self) -> None:
        self.offset_s += self.span / 4
        self._rebuild()

    def action_later(self) -> None:
        self.offset_s = max(0.0, self.offset_s - self.span / 4)
        self._rebuild()

    def action_now(self) -> None:
        self.offset_s = 0.0
        self._rebuild()
