"""Announcements: post, edit and expire team messages from the dashboard (`A`, or `:announce`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Select, Static

from opgtui.core.model import Announcement
from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock, parse_when
from opgtui.screens.reads import read_store, write_store, writing
from opgtui.widgets.footer import SteadyFooter
from opgtui.widgets.header import HeaderBar
from opgtui.widgets.safe_edit import SafeInput

if TYPE_CHECKING:
    from opgtui.app import OpgApp
    from opgtui.store import Store

LEVELS = [("info", "info"), ("warning", "warning"), ("critical", "critical")]


class AnnouncementForm(ModalScreen[bool]):
    """Text, level and an optional end ("4h" or an ISO time); Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="announce.cancel")]
    DEFAULT_CSS = """
    AnnouncementForm { align: center middle; }
    AnnouncementForm > Vertical { width: 70; height: auto; border: round $accent; background: $surface;
                                  padding: 0 1; }
    AnnouncementForm Input, AnnouncementForm Select { margin-bottom: 1; }
    AnnouncementForm #error { color: $error; height: auto; }
    AnnouncementForm Horizontal { height: auto; align: right middle; }
    """

    def __init__(self, existing: Announcement | None = None) -> None:
        super().__init__()
        self.existing = existing

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    def compose(self) -> ComposeResult:
        a = self.existing
        with Vertical():
            yield Static(Text("Edit announcement" if a else "Post an announcement to the team", "bold"))
            yield SafeInput(value=a.text if a else "", placeholder="message", id="text")
            yield Select(LEVELS, value=a.level if a else "info", allow_blank=False, id="level")
            yield SafeInput(value="", placeholder="until: 4h, 30m, 2026-11-26T08:00 (empty: no end)", id="until")
            yield Static(id="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def on_input_submitted(self) -> None:
        self.save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        """Esc: close without saving, unless a save is under way (it cannot be called back: the form closes on
        its answer, so that nobody believes a posted announcement was cancelled)."""
        if writing(self, "announce-save"):
            self.not_saved("being saved: it cannot be cancelled now (x on the list ends it)")
            return
        self.dismiss(False)

    def save(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        level = str(self.query_one("#level", Select).value)
        until_raw = self.query_one("#until", Input).value.strip()
        error = self.query_one("#error", Static)
        now = time.time()
        if not text:
            error.update("The message is empty.")
            return
        try:
            until = parse_when(until_raw, now) if until_raw else (self.existing.until if self.existing else None)
        except ValueError as exc:
            error.update(Text(str(exc)))
            return
        if until is not None and until <= now:
            error.update("That end is in the past: the announcement would end before it starts.")
            return
        from opgtui.store import NotAllowed

        existing, operators = self.existing, self.opg.cfg.roles.operators

        def write(store: Store) -> None:
            if existing is not None and existing.id is not None:
                store.edit_announcement(existing.id, text=text, level=level, until=until, operators=operators)
            else:
                store.post_announcement(Announcement(text, level, until=until), now)  # type: ignore[arg-type]

        # Off the UI thread. Not yours, or a read-only, locked or unreachable store: one line, the form keeps the text;
        # a second Enter while it saves starts nothing (one announcement).
        saving = write_store(
            self,
            write,
            lambda _: self.dismiss(True),
            group="announce-save",
            failed=self.not_saved,
            refusals=(NotAllowed, ValueError),
        )
        if saving is not None:
            error.update(Text("saving …"))

    def not_saved(self, line: str) -> None:
        self.query_one("#error", Static).update(Text(line))


def _when(ts: float | None, now: float, tz: object) -> str:
    """``HH:MM`` within 12 h of now, else with the date (narrow columns leave the message room)."""
    return clock(ts, tz, with_date=ts is not None and abs(ts - now) > 43200)  # type: ignore[arg-type]


LEVEL_SHORT = {"info": "info", "warning": "warn", "critical": "CRIT"}


class _FittedTable(DataTable):
    """The announcements' table: tells its screen when its size changes, so the message column is fitted again."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, AnnouncementsScreen):
            screen.refit()


class AnnouncementsScreen(Screen[None]):
    """All announcements, current and expired; `n` new, `e` or Enter edit, `x` expire now. The highlighted one is
    shown in full under the list, read-only (whoever may not edit it reads it there)."""

    DEFAULT_CSS = """
    AnnouncementsScreen #announcement-list { height: auto; max-height: 1fr; }
    AnnouncementsScreen DataTable:nocolor > .datatable--cursor { text-style: reverse bold; }
    AnnouncementsScreen #announcement-detail { height: auto; padding: 0 1; border-top: solid $primary-darken-2; }
    """

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="announcements.back"),
        Binding("n", "new", "New", id="announcements.new"),
        Binding("e", "edit", "Edit", id="announcements.edit"),
        # priority: the table's own Enter would take it
        Binding("enter", "edit", "Edit", show=False, priority=True, id="announcements.open"),
        Binding("x", "expire", "Expire", id="announcements.expire"),
    ]

    @property
    def opg(self) -> OpgApp:
        return cast("OpgApp", self.app)

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")  # drawn by the app (widgets.header.show_header) as on every pushed screen
        yield Static(Text("Announcements (newest first; Enter edits, x expires)", "bold"))
        yield _FittedTable(id="announcement-list", cursor_type="row", zebra_stripes=True)
        yield Static(id="announcement-detail")
        yield SteadyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("#", "Lvl", "Author", "From", "Until", "Message"):
            table.add_column(label)
        self.reload()

    def on_resize(self) -> None:
        if getattr(self, "loaded", None):  # the message column's width: drawn again from the last read
            self.show(self.loaded)

    def reload(self) -> None:
        """Read the announcements and the feeds' maintenance off the UI thread (screens/reads.read_store)."""
        data = self.opg.data

        def read(store: Store) -> tuple[float, list[Announcement]]:
            now = time.time()
            return now, store.announcements(include_expired=True) + data.maintenance(store, now)

        read_store(self, read, self.show, group="announcements-load")

    def show(self, found: tuple[float, list[Announcement]], refit: bool = True) -> None:
        self.loaded = found
        now, self.items = found
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        tz = self.opg.tz
        rows = []
        for a in self.items:
            expired = a.until is not None and a.until <= now
            rows.append(
                [
                    str(a.id) if a.id is not None else "feed",
                    LEVEL_SHORT.get(a.level) or one_line(a.level, 4),
                    one_line(a.author, 12),
                    _when(a.start, now, tz),
                    "expired" if expired else _when(a.until, now, tz),
                ]
            )
        # The message takes what the other columns leave (each column has 1 cell of padding a side, and a
        # vertical scrollbar takes 2 when the rows overflow).
        used = sum(max([len(r[i]) for r in rows] + [len(c.label)]) for i, c in enumerate(table.ordered_columns[:5]))

        def fits(height: int) -> int:  # the vertical scrollbar's width when these rows are in a table this high
            return 2 if len(rows) + 1 > height else 0

        scrollbar = fits(table.size.height or 0)
        width = max((self.app.size.width or 80) - used - 2 * 6 - scrollbar, 20)
        for a, cells in zip(self.items, rows, strict=True):
            expired = cells[4] == "expired"
            table.add_row(
                *(Text(c, "dim" if expired else "") for c in cells),
                Text(one_line(a.text, width), "dim" if expired else ""),
            )
        if self.items:
            table.move_cursor(row=min(cursor, len(self.items) - 1))
        self._fit = (found, scrollbar, fits)
        if refit:  # the table's height was a guess before these rows: draw again once it is laid out
            self.call_after_refresh(self.refit)

    def refit(self) -> None:
        """Draw the rows again when the laid-out table's scrollbar differs from the one their width assumed: after
        the refresh that follows them, and whenever the table's size changes (its height grows to its rows only
        at a later layout on a busy machine)."""
        fit = getattr(self, "_fit", None)
        if fit is None:
            return
        found, scrollbar, fits = fit
        height = self.query_one(DataTable).size.height
        if found is self.loaded and height and fits(height) != scrollbar:
            self.show(found, refit=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted announcement in full, wrapped: its level, who, from and until, and its whole text."""
        items = getattr(self, "items", [])
        a = items[event.cursor_row] if 0 <= event.cursor_row < len(items) else None
        self.query_one("#announcement-detail", Static).update(self.detail(a) if a else "")

    def detail(self, a: Announcement) -> Content:
        now, tz = self.loaded[0], self.opg.tz
        until = f" until {_when(a.until, now, tz)}" if a.until is not None else ""
        head = f"{one_line(a.level, 12).upper()} · {one_line(a.author, 40) or 'feed'} · from {_when(a.start, now, tz)}"
        return Content.assemble((head + until, "bold"), "\n", one_line(a.text, 5000))

    def _selected(self) -> Announcement | None:
        row = self.query_one(DataTable).cursor_row
        return self.items[row] if getattr(self, "items", None) and 0 <= row < len(self.items) else None

    def _after(self, changed: bool | None) -> None:
        if changed:
            self.reload()
            self.opg.reload_views()

    def action_new(self) -> None:
        self.app.push_screen(AnnouncementForm(), self._after)

    def action_edit(self) -> None:
        a = self._selected()
        if a is not None and a.id is None:
            self.notify(f"scheduled maintenance from {a.author}: change it at its source", markup=False)
        elif a is not None:
            self.app.push_screen(AnnouncementForm(a), self._after)

    def action_expire(self) -> None:
        """x: end the selected announcement now (off the UI thread: not yours, or a store that cannot be written,
        is one line)."""
        from opgtui.store import NotAllowed

        a = self._selected()
        if a is not None and a.id is not None:
            aid, operators = a.id, self.opg.cfg.roles.operators
            write_store(
                self,
                lambda store: store.expire_announcement(aid, operators=operators),
                lambda _: self._after(True),
                group="announce-expire",
                refusals=(NotAllowed,),
            )
