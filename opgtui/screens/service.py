"""One service's outage history: its windows with start, end, duration, and its uptime over the period."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from opgtui.core.model import Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock, span
from opgtui.screens.reads import read_store
from opgtui.widgets.footer import SteadyFooter
from opgtui.widgets.header import HeaderBar
from opgtui.widgets.vim import Table

if TYPE_CHECKING:
    from opgtui.app import OpgApp

PERIOD = 7 * 86400


def uptime(windows: list[Window], start: float, end: float) -> float:
    """Fraction of [start, end] not covered by outage windows (overlaps merged)."""
    spans = sorted(
        (max(w.start, start), min(w.end if w.end is not None else end, end)) for w in windows if w.kind == "outage"
    )
    covered, cur_s, cur_e = 0.0, None, None
    for s, e in spans:
        if e <= s:
            continue
        if cur_e is None or s > cur_e:
            if cur_e is not None and cur_s is not None:
                covered += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None and cur_s is not None:
        covered += cur_e - cur_s
    return 1.0 - covered / (end - start) if end > start else 1.0


def duration_cell(w: Window, now: float) -> str:
    """How long a window lasted (or has lasted, while open); ``2h00 (ahead)`` for one that has not begun."""
    if w.start <= now:
        return span((w.end if w.end is not None else now) - w.start)
    return f"{span(w.end - w.start)} (ahead)" if w.end is not None else "(ahead)"


class ServiceHistoryScreen(Screen[None]):
    """Enter on the board: the service's windows over the last 7 days and ahead; the app's header on top
    (drawn by the app), the highlighted window's description in full under the table."""

    VIEW_NAME = "Service history"

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="service.back")]
    # a window's kind in the theme's colours (a table cell is Rich: read when the table is drawn)
    COMPONENT_CLASSES = {"service-history--outage", "service-history--maintenance"}
    DEFAULT_CSS = """
    ServiceHistoryScreen #windows { height: auto; max-height: 1fr; }
    ServiceHistoryScreen DataTable:nocolor > .datatable--cursor { text-style: reverse bold; }
    ServiceHistoryScreen #window-detail { height: auto; padding: 0 1; border-top: solid $primary-darken-2; }
    ServiceHistoryScreen > .service-history--outage { color: $text-error; }
    ServiceHistoryScreen > .service-history--maintenance { color: $text-primary; }
    """

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")  # drawn by the app (widgets.header.show_header) as on every pushed screen
        yield Static(id="title")
        yield Table(id="windows", cursor_type="row", zebra_stripes=True)
        yield Static(id="window-detail")
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#windows", DataTable)
        for label in ("Kind", "Start", "End", "Duration", "Severity", "Source", "Description"):
            table.add_column(label)
        now = time.time()
        read_store(
            self,
            lambda store: store.windows(self.service, start=now - PERIOD),
            lambda windows: self.show(windows, now),
            group="service-load",
        )

    def show(self, windows: list[Window], now: float) -> None:
        tz = cast("OpgApp", self.app).tz
        up = uptime(windows, now - PERIOD, now)
        title = Content.assemble(
            ("Service ", "bold"),
            (one_line(self.service, 40), "bold $text-primary"),
            f"  uptime over 7 days: {up:.2%}  ({len(windows)} window{'' if len(windows) == 1 else 's'})",
        )
        self.query_one("#title", Static).update(title)
        table = self.query_one("#windows", DataTable)
        outage = self.get_component_rich_style("service-history--outage", partial=True)
        maintenance = self.get_component_rich_style("service-history--maintenance", partial=True)
        self.shown = list(reversed(windows))
        for w in self.shown:
            table.add_row(
                Text(w.kind, outage if w.kind == "outage" else maintenance),
                Text(clock(w.start, tz, with_date=True)),
                Text(clock(w.end, tz, with_date=True) if w.end is not None else "open", "bold"),
                Text(duration_cell(w, now)),
                Text(one_line(w.severity, 12)),
                Text(one_line(w.source, 20)),
                Text(one_line(w.description, 80)),
            )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted window's description in full (the table's column is cut at 80 columns)."""
        shown = getattr(self, "shown", [])
        w = shown[event.cursor_row] if 0 <= event.cursor_row < len(shown) else None
        self.query_one("#window-detail", Static).update(Text(one_line(w.description, 2000)) if w else "")
