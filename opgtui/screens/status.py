"""Status view: the service board, a banner when a critical service is down, and the pre-submit check."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from opgtui.core.model import ServiceState, Window
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock, span
from opgtui.domain.held import fresh_feeds, history_outages, last_outage, outage_cell, row_held, since_cell
from opgtui.domain.services import SUBMIT_HORIZON, BoardRow, board
from opgtui.domain.submit_window import submit_panel
from opgtui.screens.base import BaseScreen, ellipsis_cell
from opgtui.screens.reads import read_store
from opgtui.widgets.timeline import ZOOMS, OutageTimeline
from opgtui.widgets.vim import Table

if TYPE_CHECKING:
    from opgtui.store import Store


class _Board(NamedTuple):
    """One read of the board: when, its rows, the stored transitions and windows (the timeline's, and each
    service's Since and last outage), and the feeds the board counts now."""

    now: float
    rows: list[BoardRow]
    transitions: list[ServiceState]
    windows: list[Window]
    fresh: set[str]


STATES = ("up", "degraded", "down", "maintenance", "unknown")


def state_cell(state: str, styles: Mapping[str, Style]) -> Text:
    """A state as the board shows it: a badge in the theme's colour of the state (``styles`` by state)."""
    return Text(f" {state.upper()} ", styles.get(state) or Style(bold=True))


def banner_text(
    rows: list[BoardRow], since: Mapping[str, float | None] | None = None, tz: tzinfo | None = None
) -> Content | None:
    """The red line shown when any critical service is down (None when all critical ones are fine); since when
    as the board says (``since`` by service, else the row's; in the board's zone)."""
    down = [r for r in rows if r.critical and r.state == "down"]
    if not down:
        return None
    parts: list[str | tuple[str, str]] = [" CRITICAL DOWN: "]
    for i, r in enumerate(down):
        began = (since or {}).get(r.service) or r.since
        held = f" since {clock(began, tz)} ({span(r.now - began)})" if began is not None else ""
        parts.append(", " if i else " ")
        parts.append(f"{one_line(r.service, 40)}{held}")
    return Content.assemble(*parts).stylize_before("bold $text on $error")


SUBMIT_STYLE = {0: "bold $text on $success", 1: "bold $text on $error", 2: "bold $text on $warning"}


def submit_text(
    rows: list[BoardRow],
    required: list[str],
    now: float,
    windows: Sequence[Window] = (),
    tz: tzinfo | None = None,
    since: Mapping[str, float | None] | None = None,
) -> Content:
    """The pre-submit panel: the verdict and until when (``NO until 11:04``), then why, one service a line: its
    state now with since when, then the maintenance that jobs submitted now would run into; the feed's
    description last, so a cut at 80 columns loses only the description. What is needed when nothing is in the
    way."""
    panel = submit_panel(rows, required, windows, SUBMIT_HORIZON, now, tz, since)
    parts: list[str | tuple[str, str]] = [f" {panel.head} "]
    if not panel.reasons:
        parts.append((f"  needs {one_line(', '.join(required), 200)}; maintenance within 6 h counts", "dim"))
    for i, reason in enumerate(panel.reasons):
        parts.append(" " if i == 0 else "\n ")
        parts.append(f"{one_line(reason.service, 40)} {reason.what}")
        if reason.description:
            parts.append(f" — {reason.description}")
    return Content.assemble(*parts).stylize_before(SUBMIT_STYLE[panel.exit_code])  # the verdict's colour throughout


class StatusScreen(BaseScreen):
    """Every service at a glance."""

    VIEW_NAME = "Status"
    # the board's state badges and stale ages: theme colours a theme or app.tcss restyles (a table cell is Rich)
    COMPONENT_CLASSES = {*(f"status--{state}" for state in STATES), "status--stale"}
    DEFAULT_CSS = """
    StatusScreen { scrollbar-size-vertical: 1; }
    StatusScreen DataTable:nocolor > .datatable--cursor { text-style: reverse bold; }
    StatusScreen > .status--up { color: $text-success; text-style: bold; }
    StatusScreen > .status--degraded { color: $text-warning; text-style: bold; }
    StatusScreen > .status--down { color: $text; background: $error; text-style: bold; }
    StatusScreen > .status--maintenance { color: $text; background: $primary; text-style: bold; }
    StatusScreen > .status--unknown { color: $text-secondary; text-style: bold; }
    StatusScreen > .status--stale { color: $text-warning; }
    """
    # Screen-level so they work whatever has focus: Enter acts on the board's cursor row (priority: the
    # board's own Enter would swallow it), the timeline keys on the timeline.
    BINDINGS = [
        Binding("enter", "history", "History", priority=True, id="status.history"),
        Binding("z", "timeline('zoom')", "Zoom", id="timeline.zoom"),
        Binding("less_than_sign,comma", "timeline('earlier')", "Earlier", show=False, id="timeline.earlier"),
        Binding("greater_than_sign", "timeline('later')", "Later", show=False, id="timeline.later"),
        Binding("full_stop", "timeline('now')", "Back to now", show=False, id="timeline.now"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="banner")
        table: Table = Table(id="board", cursor_type="row", zebra_stripes=True)
        yield table
        yield OutageTimeline(id="timeline")
        submit = Static(id="submit")
        submit.styles.padding = (0, 1, 0, 0)  # the verdict's badge at the left edge: the reasons fit 80 columns
        yield submit
        yield Static(id="hint", classes="hint")

    def on_mount(self) -> None:
        self.set_columns(self.app.size.width)

    def set_columns(self, width: int) -> None:
        """Widths that fit 80 columns (Enter opens the full story of a service); a wider terminal gives the feed's
        name room to be read whole."""
        source = 7 + max(0, min(width - 80, 13))
        if getattr(self, "source_width", None) == source:
            return
        self.source_width = source
        table = self.query_one("#board", DataTable)
        table.clear(columns=True)
        for key, label, cells in (
            ("service", "Service", 9),
            ("state", "State", 9),
            ("since", "Since", 6),
            ("for", "For", 5),
            ("outage", "Last outage", 11),
            ("source", "Source", source),
            ("fetched", "Age", 5),
            ("next", "Next maint.", 11),
        ):
            table.add_column(label, key=key, width=cells)
        if found := getattr(self, "found", None):
            self.show(found)

    def on_resize(self) -> None:
        self.set_columns(self.size.width)
        self.call_after_refresh(self.fit_board)

    def fit_board(self) -> None:
        """On a tall terminal the board is as high as its rows and the timeline comes right under it (the spare
        rows go below everything, not into an empty board); on a short one it takes what is left and scrolls."""
        boards = self.query("#board")
        if not boards or not self.is_mounted:
            return
        board = boards.first()
        others = sum(w.outer_size.height for w in self.children if w is not board and w.display)
        need = len(getattr(self, "rows", [])) + 1
        board.styles.height = need if 0 < need <= self.size.height - others else None  # None: app.tcss's 1fr

    def reload(self) -> None:
        """Read the board and the timeline's history off the UI thread (read_store), then draw them."""
        cfg = self.opg.cfg

        def read(store: Store) -> _Board:
            now = time.time()
            rows = board(cfg, store, now)
            if not rows:
                return _Board(now, rows, [], [], set())
            # every transition: Since reads back to when the state began, however long ago (few rows: changes only)
            since = now - max(ZOOMS) * 4
            fresh = fresh_feeds(cfg, store.feed_status(), now)
            return _Board(now, rows, store.transitions(), store.windows(start=since), fresh)

        read_store(self, read, self.show, group="status-load")

    def show(self, found: _Board) -> None:
        app, now, rows = self.opg, found.now, found.rows
        self.rows, self.found = rows, found
        table = self.query_one("#board", DataTable)
        cursor = table.cursor_row
        table.clear()
        styles = {state: self.get_component_rich_style(f"status--{state}", partial=True) for state in STATES}
        stale = self.get_component_rich_style("status--stale", partial=True)
        history: dict[str, list[ServiceState]] = {}
        for t in found.transitions:
            history.setdefault(t.service, []).append(t)
        windows: dict[str, list[Window]] = {}
        for w in found.windows:
            windows.setdefault(w.service, []).append(w)
        began: dict[str, float | None] = {}
        for r in rows:
            nm = r.next_maintenance
            held = row_held(r, history.get(r.service, []), found.fresh)
            began[r.service] = held.since
            since, held_for = since_cell(held, now, app.tz)
            table.add_row(
                ellipsis_cell(r.service, "bold" if r.critical else ""),
                state_cell(r.state, styles),
                Text(since),
                Text(held_for),
                Text(outage_cell(self.last_outage(r, history, windows, found.fresh, now), now, app.tz)),
                ellipsis_cell(r.source),
                Text(span(now - r.last_fetched) if r.last_fetched else "never", stale if r.stale else "dim"),
                Text(clock(nm.start, app.tz, with_date=True) if nm else ""),
                key=r.service,
            )
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        if self.opg.announcements_expanded:
            self.draw_chrome()  # the board's height follows its rows
        self.call_after_refresh(self.fit_board)
        timeline = self.query_one(OutageTimeline)
        timeline.display = bool(rows)
        if rows:
            timeline.set_data([r.service for r in rows], found.transitions, found.windows, now, app.tz)
        banner = banner_text(rows, began, app.tz)
        self.query_one("#banner", Static).display = banner is not None
        self.query_one("#banner", Static).update(banner or "")
        required = app.data.required_services() or [r.service for r in rows if r.critical]
        submit = self.query_one("#submit", Static)
        submit.display = bool(required)
        if required:
            submit.update(submit_text(rows, required, now, found.windows, app.tz, began))
        hints = app.cfg.what_to_configure() if not app.demo else []
        hint = self.query_one("#hint", Static)
        hint.display = not rows or bool(hints and not rows)
        hint.update(Text("\n".join(["No service data yet.", *hints])))

    @staticmethod
    def last_outage(
        row: BoardRow,
        history: Mapping[str, list[ServiceState]],
        windows: Mapping[str, list[Window]],
        fresh: set[str],
        now: float,
    ) -> Window | None:
        """The row's last outage in 24 h: the feeds' windows first, then down or degraded spells of its states."""
        spells = history_outages(row.service, history.get(row.service, []), fresh)
        return last_outage([*windows.get(row.service, []), *spells], now)

    def draw_chrome(self) -> None:
        """Header and announcements; with every announcement shown (A), the board keeps a row for every service
        and the view scrolls below it (the timeline and the submit line), rather than squeezing the board."""
        super().draw_chrome()
        board = self.query("#board")
        if not board:
            return
        expanded = self.opg.announcements_expanded and bool(self.opg.data.announcements())
        rows = len(getattr(self, "rows", [])) + 1
        board.first().styles.min_height = max(rows, 5) if expanded else None
        board.first().styles.overflow_x = "hidden" if expanded else None  # the view's scrollbar takes a column

    def action_timeline(self, what: str) -> None:
        """Zoom or scroll the outage timeline in time."""
        getattr(self.query_one(OutageTimeline), f"action_{what}")()

    def action_history(self) -> None:
        table = self.query_one("#board", DataTable)
        if not getattr(self, "rows", None) or table.cursor_row >= len(self.rows):
            return
        from opgtui.screens.service import ServiceHistoryScreen

        self.app.push_screen(ServiceHistoryScreen(self.rows[table.cursor_row].service))
