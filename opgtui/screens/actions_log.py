"""`:actions`: what was done to jobs from any opgtui sharing this store (who, when, what, how many, the answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from opgtui.core.textsafe import one_line
from opgtui.core.timefmt import clock
from opgtui.screens.base import BaseScreen
from opgtui.screens.reads import read_store
from opgtui.widgets.vim import Table

if TYPE_CHECKING:
    from opgtui.store import ActionEntry


class ActionLogScreen(BaseScreen):
    """The action log, newest first; the highlighted entry's full answer and jobs below."""

    VIEW_NAME = "Actions"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="actions.back")]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[ActionEntry] = []

    def compose_body(self) -> ComposeResult:
        yield Table(id="action-log", cursor_type="row", zebra_stripes=True)
        yield Static(id="action-detail")

    def on_mount(self) -> None:
        table = self.query_one("#action-log", DataTable)
        for label, width in (("When", 11), ("Who", 10), ("Action", 18), ("Jobs", 6), ("Answer", 60)):
            table.add_column(label, width=width)

    def reload(self) -> None:
        """Read the log off the UI thread; the table fills when it arrives."""
        read_store(
            self,
            lambda store: list(reversed(store.action_log())),
            self.show,
            group="actions-load",
            failed=lambda line: self.query_one("#action-detail", Static).update(Text(line)),
        )

    def show(self, entries: list[ActionEntry]) -> None:
        self.entries = entries
        table = self.query_one("#action-log", DataTable)
        table.clear()
        for e in self.entries:
            first = (e["result"] or "").splitlines()[0] if e["result"] else ""
            table.add_row(
                Text(clock(e["time"], self.opg.tz, with_date=True)),
                Text(one_line(e["who"], 10)),
                Text(one_line(e["action"], 18)),
                Text(f"{len(e['job_ids']):,}"),
                Text(one_line(first, 120)),
            )
        self.show_detail()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        detail = self.query_one("#action-detail", Static)
        row = self.query_one("#action-log", DataTable).cursor_row
        if not self.entries:
            detail.update(Text("No actions recorded yet: release, hold, remove and retry are recorded here.", "dim"))
            return
        if row is None or row >= len(self.entries):
            return
        e = self.entries[row]
        ids = e["job_ids"]
        text = Text("\n".join(one_line(line, 200) for line in (e["result"] or "").splitlines()[:6]))
        text.append(
            "\njobs: " + one_line(", ".join(ids[:8]) + (f" and {len(ids) - 8:,} more" if len(ids) > 8 else ""), 400),
            "dim",
        )
        detail.update(text)
